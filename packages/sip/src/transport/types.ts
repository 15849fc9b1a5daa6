import type { SipMessage, SipRequest, SipResponse } from '../message/types.js';

/** Transport protocols; TLS and WS(S) arrive in a later milestone. */
export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export interface HostPort {
  /** IP address (IPv6 without brackets). */
  readonly address: string;
  readonly port: number;
}

/**
 * The path a message took or will take (DESIGN.md). Plain data, so stores can
 * persist it: every subscription and registration keeps the Flow it arrived
 * on, and a NOTIFY goes back the same way.
 */
export interface Flow {
  readonly transport: TransportProtocol;
  readonly local: HostPort;
  readonly remote: HostPort;
  /** Connection transports: id of the connection the message used (absent for UDP). */
  readonly connectionId?: string;
}

/** Where to send a request when no flow exists yet. */
export interface Destination {
  readonly transport: TransportProtocol;
  readonly address: string;
  readonly port: number;
}

/** A message received from the network with the flow it came on. */
export interface IncomingMessage {
  readonly message: SipMessage;
  readonly source: Flow;
}

/** Raised when bytes cannot be delivered (connection refused, reset, ICMP error, buffer cap). */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    message: string,
    readonly destination?: Destination | Flow,
  ) {
    super(message);
  }
}

/**
 * Told when a send that returned no promise failed (see {@link Transport.post},
 * {@link TransportUser.postRequest}); called asynchronously, as a rejection would be.
 */
export interface SendFailureListener {
  sendFailed(error: TransportError): void;
}

/** One listening socket set of one protocol (UDP or TCP; later TLS, WS). */
export interface Transport {
  readonly protocol: TransportProtocol;
  /** Whether the transport is reliable (no retransmissions needed: RFC 3261 §17.1.1.2). */
  readonly reliable: boolean;
  /** The bound address (after `listen`, with the real port when 0 was asked for). */
  readonly local: HostPort;
  listen(): Promise<void>;
  /** Sends serialized bytes along `to`: an existing flow (reused if still alive) or a destination. Resolves with the flow used. */
  send(data: Buffer, to: Flow | Destination): Promise<Flow>;
  /**
   * Optional, unreliable transports only: {@link Transport.send} without a promise, for the
   * per-datagram hot path. Returns the flow used (undefined when the send failed at once);
   * a failure is reported to `listener` asynchronously.
   */
  post?(data: Buffer, to: Flow | Destination, listener: SendFailureListener): Flow | undefined;
  /** Handler for every message received (parsed); set once. */
  onMessage(handler: (incoming: IncomingMessage) => void): void;
  close(): Promise<void>;
  /** Connection transports: whether the connection `connectionId` (from a Flow) is open on this transport. */
  hasConnection?(connectionId: string): boolean;
}

/**
 * The transport layer seen from above (RFC 3261 §18): picks a transport,
 * stamps the top Via on requests, stamps `received`/`rport` on incoming
 * requests, routes responses by Via (§18.2.2).
 */
export interface TransportUser {
  sendRequest(request: SipRequest, to: Flow | Destination): Promise<Flow>;
  /** Sends a response back per RFC 3261 §18.2.2 (and RFC 3581) using the request's flow when given. */
  sendResponse(response: SipResponse, requestFlow?: Flow): Promise<Flow>;
  isReliable(flow: Flow | Destination): boolean;
  /**
   * Optional: serializes a response and resolves its route (RFC 3261 §18.2.2) without sending, so a
   * server transaction can retransmit the same bytes without keeping the parsed response (§17.2).
   * Throws a {@link TransportError} where `sendResponse` would reject with one.
   */
  prepareResponse?(response: SipResponse, requestFlow?: Flow): PreparedResponse;
  /** Sends a {@link PreparedResponse} (first send or retransmission); present with `prepareResponse`. */
  sendPrepared?(prepared: PreparedResponse): Promise<Flow>;
  /**
   * Optional: {@link TransportUser.sendRequest} with no promise when the request leaves at once
   * as one datagram: returns the (unreliable) flow used, or undefined when sending failed at once;
   * otherwise returns the promise `sendRequest` would. Failures without a promise reach `listener`
   * asynchronously.
   */
  postRequest?(
    request: SipRequest,
    to: Flow | Destination,
    listener: SendFailureListener,
  ): Flow | undefined | Promise<Flow>;
  /** Optional: {@link TransportUser.sendPrepared} with no promise; a failure reaches `listener` asynchronously. */
  postPrepared?(prepared: PreparedResponse, listener: SendFailureListener): void;
}

/** A response serialized once, with where it goes (RFC 3261 §18.2.2, RFC 3581 §4). */
export interface PreparedResponse {
  /** The wire bytes. */
  readonly data: Buffer;
  /** Reliable transports: the request's connection, tried first. */
  readonly flow?: Flow;
  /** Where the bytes go (unreliable), or where a new connection goes when `flow` is gone (reliable). */
  readonly target: Flow | Destination;
}
