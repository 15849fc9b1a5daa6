/**
 * SIP over UDP (RFC 3261 §18): one datagram socket, IPv4 or IPv6 by the bind
 * address. Each datagram is one message; unparsable requests get a stateless
 * 400/505 back to their source when enough headers survived, everything else
 * that fails is counted, logged and dropped.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup, type LookupOneOptions } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { serializeMessage } from '../message/index.js';
import { FlowCache } from './flow-cache.js';
import { DatagramOutbox, isSendPort } from './outbox.js';
import { isKeepAlive, parseIncoming } from './incoming.js';
import {
  hostPortKey,
  newStats,
  silentLogger,
  type ParseLimits,
  type SocketTransportOptions,
  type TransportLogger,
  type TransportStats,
} from './options.js';
import {
  TransportError,
  type Destination,
  type Flow,
  type HostPort,
  type IncomingMessage,
  type SendFailureListener,
  type Transport,
} from './types.js';

/** Options of a {@link UdpTransport}. */
export interface UdpTransportOptions extends SocketTransportOptions {
  /**
   * SO_RCVBUF in bytes (default 4 MiB; the kernel caps it at its own maximum).
   * A NOTIFY fan-out gets its 200s back in a burst: with the Linux default
   * (208 KiB) thousands were dropped per second and came back as retransmissions.
   */
  readonly receiveBufferBytes?: number;
  /** How many remotes' flows are shared at most (default 65,536; see {@link FlowCache}). */
  readonly flowCacheSize?: number;
}

/** Default UDP receive buffer: room for a fan-out's burst of responses (Kamailio's reference setup uses 4 MiB too). */
export const DEFAULT_UDP_RECEIVE_BUFFER = 4 * 1024 * 1024;

