import type { Clock } from '../clock.js';

/** Where transports report what they drop or refuse; never throws back into the transport. */
export interface TransportLogger {
  warn(message: string, detail?: Readonly<Record<string, unknown>>): void;
}

/** A logger that discards everything. */
export const silentLogger: TransportLogger = { warn: () => undefined };

/** Limits handed to `parseMessage` for every incoming message. */
export interface ParseLimits {
  /** Largest message accepted, in bytes. */
  readonly maxSize?: number;
  /** Most header lines accepted. */
  readonly maxHeaders?: number;
}

/** Options common to every socket transport. */
export interface SocketTransportOptions {
  /** Address to bind: an IPv4 or IPv6 literal (`0.0.0.0`, `::`, `127.0.0.1`, `::1`). */
  readonly host: string;
  /** Port to bind; 0 picks a free one (read it back from `local`). */
  readonly port: number;
  /** Source of time for every timer (idle timeout, connect timeout). */
  readonly clock: Clock;
  readonly parse?: ParseLimits;
  readonly logger?: TransportLogger;
}

/** Counters a transport keeps about what it received, answered and dropped. */
export interface TransportStats {
  /** Messages parsed and delivered. */
  received: number;
  /** Datagrams or stream messages that failed to parse. */
  parseErrors: number;
  /** Stateless 400/505/413 answers sent for unparsable requests. */
  errorResponses: number;
  /** Keep-alives seen (CRLF, CRLFCRLF). */
  keepAlives: number;
  /** Connections refused or closed because of a cap (TCP). */
  refused: number;
}

/** Fresh zeroed counters. */
export function newStats(): TransportStats {
  return { received: 0, parseErrors: 0, errorResponses: 0, keepAlives: 0, refused: 0 };
}

/** Formats an address for logs and map keys: `1.2.3.4:5060`, `[::1]:5060`. */
export function hostPortKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
