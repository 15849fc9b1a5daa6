/**
 * Conformance suites for the storage contracts in src/store.ts. Every store
 * implementation (memory now, SQLite in issue 6) runs them with a factory
 * returning a fresh, empty store. They test the contract only: no ordering of
 * list results is assumed, and a value with an optional field absent may come
 * back with the key missing or set to undefined.
 */
import type { Test } from 'tap';
import type { Dialog, Flow } from '@herald/sip';
import type { PublicationStore, StoredPublication, StoredSubscription, SubscriptionStore } from '../src/store.js';

const udpFlow: Flow = {
  transport: 'udp',
  local: { address: '127.0.0.1', port: 5060 },
  remote: { address: '192.0.2.10', port: 40123 },
};

const tcpFlow: Flow = {
  transport: 'tcp',
  local: { address: '::1', port: 5060 },
  remote: { address: '2001:db8::7', port: 51000 },
  connectionId: 'tcp-17',
};

const fullDialog: Dialog = {
  id: { callId: 'c1@host', localTag: 'lt1', remoteTag: 'rt1' },
  state: 'confirmed',
  role: 'uas',
  local: '<sip:alice@example.test>',
  remote: '"Bob" <sip:bob@example.test>',
  localSeq: 7,
  remoteSeq: 42,
  remoteTarget: 'sip:bob@192.0.2.10:40123;transport=udp',
  routeSet: ['<sip:p1.example.test;lr>', '<sip:p2.example.test;lr>'],
  secure: false,
};

/** A fresh UAS dialog: nothing sent yet, so localSeq is undefined; no routes. */
const freshDialog: Dialog = {
  id: { callId: 'c2@host', localTag: 'lt2', remoteTag: 'rt2' },
  state: 'confirmed',
  role: 'uas',
  local: '<sip:carol@example.test>',
  remote: '<sip:dave@example.test>',
  localSeq: undefined,
  remoteSeq: 1,
  remoteTarget: 'sips:dave@[2001:db8::7]:5061',
  routeSet: [],
  secure: true,
};

function subscription(id: string, over: Partial<StoredSubscription> = {}): StoredSubscription {
  return {
    id,
    event: 'presence',
    eventId: 'e1',
    resource: 'sip:alice@example.test',
    watcher: 'sip:bob@example.test',
    watcherDisplayName: 'Bob',
    userAgent: 'Phone/1.0',
    accept: ['application/pidf+xml', 'application/xpidf+xml'],
    contentType: 'application/pidf+xml',
    dialog: fullDialog,
    flow: tcpFlow,
    status: 'active',
    expiresAt: 1_700_000_600_000,
    version: 3,
    createdAt: 1_700_000_000_000,
    blocked: true,
    ...over,
  };
}

const ids = (list: readonly StoredSubscription[]): string[] => list.map((s) => s.id).sort();

