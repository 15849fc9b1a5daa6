// `npm run herald -- store inspect|export|vacuum` (examples/herald.ts) and the server CLI's refusal of a
// newer database, spawned on a temp directory.
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { StoredPublication, StoredSubscription } from '@herald/events';
import type { StoredBinding } from '@herald/registrar';
import type { Flow } from '@herald/sip';
import {
  SQLITE_SCHEMA_VERSION,
  SqliteBindingStore,
  SqlitePublicationStore,
  SqliteSubscriptionStore,
  openSqliteDatabase,
} from '../../src/index.js';
import { tempDir } from './harness.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const tsx = join(root, 'node_modules/.bin/tsx');

function run(script: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(
      tsx,
      ['--conditions=@herald/source', join(root, 'examples', script), ...args],
      { timeout: 60_000, cwd: root },
      (error, out, err) => done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out, err }),
    );
  });
}
const herald = (args: string[]) => run('herald.ts', args);

const NOW = Date.now();
const LATER = NOW + 3_600_000;
const flow: Flow = {
  transport: 'udp',
  local: { address: '127.0.0.1', port: 5060 },
  remote: { address: '192.0.2.1', port: 5062 },
};
const binding = (user: string, expiresAt: number): StoredBinding => ({
  aor: `sip:${user}@example.test`,
  key: `sip:${user}@192.0.2.1:5062`,
  contact: `sip:${user}@192.0.2.1:5062`,
  params: [],
  expiresAt,
  callId: `reg-${user}`,
  cseq: 1,
  flow,
  createdAt: NOW,
  updatedAt: NOW,
});
const sub = (id: string, event: string, status: 'active' | 'pending'): StoredSubscription => ({
  id,
  event,
  resource: 'sip:alice@example.test',
  watcher: 'sip:bob@example.test',
  accept: [],
  contentType: 'application/pidf+xml',
  dialog: {
    id: { callId: `c-${id}`, localTag: 'l', remoteTag: 'r' },
    state: 'confirmed',
    role: 'uas',
    local: '<sip:alice@example.test>',
    remote: '<sip:bob@example.test>',
    localSeq: 3,
    remoteSeq: 1,
    remoteTarget: 'sip:bob@192.0.2.1:5062',
    routeSet: [],
    secure: false,
  },
  flow,
  status,
  expiresAt: LATER,
  version: 2,
  createdAt: NOW,
});
const pub = (etag: string, body: Buffer, expiresAt = LATER): StoredPublication => ({
  event: 'presence',
  resource: 'sip:alice@example.test',
  etag,
  contentType: 'application/pidf+xml',
  body,
  expiresAt,
  createdAt: NOW,
  updatedAt: NOW,
});

