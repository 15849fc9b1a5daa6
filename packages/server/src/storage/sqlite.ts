/**
 * The SQLite database behind the durable stores (DESIGN.md: better-sqlite3,
 * one file, WAL). Opening applies the ordered migrations and refuses a file
 * written by a newer Herald.
 *
 * Durability: WAL journal with `synchronous=NORMAL` by default. Every store
 * write is a committed transaction before its promise resolves, so a crash of
 * the process (kill -9, uncaught exception) loses nothing. An OS crash or power
 * loss can lose the transactions committed since the last WAL sync (at most the
 * last moments of writes; the file stays consistent). Registrations,
 * subscriptions and publications are refreshed by their clients, so that is
 * accepted; pass `{ synchronous: 'full' }` to fsync on every commit instead.
 */
import Database from 'better-sqlite3';

/** An open Herald database. */
export type SqliteDatabase = Database.Database;

/** Options of {@link openSqliteDatabase}. */
export interface SqliteOptions {
  /** `normal` (default: safe against process crashes) or `full` (also against power loss, one fsync per commit). */
  readonly synchronous?: 'normal' | 'full';
}

/** Ordered migrations: entry i brings the schema from version i to i + 1. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    event_id TEXT,
    resource TEXT NOT NULL,
    watcher TEXT NOT NULL,
    watcher_display_name TEXT,
    user_agent TEXT,
    accept TEXT NOT NULL,
    content_type TEXT NOT NULL,
    dialog TEXT NOT NULL,
    flow TEXT NOT NULL,
    status TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    blocked INTEGER
  );
  CREATE INDEX subscriptions_by_resource ON subscriptions (event, resource);
  CREATE INDEX subscriptions_by_watcher ON subscriptions (watcher);
  CREATE TABLE publications (
    event TEXT NOT NULL,
    resource TEXT NOT NULL,
    etag TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    publisher TEXT,
    PRIMARY KEY (event, resource, etag)
  );
  CREATE TABLE bindings (
    aor TEXT NOT NULL,
    key TEXT NOT NULL,
    contact TEXT NOT NULL,
    params TEXT NOT NULL,
    q REAL,
    instance_id TEXT,
    reg_id INTEGER,
    expires_at INTEGER NOT NULL,
    call_id TEXT NOT NULL,
    cseq INTEGER NOT NULL,
    flow TEXT NOT NULL,
    user_agent TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (aor, key)
  );
  `,
];

/** The schema version this code writes. */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

/** The schema version stored in `db` (0 for a new file). */
export function schemaVersion(db: SqliteDatabase): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare<[], { version: number }>('SELECT version FROM schema_version').get();
  return row?.version ?? 0;
}

/**
 * Opens (creating if needed) the database file at `path`, in WAL mode, and
 * migrates it to {@link SQLITE_SCHEMA_VERSION}. Throws when the file has a newer
 * schema than this code knows.
 */
export function openSqliteDatabase(path: string, options: SqliteOptions = {}): SqliteDatabase {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('busy_timeout = 5000');
    migrate(db, path);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function migrate(db: SqliteDatabase, path: string): void {
  const run = db.transaction(() => {
    const current = schemaVersion(db);
    if (current > SQLITE_SCHEMA_VERSION) {
      throw new Error(
        `SQLite database ${path} has schema version ${current}, newer than this Herald supports (${SQLITE_SCHEMA_VERSION}); ` +
          'upgrade Herald or point it at another file',
      );
    }
    for (let v = current; v < SQLITE_SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] ?? '');
    if (current === SQLITE_SCHEMA_VERSION) return;
    db.prepare('DELETE FROM schema_version').run();
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SQLITE_SCHEMA_VERSION);
  });
  run.immediate();
}
