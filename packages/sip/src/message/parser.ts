import { isAscii, isUtf8 } from 'node:buffer';
import { TOKEN, allIn } from './chars.js';
import { SipParseError } from './errors.js';
import type { ParseErrorStatus } from './errors.js';
import { HeaderId, headerDefAt, headerDefIn, nameBeforeColon } from './header-names.js';
import type { HeaderDef } from './header-names.js';
import { splitList } from './headers.js';
import type { HeaderLine } from './headers.js';
import { Request, Response } from './message.js';
import type { HeaderEncoding } from './message.js';
import { Failure, parseStartLine, requestLineFast } from './start-line.js';
import type { StartLine } from './start-line.js';
import { addressShapeOk, parseCSeq, readDecimal } from './values.js';
import { FirstLines, found } from './lookup.js';
import { parseNameAddrIn } from './name-addr.js';
import { parseViaIn } from './via.js';
import type { CSeq, NameAddr, SipRequest, SipResponse, Via } from './types.js';

/** Options of {@link parseMessage}. */
export interface ParseOptions {
  /** Largest accepted message in octets (default 65536); beyond it the error has status 413. */
  maxSize?: number;
  /** Most header lines accepted (default 256). */
  maxHeaders?: number;
  /**
   * True (default) when the data is one whole datagram: without Content-Length
   * the body runs to its end (RFC 3261 §18.3). False for a message framed from
   * a stream, where Content-Length is mandatory.
   */
  datagram?: boolean;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
/** Messages up to this size (nearly all) are decoded whole at once when ASCII. */
const DECODE_WHOLE = 4096;
/** The body of every message without one (zero length: nothing to share or change). */
const EMPTY = Buffer.alloc(0);

/** The Via value `text[start, end)`, or undefined when malformed (its accessor then throws). */
function viaOrUndefined(
  text: string,
  start: number,
  end: number,
  bytes: Uint8Array | undefined,
  base: number,
): Via | undefined {
  try {
    return parseViaIn(text, start, end, bytes, base);
  } catch {
    return undefined;
  }
}

/** A From or To line's address read in place, or undefined when it is not there or malformed. */
function addressOrUndefined(
  text: string,
  line: HeaderLine,
  bytes: Uint8Array | undefined,
  base: number,
): NameAddr | undefined {
  if (line.start < 0) return undefined;
  try {
    return parseNameAddrIn(text, line.start, line.end, bytes, base);
  } catch {
    return undefined;
  }
}

function raise(reason: string, status: ParseErrorStatus, isRequest: boolean, lines: HeaderLine[]): never {
  const headers = lines.map((l): [string, string] => [l.def.name, l.value]);
  throw new SipParseError(reason, status, { isRequest, headers });
}

/** Placeholder start line of a {@link Head} until the scan reads the real one. */
const NO_START: StartLine = { isRequest: false, method: '', uri: '', status: 0, reason: '', version: '' };

/**
 * What one pass over the header lines finds: the lines, the first failure,
 * and what the eager checks read on the way (RFC 4475 wants them rejected
 * early; the top Via, From and To are read in full while checked, since
 * every server reads them and a read here costs less than a check plus a
 * read later; the rest stays lazy, but where the accessors' headers lie is
 * noted in {@link firstLines}).
 */
class Head {
  first: StartLine = NO_START;
  readonly lines: HeaderLine[] = [];
  readonly fail = new Failure();
  /** The header text the lines' offsets refer to. */
  text = '';
  /** The datagram when {@link text} holds one char per octet (`text[i]` is `bytes[base + i]`), else undefined. */
  bytes: Uint8Array | undefined = undefined;
  base = 0;
  /** Index of the CRLFCRLF ending the header section when the scan reached it, else -1. */
  end = -1;
  readonly firstLines = new FirstLines();
  cseq: string | undefined = undefined;
  contentLength: string | undefined = undefined;
  topVia: Via | undefined = undefined;
  from: NameAddr | undefined = undefined;
  to: NameAddr | undefined = undefined;
  /**
   * Header fields: lines, plus the extra Via values packed into one line (RFC 3261 §7.3.1), since
   * stamping `received` writes one line per Via: an answer must stay within the limit we parse with.
   */
  fields = 0;

