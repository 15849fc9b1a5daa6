/**
 * Validation of the JSON configuration: every mistake is reported with the
 * key it concerns (`config: listen[1]: expected udp|tcp:ADDRESS:PORT`), as a
 * value, never a throw.
 */
import { isIP } from 'node:net';
import type { HeraldConfig, Limits, ListenSpec, LogLevel, StoreSpec } from './types.js';

/** Outcome of {@link validateConfig}. */
export type ConfigVerdict =
  { readonly ok: true; readonly config: HeraldConfig } | { readonly ok: false; readonly error: string };

/** Default listening sockets: UDP and TCP 5060 on all interfaces (DESIGN.md). */
export const DEFAULT_LISTEN: readonly string[] = ['udp:0.0.0.0:5060', 'tcp:0.0.0.0:5060'];
/** Default management API address: loopback only. */
export const DEFAULT_HTTP = '127.0.0.1:8080';

/** Default limits: room for a 500-key BLF console and a 40-phone office booting behind one NAT address. */
export const DEFAULT_LIMITS: Limits = {
  maxMessageBytes: 65535,
  maxHeaders: 256,
  tcpConnections: 4096,
  tcpConnectionsPerAddress: 64,
  tcpBufferedBytes: 65535,
  subscriptionsPerWatcher: 1000,
  subscriptionsPerUser: 2000,
  publicationsPerResource: 16,
  publishBodyBytes: 65536,
  requestsPerSecond: 500,
  requestBurst: 2000,
  // Off: event-loop load near 100 % is also what a server keeping up at its peak shows (issue 7 bench).
  overloadPercent: 0,
  // On: a queue that stays full is falling behind, whatever the loop's load (requests wait, clients retransmit).
  overloadQueuePercent: 30,
  httpBodyBytes: 65536,
};
/** Default {@link HeraldConfig.resumeJitter}, ms. */
export const DEFAULT_RESUME_JITTER = 5000;

/** Allowed range per limit: [min, max] (requestsPerSecond and the overload percents: 0 = off). */
const LIMIT_RANGES: Readonly<Record<keyof Limits, readonly [number, number]>> = {
  maxMessageBytes: [1024, 16 * 1024 * 1024],
  maxHeaders: [16, 10_000],
  tcpConnections: [1, 1_000_000],
  tcpConnectionsPerAddress: [1, 1_000_000],
  tcpBufferedBytes: [1024, 16 * 1024 * 1024],
  subscriptionsPerWatcher: [1, 10_000_000],
  subscriptionsPerUser: [1, 10_000_000],
  publicationsPerResource: [1, 100_000],
  publishBodyBytes: [0, 16 * 1024 * 1024],
  requestsPerSecond: [0, 10_000_000],
  requestBurst: [1, 100_000_000],
  overloadPercent: [0, 100],
  overloadQueuePercent: [0, 100],
  httpBodyBytes: [64, 64 * 1024 * 1024],
};

function readLimits(v: unknown): Limits {
  if (v === undefined) return DEFAULT_LIMITS;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('limits', 'expected an object of limits');
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
    const range = (LIMIT_RANGES as Record<string, readonly [number, number]>)[key];
    if (!range) fail(`limits.${key}`, `unknown limit (known: ${Object.keys(LIMIT_RANGES).join(', ')})`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1]) {
      fail(`limits.${key}`, `expected an integer from ${range[0]} to ${range[1]}`);
    }
    out[key] = value;
  }
  return out as unknown as Limits;
}

const KEYS = new Set([
  'domain',
  'listen',
  'users',
  'http',
  'store',
  'auth',
  'notifyInterval',
  'logLevel',
  'backSubscribe',
  'httpToken',
  'limits',
  'resumeJitter',
]);
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
/** RFC 3261 §25.1 `user` characters we accept in config user names (unreserved and a few user-unreserved). */
const USER = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/]+$/;
/** A host name (RFC 1123 labels) or an IP literal. */
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

class Bad extends Error {}

function fail(key: string, what: string): never {
  throw new Bad(`config: ${key}: ${what}`);
}

function parsePort(s: string): number | undefined {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

/** Splits `HOST:PORT` / `[V6]:PORT`; undefined when malformed. */
export function parseHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(s);
  if (!m) return undefined;
  const port = parsePort(m[3] ?? '');
  if (port === undefined) return undefined;
  if (m[1] !== undefined) return isIP(m[1]) === 6 ? { host: m[1], port } : undefined;
  const host = m[2] ?? '';
  return isIP(host) === 4 || HOSTNAME.test(host) ? { host, port } : undefined;
}

/** Parses one `udp|tcp:ADDRESS:PORT` entry; undefined when malformed. */
export function parseListen(s: string): ListenSpec | undefined {
  const m = /^(udp|tcp):(.+)$/i.exec(s);
  if (!m) return undefined;
  const hp = parseHostPort(m[2] ?? '');
  if (!hp || isIP(hp.host) === 0) return undefined;
  return { transport: (m[1] ?? '').toLowerCase() === 'tcp' ? 'tcp' : 'udp', host: hp.host, port: hp.port };
}

