import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Flow } from '@herald/sip';
import type { StoredBinding } from '@herald/registrar';
import type { StoredPublication, StoredSubscription } from '@herald/events';
import { openSqliteDatabase, SQLITE_SCHEMA_VERSION, schemaVersion } from '../../src/storage/sqlite.js';
import type { SqliteDatabase } from '../../src/storage/sqlite.js';
import { SqlitePublicationStore, SqliteSubscriptionStore } from '../../src/storage/sqlite-event-stores.js';
import { SqliteBindingStore } from '../../src/storage/sqlite-binding-store.js';
import { publicationStoreConformance, subscriptionStoreConformance } from '../../../events/test/store-conformance.js';
import { bindingStoreConformance } from '../../../registrar/test/binding-store-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-sqlite-'));
const open: SqliteDatabase[] = [];
let n = 0;

/** A fresh database file in the temp dir, closed in teardown. */
function freshDb(): SqliteDatabase {
  const db = openSqliteDatabase(join(dir, `db-${++n}.sqlite`));
  open.push(db);
  return db;
}

t.teardown(() => {
  for (const db of open) if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

t.test('SqliteSubscriptionStore conformance', async (t) => {
  subscriptionStoreConformance(t, async () => new SqliteSubscriptionStore(freshDb()));
});

t.test('SqlitePublicationStore conformance', async (t) => {
  publicationStoreConformance(t, async () => new SqlitePublicationStore(freshDb()));
});

t.test('SqliteBindingStore conformance', async (t) => {
  bindingStoreConformance(t, async () => new SqliteBindingStore(freshDb()));
});

const flow: Flow = {
  transport: 'tcp',
  local: { address: '127.0.0.1', port: 5060 },
  remote: { address: '192.0.2.1', port: 40000 },
  connectionId: 'c9',
};

const sub: StoredSubscription = {
  id: 's1',
  event: 'presence',
  resource: 'sip:alice@example.test',
  watcher: 'sip:bob@example.test',
  accept: ['application/pidf+xml'],
  contentType: 'application/pidf+xml',
  dialog: {
    id: { callId: 'c@h', localTag: 'l', remoteTag: 'r' },
    state: 'confirmed',
    role: 'uas',
    local: '<sip:alice@example.test>',
    remote: '<sip:bob@example.test>',
    localSeq: 3,
    remoteSeq: 1,
    remoteTarget: 'sip:bob@192.0.2.1:40000;transport=tcp',
    routeSet: [],
    secure: false,
  },
  flow,
  status: 'active',
  expiresAt: 1_700_000_600_000,
  version: 2,
  createdAt: 1_700_000_000_000,
};

const pub: StoredPublication = {
  event: 'presence',
  resource: 'sip:alice@example.test',
  etag: 'e1',
  contentType: 'application/pidf+xml',
  body: Buffer.from([0x3c, 0, 0xff, 0x3e]),
  expiresAt: 1_700_000_600_000,
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_000,
  publisher: 'sip:alice@example.test',
};

const binding: StoredBinding = {
  aor: 'sip:alice@example.test',
  key: 'sip:alice@192.0.2.1:40000',
  contact: 'sip:alice@192.0.2.1:40000',
  params: [
    ['+sip.instance', '"<urn:uuid:1>"'],
    ['ob', null],
  ],
  q: 0.5,
  expiresAt: 1_700_000_600_000,
  callId: 'reg@h',
  cseq: 4,
  flow,
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_000,
};

t.test('data survives closing and reopening the file (restart)', async (t) => {
  const path = join(dir, 'restart.sqlite');
  const first = openSqliteDatabase(path);
  await new SqliteSubscriptionStore(first).put(sub);
  await new SqlitePublicationStore(first).put(pub);
  await new SqliteBindingStore(first).replaceAor(binding.aor, [binding]);
  first.close();

  const second = openSqliteDatabase(path);
  open.push(second);
  t.strictSame(await new SqliteSubscriptionStore(second).get('s1'), sub);
  t.strictSame(await new SqlitePublicationStore(second).all(), [pub]);
  t.strictSame(await new SqliteBindingStore(second).byAor(binding.aor), [binding]);
  t.equal(schemaVersion(second), SQLITE_SCHEMA_VERSION, 'reopening does not bump the version');
});

t.test('a database with a newer schema refuses to open, naming both versions', async (t) => {
  const path = join(dir, 'future.sqlite');
  openSqliteDatabase(path).close();
  const raw = new Database(path);
  raw.prepare('UPDATE schema_version SET version = ?').run(SQLITE_SCHEMA_VERSION + 41);
  raw.close();
  t.throws(() => openSqliteDatabase(path), {
    message: new RegExp(
      `schema version ${SQLITE_SCHEMA_VERSION + 41}, newer than this Herald supports \\(${SQLITE_SCHEMA_VERSION}\\)`,
    ),
  });
  const check = new Database(path);
  t.equal(
    check.prepare<[], { version: number }>('SELECT version FROM schema_version').get()?.version,
    SQLITE_SCHEMA_VERSION + 41,
    'file left untouched',
  );
  check.close();
});

t.test('a new file is migrated to the current version in WAL mode', async (t) => {
  const db = freshDb();
  t.equal(SQLITE_SCHEMA_VERSION, 1);
  t.equal(schemaVersion(db), SQLITE_SCHEMA_VERSION);
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(db.pragma('synchronous', { simple: true }), 1, 'synchronous=NORMAL by default');
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => r.name);
  t.strictSame(tables, ['bindings', 'publications', 'schema_version', 'subscriptions']);
});

t.test('synchronous=full is selectable', async (t) => {
  const db = openSqliteDatabase(join(dir, 'full.sqlite'), { synchronous: 'full' });
  open.push(db);
  t.equal(db.pragma('synchronous', { simple: true }), 2);
});
