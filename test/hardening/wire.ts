// Raw SIP peers for the hardening tests: a UDP socket and one-shot TCP
// connections on 127.0.0.1 that write exact bytes and read whatever the
// server answers, plus a hand-made digest (so a test controls nonce and nc).
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { parseMessage, type SipMessage, type SipRequest, type SipResponse } from '@herald/sip';

type Teardown = { teardown(fn: () => Promise<void> | void): void };

/** Waits at most `ms` of wall time (bounds only; never a timing assertion). */
const WAIT_MS = 5000;

function tryParse(data: Buffer): SipMessage | undefined {
  try {
    return parseMessage(data);
  } catch {
    return undefined;
  }
}

/** A UDP peer that records every message it receives and answers NOTIFYs with 200. */
export class RawUdp {
  readonly received: SipMessage[] = [];
  /** Every response datagram, parsable or not (status and Call-ID only). */
  readonly responses: LooseResponse[] = [];
  private readonly waiters = new Set<() => void>();
  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    readonly serverPort: number,
  ) {
    socket.on('message', (data) => {
      const loose = looseResponse(data);
      if (loose) this.responses.push(loose);
      const msg = tryParse(data);
      if (msg) this.received.push(msg);
      if (msg?.kind === 'request' && msg.method === 'NOTIFY') this.answer(msg, 200);
      for (const w of this.waiters) w();
    });
  }

  static async open(t: Teardown, serverPort: number): Promise<RawUdp> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    return new RawUdp(socket, socket.address().port, serverPort);
  }

  /** Sends raw bytes to the server. */
  send(data: string | Buffer): void {
    this.socket.send(typeof data === 'string' ? Buffer.from(data) : data, this.serverPort, '127.0.0.1');
  }

  /** The first received message (from `from` on) matching, waiting for it (bounded). */
  next(match: (m: SipMessage) => boolean, from = 0): Promise<SipMessage> {
    return this.waitIn(this.received, match, from);
  }

  /** The first response (parsable or not, from index `from` of {@link responses}) matching (bounded wait). */
  nextResponse(match: (r: LooseResponse) => boolean, from = 0): Promise<LooseResponse> {
    return this.waitIn(this.responses, match, from);
  }

  private async waitIn<T>(list: readonly T[], match: (m: T) => boolean, from: number): Promise<T> {
    for (;;) {
      const found = list.slice(from).find(match);
      if (found !== undefined) return found;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiters.delete(wake);
          reject(new Error('no matching message'));
        }, WAIT_MS);
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
      });
    }
  }

  /** Sends a request and resolves with its final response (1xx skipped). */
  async request(text: string): Promise<SipResponse> {
    const callId = /^Call-ID: *(.+)$/im.exec(text)?.[1]?.trim();
    const cseq = /^CSeq: *(\d+)/im.exec(text)?.[1];
    const from = this.received.length;
    this.send(text);
    const res = await this.next(
      (m) => m.kind === 'response' && m.status >= 200 && m.callId === callId && String(m.cseq?.seq) === cseq,
      from,
    );
    return res as SipResponse;
  }

  /** NOTIFYs received for one Call-ID, in arrival order. */
  notifies(callId: string): SipRequest[] {
    return this.received.filter(
      (m): m is SipRequest => m.kind === 'request' && m.method === 'NOTIFY' && m.callId === callId,
    );
  }

  private answer(req: SipRequest, status: number): void {
    const lines = [`SIP/2.0 ${status} OK`];
    for (const v of req.headers.getAll('Via')) lines.push(`Via: ${v}`);
    for (const h of ['From', 'To', 'Call-ID', 'CSeq']) lines.push(`${h}: ${req.headers.get(h) ?? ''}`);
    this.send(`${lines.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`);
  }
}

/**
 * Writes `data` on a fresh TCP connection, then reads until `until` says the
 * bytes so far are enough, the server closes, or `graceMs` of silence after
 * `until` is met. Returns every parsed message and whether the server closed.
 */
