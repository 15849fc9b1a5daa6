import t from 'tap';
import { MemoryPublicationStore, MemorySubscriptionStore, markImmutable } from '../src/memory-store.js';
import type { StoredPublication, StoredSubscription } from '../src/store.js';
import { publicationStoreConformance, subscriptionStoreConformance } from './store-conformance.js';

t.test('MemorySubscriptionStore conformance', async (t) => {
  subscriptionStoreConformance(t, async () => new MemorySubscriptionStore());
});

t.test('MemoryPublicationStore conformance', async (t) => {
  publicationStoreConformance(t, async () => new MemoryPublicationStore());
});

type Mutable<T> = {
  -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] extends object ? Mutable<T[K]> : T[K];
};

/** A fresh, mutable subscription record (a dialog with a route set, a UDP flow). */
function record(): Mutable<StoredSubscription> {
  return {
    id: 's1',
    event: 'presence',
    resource: 'sip:alice@example.test',
    watcher: 'sip:bob@example.test',
    accept: ['application/pidf+xml'],
    contentType: 'application/pidf+xml',
    dialog: {
      id: { callId: 'c', localTag: 'l', remoteTag: 'r' },
      state: 'confirmed',
      role: 'uas',
      local: '<sip:alice@example.test>',
      remote: '<sip:bob@example.test>',
      localSeq: 1,
      remoteSeq: 1,
      remoteTarget: 'sip:bob@192.0.2.1',
      routeSet: ['<sip:p.example.test;lr>'],
      secure: false,
    },
    flow: {
      transport: 'udp',
      local: { address: '127.0.0.1', port: 5060 },
      remote: { address: '192.0.2.1', port: 5060 },
    },
    status: 'active',
    expiresAt: 10,
    version: 0,
    createdAt: 0,
  } as Mutable<StoredSubscription>;
}

t.test('memory subscription store copies values in and out', async (t) => {
  const store = new MemorySubscriptionStore();
  const s = record();
  await store.put(s);
  s.accept.push('text/plain');
  s.dialog.routeSet.push('<sip:evil;lr>');
  s.dialog.id.callId = 'changed';
  s.flow.remote.port = 1;
  const got = (await store.get('s1')) as Mutable<StoredSubscription>;
  t.same(got.accept, ['application/pidf+xml'], 'caller’s array mutation after put not stored');
  t.same(got.dialog.routeSet, ['<sip:p.example.test;lr>']);
  t.equal(got.dialog.id.callId, 'c');
  t.equal(got.flow.remote.port, 5060);
  got.dialog.localSeq = 99;
  got.flow.local.port = 2;
  const again = await store.get('s1');
  t.equal(again?.dialog.localSeq, 1, 'mutating a got value does not change the store');
  t.equal(again?.flow.local.port, 5060);
  const [listed] = (await store.byWatcher('sip:bob@example.test')) as Mutable<StoredSubscription>[];
  listed.accept.length = 0;
  t.same((await store.all())[0].accept, ['application/pidf+xml'], 'list results are copies too');
});

t.test('memory publication store copies bodies in and out', async (t) => {
  const store = new MemoryPublicationStore();
  const body = Buffer.from('hello');
  const p: StoredPublication = {
    event: 'presence',
    resource: 'sip:alice@example.test',
    etag: 'e1',
    contentType: 'text/plain',
    body,
    expiresAt: 10,
    createdAt: 0,
    updatedAt: 0,
  };
  await store.put(p);
  body.write('J');
  const got = await store.get('presence', 'sip:alice@example.test', 'e1');
  t.equal(got?.body.toString(), 'hello', 'caller’s buffer write after put not stored');
  got?.body.write('Y');
  const [listed] = await store.byResource('presence', 'sip:alice@example.test');
  t.equal(listed.body.toString(), 'hello', 'writing a got buffer does not change the store');
  const next = { ...p, etag: 'e2', body: Buffer.from('two') };
  t.equal(await store.replace('e1', next), true);
  next.body.write('X');
  t.equal((await store.get('presence', 'sip:alice@example.test', 'e2'))?.body.toString(), 'two', 'replace copies too');
});

