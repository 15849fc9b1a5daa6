/**
 * From the config's {@link Limits} to the options of the parts that enforce
 * them, so the composition passes one call each (server.ts).
 */
import {
  TcpTransport,
  UdpTransport,
  systemClock,
  type Clock,
  type EndpointTransport,
  type TcpTransportOptions,
  type UdpTransportOptions,
} from '@herald/sip';
import type { PublishLimits } from '@herald/events';
import type { Limits, ListenSpec } from '../config/types.js';
import type { Logger } from '../logger.js';
import { RateLimitedTransport } from './rate-limited-transport.js';
import { TokenBuckets } from './token-bucket.js';
import { OverloadGuard, type LoadSampler, type QueueSampler } from './overload.js';
import { udpQueueSampler, type QueueSocket } from './udp-queue.js';
import type { MeteredEndpoint } from '../http/server-metrics.js';

/** Options a UDP transport takes from the limits: message size and header count (RFC 3261 §18.1.1 leaves size policy to us). */
export function udpLimits(limits: Limits): Pick<UdpTransportOptions, 'parse'> {
  return { parse: { maxSize: limits.maxMessageBytes, maxHeaders: limits.maxHeaders } };
}

/** Options a TCP transport takes from the limits: message size, headers, connections (total, per address), bytes buffered. */
export function tcpLimits(
  limits: Limits,
): Pick<TcpTransportOptions, 'parse' | 'maxConnections' | 'maxConnectionsPerAddress' | 'maxBufferedBytes'> {
  return {
    ...udpLimits(limits),
    maxConnections: limits.tcpConnections,
    maxConnectionsPerAddress: limits.tcpConnectionsPerAddress,
    // The framer answers 413 as soon as the headers announce too much (the parser alone could only close).
    maxBufferedBytes: Math.min(limits.tcpBufferedBytes, limits.maxMessageBytes),
  };
}

/** The transport for one `listen` entry, with the limits it enforces. */
export function listenTransport(
  spec: ListenSpec,
  clock: Clock,
  logger: Pick<Logger, 'warn'>,
  limits: Limits,
): UdpTransport | TcpTransport {
  const common = { host: spec.host, port: spec.port, clock, logger };
  return spec.transport === 'udp'
    ? new UdpTransport({ ...common, ...udpLimits(limits) })
    : new TcpTransport({ ...common, ...tcpLimits(limits) });
}

/** The publication service's limits (RFC 3903 §6 leaves them to the server). */
export function publishLimits(limits: Limits): PublishLimits {
  return { maxPerResource: limits.publicationsPerResource, maxBodyBytes: limits.publishBodyBytes };
}

/** `transport` behind the per-source token bucket, or `transport` itself when `requestsPerSecond` is 0 (off). */
export function rateLimited(
  transport: EndpointTransport,
  limits: Limits,
  clock: Clock,
  logger: Pick<Logger, 'warn'>,
): EndpointTransport {
  if (limits.requestsPerSecond === 0) return transport;
  const buckets = new TokenBuckets({ clock, rate: limits.requestsPerSecond, burst: limits.requestBurst });
  return new RateLimitedTransport(transport, buckets, logger);
}

/**
 * Load shedding on `endpoint`: `overloadQueuePercent` (UDP receive queues,
 * read by `queue`) and `overloadPercent` (event loop); 0 = off. Both are real
 * time measures, so with an injected clock (tests, simulation) each is only
 * watched when its sampler is given: a manual clock's windows would not be
 * the real time the load is over. Undefined when nothing is watched.
 */
export function shedOnOverload(
  endpoint: MeteredEndpoint,
  limits: Limits,
  clock: Clock,
  logger: Pick<Logger, 'warn' | 'info'>,
  sample: LoadSampler | undefined,
  queue: { readonly sample?: QueueSampler; readonly sockets: () => readonly QueueSocket[] },
): OverloadGuard | undefined {
  const real = clock === systemClock;
  const percent = sample !== undefined || real ? limits.overloadPercent : 0;
  const queuePercent = queue.sample !== undefined || real ? limits.overloadQueuePercent : 0;
  if (percent === 0 && queuePercent === 0) return undefined;
  const guard = new OverloadGuard({
    clock,
    percent,
    queuePercent,
    queueSample: queue.sample ?? udpQueueSampler(queue.sockets),
    logger,
    ...(sample ? { sample } : {}),
  });
  endpoint.refuse = (incoming) => guard.refuse(incoming);
  return guard;
}

/** The bound UDP sockets among `transports`, for the receive-queue sampler (none before they listen). */
export function udpQueueSockets(
  transports: ReadonlyArray<{ readonly spec: ListenSpec; readonly transport: UdpTransport | TcpTransport }>,
): QueueSocket[] {
  const out: QueueSocket[] = [];
  for (const { transport } of transports) {
    if (!(transport instanceof UdpTransport)) continue;
    try {
      out.push({ ...transport.local, bufferBytes: transport.receiveBufferSize });
    } catch {
      // Not bound yet (or closed): nothing to read for it.
    }
  }
  return out;
}