/** Formats a listen spec back to its config form. */
export function formatListen(spec: ListenSpec): string {
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return `${spec.transport}:${host}:${spec.port}`;
}

function readStore(v: unknown): StoreSpec {
  if (v === undefined || v === 'memory') return { kind: 'memory' };
  if (typeof v === 'string' && v.startsWith('sqlite:') && v.length > 'sqlite:'.length) {
    return { kind: 'sqlite', path: v.slice('sqlite:'.length) };
  }
  return fail('store', 'expected "memory" or "sqlite:PATH"');
}

function readConfig(raw: unknown): HeraldConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Bad('config: expected a JSON object');
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KEYS.has(key)) fail(key, `unknown key (known: ${[...KEYS].join(', ')})`);

  const domain = o['domain'];
  if (typeof domain !== 'string' || !(HOSTNAME.test(domain) || isIP(domain) !== 0)) {
    fail('domain', 'expected a host name or IP address');
  }

  const listenRaw = o['listen'] ?? DEFAULT_LISTEN;
  if (!Array.isArray(listenRaw) || listenRaw.length === 0)
    fail('listen', 'expected a non-empty array of udp|tcp:ADDRESS:PORT');
  const listen = listenRaw.map((entry: unknown, i) => {
    const spec = typeof entry === 'string' ? parseListen(entry) : undefined;
    return spec ?? fail(`listen[${i}]`, 'expected udp|tcp:ADDRESS:PORT (IPv6 address in brackets)');
  });
  const seen = new Set<string>();
  listen.forEach((spec, i) => {
    const k = formatListen(spec);
    if (spec.port !== 0 && seen.has(k)) fail(`listen[${i}]`, `duplicate ${k}`);
    seen.add(k);
  });

  const usersRaw = o['users'] ?? {};
  if (typeof usersRaw !== 'object' || usersRaw === null || Array.isArray(usersRaw)) {
    fail('users', 'expected an object { "name": "password" }');
  }
  const users: Record<string, string> = {};
  for (const [name, pw] of Object.entries(usersRaw as Record<string, unknown>)) {
    if (!USER.test(name)) fail(`users.${name}`, 'not a valid SIP user name');
    if (typeof pw !== 'string' || pw.length === 0) fail(`users.${name}`, 'expected a non-empty password string');
    users[name] = pw;
  }

  const httpRaw = o['http'] ?? DEFAULT_HTTP;
  let http: HeraldConfig['http'];
  if (httpRaw === false) http = undefined;
  else {
    http = typeof httpRaw === 'string' ? parseHostPort(httpRaw) : undefined;
    if (!http) fail('http', 'expected "HOST:PORT" (IPv6 in brackets) or false');
  }

  const store = readStore(o['store']);

  const auth = o['auth'] ?? true;
  if (typeof auth !== 'boolean') fail('auth', 'expected true or false');
  if (auth && Object.keys(users).length === 0) fail('users', 'no users: add some, or set "auth": false explicitly');

  const ni = o['notifyInterval'];
  if (ni !== undefined && (typeof ni !== 'number' || !Number.isInteger(ni) || ni < 0 || ni > 3_600_000)) {
    fail('notifyInterval', 'expected an integer number of milliseconds (0 to 3600000)');
  }

  const logLevel = o['logLevel'] ?? 'info';
  if (typeof logLevel !== 'string' || !(LEVELS as readonly string[]).includes(logLevel)) {
    fail('logLevel', `expected one of ${LEVELS.join(', ')}`);
  }

  const backSubscribe = o['backSubscribe'] ?? true;
  if (typeof backSubscribe !== 'boolean') fail('backSubscribe', 'expected true or false');

  const httpToken = o['httpToken'];
  if (httpToken !== undefined && (typeof httpToken !== 'string' || httpToken.length === 0)) {
    fail('httpToken', 'expected a non-empty string');
  }

  const limits = readLimits(o['limits']);
  const resumeJitter = o['resumeJitter'] ?? DEFAULT_RESUME_JITTER;
  if (
    typeof resumeJitter !== 'number' ||
    !Number.isInteger(resumeJitter) ||
    resumeJitter < 0 ||
    resumeJitter > 600_000
  ) {
    fail('resumeJitter', 'expected an integer number of milliseconds (0 to 600000)');
  }

  return {
    domain: domain as string,
    listen,
    users,
    http,
    store,
    auth,
    notifyInterval: ni as number | undefined,
    logLevel: logLevel as LogLevel,
    backSubscribe,
    httpToken: httpToken as string | undefined,
    limits,
    resumeJitter,
  };
}

/** Validates a parsed JSON configuration and applies the defaults. */
export function validateConfig(raw: unknown): ConfigVerdict {
  try {
    return { ok: true, config: readConfig(raw) };
  } catch (err) {
    if (err instanceof Bad) return { ok: false, error: err.message };
    throw err;
  }
}
