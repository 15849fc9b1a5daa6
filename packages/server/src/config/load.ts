/**
 * Where the configuration comes from: `--config FILE` (or `./herald.json`,
 * generated on first run), then command-line flags, then environment
 * variables for secrets. Failures are values naming the bad key; the CLI
 * prints them and exits 2.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { HeraldConfig } from './types.js';
import { DEFAULT_HTTP, DEFAULT_LISTEN, validateConfig } from './validate.js';

/** The config file used (and generated) when no `--config` is given. */
export const DEFAULT_CONFIG_FILE = 'herald.json';
/** Demo users of a generated configuration. */
export const DEMO_USERS: readonly string[] = ['1001', '1002', '1003'];

/** Command-line usage text. */
export const USAGE = `usage: herald [--config FILE] [options]
  --config FILE          JSON configuration (default ./herald.json, generated when missing)
  --domain NAME          SIP domain served
  --listen SPEC          udp|tcp:ADDRESS:PORT, repeatable (replaces the config's list)
  --http HOST:PORT|off   management API address
  --store memory|sqlite:PATH
  --log-level debug|info|warn|error
  --notify-interval MS   override every package's NOTIFY coalescing window
  --no-auth              accept any user of the domain without a password (benchmarks only)
  --no-back-subscribe    do not SUBSCRIBE back to registering phones
environment: HERALD_USERS='{"name":"password",...}' (merged over the config's users),
             HERALD_HTTP_TOKEN=token (bearer token of the management API)`;

/** Inputs of {@link loadConfig} (all injectable for tests). */
export interface LoadInputs {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Domain for a generated config; default {@link defaultDomain}. */
  readonly domain?: () => string;
}

/** A generated first-run configuration: where it was written and the demo passwords to print once. */
export interface Generated {
  readonly path: string;
  readonly users: Readonly<Record<string, string>>;
}

/** Outcome of {@link loadConfig}. */
export type LoadResult =
  | { readonly ok: true; readonly config: HeraldConfig; readonly path: string; readonly generated?: Generated }
  | { readonly ok: false; readonly error: string }
  | { readonly ok: 'help' };

/**
 * The domain of a generated config: the first non-internal IPv4 address (a
 * phone can reach it without DNS), else the host name, else 127.0.0.1.
 */
export function defaultDomain(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  const name = hostname();
  return /^[A-Za-z0-9.-]+$/.test(name) ? name : '127.0.0.1';
}

/** A first-run configuration with {@link DEMO_USERS} and random passwords. */
export function generateConfig(domain: string): Record<string, unknown> {
  const users: Record<string, string> = {};
  for (const u of DEMO_USERS) users[u] = randomBytes(9).toString('base64url');
  return { domain, listen: [...DEFAULT_LISTEN], users, http: DEFAULT_HTTP, store: 'sqlite:./herald.db' };
}

const bad = (error: string): LoadResult => ({ ok: false, error });

/** Reads, overrides and validates the configuration. */
export function loadConfig(inputs: LoadInputs): LoadResult {
  let flags;
  try {
    flags = parseArgs({
      args: [...inputs.argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        domain: { type: 'string' },
        listen: { type: 'string', multiple: true },
        http: { type: 'string' },
        store: { type: 'string' },
        'log-level': { type: 'string' },
        'notify-interval': { type: 'string' },
        'no-auth': { type: 'boolean' },
        'no-back-subscribe': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    return bad(`arguments: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  if (flags.help) return { ok: 'help' };

  let path: string;
  let raw: unknown;
  let generated: Generated | undefined;
  if (flags.config !== undefined) {
    path = resolve(inputs.cwd, flags.config);
    if (!existsSync(path)) return bad(`config: ${path}: no such file`);
  } else {
    path = resolve(inputs.cwd, DEFAULT_CONFIG_FILE);
    if (!existsSync(path)) {
      const fresh = generateConfig((inputs.domain ?? defaultDomain)());
      try {
        // 0600: the file holds passwords.
        writeFileSync(path, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        return bad(`config: cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`);
      }
      generated = { path, users: fresh['users'] as Record<string, string> };
    }
  }
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return bad(`config: ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return bad(`config: ${path}: expected a JSON object`);
  const o: Record<string, unknown> = { ...(raw as Record<string, unknown>) };

  // Flags override the file.
  if (flags.domain !== undefined) o['domain'] = flags.domain;
  if (flags.listen !== undefined) o['listen'] = flags.listen;
  if (flags.http !== undefined) o['http'] = flags.http === 'off' ? false : flags.http;
  if (flags.store !== undefined) o['store'] = flags.store;
  if (flags['log-level'] !== undefined) o['logLevel'] = flags['log-level'];
  if (flags['notify-interval'] !== undefined) {
    const n = Number(flags['notify-interval']);
    if (!/^\d+$/.test(flags['notify-interval']))
      return bad('config: notifyInterval: --notify-interval expects milliseconds');
    o['notifyInterval'] = n;
  }
  if (flags['no-auth']) o['auth'] = false;
  if (flags['no-back-subscribe']) o['backSubscribe'] = false;

  // Secrets from the environment.
  const envUsers = inputs.env['HERALD_USERS'];
  if (envUsers !== undefined && envUsers !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(envUsers);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return bad('env HERALD_USERS: expected a JSON object {"name":"password"}');
    }
    const base = typeof o['users'] === 'object' && o['users'] !== null ? (o['users'] as Record<string, unknown>) : {};
    o['users'] = { ...base, ...(parsed as Record<string, unknown>) };
  }
  const token = inputs.env['HERALD_HTTP_TOKEN'];
  if (token !== undefined && token !== '') o['httpToken'] = token;

  const verdict = validateConfig(o);
  if (!verdict.ok) return bad(verdict.error);
  return generated ? { ok: true, config: verdict.config, path, generated } : { ok: true, config: verdict.config, path };
}
