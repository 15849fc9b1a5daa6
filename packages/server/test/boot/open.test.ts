import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ManualClock } from '@herald/sip';
import { Server, SQLITE_SCHEMA_VERSION, openSqliteDatabase, sqliteLocation } from '../../src/index.js';
import { recordingLogger, testConfig } from '../server/helpers.js';
import { tempDir } from './harness.js';

const serverFor = (store: string, baseDir?: string) => {
  const { logger, lines } = recordingLogger();
  const server = new Server(testConfig({ store }), {
    clock: new ManualClock(1_000_000),
    logger,
    ...(baseDir ? { baseDir } : {}),
  });
  return { server, lines };
};

t.test('a database with a newer schema is refused by start() and left untouched', async (t) => {
  const file = join(tempDir(t), 'future.db');
  openSqliteDatabase(file).close();
  const raw = new Database(file);
  raw.prepare('UPDATE schema_version SET version = ?').run(SQLITE_SCHEMA_VERSION + 1);
  raw.close();
  const { server } = serverFor(`sqlite:${file}`);
  t.teardown(() => server.stop());
  await t.rejects(server.start(), /newer than this Herald supports/);
  const check = new Database(file, { readonly: true });
  t.equal(
    (check.prepare('SELECT version FROM schema_version').get() as { version: number }).version,
    SQLITE_SCHEMA_VERSION + 1,
  );
  check.close();
});

t.test('a path that cannot be opened rejects start() with the path in the message', async (t) => {
  const { server } = serverFor(`sqlite:${join(tempDir(t), 'no-such-dir', 'x.db')}`);
  t.teardown(() => server.stop());
  await t.rejects(server.start(), /store sqlite:.*no-such-dir.*cannot be opened/);
});

t.test('a relative sqlite:PATH resolves against baseDir (the config file directory); stop() closes it', async (t) => {
  const dir = tempDir(t);
  const { server, lines } = serverFor('sqlite:./herald.db', dir);
  await server.start();
  t.ok(existsSync(join(dir, 'herald.db')), 'file created beside the config');
  t.equal(server.stores.db?.name, join(dir, 'herald.db'));
  t.notOk(
    lines.some((l) => /not available yet/.test(l.msg)),
    'no more "not available" warning',
  );
  t.match(lines.find((l) => l.msg === 'store')?.detail, { kind: 'sqlite' });
  await server.stop();
  t.equal(server.stores.db?.open, false, 'database closed by stop()');
});

t.test('store "memory" keeps the memory stores', async (t) => {
  const { server } = serverFor('memory');
  t.teardown(() => server.stop());
  await server.start();
  t.equal(server.stores.db, undefined);
});

t.test('sqliteLocation: relative/absolute paths, synchronous=full, bad options', async (t) => {
  t.same(sqliteLocation('./a.db', '/etc/herald'), { path: '/etc/herald/a.db', synchronous: 'normal' });
  t.same(sqliteLocation('/var/lib/h.db?synchronous=full', '/x'), { path: '/var/lib/h.db', synchronous: 'full' });
  t.same(sqliteLocation(':memory:', '/x'), { path: ':memory:', synchronous: 'normal' });
  t.match(sqliteLocation('a.db?journal=off', '/x'), { error: /unknown option/ });
  t.match(sqliteLocation('?synchronous=full', '/x'), { error: /needs a file path/ });
  const dir = tempDir(t);
  const { server } = serverFor('sqlite:h.db?synchronous=full', dir);
  t.teardown(() => server.stop());
  await server.start();
  t.equal(server.stores.db?.pragma('synchronous', { simple: true }), 2, 'FULL');
});
