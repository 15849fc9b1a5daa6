/**
 * Herald operator helpers (issue 6). Today: the SQLite store.
 *
 *   npm run herald -- store inspect [--config FILE] [--store sqlite:PATH]   # counts per table, file size
 *   npm run herald -- store export  [--config FILE] [--store sqlite:PATH]   # the whole store as JSON on stdout
 *   npm run herald -- store vacuum  [--config FILE] [--store sqlite:PATH]   # drop expired rows, VACUUM, bytes before/after
 *
 * The store is the config's `store` (`--store` overrides it); a relative path
 * is beside the config file, as for the server. inspect and export open the
 * file read-only and work while the server runs; vacuum writes (it waits for
 * the server's writes and holds them while it runs: prefer a stopped server).
 * Exit codes: 0 done, 1 the database failed, 2 bad arguments, missing config
 * or store file, memory store, or a schema this Herald does not read.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  exportStore,
  inspectStore,
  openStoreForWrite,
  openStoreReadOnly,
  sqliteLocation,
  vacuumStore,
  type SqliteDatabase,
} from '@herald/server';

const USAGE = `usage: herald store inspect|export|vacuum [--config FILE] [--store sqlite:PATH]`;

function fail(message: string, code = 2): never {
  process.stderr.write(`herald: ${message}\n`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    strict: true,
    options: { config: { type: 'string' }, store: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
} catch (err) {
  fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const [area, command, ...rest] = positionals;
if (area !== 'store' || rest.length > 0 || (command !== 'inspect' && command !== 'export' && command !== 'vacuum')) {
  fail(USAGE);
}

// The config names the store. Only `store` is read: the helpers need no users, secrets or sockets,
// and unlike the server a missing config is an error here (nothing is generated).
const configPath = resolve(process.cwd(), values.config ?? 'herald.json');
let store: unknown = values.store;
if (store === undefined) {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    fail(
      `config: ${configPath}: ${code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err)}`,
    );
  }
  store = typeof raw === 'object' && raw !== null ? ((raw as Record<string, unknown>)['store'] ?? 'memory') : undefined;
}
if (store === 'memory') fail('the store is "memory": nothing is kept on disk');
if (typeof store !== 'string' || !store.startsWith('sqlite:'))
  fail('config: store: expected "memory" or "sqlite:PATH"');
// As for the server: a relative path is beside the config file (also when given with --store).
const where = sqliteLocation(store.slice('sqlite:'.length), dirname(configPath));
if ('error' in where) fail(where.error);
const path = where.path;

const opened = command === 'vacuum' ? openStoreForWrite(path) : openStoreReadOnly(path);
if (!opened.ok) fail(opened.error);
const db: SqliteDatabase = opened.db;
try {
  const now = Date.now();
  if (command === 'inspect') {
    const c = inspectStore(db, path, now);
    const lines = [
      `store ${path} (schema ${c.schemaVersion})`,
      `size: ${c.bytes.file} bytes + WAL ${c.bytes.wal} bytes`,
      `bindings: ${c.bindings.total} (${c.bindings.aors} AoRs, ${c.bindings.expired} expired)`,
      `subscriptions: ${c.subscriptions.reduce((n, s) => n + s.count, 0)}`,
      ...c.subscriptions.map((s) => `  ${s.event} ${s.status}: ${s.count}`),
      `publications: ${c.publications.reduce((n, p) => n + p.count, 0)}`,
      ...c.publications.map((p) => `  ${p.event}: ${p.count}`),
      `expired rows (vacuum drops them): ${c.expired}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } else if (command === 'export') {
    process.stdout.write(`${JSON.stringify(await exportStore(db), null, 2)}\n`);
  } else {
    const r = vacuumStore(db, path, now);
    process.stdout.write(`dropped ${r.dropped} expired rows; ${r.before} bytes before, ${r.after} bytes after\n`);
  }
} catch (err) {
  db.close();
  fail(`store ${path}: ${err instanceof Error ? err.message : String(err)}`, 1);
}
db.close();
