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
}
