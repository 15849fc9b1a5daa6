/**
 * An in-memory transport pair for tests of the layers above (after pjsip's
 * loop transport): what one side sends, the other receives, as bytes parsed
 * by `parseMessage`, so it behaves like the wire. Knobs drop, delay (on the
 * Clock) and fail sends, and every sent message is recorded.
 */
import type { Clock } from '../clock.js';
import { serializeMessage } from '../message/index.js';
import type { SipMessage } from '../message/types.js';
import { isKeepAlive, parseIncoming } from './incoming.js';
import { silentLogger, type TransportLogger } from './options.js';
import {
  TransportError,
  type Destination,
  type Flow,
  type HostPort,
  type IncomingMessage,
  type Transport,
} from './types.js';

/** Decides per message: `true` applies the knob to every message, a function to those it picks. */
export type LoopFilter = boolean | ((message: SipMessage, to: Flow | Destination) => boolean);

/** Options of {@link createLoopPair}. */
export interface LoopPairOptions {
  readonly clock: Clock;
  /** `udp` (unreliable) or `tcp` (reliable, with a connection id) semantics. */
  readonly protocol: 'udp' | 'tcp';
  /** Local addresses of the two ends. Default 127.0.0.1:5060 and 127.0.0.2:5060. */
  readonly addresses?: readonly [HostPort, HostPort];
  readonly logger?: TransportLogger;
}

let nextPair = 0;

/** One end of a loop pair. Set the public knobs at any time. */
export class LoopTransport implements Transport {
  readonly reliable: boolean;
  /** Drop (silently lose) messages this filter picks; the send still resolves. */
  drop: LoopFilter = false;
  /** Fail sends this filter picks: the promise rejects with a TransportError and nothing is delivered. */
  fail: LoopFilter = false;
  /** Delivery delay in ms on the Clock; 0 delivers on the next microtask (before `await send()` resumes). */
  delayMs = 0;
  /** Every message handed to `send`, in order (including dropped ones, not failed ones). */
  readonly sent: SipMessage[] = [];
  /** Every message delivered to this end's handler, in order. */
  readonly received: IncomingMessage[] = [];
  private peer: LoopTransport | undefined;
  private handler: ((incoming: IncomingMessage) => void) | undefined;
  private dropCount = 0;
  private closed = false;

  constructor(
    readonly protocol: 'udp' | 'tcp',
    readonly local: HostPort,
    private readonly clock: Clock,
    private readonly connectionId: string | undefined,
    private readonly logger: TransportLogger,
  ) {
    this.reliable = protocol === 'tcp';
  }

  /** Drops the next `count` messages sent from this end. */
  dropNext(count = 1): void {
    this.dropCount += count;
  }

  /** Links the two ends; used by {@link createLoopPair}. */
  connect(peer: LoopTransport): void {
    this.peer = peer;
  }

  listen(): Promise<void> {
    return Promise.resolve();
  }

  onMessage(handler: (incoming: IncomingMessage) => void): void {
    this.handler = handler;
  }

  /** The flow from this end to the peer. */
  get flow(): Flow {
    const remote = this.peer?.local ?? this.local;
    return this.connectionId
      ? { transport: this.protocol, local: this.local, remote, connectionId: this.connectionId }
      : { transport: this.protocol, local: this.local, remote };
  }

  /** Delivers `data` to the peer whatever `to` names (there is only one). */
  send(data: Buffer, to: Flow | Destination): Promise<Flow> {
    const peer = this.peer;
    if (this.closed || !peer || (this.reliable && peer.closed)) {
      return Promise.reject(new TransportError('loop transport closed', to));
    }
    const parsed = isKeepAlive(data) ? undefined : parseIncoming(data);
    const message = parsed?.ok ? parsed.message : undefined;
    if (message && matches(this.fail, message, to)) {
      return Promise.reject(new TransportError('loop transport: send failed (fail knob)', to));
    }
    if (message) this.sent.push(message);
    const dropped = this.dropCount > 0 || (message !== undefined && matches(this.drop, message, to));
    if (this.dropCount > 0) this.dropCount--;
    if (!dropped) {
      const bytes = Buffer.from(data);
      const deliver = (): void => peer.deliver(bytes);
      if (this.delayMs > 0) this.clock.setTimer(this.delayMs, deliver);
      else queueMicrotask(deliver);
    }
    return Promise.resolve(this.flow);
  }

  /** Whether `connectionId` is this pair's (tcp semantics) and both ends are open. */
  hasConnection(connectionId: string): boolean {
    return this.connectionId === connectionId && !this.closed && !(this.peer?.closed ?? true);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private deliver(data: Buffer): void {
    if (this.closed || isKeepAlive(data)) return;
    const parsed = parseIncoming(data);
    if (!parsed.ok) {
      this.logger.warn('loop: unparsable message', { reason: parsed.reason });
      // Like the wire transports: an unparsable request is answered 400/505 when enough of it survived.
      if (parsed.response) this.send(serializeMessage(parsed.response), this.flow).catch(() => undefined);
      return;
    }
    const incoming: IncomingMessage = { message: parsed.message, source: this.flow };
    this.received.push(incoming);
    this.handler?.(incoming);
  }
}

/** Creates two linked loop transports: `const [a, b] = createLoopPair({ clock, protocol: 'udp' })`. */
export function createLoopPair(options: LoopPairOptions): [LoopTransport, LoopTransport] {
  const [la, lb] = options.addresses ?? [
    { address: '127.0.0.1', port: 5060 },
    { address: '127.0.0.2', port: 5060 },
  ];
  const id = options.protocol === 'tcp' ? `loop-${++nextPair}` : undefined;
  const logger = options.logger ?? silentLogger;
  const a = new LoopTransport(options.protocol, la, options.clock, id, logger);
  const b = new LoopTransport(options.protocol, lb, options.clock, id, logger);
  a.connect(b);
  b.connect(a);
  return [a, b];
}

function matches(filter: LoopFilter, message: SipMessage, to: Flow | Destination): boolean {
  return typeof filter === 'boolean' ? filter : filter(message, to);
}