t.test('herald store inspect, export, vacuum on a config-relative sqlite file', async (t) => {
  const dir = tempDir(t);
  const config = join(dir, 'herald.json');
  // No users: the helpers read only `store` (users may come from HERALD_USERS at server start).
  writeFileSync(config, JSON.stringify({ domain: 'example.test', users: {}, store: 'sqlite:./herald.db' }));
  const db = openSqliteDatabase(join(dir, 'herald.db'));
  await new SqliteBindingStore(db).replaceAor('sip:alice@example.test', [binding('alice', LATER)]);
  await new SqliteBindingStore(db).replaceAor('sip:carol@example.test', [binding('carol', NOW - 1000)]);
  const subs = new SqliteSubscriptionStore(db);
  await subs.put(sub('s1', 'presence', 'active'));
  await subs.put(sub('s2', 'presence', 'pending'));
  await subs.put(sub('s3', 'dialog', 'active'));
  const pubs = new SqlitePublicationStore(db);
  await pubs.put(pub('e1', Buffer.from('<presence>é</presence>')));
  await pubs.put(pub('e2', Buffer.from([0x3c, 0, 0xff, 0x3e])));
  await pubs.put(pub('e3', Buffer.from('old'), NOW - 1000));
  db.close();

  const [inspect, exported] = await Promise.all([
    herald(['store', 'inspect', '--config', config]),
    herald(['store', 'export', '--config', config]),
  ]);
  t.equal(inspect.code, 0, inspect.err);
  t.match(inspect.out, /bindings: 2 \(2 AoRs, 1 expired\)/);
  t.match(inspect.out, /subscriptions: 3\n {2}dialog active: 1\n {2}presence active: 1\n {2}presence pending: 1/);
  t.match(inspect.out, /publications: 3\n {2}presence: 3/);
  t.match(inspect.out, /size: \d+ bytes/);
  t.match(inspect.out, /expired rows \(vacuum drops them\): 2/);

  t.equal(exported.code, 0, exported.err);
  const json = JSON.parse(exported.out) as {
    schemaVersion: number;
    bindings: unknown[];
    subscriptions: Array<{ id: string; dialog: { localSeq: number } }>;
    publications: Array<{ etag: string; body?: string; bodyBase64?: string }>;
  };
  t.equal(json.schemaVersion, SQLITE_SCHEMA_VERSION);
  t.equal(json.bindings.length, 2);
  t.same(json.subscriptions.map((s) => s.id).sort(), ['s1', 's2', 's3']);
  t.equal(json.subscriptions[0]?.dialog.localSeq, 3, 'dialogs as objects');
  const byEtag = new Map(json.publications.map((p) => [p.etag, p]));
  t.equal(byEtag.get('e1')?.body, '<presence>é</presence>', 'UTF-8 body as text');
  t.equal(byEtag.get('e2')?.bodyBase64, Buffer.from([0x3c, 0, 0xff, 0x3e]).toString('base64'), 'binary body as base64');

  const vacuum = await herald(['store', 'vacuum', '--config', config]);
  t.equal(vacuum.code, 0, vacuum.err);
  t.match(vacuum.out, /dropped 2 expired rows; \d+ bytes before, \d+ bytes after/);
  const check = new Database(join(dir, 'herald.db'), { readonly: true });
  t.teardown(() => check.close());
  t.equal((check.prepare('SELECT COUNT(*) AS n FROM publications').get() as { n: number }).n, 2);
  t.equal((check.prepare('SELECT COUNT(*) AS n FROM bindings').get() as { n: number }).n, 1);
});

t.test('herald store: bad arguments, missing config or file, memory store → exit 2', async (t) => {
  const dir = tempDir(t);
  const memory = join(dir, 'memory.json');
  writeFileSync(memory, JSON.stringify({ domain: 'example.test', users: { alice: 'x' }, store: 'memory' }));
  const missingDb = join(dir, 'missing-db.json');
  writeFileSync(
    missingDb,
    JSON.stringify({ domain: 'example.test', users: { alice: 'x' }, store: 'sqlite:./nothing.db' }),
  );
  const results = await Promise.all([
    herald(['store', 'shrink', '--config', memory]),
    herald(['store', 'inspect', '--config', join(dir, 'nope.json')]),
    herald(['store', 'inspect', '--config', memory]),
    herald(['store', 'export', '--config', missingDb]),
  ]);
  const [badCommand, noConfig, memoryStore, noFile] = results;
  t.equal(badCommand?.code, 2);
  t.match(badCommand?.err, /usage: herald store inspect\|export\|vacuum/);
  t.equal(noConfig?.code, 2);
  t.match(noConfig?.err, /no such file/);
  t.equal(memoryStore?.code, 2);
  t.match(memoryStore?.err, /memory/);
  t.equal(noFile?.code, 2);
  t.match(noFile?.err, /nothing\.db: no such file/);
  t.notOk(existsSync(join(dir, 'nothing.db')), 'no file created');
});

t.test('the server CLI refuses a newer database: message and exit 1', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'herald.db');
  openSqliteDatabase(file).close();
  const raw = new Database(file);
  raw.prepare('UPDATE schema_version SET version = ?').run(SQLITE_SCHEMA_VERSION + 1);
  raw.close();
  const config = join(dir, 'herald.json');
  writeFileSync(
    config,
    JSON.stringify({
      domain: 'example.test',
      users: { alice: 'x' },
      listen: ['udp:127.0.0.1:0'],
      http: false,
      store: 'sqlite:herald.db',
    }),
  );
  const r = await run('server.ts', ['--config', config]);
  t.equal(r.code, 1);
  t.match(r.err, /herald: cannot start: .*newer than this Herald supports/);
});
