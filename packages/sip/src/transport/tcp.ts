/**
 * SIP over TCP (RFC 3261 §18, §18.3 framing): a listener plus the
 * connections it accepted or opened. A send reuses any open connection to the
 * same remote address:port, inbound or outbound (RFC 3261 §18.1.1, §18.2.2).
 * Caps on connections and on bytes buffered per connection keep a peer from
 * exhausting memory; idle connections close after a timeout on the Clock.
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, isIPv6, type Server, type Socket } from 'node:net';
import { serializeMessage } from '../message/index.js';
import type { FrameEvent } from './framing.js';
import { framingErrorResponse, parseIncoming } from './incoming.js';
import {
  hostPortKey,
  newStats,
  silentLogger,
  type ParseLimits,
  type SocketTransportOptions,
  type TransportLogger,
  type TransportStats,
} from './options.js';
import { TcpConnection, type TcpConnectionEvents, type TcpConnectionSettings } from './tcp-connection.js';
import {
  TransportError,
  type Destination,
  type Flow,
  type HostPort,
  type IncomingMessage,
  type Transport,
} from './types.js';

/** Options of a {@link TcpTransport}. */
export interface TcpTransportOptions extends SocketTransportOptions {
  /** Close a connection after this long without traffic. Default 300 000 ms. */
  readonly idleTimeoutMs?: number;
  /** Cap on open (and opening) connections; past it new ones are refused. Default 1024. */
  readonly maxConnections?: number;
  /** Cap on open inbound connections from one source IP address; past it new ones are closed at once. Default no cap. */
  readonly maxConnectionsPerAddress?: number;
  /** Cap on bytes buffered for one incoming message. Default `parse.maxSize` or 65535. */
  readonly maxBufferedBytes?: number;
  /** Give up an outgoing connect after this long. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Cap on bytes queued for sending on one connection (a peer that stops reading); past it the connection closes. Default 1 MiB. */
  readonly maxWriteBufferBytes?: number;
}

/** TCP transport: reliable, connection-oriented; `Flow.connectionId` names the connection. */
export class TcpTransport implements Transport {
  readonly protocol = 'tcp' as const;
  readonly reliable = true;
  /** What happened to incoming messages and connections. */
  readonly stats: TransportStats = newStats();
  private readonly server: Server;
  private readonly logger: TransportLogger;
  private readonly limits: ParseLimits;
  private readonly settings: TcpConnectionSettings;
  private readonly maxConnections: number;
  private readonly maxPerAddress: number;
  /** Open inbound connections per remote IP address (for `maxConnectionsPerAddress`). */
  private readonly inboundByAddress = new Map<string, number>();
  /** Addresses refused since they reached the per-address cap: warned once per episode, not per connection (floods). */
  private readonly warnedAtCap = new Set<string>();
  private readonly connectTimeoutMs: number;
  /** Unique per transport instance so ids of a previous run never match. */
  private readonly tag = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly connections = new Map<string, TcpConnection>();
  private readonly byRemote = new Map<string, TcpConnection>();
  private readonly connecting = new Map<string, Promise<TcpConnection>>();
  private readonly events: TcpConnectionEvents;
  private handler: ((incoming: IncomingMessage) => void) | undefined;
  private bound: HostPort | undefined;
  private closed = false;