/** Runs the {@link SubscriptionStore} contract against fresh stores from `makeStore`. */
export function subscriptionStoreConformance(t: Test, makeStore: () => Promise<SubscriptionStore>): void {
  t.test('empty store', async (t) => {
    const store = await makeStore();
    t.equal(await store.count(), 0);
    t.same(await store.all(), []);
    t.equal(await store.get('nope'), undefined);
    t.equal(await store.delete('nope'), false);
    t.same(await store.byResource('presence', 'sip:alice@example.test'), []);
    t.same(await store.byWatcher('sip:bob@example.test'), []);
  });

  t.test('put then get round-trips every field, Flow and Dialog exactly', async (t) => {
    const store = await makeStore();
    const s = subscription('s1');
    await store.put(s);
    const got = await store.get('s1');
    t.strictSame(got, s);
    t.strictSame(got?.flow, tcpFlow);
    t.strictSame(got?.dialog, fullDialog);
    t.equal(await store.count(), 1);
  });

  t.test('optional fields absent and a dialog with no local CSeq round-trip', async (t) => {
    const store = await makeStore();
    const s: StoredSubscription = {
      id: 's2',
      event: 'dialog',
      resource: 'sip:carol@example.test',
      watcher: 'sip:dave@example.test',
      accept: [],
      contentType: 'application/dialog-info+xml',
      dialog: freshDialog,
      flow: udpFlow,
      status: 'pending',
      expiresAt: 5000,
      version: 0,
      createdAt: 1000,
    };
    await store.put(s);
    const got = await store.get('s2');
    t.ok(got);
    if (!got) return;
    t.same(got, s);
    t.equal(got.eventId, undefined);
    t.equal(got.watcherDisplayName, undefined);
    t.equal(got.userAgent, undefined);
    t.notOk(got.blocked, 'blocked absent (= false)');
    t.strictSame(got.accept, []);
    t.equal(got.dialog.localSeq, undefined);
    t.equal(got.dialog.remoteSeq, 1);
    t.strictSame(got.dialog.routeSet, []);
    t.equal(got.dialog.secure, true);
    t.equal(got.flow.connectionId, undefined);
    t.same(got.flow, udpFlow);
    t.equal(got.status, 'pending');
    t.equal(got.version, 0);
  });

  t.test('put replaces by id and re-indexes', async (t) => {
    const store = await makeStore();
    await store.put(subscription('s1'));
    const moved = subscription('s1', {
      event: 'dialog',
      resource: 'sip:carol@example.test',
      watcher: 'sip:erin@example.test',
      status: 'terminated',
      version: 9,
      dialog: { ...fullDialog, localSeq: 8 },
    });
    await store.put(moved);
    t.equal(await store.count(), 1);
    t.strictSame(await store.get('s1'), moved);
    t.same(await store.byResource('presence', 'sip:alice@example.test'), [], 'old (event, resource) index entry gone');
    t.same(await store.byWatcher('sip:bob@example.test'), [], 'old watcher index entry gone');
    t.same(ids(await store.byResource('dialog', 'sip:carol@example.test')), ['s1']);
    t.same(ids(await store.byWatcher('sip:erin@example.test')), ['s1']);
  });

  t.test('byResource filters on event and resource; byWatcher spans events', async (t) => {
    const store = await makeStore();
    await store.put(subscription('a'));
    await store.put(subscription('b', { watcher: 'sip:carol@example.test' }));
    await store.put(subscription('c', { event: 'dialog' }));
    await store.put(subscription('d', { resource: 'sip:zoe@example.test' }));
    t.same(ids(await store.byResource('presence', 'sip:alice@example.test')), ['a', 'b']);
    t.same(ids(await store.byResource('dialog', 'sip:alice@example.test')), ['c']);
    t.same(ids(await store.byResource('presence', 'sip:zoe@example.test')), ['d']);
    t.same(await store.byResource('presence', 'sip:nobody@example.test'), []);
    t.same(ids(await store.byWatcher('sip:bob@example.test')), ['a', 'c', 'd']);
    t.same(ids(await store.byWatcher('sip:carol@example.test')), ['b']);
    t.same(ids(await store.all()), ['a', 'b', 'c', 'd']);
    t.equal(await store.count(), 4);
    const b = (await store.byResource('presence', 'sip:alice@example.test')).find((s) => s.id === 'b');
    t.strictSame(b, subscription('b', { watcher: 'sip:carol@example.test' }), 'index results are whole values');
  });

  t.test('delete removes from get, indexes, all and count', async (t) => {
    const store = await makeStore();
    await store.put(subscription('a'));
    await store.put(subscription('b'));
    t.equal(await store.delete('a'), true);
    t.equal(await store.delete('a'), false, 'second delete finds nothing');
    t.equal(await store.get('a'), undefined);
    t.same(ids(await store.byResource('presence', 'sip:alice@example.test')), ['b']);
    t.same(ids(await store.byWatcher('sip:bob@example.test')), ['b']);
    t.same(ids(await store.all()), ['b']);
    t.equal(await store.count(), 1);
    t.equal(await store.delete('b'), true);
    t.equal(await store.count(), 0);
    t.same(await store.byResource('presence', 'sip:alice@example.test'), []);
    t.same(await store.byWatcher('sip:bob@example.test'), []);
  });
}

