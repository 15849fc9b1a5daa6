// Group commit of the SQLite stores: one transaction per event-loop turn, reads see queued writes,
// a failing write rejects alone, closing commits what is queued.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredPublication } from '@herald/events';
import { openSqliteDatabase } from '../../src/storage/sqlite.js';
import { WriteBatch } from '../../src/storage/write-batch.js';
import { SqlitePublicationStore } from '../../src/storage/sqlite-event-stores.js';
import { sqliteStores } from '../../src/storage/stores.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-batch-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshDb = () => openSqliteDatabase(join(dir, `b-${++n}.sqlite`));

/** A fresh database (closed in teardown), its group commit and a publication store on it. */
function batched(t: { teardown(fn: () => void): void }) {
  const db = freshDb();
  t.teardown(() => db.close());
  const batch = new WriteBatch(db);
  return { db, batch, store: new SqlitePublicationStore(db, batch) };
}

function publication(etag: string, resource = 'sip:alice@example.test'): StoredPublication {
  return {
    event: 'presence',
    resource,
    etag,
    contentType: 'application/pidf+xml',
    body: Buffer.from(`<presence etag="${etag}"/>`),
    expiresAt: 2_000_000,
    createdAt: 1_000_000,
    updatedAt: 1_000_000,
  };
}

t.test('the writes of one turn share one commit and resolve with their results once committed', async (t) => {
  const { db, batch, store } = batched(t);
  const writes = [store.put(publication('a')), store.put(publication('b')), store.put(publication('c'))];
  const deleted = store.delete('presence', 'sip:alice@example.test', 'b');
  const missing = store.delete('presence', 'sip:alice@example.test', 'zz');
  const replaced = store.replace('c', publication('d'));
  t.equal(batch.commits, 0, 'nothing committed within the turn');
  const count = () => db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM publications').get()?.n;
  t.equal(count(), 0, 'not yet in the file');
  await Promise.all(writes);
  t.equal(batch.commits, 1, 'one transaction for six writes');
  t.equal(await deleted, true);
  t.equal(await missing, false, 'a delete of nothing reports false');
  t.equal(await replaced, true);
  t.same(
    (await store.byResource('presence', 'sip:alice@example.test')).map((p) => p.etag).sort(),
    ['a', 'd'],
    'the writes applied in order',
  );
});

t.test('a read commits what is queued first: it sees every earlier write', async (t) => {
  const { batch, store } = batched(t);
  const put = store.put(publication('x'));
  t.equal((await store.get('presence', 'sip:alice@example.test', 'x'))?.etag, 'x');
  t.equal(batch.commits, 1);
  await put;
  t.equal(await store.count(), 1);
  t.equal(batch.commits, 1, 'the scheduled flush found nothing left to commit');
});

t.test('a failing write rejects alone; the others of its batch are committed', async (t) => {
  const { db, batch, store } = batched(t);
  const ok1 = store.put(publication('1'));
  const bad = batch.write(() => db.prepare('INSERT INTO publications (event) VALUES (?)').run('presence'));
  const ok2 = store.put(publication('2'));
  await t.resolves(ok1);
  await t.rejects(bad, /NOT NULL/);
  await t.resolves(ok2);
  t.equal(await store.count(), 2, 'both good writes are in the file');
});

t.test('closing the stores commits what is queued', async (t) => {
  const path = join(dir, 'close.sqlite');
  const stores = sqliteStores(openSqliteDatabase(path));
  const put = stores.publications.put(publication('late'));
  stores.close();
  await put;
  const again = sqliteStores(openSqliteDatabase(path));
  t.teardown(() => again.close());
  t.equal((await again.publications.all()).length, 1, 'the write survived the close');
});
