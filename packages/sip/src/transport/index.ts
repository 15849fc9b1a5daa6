/** Transports (RFC 3261 §18): UDP, TCP, the in-memory loop pair, and the transport layer over them. */
export * from './types.js';
export { StreamFramer, findHeadEnd, contentLength } from './framing.js';
export type { FrameEvent, StreamFramerOptions } from './framing.js';
export { silentLogger, hostPortKey } from './options.js';
export type { TransportLogger, ParseLimits, SocketTransportOptions, TransportStats } from './options.js';
export { isKeepAlive, parseIncoming, framingErrorResponse } from './incoming.js';
export type { ParseOutcome } from './incoming.js';
export { UdpTransport } from './udp.js';
export type { UdpTransportOptions } from './udp.js';
export { TcpTransport } from './tcp.js';
export type { TcpTransportOptions } from './tcp.js';
export { TransportLayer } from './transport-layer.js';
export type { Advertise, TransportEntry, TransportLayerOptions } from './transport-layer.js';
export { LoopTransport, createLoopPair } from './loop.js';
export type { LoopFilter, LoopPairOptions } from './loop.js';
export { formatViaWith, stampReceived, sentByIsOurs, responseRoute, defaultPort, sameHost, protocolOf } from './via.js';
export type { ViaChanges, ResponseRoute, ResponseRule } from './via.js';