function publication(etag: string, over: Partial<StoredPublication> = {}): StoredPublication {
  return {
    event: 'presence',
    resource: 'sip:alice@example.test',
    etag,
    contentType: 'application/pidf+xml',
    body: Buffer.from(`<presence entity="sip:alice@example.test"><tuple id="${etag}"/></presence>`),
    expiresAt: 1_700_000_360_000,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_100_000,
    publisher: 'sip:alice@example.test',
    ...over,
  };
}

const etags = (list: readonly StoredPublication[]): string[] => list.map((p) => p.etag).sort();

/** Runs the {@link PublicationStore} contract against fresh stores from `makeStore`. */
export function publicationStoreConformance(t: Test, makeStore: () => Promise<PublicationStore>): void {
  t.test('empty store', async (t) => {
    const store = await makeStore();
    t.equal(await store.count(), 0);
    t.same(await store.all(), []);
    t.equal(await store.get('presence', 'sip:alice@example.test', 'x'), undefined);
    t.equal(await store.delete('presence', 'sip:alice@example.test', 'x'), false);
    t.equal(await store.replace('x', publication('y')), false);
    t.same(await store.byResource('presence', 'sip:alice@example.test'), []);
    t.equal(await store.count(), 0, 'a failed replace inserts nothing');
  });

  t.test('put then get round-trips every field; the body stays a Buffer', async (t) => {
    const store = await makeStore();
    const p = publication('e1');
    await store.put(p);
    const got = await store.get('presence', 'sip:alice@example.test', 'e1');
    t.strictSame(got, p);
    t.ok(got && Buffer.isBuffer(got.body), 'body is a Buffer');
    t.equal(await store.count(), 1);
  });

  t.test('binary bodies and an absent publisher round-trip', async (t) => {
    const store = await makeStore();
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x0d, 0x0a, 0]);
    const p: StoredPublication = {
      event: 'dialog',
      resource: 'sip:carol@example.test',
      etag: 'bin',
      contentType: 'application/octet-stream',
      body: bytes,
      expiresAt: 3000,
      createdAt: 1000,
      updatedAt: 2000,
    };
    await store.put(p);
    const got = await store.get('dialog', 'sip:carol@example.test', 'bin');
    t.ok(got);
    if (!got) return;
    t.ok(Buffer.isBuffer(got.body));
    t.ok(got.body.equals(bytes), 'bytes unchanged');
    t.equal(got.publisher, undefined);
    t.same(got, p);
    const empty = { ...p, etag: 'empty', body: Buffer.alloc(0) };
    await store.put(empty);
    const gotEmpty = await store.get('dialog', 'sip:carol@example.test', 'empty');
    t.ok(gotEmpty && Buffer.isBuffer(gotEmpty.body) && gotEmpty.body.length === 0, 'empty body round-trips');
  });

  t.test('keys are (event, resource, etag)', async (t) => {
    const store = await makeStore();
    await store.put(publication('e1'));
    await store.put(publication('e1', { event: 'dialog' }));
    await store.put(publication('e1', { resource: 'sip:bob@example.test' }));
    t.equal(await store.count(), 3, 'same etag under other event or resource is another publication');
    t.equal((await store.get('dialog', 'sip:alice@example.test', 'e1'))?.event, 'dialog');
    t.equal(await store.get('presence', 'sip:carol@example.test', 'e1'), undefined);
    t.equal(await store.delete('presence', 'sip:bob@example.test', 'e2'), false);
  });

  t.test('put replaces by (event, resource, etag)', async (t) => {
    const store = await makeStore();
    await store.put(publication('e1'));
    const next = publication('e1', { body: Buffer.from('v2'), expiresAt: 9, updatedAt: 8 });
    await store.put(next);
    t.equal(await store.count(), 1);
    t.strictSame(await store.get('presence', 'sip:alice@example.test', 'e1'), next);
    t.same(etags(await store.byResource('presence', 'sip:alice@example.test')), ['e1']);
  });

  t.test('byResource filters on event and resource', async (t) => {
    const store = await makeStore();
    await store.put(publication('a'));
    await store.put(publication('b'));
    await store.put(publication('c', { event: 'dialog' }));
    await store.put(publication('d', { resource: 'sip:zoe@example.test' }));
    t.same(etags(await store.byResource('presence', 'sip:alice@example.test')), ['a', 'b']);
    t.same(etags(await store.byResource('dialog', 'sip:alice@example.test')), ['c']);
    t.same(etags(await store.byResource('presence', 'sip:zoe@example.test')), ['d']);
    t.same(await store.byResource('presence', 'sip:nobody@example.test'), []);
    t.same(etags(await store.all()), ['a', 'b', 'c', 'd']);
    t.equal(await store.count(), 4);
    const b = (await store.byResource('presence', 'sip:alice@example.test')).find((p) => p.etag === 'b');
    t.strictSame(b, publication('b'), 'index results are whole values');
  });

  t.test('replace swaps the old etag for the new publication', async (t) => {
    const store = await makeStore();
    await store.put(publication('old'));
    await store.put(publication('other'));
    const next = publication('new', { body: Buffer.from('modified'), updatedAt: 1_700_000_200_000 });
    t.equal(await store.replace('old', next), true);
    t.equal(await store.get('presence', 'sip:alice@example.test', 'old'), undefined, 'old etag gone');
    t.strictSame(await store.get('presence', 'sip:alice@example.test', 'new'), next);
    t.same(etags(await store.byResource('presence', 'sip:alice@example.test')), ['new', 'other']);
    t.equal(await store.count(), 2);
    t.equal(await store.replace('old', publication('newer')), false, 'old etag no longer valid');
    t.equal(
      await store.get('presence', 'sip:alice@example.test', 'newer'),
      undefined,
      'failed replace inserts nothing',
    );
    t.equal(await store.count(), 2);
  });

  t.test('replace keeping the same etag updates in place', async (t) => {
    const store = await makeStore();
    await store.put(publication('e1'));
    const next = publication('e1', { expiresAt: 42 });
    t.equal(await store.replace('e1', next), true);
    t.equal(await store.count(), 1);
    t.strictSame(await store.get('presence', 'sip:alice@example.test', 'e1'), next);
  });

  t.test('replace looks the old etag up under the new value’s event and resource', async (t) => {
    const store = await makeStore();
    await store.put(publication('e1'));
    t.equal(await store.replace('e1', publication('e2', { resource: 'sip:bob@example.test' })), false);
    t.equal(await store.replace('e1', publication('e2', { event: 'dialog' })), false);
    t.same(etags(await store.all()), ['e1'], 'nothing changed');
  });

  t.test('concurrent replaces of one etag: exactly one wins', async (t) => {
    const store = await makeStore();
    await store.put(publication('e1'));
    const results = await Promise.all([store.replace('e1', publication('x')), store.replace('e1', publication('y'))]);
    t.same(results.filter(Boolean).length, 1);
    t.equal(await store.count(), 1);
  });

  t.test('delete removes from get, byResource, all and count', async (t) => {
    const store = await makeStore();
    await store.put(publication('a'));
    await store.put(publication('b'));
    t.equal(await store.delete('presence', 'sip:alice@example.test', 'a'), true);
    t.equal(await store.delete('presence', 'sip:alice@example.test', 'a'), false);
    t.equal(await store.get('presence', 'sip:alice@example.test', 'a'), undefined);
    t.same(etags(await store.byResource('presence', 'sip:alice@example.test')), ['b']);
    t.same(etags(await store.all()), ['b']);
    t.equal(await store.count(), 1);
    t.equal(await store.delete('presence', 'sip:alice@example.test', 'b'), true);
    t.equal(await store.count(), 0);
    t.same(await store.byResource('presence', 'sip:alice@example.test'), []);
  });
}
