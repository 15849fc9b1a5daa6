/**
 * Operator helpers over a Herald SQLite store (`herald store inspect|export|vacuum`):
 * counts, a JSON export, and dropping expired rows plus VACUUM.
 */
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SqliteBindingStore } from './sqlite-binding-store.js';
import { SqlitePublicationStore, SqliteSubscriptionStore } from './sqlite-event-stores.js';
import { SQLITE_SCHEMA_VERSION, openSqliteDatabase, type SqliteDatabase } from './sqlite.js';

/** Outcome of opening a store for a helper: the database, or a message (exit 2). */
export type AdminOpen =
  { readonly ok: true; readonly db: SqliteDatabase } | { readonly ok: false; readonly error: string };

/**
 * Opens an existing store file without creating or migrating it (inspect,
 * export): read-only, refusing a missing file or a newer schema.
 */
export function openStoreReadOnly(path: string): AdminOpen {
  if (!existsSync(path)) return { ok: false, error: `store ${path}: no such file` };
  let db: SqliteDatabase;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    return { ok: false, error: `store ${path}: ${err instanceof Error ? err.message : String(err)}` };
  }
  const version = storedVersion(db);
  if (version === SQLITE_SCHEMA_VERSION) return { ok: true, db };
  db.close();
  return {
    ok: false,
    error:
      version === undefined
        ? `store ${path}: not a Herald database (no schema_version)`
        : `store ${path}: schema version ${version}, this Herald reads ${SQLITE_SCHEMA_VERSION}`,
  };
}

/** Opens an existing store file for writing (vacuum); migrations apply, a newer schema is refused. */
export function openStoreForWrite(path: string): AdminOpen {
  if (!existsSync(path)) return { ok: false, error: `store ${path}: no such file` };
  try {
    return { ok: true, db: openSqliteDatabase(path) };
  } catch (err) {
    return { ok: false, error: `store ${path}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function storedVersion(db: SqliteDatabase): number | undefined {
  try {
    return db.prepare<[], { version: number }>('SELECT version FROM schema_version').get()?.version;
  } catch {
    return undefined;
  }
}

/** Bytes on disk: the main file plus its WAL. */
export function storeBytes(path: string): { readonly file: number; readonly wal: number } {
  const size = (p: string): number => (existsSync(p) ? statSync(p).size : 0);
  return { file: size(path), wal: size(`${path}-wal`) };
}

/** What `herald store inspect` reports. */
export interface StoreCounts {
  readonly schemaVersion: number;
  readonly bytes: { readonly file: number; readonly wal: number };
  readonly bindings: { readonly total: number; readonly aors: number; readonly expired: number };
  readonly subscriptions: ReadonlyArray<{ readonly event: string; readonly status: string; readonly count: number }>;
  readonly publications: ReadonlyArray<{ readonly event: string; readonly count: number }>;
  /** Rows whose expiry has passed (what `vacuum` drops), all tables together. */
  readonly expired: number;
}

/** Counts per table (bindings, subscriptions by event and status, publications by event) and file size. */
export function inspectStore(db: SqliteDatabase, path: string, now: number): StoreCounts {
  const one = (sql: string, ...args: number[]): number => db.prepare<number[], { n: number }>(sql).get(...args)?.n ?? 0;
  return {
    schemaVersion: SQLITE_SCHEMA_VERSION,
    bytes: storeBytes(path),
    bindings: {
      total: one('SELECT COUNT(*) AS n FROM bindings'),
      aors: one('SELECT COUNT(DISTINCT aor) AS n FROM bindings'),
      expired: one('SELECT COUNT(*) AS n FROM bindings WHERE expires_at <= ?', now),
    },
    subscriptions: db
      .prepare<[], { event: string; status: string; count: number }>(
        'SELECT event, status, COUNT(*) AS count FROM subscriptions GROUP BY event, status ORDER BY event, status',
      )
      .all(),
    publications: db
      .prepare<[], { event: string; count: number }>(
        'SELECT event, COUNT(*) AS count FROM publications GROUP BY event ORDER BY event',
      )
      .all(),
    expired: EXPIRING.reduce(
      (sum, table) => sum + one(`SELECT COUNT(*) AS n FROM ${table} WHERE expires_at <= ?`, now),
      0,
    ),
  };
}

const EXPIRING = ['bindings', 'subscriptions', 'publications'] as const;

/** A publication body for JSON: text when it is valid UTF-8, else base64. */
function bodyJson(body: Buffer): { readonly body: string } | { readonly bodyBase64: string } {
  try {
    return { body: new TextDecoder('utf-8', { fatal: true }).decode(body) };
  } catch {
    return { bodyBase64: body.toString('base64') };
  }
}

/** The whole store as one JSON-ready object (`herald store export`). */
export async function exportStore(db: SqliteDatabase): Promise<Record<string, unknown>> {
  const publications = await new SqlitePublicationStore(db).all();
  return {
    schemaVersion: SQLITE_SCHEMA_VERSION,
    bindings: await new SqliteBindingStore(db).all(),
    subscriptions: await new SqliteSubscriptionStore(db).all(),
    publications: publications.map(({ body, ...rest }) => ({ ...rest, ...bodyJson(body) })),
  };
}

/** What `herald store vacuum` did. */
export interface VacuumResult {
  readonly dropped: number;
  readonly before: number;
  readonly after: number;
}

/** Deletes expired rows, VACUUMs and checkpoints the WAL; bytes are file + WAL before and after. */
export function vacuumStore(db: SqliteDatabase, path: string, now: number): VacuumResult {
  const total = (b: { file: number; wal: number }): number => b.file + b.wal;
  const before = total(storeBytes(path));
  let dropped = 0;
  db.transaction(() => {
    for (const table of EXPIRING) {
      dropped += db.prepare(`DELETE FROM ${table} WHERE expires_at <= ?`).run(now).changes;
    }
  }).immediate();
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { dropped, before, after: total(storeBytes(path)) };
}