  constructor(private readonly options: TcpTransportOptions) {
    this.logger = options.logger ?? silentLogger;
    this.limits = { maxSize: 65535, ...options.parse };
    this.settings = {
      clock: options.clock,
      idleMs: options.idleTimeoutMs ?? 300_000,
      maxBuffered: options.maxBufferedBytes ?? this.limits.maxSize ?? 65535,
      maxWriteBuffer: options.maxWriteBufferBytes ?? 1024 * 1024,
    };
    this.maxConnections = options.maxConnections ?? 1024;
    this.maxPerAddress = options.maxConnectionsPerAddress ?? Infinity;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.events = {
      message: (conn, data) => this.receive(conn, data),
      framingError: (conn, ev) => this.framingError(conn, ev),
      closed: (conn, reason) => this.forget(conn, reason),
    };
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (err) => this.logger.warn('tcp listener error', { error: err.message }));
  }

  get local(): HostPort {
    if (!this.bound) throw new Error('TcpTransport: local address read before listen()');
    return this.bound;
  }

  /** Number of open connections (inbound and outbound). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Flows of the open connections. */
  flows(): Flow[] {
    return [...this.connections.values()].map((c) => c.flow);
  }

  /** Whether the connection named by `connectionId` is open here. */
  hasConnection(connectionId: string): boolean {
    return this.connections.get(connectionId)?.alive ?? false;
  }

  /** Starts listening; `local` then reports the real port. */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(new TransportError(`tcp listen ${hostPortKey(this.options.host, this.options.port)}: ${err.message}`));
      this.server.once('error', onError);
      this.server.listen(
        { host: this.options.host, port: this.options.port, ipv6Only: isIPv6(this.options.host) },
        () => {
          this.server.off('error', onError);
          const a = this.server.address();
          if (a === null || typeof a === 'string') {
            reject(new TransportError('tcp listener has no address'));
            return;
          }
          this.bound = { address: a.address, port: a.port };
          resolve();
        },
      );
    });
  }

  onMessage(handler: (incoming: IncomingMessage) => void): void {
    this.handler = handler;
  }

  /**
   * Sends along `to`: the flow's own connection when still open, else any open
   * connection to the same remote, else a new connection. A flow whose inbound
   * connection closed is dead (its remote port was the peer's ephemeral one,
   * RFC 5626 §4.5): that rejects instead of connecting.
   */
  async send(data: Buffer, to: Flow | Destination): Promise<Flow> {
    if (this.closed || !this.bound) throw new TransportError('tcp transport not listening', to);
    const remote: HostPort = 'remote' in to ? to.remote : { address: to.address, port: to.port };
    let conn: TcpConnection | undefined;
    if ('remote' in to && to.connectionId) {
      conn = this.connections.get(to.connectionId);
      if (!conn?.alive && isInboundId(to.connectionId)) {
        conn = this.liveTo(remote);
        if (!conn) throw new TransportError(`tcp connection ${to.connectionId} is closed`, to);
      }
    }
    if (!conn?.alive) conn = this.liveTo(remote) ?? (await this.open(remote, to));
    try {
      await conn.write(data);
    } catch (err) {
      throw new TransportError(`tcp send to ${hostPortKey(remote.address, remote.port)}: ${errorText(err)}`, to);
    }
    return conn.flow;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const conn of this.connections.values()) conn.close('transport closed');
    return new Promise((resolve) => {
      if (!this.bound) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
    });
  }

  private liveTo(remote: HostPort): TcpConnection | undefined {
    const conn = this.byRemote.get(hostPortKey(remote.address, remote.port));
    return conn?.alive ? conn : undefined;
  }

  private atCap(): boolean {
    return this.connections.size + this.connecting.size >= this.maxConnections;
  }

  private accept(socket: Socket): void {
    if (this.closed || this.atCap()) {
      this.stats.refused++;
      this.logger.warn('tcp: connection refused (cap reached)', {
        from: hostPortKey(socket.remoteAddress ?? '?', socket.remotePort ?? 0),
        max: this.maxConnections,
      });
      socket.destroy();
      return;
    }
    const address = socket.remoteAddress ?? '';
    if ((this.inboundByAddress.get(address) ?? 0) >= this.maxPerAddress) {
      this.stats.refused++;
      if (!this.warnedAtCap.has(address)) {
        this.warnedAtCap.add(address);
        this.logger.warn('tcp: connection refused (per-address cap reached; further refusals not logged)', {
          from: hostPortKey(address, socket.remotePort ?? 0),
          max: this.maxPerAddress,
        });
      }
      socket.destroy();
      return;
    }
    this.register(socket, true);
  }

  private open(remote: HostPort, to: Flow | Destination): Promise<TcpConnection> {
    const key = hostPortKey(remote.address, remote.port);
    const pending = this.connecting.get(key);
    if (pending) return pending;
    if (this.atCap()) {
      this.stats.refused++;
      this.logger.warn('tcp: outgoing connection refused (cap reached)', { to: key, max: this.maxConnections });
      return Promise.reject(new TransportError(`tcp connection cap (${this.maxConnections}) reached`, to));
    }
    const attempt = new Promise<TcpConnection>((resolve, reject) => {
      let socket: Socket;
      try {
        socket = connect({ host: remote.address, port: remote.port, noDelay: true });
      } catch (err) {
        // Bad ports and addresses throw synchronously.
        reject(new TransportError(`tcp connect to ${key}: ${errorText(err)}`, to));
        return;
      }
      const fail = (reason: string): void => {
        cancelTimer();
        socket.destroy();
        reject(new TransportError(`tcp connect to ${key}: ${reason}`, to));
      };
      const cancelTimer = this.options.clock.setTimer(this.connectTimeoutMs, () => fail('timeout'));
      socket.once('error', (err) => fail(err.message));
      socket.once('connect', () => {
        cancelTimer();
        socket.removeAllListeners('error');
        if (this.closed) {
          fail('transport closed');
          return;
        }
        resolve(this.register(socket, false));
      });
    });
    this.connecting.set(key, attempt);
    const done = (): void => {
      this.connecting.delete(key);
    };
    attempt.then(done, done);
    return attempt;
  }

  private register(socket: Socket, inbound: boolean): TcpConnection {
    const id = `tcp-${this.tag}-${++this.seq}${inbound ? INBOUND_MARK : 'o'}`;
    const flow: Flow = {
      transport: 'tcp',
      local: { address: socket.localAddress ?? this.local.address, port: socket.localPort ?? this.local.port },
      remote: { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
      connectionId: id,
    };
    const conn = new TcpConnection(id, inbound, flow, socket, this.settings, this.events);
    this.connections.set(id, conn);
    this.byRemote.set(hostPortKey(flow.remote.address, flow.remote.port), conn);
    if (inbound)
      this.inboundByAddress.set(flow.remote.address, (this.inboundByAddress.get(flow.remote.address) ?? 0) + 1);
    return conn;
  }

  private forget(conn: TcpConnection, reason: string): void {
    this.connections.delete(conn.id);
    const key = hostPortKey(conn.flow.remote.address, conn.flow.remote.port);
    if (this.byRemote.get(key) === conn) this.byRemote.delete(key);
    if (conn.inbound) {
      const left = (this.inboundByAddress.get(conn.flow.remote.address) ?? 1) - 1;
      if (left > 0) this.inboundByAddress.set(conn.flow.remote.address, left);
      else this.inboundByAddress.delete(conn.flow.remote.address);
      this.warnedAtCap.delete(conn.flow.remote.address);
    }
    if (reason !== 'closed' && reason !== 'transport closed') {
      this.logger.warn('tcp: connection closed', { id: conn.id, reason });
    }
  }

  private receive(conn: TcpConnection, data: Buffer): void {
    const parsed = parseIncoming(data, this.limits);
    if (!parsed.ok) {
      this.stats.parseErrors++;
      this.logger.warn('tcp: unparsable message, closing', { id: conn.id, reason: parsed.reason });
      if (parsed.response) this.stats.errorResponses++;
      conn.close('unparsable message', parsed.response ? serializeMessage(parsed.response) : undefined);
      return;
    }
    this.stats.received++;
    if (!this.handler) {
      this.logger.warn('tcp: message received with no handler');
      return;
    }
    try {
      this.handler({ message: parsed.message, source: conn.flow });
    } catch (err) {
      this.logger.warn('tcp: message handler threw', { error: errorText(err) });
    }
  }

  private framingError(conn: TcpConnection, ev: Extract<FrameEvent, { type: 'error' }>): void {
    if (ev.status === 413) this.stats.refused++;
    else this.stats.parseErrors++;
    this.logger.warn('tcp: cannot frame stream, closing', { id: conn.id, reason: ev.reason });
    const response = ev.head ? framingErrorResponse(ev.head, ev.status, ev.reason, this.limits) : undefined;
    if (response) this.stats.errorResponses++;
    conn.close(ev.reason, response ? serializeMessage(response) : undefined);
  }
}

const INBOUND_MARK = 'i';

function isInboundId(id: string): boolean {
  return id.endsWith(INBOUND_MARK);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
