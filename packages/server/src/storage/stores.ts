/**
 * The store a configuration names (`store` in DESIGN.md "Server contract"):
 * `memory`, or `sqlite:PATH[?synchronous=full]` opened as one database shared
 * by the binding, subscription and publication stores.
 */
import { isAbsolute, resolve } from 'node:path';
import { MemoryPublicationStore, MemorySubscriptionStore } from '@herald/events';
import type { PublicationStore, SubscriptionStore } from '@herald/events';
import { MemoryBindingStore, type BindingStore } from '@herald/registrar';
import type { StoreSpec } from '../config/types.js';
import { SqliteBindingStore } from './sqlite-binding-store.js';
import { SqlitePublicationStore, SqliteSubscriptionStore } from './sqlite-event-stores.js';
import { openSqliteDatabase, type SqliteDatabase, type SqliteOptions } from './sqlite.js';
import { WriteBatch } from './write-batch.js';

/** The three stores a server runs on, and how to release them. */
export interface ServerStores {
  readonly bindings: BindingStore;
  readonly subscriptions: SubscriptionStore;
  readonly publications: PublicationStore;
  /** The SQLite database behind them, if any (for `herald store` helpers and tests). */
  readonly db?: SqliteDatabase;
  /** Releases the stores (closes the database); idempotent. */
  close(): void;
}

/** A `sqlite:` store location: the file and its durability setting. */
export interface SqliteLocation {
  /** Absolute path (or `:memory:`). */
  readonly path: string;
  readonly synchronous: NonNullable<SqliteOptions['synchronous']>;
}

/**
 * Where a `sqlite:PATH` store lives. A relative PATH resolves against
 * `baseDir` — the configuration file's directory, so `sqlite:./herald.db` in a
 * generated `herald.json` always means the file beside it, whatever the
 * working directory. A `?synchronous=full` suffix asks for an fsync per commit.
 */
export function sqliteLocation(path: string, baseDir: string): SqliteLocation | { readonly error: string } {
  const q = path.indexOf('?');
  const file = q < 0 ? path : path.slice(0, q);
  const query = q < 0 ? '' : path.slice(q + 1);
  let synchronous: SqliteLocation['synchronous'] = 'normal';
  for (const part of query.split('&').filter((p) => p !== '')) {
    const [key, value] = part.split('=');
    if (key !== 'synchronous' || (value !== 'normal' && value !== 'full')) {
      return { error: `store: unknown option "${part}" (only synchronous=normal|full)` };
    }
    synchronous = value;
  }
  if (file === '') return { error: 'store: sqlite: needs a file path' };
  return { path: file === ':memory:' || isAbsolute(file) ? file : resolve(baseDir, file), synchronous };
}

/** Memory stores: nothing survives a restart. */
export function memoryStores(): ServerStores {
  return {
    bindings: new MemoryBindingStore(),
    subscriptions: new MemorySubscriptionStore(),
    publications: new MemoryPublicationStore(),
    close: () => undefined,
  };
}

/** The SQLite stores over an open database; `close()` closes it. */
export function sqliteStores(db: SqliteDatabase): ServerStores {
  // One group commit for the three: the writes of one event-loop turn share a transaction.
  const batch = new WriteBatch(db);
  return {
    bindings: new SqliteBindingStore(db, batch),
    subscriptions: new SqliteSubscriptionStore(db, batch),
    publications: new SqlitePublicationStore(db, batch),
    db,
    close: () => {
      if (!db.open) return;
      batch.flush();
      db.close();
    },
  };
}

/** Outcome of {@link openStores}: the stores, or why they cannot open (a message for the operator). */
export type OpenStoresResult =
  | { readonly ok: true; readonly stores: ServerStores; readonly path?: string }
  | { readonly ok: false; readonly error: string };

/** Opens the stores a config names (creating and migrating a SQLite file as needed). */
export function openStores(spec: StoreSpec, baseDir: string): OpenStoresResult {
  if (spec.kind === 'memory') return { ok: true, stores: memoryStores() };
  const where = sqliteLocation(spec.path, baseDir);
  if ('error' in where) return { ok: false, error: where.error };
  try {
    const db = openSqliteDatabase(where.path, { synchronous: where.synchronous });
    return { ok: true, stores: sqliteStores(db), path: where.path };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: `store sqlite:${where.path} cannot be opened: ${message}` };
  }
}
