/**
 * The transport layer over several transports (RFC 3261 §18): picks the
 * transport for a request and stamps its top Via, switches large UDP
 * requests to TCP (§18.1.1), stamps `received`/`rport` on incoming requests
 * (§18.2.1, RFC 3581), drops responses that are not ours (§18.1.2) and routes
 * responses by their Via (§18.2.2).
 */
import { randomBytes } from 'node:crypto';
import { serializeMessage } from '../message/index.js';
import { Request } from '../message/message.js';
import type { SipRequest, SipResponse, Via } from '../message/types.js';
import { hostPortKey, silentLogger, type TransportLogger } from './options.js';
import {
  TransportError,
  type Destination,
  type Flow,
  type HostPort,
  type IncomingMessage,
  type PreparedResponse,
  type SendFailureListener,
  type Transport,
  type TransportProtocol,
  type TransportUser,
} from './types.js';
import { bracket, defaultPort, formatViaWith, isIpLiteral, isV6, responseRoute, sameHost, stampVia } from './via.js';

/** The address written into Via sent-by for a transport (e.g. a public address or name behind NAT). */
export interface Advertise {
  readonly host: string;
  /** Defaults to the transport's bound port. */
  readonly port?: number;
}

/** A transport with the address to advertise in Via. */
export interface TransportEntry {
  readonly transport: Transport;
  readonly advertise?: Advertise;
}

/** Options of a {@link TransportLayer}. */
export interface TransportLayerOptions {
  readonly transports: ReadonlyArray<Transport | TransportEntry>;
  /**
   * Path MTU when known. RFC 3261 §18.1.1: a UDP request larger than MTU − 200
   * bytes (1300 when the MTU is unknown) goes over TCP when a TCP transport exists.
   */
  readonly mtu?: number;
  /** RFC 3261 §18.1.2: discard responses whose top Via sent-by is not ours. Default true. */
  readonly checkResponseVia?: boolean;
  readonly logger?: TransportLogger;
}

const UNKNOWN_MTU_LIMIT = 1300;