  /** Adds a finished header line (its folded continuations joined) and checks it. */
  add(line: HeaderLine): void {
    const i = this.lines.length;
    this.lines.push(line);
    this.fields++;
    const isFirst = this.firstLines.see(line.def.id, i);
    const fail = this.fail;
    switch (line.def.id) {
      case HeaderId.Via:
        if (line.value === '') fail.note('Malformed Via header');
        else if (line.value.indexOf(',') >= 0) {
          const parts = splitList(line.value);
          if (parts.some((p) => p === '')) fail.note('Malformed Via header');
          this.fields += parts.length - 1;
        } else if (isFirst && line.start >= 0)
          this.topVia = viaOrUndefined(this.text, line.start, line.end, this.bytes, this.base);
        break;
      case HeaderId.CSeq:
        this.cseq = line.value;
        break;
      case HeaderId.ContentLength:
        this.contentLength = line.value;
        break;
      case HeaderId.From:
        if (isFirst) this.from = addressOrUndefined(this.text, line, this.bytes, this.base);
        if (this.from === undefined && !addressShapeOk(line.value)) fail.note('Malformed From header');
        break;
      case HeaderId.To:
        if (isFirst) this.to = addressOrUndefined(this.text, line, this.bytes, this.base);
        if (this.to === undefined && !addressShapeOk(line.value)) fail.note('Malformed To header');
        break;
      case HeaderId.MaxForwards:
        if (readDecimal(line.value, 255) < 0) fail.note('Malformed Max-Forwards header');
        break;
      case HeaderId.CallId:
        if (line.value === '' || line.value.indexOf(' ') >= 0 || line.value.indexOf('\t') >= 0) {
          fail.note('Malformed Call-ID header');
        }
        break;
      case HeaderId.Contact:
      case HeaderId.Expires:
      case HeaderId.Event:
      case HeaderId.Other:
      case HeaderId.SubscriptionState:
      case HeaderId.Route:
      case HeaderId.RecordRoute:
        break; // parsed lazily by their accessors
    }
  }
}

/**
 * Splits the header section (start line and header lines, each ending in
 * CRLF) into lines (RFC 3261 §7.3.1: folding, HCOLON with optional
 * whitespace before the colon) up to the empty line that ends it or `n`,
 * so the end needs no search of its own, and checks each line as it is
 * finished ({@link Head.add}): one pass. Uses indexOf, much faster than
 * char loops.
 */
function scanHead(
  head: string,
  n: number,
  maxHeaders: number,
  tooLarge: boolean,
  bytes: Uint8Array | undefined,
  base: number,
): Head {
  const h = new Head();
  h.text = head;
  h.bytes = bytes;
  h.base = base;
  const fail = h.fail;
  if (tooLarge) fail.note('Message Too Large', 413);
  let eol = head.indexOf('\r\n');
  h.first =
    (bytes !== undefined ? requestLineFast(bytes, base, head, eol) : undefined) ??
    parseStartLine(head.slice(0, eol), fail);
  let def: HeaderDef | undefined;
  let value = '';
  let vStart = -1;
  let vEnd = -1;
  let singles = 0;
  let pos = eol + 2;
  let colon = -1;
  let cr = -1;
  while (pos < n) {
    const lf = head.indexOf('\n', pos);
    if (lf === pos + 1 && head.charCodeAt(pos) === 13) {
      h.end = pos - 2; // the empty line: CRLFCRLF starts at the previous line's CR
      break;
    }
    eol = lf - 1;
    if (lf < 0 || eol < pos || head.charCodeAt(eol) !== 13) {
      fail.note('Malformed header line');
      break;
    }
    // RFC 3261 §7.3.1: CR only ends a line; a bare one in a value could never be written back out.
    if (cr < pos) cr = head.indexOf('\r', pos);
    if (cr < eol) fail.note('Malformed header line');
    let a = pos;
    let b = eol;
    pos = lf + 1;
    const c0 = head.charCodeAt(a);
    if (c0 === 32 || c0 === 9) {
      // RFC 3261 §7.3.1: a line starting with whitespace continues the previous one.
      while (a < b && (head.charCodeAt(a) === 32 || head.charCodeAt(a) === 9)) a++;
      while (b > a && (head.charCodeAt(b - 1) === 32 || head.charCodeAt(b - 1) === 9)) b--;
      if (def === undefined) fail.note('Malformed header line');
      else if (a < b) {
        value = value === '' ? head.slice(a, b) : value + ' ' + head.slice(a, b);
        vStart = -1;
        vEnd = -1;
      }
      continue;
    }
    if (def !== undefined) h.add({ def, value, parts: undefined, start: vStart, end: vEnd });
    def = undefined;
    if (h.lines.length >= maxHeaders) {
      fail.note('Too Many Header Fields');
      break;
    }
    // The usual line: a known name, its colon at once after it (no search for the colon).
    const known = bytes !== undefined ? nameBeforeColon(bytes, base + a) : undefined;
    if (known !== undefined) {
      def = known.def;
      a += known.codes.length + 1;
    } else {
      if (colon < a) colon = head.indexOf(':', a);
      if (colon < 0 || colon > b) {
        fail.note('Malformed header line');
        continue;
      }
      let nameEnd = colon;
      while (nameEnd > a && (head.charCodeAt(nameEnd - 1) === 32 || head.charCodeAt(nameEnd - 1) === 9)) nameEnd--;
      def = bytes !== undefined ? headerDefIn(bytes, base, head, a, nameEnd) : headerDefAt(head, a, nameEnd);
      // Names in the table were matched char by char; only another one needs checking.
      if (def.codes === undefined && !allIn(TOKEN, head, a, nameEnd)) {
        fail.note('Malformed header name');
        def = undefined;
        continue;
      }
      a = colon + 1;
    }
    while (a < b && (head.charCodeAt(a) === 32 || head.charCodeAt(a) === 9)) a++;
    while (b > a && (head.charCodeAt(b - 1) === 32 || head.charCodeAt(b - 1) === 9)) b--;
    value = head.slice(a, b);
    vStart = a;
    vEnd = b;
    if (def.bit !== 0) {
      if ((singles & def.bit) !== 0) fail.note('Duplicate ' + def.name + ' header');
      singles |= def.bit;
    }
  }
  if (def !== undefined) h.add({ def, value, parts: undefined, start: vStart, end: vEnd });
  return h;
}

/**
 * Parses one SIP message (RFC 3261 §7; RFC 4475 strictness). Header text is
 * decoded as UTF-8 when the octets are valid UTF-8, else as Latin-1 (one
 * char per octet) so nothing is lost and serialization writes the same bytes.
 * The body is a view of the input (not a copy), sized by Content-Length;
 * extra octets after it are ignored. Throws {@link SipParseError}.
 */
export function parseMessage(data: Buffer | string, opts?: ParseOptions): SipRequest | SipResponse {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const maxSize = opts?.maxSize ?? 65536;
  const maxHeaders = opts?.maxHeaders ?? 256;
  const datagram = opts?.datagram ?? true;

  // RFC 3261 §7.5: CRLFs before the start line are ignored.
  let start = 0;
  while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
  const tooLarge = buf.length - start > maxSize;
  let parsed: Head;
  let encoding: HeaderEncoding;
  let headEnd: number;
  if (!tooLarge && buf.length - start <= DECODE_WHOLE && isAscii(buf)) {
    // The usual datagram: all ASCII and small. One decode and a string search
    // are cheaper than Buffer.indexOf plus a subarray per check.
    const text = buf.toString('latin1', start);
    parsed = scanHead(text, text.length, maxHeaders, false, buf, start);
    // The scan stops at the empty line; only a malformed head leaves the end to search for.
    const end = parsed.end >= 0 ? parsed.end : text.indexOf('\r\n\r\n');
    if (end < 0) throw new SipParseError('Missing end of header fields');
    headEnd = start + end;
    encoding = 'utf8';
  } else {
    const window = tooLarge ? buf.subarray(0, start + maxSize) : buf;
    headEnd = window.indexOf(CRLFCRLF, start);
    if (headEnd < 0) {
      if (tooLarge) throw new SipParseError('Message Too Large', 413);
      throw new SipParseError('Missing end of header fields');
    }
    // Header text: ASCII (the usual case) and non-UTF-8 octets decode as
    // Latin-1, one char per octet, so nothing is lost; valid UTF-8 as UTF-8.
    const raw = buf.subarray(start, headEnd);
    const ascii = isAscii(raw);
    encoding = ascii || isUtf8(raw) ? 'utf8' : 'latin1';
    const decoder = ascii || encoding === 'latin1' ? 'latin1' : 'utf8';
    const head = buf.toString(decoder, start, headEnd + 2);
    parsed = scanHead(head, head.length, maxHeaders, tooLarge, undefined, 0);
  }
  const { first, lines, fail } = parsed;
  const isRequest = first.isRequest;
  const cseqValue = parsed.cseq;
  const clValue = parsed.contentLength;
  if (parsed.fields > maxHeaders) fail.note('Too Many Header Fields');
  let cseq: CSeq | undefined;
  if (cseqValue !== undefined) {
    try {
      // The request's method passed the token check unless a failure is already noted (then nothing is returned).
      cseq = parseCSeq(cseqValue, isRequest && fail.reason === undefined ? first.method : '');
      if (isRequest && fail.reason === undefined && cseq.method !== first.method) fail.note('CSeq method mismatch');
    } catch {
      fail.note('Malformed CSeq header');
    }
  }

  const bodyStart = headEnd + 4;
  let bodyEnd = buf.length;
  if (clValue !== undefined) {
    const cl = readDecimal(clValue, 1e9);
    if (cl < 0) fail.note('Malformed Content-Length header');
    else if (cl > buf.length - bodyStart) fail.note('Content-Length larger than message');
    else bodyEnd = bodyStart + cl;
  } else if (!datagram) {
    // RFC 3261 §18.3: Content-Length MUST be used with stream-oriented transports.
    fail.note('Missing Content-Length header');
  }
  if (fail.reason !== undefined) raise(fail.reason, fail.status, isRequest, lines);

  const msg = isRequest
    ? new Request(first.method, first.uri, lines, EMPTY, 'SIP/2.0', encoding, parsed.text)
    : new Response(first.status, first.reason, lines, EMPTY, 'SIP/2.0', encoding, parsed.text);
  msg.octets = parsed.bytes;
  msg.octetBase = parsed.base;
  // The body's view is made when first read.
  if (bodyEnd > bodyStart) {
    msg.bodyFrom = buf;
    msg.bodyStart = bodyStart;
    msg.bodyEnd = bodyEnd;
  }
  msg.cCSeq = cseq;
  // A malformed top Via, From or To stays unread: its accessor throws when asked.
  if (parsed.topVia !== undefined) msg.cTopVia = parsed.topVia;
  if (parsed.from !== undefined) msg.cFrom = parsed.from;
  if (parsed.to !== undefined) msg.cTo = parsed.to;
  parsed.firstLines.pack();
  msg.hx = found.hx;
  msg.hy = found.hy;
  return msg;
}