export function tcpExchange(
  port: number,
  data: Buffer,
  until: (responses: LooseResponse[]) => boolean,
  waitMs = WAIT_MS,
): Promise<{ messages: SipMessage[]; responses: LooseResponse[]; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffered = Buffer.alloc(0);
    const messages: SipMessage[] = [];
    const responses: LooseResponse[] = [];
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ messages, responses, closedByServer });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('connect', () => socket.write(data));
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      // Responses from us carry Content-Length; split on it.
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = buffered.subarray(0, end).toString('latin1');
        const cl = Number(/^(?:Content-Length|l) *: *(\d+)/im.exec(head)?.[1] ?? '0');
        if (buffered.length < end + 4 + cl) break;
        const one = buffered.subarray(0, end + 4 + cl);
        const loose = looseResponse(one);
        if (loose) responses.push(loose);
        const msg = tryParse(one);
        if (msg) messages.push(msg);
        buffered = buffered.subarray(end + 4 + cl);
      }
      if (until(responses)) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (err) => (done ? undefined : reject(err)));
  });
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** The nonce of a 401/407 challenge (first digest value). */
export function nonceOf(res: SipResponse): string {
  const value = res.headers.get('WWW-Authenticate') ?? res.headers.get('Proxy-Authenticate') ?? '';
  const nonce = /nonce="([^"]+)"/.exec(value)?.[1];
  if (nonce === undefined) throw new Error(`no challenge in ${res.status}`);
  return nonce;
}

/** Whether a challenge says stale=true (RFC 7616 §3.3). */
export function isStale(res: SipResponse): boolean {
  return /stale=true/i.test(res.headers.get('WWW-Authenticate') ?? res.headers.get('Proxy-Authenticate') ?? '');
}

/** An RFC 7616 MD5 `Digest` credentials value with qop=auth. */
export function digestCredentials(o: {
  user: string;
  password: string;
  realm: string;
  nonce: string;
  method: string;
  uri: string;
  nc?: number;
  cnonce?: string;
}): string {
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = o.cnonce ?? 'c0ffee';
  const ha1 = md5(`${o.user}:${o.realm}:${o.password}`);
  const ha2 = md5(`${o.method}:${o.uri}`);
  const response = md5(`${ha1}:${o.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return (
    `Digest username="${o.user}", realm="${o.realm}", nonce="${o.nonce}", uri="${o.uri}", ` +
    `response="${response}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}"`
  );
}

/** A fresh token for Call-IDs, tags and branches. */
export const token = (): string => randomBytes(6).toString('hex');

/** Builds one request's text; Via names the UDP peer `port` with rport. */
export function sipRequest(o: {
  method: string;
  uri: string;
  from: string;
  to?: string;
  callId?: string;
  cseq?: number;
  port: number;
  transport?: 'UDP' | 'TCP';
  contact?: string;
  headers?: Array<[string, string]>;
  body?: string;
}): string {
  const body = o.body ?? '';
  const lines = [
    `${o.method} ${o.uri} SIP/2.0`,
    `Via: SIP/2.0/${o.transport ?? 'UDP'} 127.0.0.1:${o.port};rport;branch=z9hG4bK${token()}`,
    `Max-Forwards: 70`,
    `From: ${o.from}`,
    `To: ${o.to ?? `<${o.uri}>`}`,
    `Call-ID: ${o.callId ?? token()}`,
    `CSeq: ${o.cseq ?? 1} ${o.method}`,
    ...(o.contact ? [`Contact: ${o.contact}`] : []),
    ...(o.headers ?? []).map(([k, v]) => `${k}: ${v}`),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * Aims the top Via of a recorded message at the transport we replay it on.
 * A response goes by the Via's transport (RFC 3261 §18.2.2: the connection
 * for TCP, the sent-by address for UDP), so the sent-protocol must be the one
 * used, and over UDP the sent-by must be our socket (the RFC 4475 hosts are
 * made up). Every other byte stays (latin1 keeps bytes one to one).
 */
export function aimViaAt(raw: Buffer, transport: 'UDP' | 'TCP', port?: number): Buffer {
  const text = raw.toString('latin1');
  const via = /^(?:Via|v)[ \t]*:/im.exec(text);
  if (!via) return raw;
  const rest = text.slice(via.index);
  const aimed = rest.replace(
    /(SIP\s*\/\s*\d+\.\d+\s*\/\s*)[A-Za-z]+(\s+)([^;\s,]+)/,
    (_m, head: string, gap: string, sentBy: string) =>
      `${head}${transport}${gap}${port === undefined ? sentBy : `127.0.0.1:${port}`}`,
  );
  return Buffer.from(text.slice(0, via.index) + aimed, 'latin1');
}

/** A response seen as status and Call-ID only. */
export interface LooseResponse {
  readonly status: number;
  readonly callId: string | undefined;
}

/** Status and Call-ID of a response read with regular expressions: answers may echo headers our parser refuses. */
export function looseResponse(data: Buffer): LooseResponse | undefined {
  const text = data.toString('latin1');
  const status = /^SIP\/2\.0 (\d{3})/.exec(text)?.[1];
  if (status === undefined) return undefined;
  return { status: Number(status), callId: /^(?:Call-ID|i)[ \t]*:[ \t]*([^\r\n]*)/im.exec(text)?.[1]?.trim() };
}