/** The top Via a client transaction adds when there is none: sent-by left for the transport layer (RFC 3261 §18.1.1). */
const PLACEHOLDER_VIA = /^SIP\/2\.0\/[A-Za-z]+ 0\.0\.0\.0;branch=([A-Za-z0-9.!%*_+`'~-]+)$/;

/** Whether `flow` is the connectionless flow from `local` to `dest`. */
function sameUdpFlow(flow: Flow, dest: Destination, local: HostPort): boolean {
  return (
    flow.connectionId === undefined &&
    flow.transport === dest.transport &&
    flow.local === local &&
    flow.remote.address === dest.address &&
    flow.remote.port === dest.port
  );
}

/** Implements {@link TransportUser} over UDP, TCP and loop transports. */
export class TransportLayer implements TransportUser {
  private readonly entries: TransportEntry[];
  private readonly udpLimit: number;
  private readonly checkResponseVia: boolean;
  private readonly logger: TransportLogger;
  private handler: ((incoming: IncomingMessage) => void) | undefined;
  /** Messages dropped by the layer (no Via, foreign response Via). */
  dropped = 0;

  constructor(options: TransportLayerOptions) {
    this.entries = options.transports.map((t) => ('transport' in t ? t : { transport: t }));
    this.udpLimit = options.mtu !== undefined ? options.mtu - 200 : UNKNOWN_MTU_LIMIT;
    this.checkResponseVia = options.checkResponseVia ?? true;
    this.logger = options.logger ?? silentLogger;
    for (const entry of this.entries) entry.transport.onMessage((incoming) => this.receive(incoming));
  }

  /** The transports, in the order given. */
  get transports(): Transport[] {
    return this.entries.map((e) => e.transport);
  }

  /** Starts every transport. */
  async listen(): Promise<void> {
    await Promise.all(this.entries.map((e) => e.transport.listen()));
  }

  /** Handler for every request (already stamped) and every response that passed the Via check; set once. */
  onMessage(handler: (incoming: IncomingMessage) => void): void {
    this.handler = handler;
  }

  /** Whether messages along this flow or destination need no retransmission (RFC 3261 §17.1.1.2). */
  isReliable(flow: Flow | Destination): boolean {
    const entry = this.entries.find((e) => e.transport.protocol === flow.transport);
    return entry ? entry.transport.reliable : flow.transport !== 'udp';
  }

  /**
   * Sends a request: stamps the top Via (transport, sent-by of the chosen
   * transport, `rport` flag per RFC 3581 §3), switching a large UDP request
   * to TCP (RFC 3261 §18.1.1). Resolves with the flow used (check its
   * `transport`: it may be `tcp` when `to` said `udp`).
   */
  async sendRequest(request: SipRequest, to: Flow | Destination): Promise<Flow> {
    const isFlow = 'remote' in to;
    const remoteAddress = isFlow ? to.remote.address : to.address;
    const entry = isFlow ? this.pickForFlow(to) : this.pick(to.transport, remoteAddress);
    if (!entry) throw new TransportError(`no ${to.transport} transport for ${remoteAddress}`, to);
    const data = this.stamp(request, entry);
    // §18.1.1: a Flow pins a path (a NAT binding, RFC 5626), so only fresh destinations switch.
    if (entry.transport.protocol === 'udp' && data.length > this.udpLimit && !isFlow) {
      const tcp = this.pick('tcp', remoteAddress);
      if (tcp) {
        try {
          return await tcp.transport.send(this.stamp(request, tcp), {
            transport: 'tcp',
            address: to.address,
            port: to.port,
          });
        } catch (err) {
          // §18.1.1: if the TCP connection cannot be made, the element SHOULD retry over UDP.
          this.logger.warn('large request: tcp failed, falling back to udp', {
            to: hostPortKey(to.address, to.port),
            error: String(err),
          });
          return this.send(entry, this.stamp(request, entry), to);
        }
      }
    }
    return this.send(entry, data, to);
  }

  /**
   * {@link TransportLayer.sendRequest} without a promise when the request leaves at once as one
   * datagram (UDP, within the size limit): returns the flow, or undefined when it failed at once;
   * failures reach `listener` asynchronously. Otherwise returns `sendRequest`'s promise.
   */
  postRequest(
    request: SipRequest,
    to: Flow | Destination,
    listener: SendFailureListener,
  ): Flow | undefined | Promise<Flow> {
    const isFlow = 'remote' in to;
    const entry = isFlow ? this.pickForFlow(to) : this.pick(to.transport, to.address);
    if (!entry?.transport.post || entry.transport.protocol !== 'udp') return this.sendRequest(request, to);
    const data = this.stamp(request, entry);
    // §18.1.1: a large request to a fresh destination may switch to TCP: the promise path decides.
    if (data.length > this.udpLimit && !isFlow && this.pick('tcp', to.address)) return this.sendRequest(request, to);
    return entry.transport.post(data, to, listener);
  }

  /** Sends a response where RFC 3261 §18.2.2 and RFC 3581 §4 say, using the request's flow when given. */
  async sendResponse(response: SipResponse, requestFlow?: Flow): Promise<Flow> {
    return this.sendPrepared(this.prepareResponse(response, requestFlow));
  }

  /** Serializes a response and resolves its route (RFC 3261 §18.2.2, RFC 3581 §4) without sending it. */
  prepareResponse(response: SipResponse, requestFlow?: Flow): PreparedResponse {
    const via = this.topVia(response);
    if (!via) throw new TransportError('response without a usable top Via', requestFlow);
    const route = responseRoute(via, requestFlow);
    if (!route) throw new TransportError(`unsupported Via transport ${via.transport}`, requestFlow);
    const dest = route.destination;
    const target: Flow | Destination = !route.local
      ? dest
      : requestFlow && sameUdpFlow(requestFlow, dest, route.local)
        ? requestFlow // RFC 3581 §4, the usual case: straight back to the source (kept for retransmissions)
        : { transport: dest.transport, local: route.local, remote: { address: dest.address, port: dest.port } };
    const data = serializeMessage(response);
    return route.flow ? { data, flow: route.flow, target } : { data, target };
  }

  /** Sends a prepared response: along its connection if still open, else to its target (§18.2.2). */
  async sendPrepared(prepared: PreparedResponse): Promise<Flow> {
    const { data, flow, target } = prepared;
    if (flow) {
      const entry = this.pickForFlow(flow);
      if (entry) {
        try {
          return await entry.transport.send(data, flow);
        } catch (err) {
          // §18.2.2: the connection is gone; open a new one to received / sent-by.
          this.logger.warn('response: connection gone, opening a new one', { error: String(err) });
        }
      }
    }
    const isFlow = 'remote' in target;
    const address = isFlow ? target.remote.address : target.address;
    const entry = this.pick(target.transport, address, isFlow ? target.local : undefined);
    if (!entry) throw new TransportError(`no ${target.transport} transport for ${address}`, target);
    return this.send(entry, data, target);
  }

  /** {@link TransportLayer.sendPrepared} without a promise when the response leaves as one datagram; failures reach `listener`. */
  postPrepared(prepared: PreparedResponse, listener: SendFailureListener): void {
    const { flow, target } = prepared;
    if (!flow) {
      const isFlow = 'remote' in target;
      const entry = isFlow
        ? this.pick(target.transport, target.remote.address, target.local)
        : this.pick(target.transport, target.address);
      if (entry?.transport.post) {
        entry.transport.post(prepared.data, target, listener);
        return;
      }
    }
    this.sendPrepared(prepared).then(undefined, (err: unknown) =>
      listener.sendFailed(err instanceof TransportError ? err : new TransportError(String(err), target)),
    );
  }

  /** Closes every transport. */
  async close(): Promise<void> {
    await Promise.all(this.entries.map((e) => e.transport.close()));
  }

  private async send(entry: TransportEntry, data: Buffer, to: Flow | Destination): Promise<Flow> {
    try {
      return await entry.transport.send(data, to);
    } catch (err) {
      if (err instanceof TransportError) throw err;
      throw new TransportError(err instanceof Error ? err.message : String(err), to);
    }
  }

  /**
   * Chooses a transport: the one bound to `local` if given, else the first of
   * the protocol in the address family of `remote`.
   */
  private pick(protocol: TransportProtocol, remote: string, local?: HostPort): TransportEntry | undefined {
    if (local) {
      // The usual case: a flow of one of our sockets, which hands out its own `local` object.
      for (const e of this.entries) if (e.transport.protocol === protocol && e.transport.local === local) return e;
    }
    const candidates = this.entries.filter((e) => e.transport.protocol === protocol);
    if (local) {
      const exact = candidates.find(
        (e) => e.transport.local.address === local.address && e.transport.local.port === local.port,
      );
      if (exact) return exact;
    }
    if (!isIpLiteral(remote)) return candidates[0];
    const v6 = isV6(remote);
    return candidates.find((e) => isV6(e.transport.local.address) === v6);
  }

  /** The transport holding the flow's connection if any, else by local address and family. */
  private pickForFlow(flow: Flow): TransportEntry | undefined {
    const id = flow.connectionId;
    const owner = id
      ? this.entries.find((e) => e.transport.protocol === flow.transport && e.transport.hasConnection?.(id))
      : undefined;
    return owner ?? this.pick(flow.transport, flow.remote.address, flow.local);
  }

  /** RFC 3261 §18.1.2: whether a response's top Via names a sent-by of ours (no list built per response). */
  private sentByIsOurs(via: Via): boolean {
    const port = via.port ?? defaultPort(via.transport);
    for (const entry of this.entries) {
      const local = entry.transport.local;
      const ours = entry.advertise?.port ?? local.port;
      if (ours === port && sameHost(entry.advertise?.host ?? local.address, via.host)) return true;
    }
    return false;
  }

  private sentBy(entry: TransportEntry): { host: string; port: number } {
    const local = entry.transport.local;
    return { host: entry.advertise?.host ?? local.address, port: entry.advertise?.port ?? local.port };
  }

  /** Rewrites the top Via for `entry` and serializes (RFC 3261 §18.1.1, RFC 3581 §3). */
  private stamp(request: SipRequest, entry: TransportEntry): Buffer {
    const { host, port } = this.sentBy(entry);
    const transport = entry.transport.protocol.toUpperCase();
    const values = request.headers.getAll('Via');
    // Fast path: the placeholder the transaction layer writes for requests we originate (NOTIFY,
    // SUBSCRIBE) carries only a branch; stamping it needs no parse and no params map.
    const placeholder = values.length > 0 ? PLACEHOLDER_VIA.exec(values[0] as string) : null;
    if (placeholder) {
      const stampedTop = `SIP/2.0/${transport} ${bracket(host)}:${port};branch=${placeholder[1]};rport`;
      request.headers.set('Via', values.length === 1 ? stampedTop : [stampedTop, ...values.slice(1)]);
      return serializeMessage(request);
    }
    const top = this.topVia(request);
    let stamped: string;
    if (top) {
      // Keep branch and other params; ask for rport on every request (RFC 3581 §3).
      stamped = formatViaWith(top, { transport, host, port, params: { rport: null } });
    } else {
      // No Via at all: the caller skipped the transaction layer; give it a fresh branch (RFC 3261 §8.1.1.7).
      stamped = `SIP/2.0/${transport} ${bracket(host)}:${port};branch=z9hG4bK${randomBytes(8).toString('hex')};rport`;
    }
    request.headers.set('Via', top ? [stamped, ...values.slice(1)] : [stamped, ...values]);
    return serializeMessage(request);
  }

  private topVia(message: SipRequest | SipResponse): Via | undefined {
    try {
      return message.topVia;
    } catch {
      return undefined;
    }
  }

  private receive(incoming: IncomingMessage): void {
    const { message, source } = incoming;
    const via = this.topVia(message);
    if (!via) {
      this.drop('no usable top Via', source);
      return;
    }
    if (message.kind === 'request') {
      const stamped = stampVia(via, source.remote);
      if (stamped !== undefined) {
        message.headers.set('Via', [stamped.text, ...message.headers.getAll('Via').slice(1)]);
        // The new top Via as parsed, so the accessors need not parse what was just written.
        if (stamped.via !== undefined && message instanceof Request) message.cTopVia = stamped.via;
      }
    } else if (this.checkResponseVia && !this.sentByIsOurs(via)) {
      this.drop(`response Via sent-by ${via.host} is not ours`, source);
      return;
    }
    if (!this.handler) {
      this.logger.warn('transport layer: message with no handler');
      return;
    }
    this.handler(incoming);
  }

  private drop(reason: string, source: Flow): void {
    this.dropped++;
    this.logger.warn(`transport layer: dropped message: ${reason}`, {
      from: hostPortKey(source.remote.address, source.remote.port),
    });
  }
}
