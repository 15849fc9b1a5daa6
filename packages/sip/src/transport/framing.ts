/**
 * Byte-level framing of SIP messages on a stream transport (RFC 3261 §18.3):
 * the end of the headers is the first empty line, the body is exactly
 * Content-Length bytes. Also recognises the RFC 5626 §3.5.1 keep-alives
 * (CRLFCRLF ping, CRLF pong) between messages. Knows nothing of sockets.
 */

/** One thing found in the stream. */
export type FrameEvent =
  /** A complete message: headers, empty line and body. */
  | { readonly type: 'message'; readonly data: Buffer }
  /** A CRLFCRLF keep-alive ping; the transport answers with a single CRLF (RFC 5626 §3.5.1). */
  | { readonly type: 'ping' }
  /** A single CRLF between messages (a keep-alive pong); nothing to do. */
  | { readonly type: 'pong' }
  /**
   * The stream cannot be framed any more; the connection must close.
   * `head` holds the header bytes when they were complete, so the caller can
   * try to answer 400 (RFC 3261 §18.3: a stream message without Content-Length is an error).
   */
  | { readonly type: 'error'; readonly reason: string; readonly status: 400 | 413; readonly head?: Buffer };

/** Limits of one {@link StreamFramer}. */
export interface StreamFramerOptions {
  /** Cap on bytes held for one message (headers without end, or headers + announced body). Default 65535. */
  readonly maxBuffered?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const DEFAULT_MAX_BUFFERED = 65535;

/** Splits a byte stream into SIP messages and keep-alives; one per connection. */
export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  /** Length of the current message once its headers are known (headers + body). */
  private need = -1;
  private failed = false;
  private readonly maxBuffered: number;

  constructor(options: StreamFramerOptions = {}) {
    this.maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
  }

  /** Bytes currently held waiting for the rest of a message. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Feeds a chunk; returns what became complete. After an `error` event the framer ignores all input. */
  push(chunk: Buffer): FrameEvent[] {
    if (this.failed) return [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: FrameEvent[] = [];
    for (;;) {
      const ev = this.next();
      if (!ev) break;
      out.push(ev);
      if (ev.type === 'error') {
        this.failed = true;
        this.buf = Buffer.alloc(0);
        break;
      }
    }
    return out;
  }

  private next(): FrameEvent | undefined {
    const buf = this.buf;
    if (this.need < 0) {
      if (buf.length === 0) return undefined;
      // Keep-alives and stray CRLFs sit between messages (RFC 5626 §3.5.1, RFC 3261 §7.5).
      if (buf[0] === CR || buf[0] === LF) return this.keepAlive();
      const headEnd = findHeadEnd(buf);
      if (headEnd < 0) {
        if (buf.length > this.maxBuffered) return { type: 'error', reason: 'Headers Too Large', status: 413 };
        return undefined;
      }
      const head = buf.subarray(0, headEnd);
      const len = contentLength(head);
      if (typeof len === 'string') return { type: 'error', reason: len, status: 400, head: Buffer.from(head) };
      if (headEnd + len > this.maxBuffered) {
        return { type: 'error', reason: 'Message Too Large', status: 413, head: Buffer.from(head) };
      }
      this.need = headEnd + len;
    }
    if (buf.length < this.need) return undefined;
    const data = Buffer.from(buf.subarray(0, this.need));
    this.buf = buf.subarray(this.need);
    this.need = -1;
    return { type: 'message', data };
  }

  /** Consumes a CRLFCRLF ping or a single CRLF (pong); waits when a ping may still be arriving. */
  private keepAlive(): FrameEvent | undefined {
    const buf = this.buf;
    if (buf[0] === LF) {
      // A bare LF is tolerated as line noise.
      this.buf = buf.subarray(1);
      return { type: 'pong' };
    }
    if (buf.length < 2) return undefined;
    if (buf[1] !== LF) {
      this.buf = buf.subarray(1);
      return { type: 'pong' };
    }
    if (buf.length < 4) {
      // `\r\n` alone or `\r\n\r`: the rest of a ping may be in the next chunk.
      if (buf.length === 2 || buf[2] === CR) return undefined;
      this.buf = buf.subarray(2);
      return { type: 'pong' };
    }
    if (buf[2] === CR && buf[3] === LF) {
      this.buf = buf.subarray(4);
      return { type: 'ping' };
    }
    this.buf = buf.subarray(2);
    return { type: 'pong' };
  }
}

/** Index just past the empty line ending the headers (`\r\n\r\n`, leniently `\n\n`), or -1. */
export function findHeadEnd(buf: Buffer): number {
  for (let i = buf.indexOf(LF); i >= 0 && i < buf.length; i = buf.indexOf(LF, i + 1)) {
    const n = buf[i + 1];
    if (n === LF) return i + 2;
    if (n === CR && buf[i + 2] === LF) return i + 3;
    if (n === undefined) return -1;
  }
  return -1;
}

/**
 * Reads Content-Length (or its compact form `l`, any case) from a header block.
 * Returns the length, or the reason it cannot be framed (missing, malformed, conflicting).
 */
export function contentLength(head: Buffer): number | string {
  const text = head.toString('latin1');
  let found: number | undefined;
  // Skip the start line; header lines may be folded (continuations start with SP/HTAB).
  const lines = text.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0 || line[0] === ' ' || line[0] === '\t') continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name !== 'content-length' && name !== 'l') continue;
    const value = line.slice(colon + 1).trim();
    if (!/^\d{1,10}$/.test(value)) return 'Bad Content-Length';
    const n = Number(value);
    if (found !== undefined && found !== n) return 'Conflicting Content-Length';
    found = n;
  }
  // RFC 3261 §18.3: on a stream-oriented transport Content-Length MUST be present.
  if (found === undefined) return 'Missing Content-Length';
  return found;
}
