// Raw UDP and TCP peers for the limit tests: bytes in, parsed responses out, bounded waits only.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { StreamFramer, parseMessage, type SipMessage, type SipResponse } from '@herald/sip';

let seq = 0;

/** A request as text: OPTIONS by default, with extra header lines and a body. */
export function rawRequest(
  opts: {
    transport?: 'UDP' | 'TCP';
    method?: string;
    port?: number;
    extra?: string[];
    body?: string;
    callId?: string;
  } = {},
): string {
  const n = ++seq;
  const method = opts.method ?? 'OPTIONS';
  const body = opts.body ?? '';
  return [
    `${method} sip:example.test SIP/2.0`,
    `Via: SIP/2.0/${opts.transport ?? 'UDP'} 127.0.0.1:${opts.port ?? 9};branch=z9hG4bKlim${n};rport`,
    'Max-Forwards: 70',
    `From: <sip:alice@example.test>;tag=f${n}`,
    'To: <sip:example.test>',
    `Call-ID: ${opts.callId ?? `lim-${n}`}`,
    `CSeq: 1 ${method}`,
    ...(opts.extra ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

function asResponse(m: SipMessage): SipResponse {
  if (m.kind !== 'response') throw new Error('expected a response');
  return m;
}

/** A UDP peer on 127.0.0.1 that collects every response it receives. */
export class UdpPeer {
  readonly received: SipResponse[] = [];
  private waiters: Array<() => void> = [];
  private constructor(
    private readonly socket: UdpSocket,
    readonly serverPort: number,
  ) {
    socket.on('message', (data) => {
      this.received.push(asResponse(parseMessage(data)));
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(t: { teardown(fn: () => void): void }, serverPort: number): Promise<UdpPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    t.teardown(() => socket.close());
    return new UdpPeer(socket, serverPort);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(text: string | Buffer): void {
    this.socket.send(typeof text === 'string' ? Buffer.from(text) : text, this.serverPort, '127.0.0.1');
  }

  /** Waits (bounded) until a response with this Call-ID arrived, and returns it. */
  async response(callId: string, ms = 5000): Promise<SipResponse> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.received.find((r) => r.callId === callId);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response for ${callId}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** A TCP connection to the server: framed responses in, close observed. */
export class TcpPeer {
  readonly received: SipResponse[] = [];
  readonly closed: Promise<void>;
  private readonly framer = new StreamFramer({ maxBuffered: 1 << 20 });
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const ev of this.framer.push(chunk)) {
        if (ev.type === 'message') this.received.push(asResponse(parseMessage(ev.data)));
      }
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static connect(t: { teardown(fn: () => void): void }, port: number, localAddress = '127.0.0.1'): Promise<TcpPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress });
      t.teardown(() => socket.destroy());
      socket.once('connect', () => resolve(new TcpPeer(socket)));
      socket.once('error', reject);
    });
  }

  get port(): number {
    return this.socket.localPort ?? 0;
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Waits (bounded) for a response with this Call-ID; undefined if the connection closed first. */
  async response(callId: string, ms = 5000): Promise<SipResponse | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.received.find((r) => r.callId === callId);
      if (found) return found;
      if (this.socket.destroyed || this.socket.readableEnded) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response for ${callId}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves true once closed by the server, rejects after `ms` (bounded wait). */
  closedWithin(ms = 5000): Promise<true> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connection still open')), ms);
      void this.closed.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