t.test('memory subscription store shares frozen parts and copies the rest', async (t) => {
  const store = new MemorySubscriptionStore();
  const flow = Object.freeze({
    transport: 'udp' as const,
    local: Object.freeze({ address: '127.0.0.1', port: 5060 }),
    remote: Object.freeze({ address: '192.0.2.1', port: 5062 }),
  });
  const id = Object.freeze({ callId: 'c', localTag: 'l', remoteTag: 'r' });
  const routeSet = Object.freeze(['<sip:p.example.test;lr>']);
  const accept = Object.freeze(['application/pidf+xml']);
  const sub: StoredSubscription = {
    id: 's1',
    event: 'presence',
    resource: 'sip:alice@example.test',
    watcher: 'sip:bob@example.test',
    accept,
    contentType: 'application/pidf+xml',
    dialog: {
      id,
      state: 'confirmed',
      role: 'uas',
      local: '<sip:alice@example.test>',
      remote: '<sip:bob@example.test>',
      localSeq: 1,
      remoteSeq: 1,
      remoteTarget: 'sip:bob@192.0.2.1',
      routeSet,
      secure: false,
    },
    flow,
    status: 'active',
    expiresAt: 1000,
    version: -1,
    createdAt: 0,
  };
  await store.put(sub);
  const got = await store.get('s1');
  t.same(got, sub);
  t.equal(got?.flow, flow, 'a frozen flow is shared');
  t.equal(got?.dialog.id, id);
  t.equal(got?.dialog.routeSet, routeSet);
  t.equal(got?.accept, accept);
  t.not(got?.dialog, sub.dialog, 'the dialog object itself is still a copy');
  // A rewrite with the same keys (a NOTIFY's CSeq) keeps it findable by resource and watcher.
  await store.put({ ...sub, dialog: { ...sub.dialog, localSeq: 2 } });
  t.equal((await store.byResource('presence', 'sip:alice@example.test'))[0]?.dialog.localSeq, 2);
  t.equal((await store.byWatcher('sip:bob@example.test')).length, 1);
});

t.test('memory subscription store keeps a record frozen through and through as is', async (t) => {
  const store = new MemorySubscriptionStore();
  const sub: StoredSubscription = Object.freeze({
    id: 's1',
    event: 'presence',
    resource: 'sip:alice@example.test',
    watcher: 'sip:bob@example.test',
    accept: Object.freeze(['application/pidf+xml']),
    contentType: 'application/pidf+xml',
    dialog: Object.freeze({
      id: Object.freeze({ callId: 'c', localTag: 'l', remoteTag: 'r' }),
      state: 'confirmed' as const,
      role: 'uas' as const,
      local: '<sip:alice@example.test>',
      remote: '<sip:bob@example.test>',
      localSeq: 1,
      remoteSeq: 1,
      remoteTarget: 'sip:bob@192.0.2.1',
      routeSet: Object.freeze(['<sip:p.example.test;lr>']),
      secure: false,
    }),
    flow: Object.freeze({
      transport: 'udp' as const,
      local: Object.freeze({ address: '127.0.0.1', port: 5060 }),
      remote: Object.freeze({ address: '192.0.2.1', port: 5062 }),
    }),
    status: 'active' as const,
    expiresAt: 1000,
    version: -1,
    createdAt: 0,
  });
  await store.put(sub);
  t.equal(await store.get('s1'), sub, 'nobody can change it: no copy on the way in or out');
  t.equal((await store.byWatcher('sip:bob@example.test'))[0], sub);
  // One part left mutable: the record is copied again (the frozen parts still shared).
  const open = { ...sub, dialog: { ...sub.dialog } };
  await store.put(open);
  const got = await store.get('s1');
  t.not(got, open);
  t.not(got?.dialog, open.dialog);
  t.equal(got?.flow, sub.flow);
  t.same(got, open);
});

t.test('memory subscription store keeps values marked immutable by reference', async (t) => {
  const store = new MemorySubscriptionStore();
  const s = record();
  await store.put(s);
  t.not(await store.get('s1'), s, 'unmarked: copied');
  markImmutable(s);
  await store.put(s);
  t.equal(await store.get('s1'), s, 'marked (the mark covers what it reaches): kept');
  t.equal((await store.all())[0], s);
});