/** UDP transport: unreliable, one socket for sending and receiving (so `rport` replies leave from the port the request reached, RFC 3581 §4). */
export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  /** What happened to incoming datagrams. */
  readonly stats: TransportStats = newStats();
  private readonly socket: Socket;
  private readonly logger: TransportLogger;
  private readonly limits: ParseLimits;
  private handler: ((incoming: IncomingMessage) => void) | undefined;
  private bound: HostPort | undefined;
  /** One flow per remote, shared by its datagrams (set at listen: flows carry the bound address). */
  private flows: FlowCache | undefined;
  private closed = false;
  /** Datagrams leave together at the end of the loop turn (fewer wake-ups of their receivers). */
  private readonly outbox = new DatagramOutbox((data, port, address, done) =>
    this.socket.send(data, port, address, done),
  );

  constructor(private readonly options: UdpTransportOptions) {
    this.logger = options.logger ?? silentLogger;
    this.limits = { maxSize: 65535, ...options.parse };
    this.socket = createSocket({
      type: isIPv6(options.host) ? 'udp6' : 'udp4',
      ipv6Only: isIPv6(options.host),
      lookup: literalLookup,
    });
    this.socket.on('message', (data, rinfo) => this.receive(data, rinfo.address, rinfo.port));
    this.socket.on('error', (err) => this.logger.warn('udp socket error', { error: err.message }));
  }

  get local(): HostPort {
    if (!this.bound) throw new Error('UdpTransport: local address read before listen()');
    return this.bound;
  }

  /** Binds the socket; `local` then reports the real port. */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(new TransportError(`udp bind ${hostPortKey(this.options.host, this.options.port)}: ${err.message}`));
      this.socket.once('error', onError);
      this.socket.bind({ address: this.options.host, port: this.options.port, exclusive: true }, () => {
        this.socket.off('error', onError);
        const a = this.socket.address();
        this.bound = { address: a.address, port: a.port };
        this.flows = new FlowCache('udp', this.bound, this.options.flowCacheSize);
        this.enlargeReceiveBuffer();
        resolve();
      });
    });
  }

  /** The socket's receive buffer in bytes as the kernel reports it (Linux doubles the requested size). */
  get receiveBufferSize(): number {
    return this.socket.getRecvBufferSize();
  }

  private enlargeReceiveBuffer(): void {
    const want = this.options.receiveBufferBytes ?? DEFAULT_UDP_RECEIVE_BUFFER;
    try {
      if (this.socket.getRecvBufferSize() < want) this.socket.setRecvBufferSize(want);
    } catch (err) {
      // Not fatal: the default buffer works, it only drops sooner under bursts.
      this.logger.warn('udp: cannot set the receive buffer size', { error: String(err), bytes: want });
    }
  }

  onMessage(handler: (incoming: IncomingMessage) => void): void {
    this.handler = handler;
  }

  /** Sends one datagram to the flow's remote or the destination, at the end of this event-loop turn (see outbox.ts). */
  send(data: Buffer, to: Flow | Destination): Promise<Flow> {
    if (this.closed || !this.bound) return Promise.reject(new TransportError('udp transport not listening', to));
    const flow = this.flowTo(to, this.bound);
    if (!isSendPort(flow.remote.port)) return Promise.reject(sendError(new Error(`bad port ${flow.remote.port}`), to));
    return new Promise((resolve, reject) => {
      this.outbox.queue(data, flow.remote.port, flow.remote.address, (err) =>
        err ? reject(sendError(err, to)) : resolve(flow),
      );
    });
  }

  /** {@link UdpTransport.send} without a promise: the flow is known at once; failures go to `listener`. */
  post(data: Buffer, to: Flow | Destination, listener: SendFailureListener): Flow | undefined {
    if (this.closed || !this.bound) {
      failLater(listener, new TransportError('udp transport not listening', to));
      return undefined;
    }
    const flow = this.flowTo(to, this.bound);
    if (!isSendPort(flow.remote.port)) {
      // Node would throw at once: report it as a rejection would be, not from inside the caller.
      failLater(listener, sendError(new Error(`bad port ${flow.remote.port}`), to));
      return undefined;
    }
    this.outbox.queue(data, flow.remote.port, flow.remote.address, (err) => {
      if (err) listener.sendFailed(sendError(err, to));
    });
    return flow;
  }

  /** A flow of this socket (a response to its source, a NOTIFY along a subscription's flow) is reused as is; else the shared one. */
  private flowTo(to: Flow | Destination, bound: HostPort): Flow {
    if ('remote' in to) {
      if (to.transport === 'udp' && to.local === bound && to.connectionId === undefined) return to;
      return this.flowFor(to.remote.address, to.remote.port, bound);
    }
    return this.flowFor(to.address, to.port, bound);
  }

  private flowFor(address: string, port: number, bound: HostPort): Flow {
    return this.flows ? this.flows.get(address, port) : { transport: 'udp', local: bound, remote: { address, port } };
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      if (!this.bound) {
        resolve();
        return;
      }
      this.flows?.clear();
      // What was sent before close still leaves.
      this.outbox.flush();
      this.socket.close(() => resolve());
    });
  }

  private receive(data: Buffer, address: string, port: number): void {
    // RFC 5626 §4.4.1 keep-alives over UDP are STUN (out of scope); bare CRLFs are ignored.
    if (isKeepAlive(data)) {
      this.stats.keepAlives++;
      return;
    }
    const source = this.flowFor(address, port, this.local);
    const remote = source.remote;
    const parsed = parseIncoming(data, this.limits);
    if (!parsed.ok) {
      this.stats.parseErrors++;
      this.logger.warn('udp: unparsable datagram', {
        from: hostPortKey(remote.address, remote.port),
        reason: parsed.reason,
      });
      if (parsed.response) {
        this.stats.errorResponses++;
        this.send(serializeMessage(parsed.response), source).catch((err: unknown) => {
          this.logger.warn('udp: could not send error response', { error: String(err) });
        });
      }
      return;
    }
    this.stats.received++;
    if (!this.handler) {
      this.logger.warn('udp: message received with no handler');
      return;
    }
    try {
      this.handler({ message: parsed.message, source });
    } catch (err) {
      // A throwing upper layer must not kill the socket's event loop.
      this.logger.warn('udp: message handler threw', { error: String(err) });
    }
  }
}

/**
 * dgram's address lookup for every send: an IP literal (all we send to: flows and
 * resolved destinations) is passed on at once, where `dns.lookup` defers each
 * datagram by a tick; a name still goes to `dns.lookup`.
 */
function literalLookup(
  address: string,
  options: LookupOneOptions | number,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const version = isIP(address);
  if (version !== 0) callback(null, address, version);
  // dgram passes the family as a bare number (4 or 6), whatever its type says.
  else lookup(address, typeof options === 'number' ? { family: options } : options, callback);
}

function failLater(listener: SendFailureListener, error: TransportError): void {
  queueMicrotask(() => listener.sendFailed(error));
}

function sendError(err: unknown, to: Flow | Destination): TransportError {
  const remote = 'remote' in to ? to.remote : to;
  return new TransportError(
    `udp send to ${hostPortKey(remote.address, remote.port)}: ${err instanceof Error ? err.message : String(err)}`,
    to,
  );
}
