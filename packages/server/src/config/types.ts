/**
 * The server configuration (DESIGN.md "Server contract"): the JSON file's
 * keys, validated and with defaults applied.
 */

/** One listening socket: `udp|tcp:ADDRESS:PORT` (IPv6 in brackets). */
export interface ListenSpec {
  readonly transport: 'udp' | 'tcp';
  /** Address without brackets (`0.0.0.0`, `::`, `127.0.0.1`). */
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
}

/** Log levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where subscriptions, publications and bindings live. */
export type StoreSpec = { readonly kind: 'memory' } | { readonly kind: 'sqlite'; readonly path: string };

/**
 * Protective limits (issue 6), every one with a default ({@link DEFAULT_LIMITS}
 * in validate.ts). A request over a limit gets a SIP 4xx/5xx with a reason
 * phrase naming it, and a warning is logged.
 */
export interface Limits {
  /** Largest SIP message, bytes (UDP datagram or one TCP message); larger: 413 (TCP, UDP when parsable) or dropped. */
  readonly maxMessageBytes: number;
  /** Most header fields in one message; more: 400. */
  readonly maxHeaders: number;
  /** Open TCP connections in total (new ones are refused above it). */
  readonly tcpConnections: number;
  /** Open TCP connections from one source IP address. */
  readonly tcpConnectionsPerAddress: number;
  /** Bytes buffered for one incoming TCP message before it is complete (the connection is closed above it). */
  readonly tcpBufferedBytes: number;
  /** Subscriptions one watcher (From `user@domain`) may hold, all events together; more: 403. */
  readonly subscriptionsPerWatcher: number;
  /** Subscriptions to one user (the presentity watched), all watchers and events together; more: 403. */
  readonly subscriptionsPerUser: number;
  /** Live publications per (event, resource); more: 503 + Retry-After until the oldest expires (RFC 3903 §6 leaves the policy to the server; the condition clears by itself). */
  readonly publicationsPerResource: number;
  /** Largest PUBLISH body, bytes; larger: 413. */
  readonly publishBodyBytes: number;
  /** Token bucket per source IP address: sustained requests per second (0 turns the limiter off); above it: 503 + Retry-After. */
  readonly requestsPerSecond: number;
  /** Token bucket size: requests a source may send in a burst above the sustained rate. */
  readonly requestBurst: number;
  /** Event-loop load (percent) that, held for half a second, makes new out-of-dialog requests get 503 + Retry-After until it falls 10 points under; 0 (default) turns shedding off. */
  readonly overloadPercent: number;
  /** UDP receive-queue fill (percent of the socket buffer) that, seen twice in a row ¼ s apart, makes new out-of-dialog requests get 503 + Retry-After until it falls 10 points under; 0 turns it off. Linux only (read from /proc/net/udp). */
  readonly overloadQueuePercent: number;
  /** Largest management API request body, bytes; larger: HTTP 413. */
  readonly httpBodyBytes: number;
}

/** A validated configuration. */
export interface HeraldConfig {
  /** The SIP domain we serve (the listening addresses are ours too). */
  readonly domain: string;
  readonly listen: readonly ListenSpec[];
  /** Users of the domain and their passwords. */
  readonly users: Readonly<Record<string, string>>;
  /** Management API address (`HOST:PORT`), or undefined when turned off (`"http": false`). */
  readonly http: { readonly host: string; readonly port: number } | undefined;
  readonly store: StoreSpec;
  /** Digest authentication of REGISTER, SUBSCRIBE, PUBLISH (and INVITE in the proxy); false only for benchmarks. */
  readonly auth: boolean;
  /** Overrides every package's NOTIFY coalescing window (ms); undefined keeps the packages' own. */
  readonly notifyInterval: number | undefined;
  readonly logLevel: LogLevel;
  /** SUBSCRIBE back to registering phones to learn DND (default true). */
  readonly backSubscribe: boolean;
  /** Bearer token the management API requires, if any. */
  readonly httpToken: string | undefined;
  readonly limits: Limits;
  /**
   * After a restart, NOTIFY work for resumed subscriptions (state that changed
   * while down, terminations of what expired) is spread at random over this
   * many milliseconds instead of sent as one burst (default 5000; 0 = at once).
   */
  readonly resumeJitter: number;
}
