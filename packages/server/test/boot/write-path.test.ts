// Issue 6 write path: REGISTER 200, PUBLISH 200 and SUBSCRIBE 200 (new and refresh) leave only after
// the store write completed. The stores are the SQLite ones behind a gate that holds every write.
import t from 'tap';
import { join } from 'node:path';
import type { StoredPublication, StoredSubscription } from '@herald/events';
import type { StoredBinding } from '@herald/registrar';
import { ManualClock, type SipResponse } from '@herald/sip';
import {
  Server,
  SqliteBindingStore,
  SqlitePublicationStore,
  SqliteSubscriptionStore,
  openSqliteDatabase,
  type ServerStores,
  type SqliteDatabase,
} from '../../src/index.js';
import { Client, nextNotify, pidf, recordingLogger, testConfig } from '../server/helpers.js';
import { tempDir, until } from './harness.js';

/** Holds store writes while closed. */
class Gate {
  private closed = false;
  private waiting: Array<() => void> = [];
  get held(): number {
    return this.waiting.length;
  }
  async pass(): Promise<void> {
    if (this.closed) await new Promise<void>((r) => this.waiting.push(r));
  }
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.closed = false;
    for (const w of this.waiting.splice(0)) w();
  }
}

function gatedStores(db: SqliteDatabase, gate: Gate): ServerStores {
  class Bindings extends SqliteBindingStore {
    override async replaceAor(aor: string, bindings: readonly StoredBinding[]): Promise<void> {
      await gate.pass();
      return super.replaceAor(aor, bindings);
    }
  }
  class Subscriptions extends SqliteSubscriptionStore {
    override async put(s: StoredSubscription): Promise<void> {
      await gate.pass();
      return super.put(s);
    }
  }
  class Publications extends SqlitePublicationStore {
    override async put(p: StoredPublication): Promise<void> {
      await gate.pass();
      return super.put(p);
    }
    override async replace(oldEtag: string, next: StoredPublication): Promise<boolean> {
      await gate.pass();
      return super.replace(oldEtag, next);
    }
  }
  return {
    bindings: new Bindings(db),
    subscriptions: new Subscriptions(db),
    publications: new Publications(db),
    db,
    close: () => db.close(),
  };
}

/** A quiet period (real time) in which a wrongly early answer would have arrived. */
const quiet = (): Promise<void> => new Promise((r) => setTimeout(r, 300));

t.test('2xx only after the store write completed', async (t) => {
  const db = openSqliteDatabase(join(tempDir(t), 'herald.db'));
  const gate = new Gate();
  const { logger } = recordingLogger();
  const clock = new ManualClock(1_000_000);
  const server = new Server(testConfig(), { clock, logger, stores: gatedStores(db, gate) });
  t.teardown(() => server.stop());
  await server.start();
  const udpPort = server.ports.find((p) => p.transport === 'udp')?.port ?? 0;
  const alice = await Client.start(t, udpPort, 'alice');
  const bob = await Client.start(t, udpPort, 'bob');
  const count = (table: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

  /** Sends with the gate closed: no final answer while the write is held; the row is there when it comes. */
  const held = async (what: string, send: () => Promise<SipResponse>, table: string, rows: number) => {
    gate.close();
    let answered = false;
    const pending = send().then((r) => {
      answered = true;
      return r;
    });
    await until(() => gate.held > 0, `${what}: store write`);
    await quiet();
    t.notOk(answered, `${what}: no answer while the write is held`);
    gate.open();
    const res = await pending;
    t.equal(res.status, 200, `${what}: 200 once written`);
    t.equal(count(table), rows, `${what}: row stored`);
  };

  await held('REGISTER', () => alice.register(600), 'bindings', 1);
  await held('PUBLISH', () => alice.publish(pidf(alice.aor, 'open')), 'publications', 1);

  // SUBSCRIBE: the client's responses are observed on its endpoint.
  const responses: SipResponse[] = [];
  const send = bob.endpoint.request.bind(bob.endpoint);
  bob.endpoint.request = async (request, options) => {
    const res = await send(request, options);
    if (request.method === 'SUBSCRIBE') responses.push(res);
    return res;
  };
  const ok = (): number => responses.filter((r) => r.status === 200).length;
  gate.close();
  const sub = bob.subscribe(alice.aor, 'presence');
  await until(() => gate.held > 0, 'SUBSCRIBE store write');
  await quiet();
  t.equal(ok(), 0, 'SUBSCRIBE: no 200 while the write is held');
  gate.open();
  await nextNotify(sub);
  t.equal(ok(), 1, 'SUBSCRIBE: 200 once written');
  t.equal(count('subscriptions'), 1);

  // A refresh moves the stored expiry before its 200.
  const expiresBefore = (db.prepare('SELECT expires_at AS e FROM subscriptions').get() as { e: number }).e;
  clock.advance(10_000);
  gate.close();
  sub.refresh();
  await until(() => gate.held > 0, 'refresh store write');
  await quiet();
  t.equal(ok(), 1, 'refresh: no 200 while the write is held');
  gate.open();
  await until(() => ok() === 2, 'refresh 200');
  const expiresAfter = (db.prepare('SELECT expires_at AS e FROM subscriptions').get() as { e: number }).e;
  t.ok(expiresAfter > expiresBefore, 'refresh: new expiry stored');
});
