/**
 * Conformance suite for the BindingStore contract (src/store.ts). Every store
 * (memory now, SQLite in issue 6) runs it with a factory returning a fresh,
 * empty store. Contract only: no ordering of list results is assumed, and an
 * optional field may come back missing or set to undefined.
 */
import type { Test } from 'tap';
import type { Flow } from '@herald/sip';
import type { BindingStore, StoredBinding } from '../src/store.js';

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

const ALICE = 'sip:alice@example.test';
const BOB = 'sip:bob@example.test';

function binding(aor: string, key: string, over: Partial<StoredBinding> = {}): StoredBinding {
  return {
    aor,
    key,
    contact: key.startsWith('sip') ? key : 'sip:alice@192.0.2.10:40123;transport=tcp',
    params: [],
    expiresAt: 1_700_000_600_000,
    callId: 'call-1@192.0.2.10',
    cseq: 7,
    flow: udpFlow,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...over,
  };
}

/** Every field set, with an outbound flow and parameters that need quoting. */
const full = binding(ALICE, '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>;reg-id=1', {
  contact: 'sip:alice@[2001:db8::7]:51000;transport=tcp;ob',
  params: [
    ['+sip.instance', '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>'],
    ['reg-id', '1'],
    ['+sip.ice', null],
  ],
  q: 0.5,
  instanceId: '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>',
  regId: 1,
  flow: tcpFlow,
  userAgent: 'Linphone/5.1 (belle-sip/5.1)',
  callId: 'x@y',
  cseq: 2 ** 31 - 1,
});

const keys = (list: readonly StoredBinding[]): string[] => list.map((b) => `${b.aor} ${b.key}`).sort();

/** Runs the {@link BindingStore} contract against fresh stores from `makeStore`. */
export function bindingStoreConformance(t: Test, makeStore: () => Promise<BindingStore>): void {
  t.test('empty store', async (t) => {
    const store = await makeStore();
    t.equal(await store.count(), 0);
    t.same(await store.all(), []);
    t.same(await store.byAor(ALICE), []);
    t.equal(await store.delete(ALICE, 'sip:alice@h'), false);
    await store.replaceAor(ALICE, []);
    t.equal(await store.count(), 0, 'replacing an absent AoR with nothing is harmless');
  });

  t.test('replaceAor then byAor round-trips every field, Flow and params exactly', async (t) => {
    const store = await makeStore();
    await store.replaceAor(ALICE, [full]);
    const [got] = await store.byAor(ALICE);
    t.strictSame(got, full);
    t.strictSame(got?.flow, tcpFlow);
    t.strictSame(got?.params, full.params, 'params keep their order and null flags');
    t.equal(await store.count(), 1);
  });

  t.test('optional fields absent round-trip', async (t) => {
    const store = await makeStore();
    const b = binding(BOB, 'sip:bob@192.0.2.20:5060');
    await store.replaceAor(BOB, [b]);
    const [got] = await store.byAor(BOB);
    t.same(got, b);
    t.equal(got?.q, undefined);
    t.equal(got?.instanceId, undefined);
    t.equal(got?.regId, undefined);
    t.equal(got?.userAgent, undefined);
    t.equal(got?.flow.connectionId, undefined);
    t.strictSame(got?.params, []);
  });

  t.test('q of 0 and 1 are kept, not confused with absent', async (t) => {
    const store = await makeStore();
    await store.replaceAor(BOB, [
      binding(BOB, 'sip:bob@192.0.2.20', { q: 0 }),
      binding(BOB, 'sip:bob@192.0.2.21', { q: 1 }),
    ]);
    const got = (await store.byAor(BOB)).sort((a, b) => a.key.localeCompare(b.key));
    t.same(
      got.map((b) => b.q),
      [0, 1],
    );
  });

  t.test('replaceAor replaces the whole set of that AoR only', async (t) => {
    const store = await makeStore();
    await store.replaceAor(ALICE, [binding(ALICE, 'sip:alice@192.0.2.1'), binding(ALICE, 'sip:alice@192.0.2.2')]);
    await store.replaceAor(BOB, [binding(BOB, 'sip:bob@192.0.2.3')]);
    t.equal(await store.count(), 3);
    await store.replaceAor(ALICE, [binding(ALICE, 'sip:alice@192.0.2.2', { cseq: 8 }), full]);
    t.same(keys(await store.byAor(ALICE)), keys([binding(ALICE, 'sip:alice@192.0.2.2'), full]));
    t.equal((await store.byAor(ALICE)).find((b) => b.key === 'sip:alice@192.0.2.2')?.cseq, 8, 'updated in place');
    t.equal((await store.byAor(BOB)).length, 1, 'other AoR untouched');
    t.equal(await store.count(), 3);
    await store.replaceAor(ALICE, []);
    t.same(await store.byAor(ALICE), [], 'empty list removes the AoR');
    t.same(keys(await store.all()), [`${BOB} sip:bob@192.0.2.3`]);
    t.equal(await store.count(), 1);
  });

  t.test('delete removes one binding', async (t) => {
    const store = await makeStore();
    await store.replaceAor(ALICE, [binding(ALICE, 'sip:alice@192.0.2.1'), binding(ALICE, 'sip:alice@192.0.2.2')]);
    t.equal(await store.delete(ALICE, 'sip:alice@192.0.2.1'), true);
    t.equal(await store.delete(ALICE, 'sip:alice@192.0.2.1'), false, 'second delete finds nothing');
    t.equal(await store.delete(BOB, 'sip:alice@192.0.2.2'), false, 'keys are per AoR');
    t.same(keys(await store.byAor(ALICE)), [`${ALICE} sip:alice@192.0.2.2`]);
    t.equal(await store.delete(ALICE, 'sip:alice@192.0.2.2'), true);
    t.equal(await store.count(), 0);
    t.same(await store.all(), []);
  });

  t.test('the same key under two AoRs are two bindings', async (t) => {
    const store = await makeStore();
    await store.replaceAor(ALICE, [binding(ALICE, 'sip:shared@192.0.2.9')]);
    await store.replaceAor(BOB, [binding(BOB, 'sip:shared@192.0.2.9')]);
    t.equal(await store.count(), 2);
    t.equal((await store.all()).length, 2);
  });

  t.test('values handed out are not live views of the store', async (t) => {
    const store = await makeStore();
    await store.replaceAor(ALICE, [full]);
    const [got] = await store.byAor(ALICE);
    (got.flow.remote as { port: number }).port = 1;
    (got.params as Array<[string, string | null]>).push(['evil', 'x']);
    const [again] = await store.byAor(ALICE);
    t.equal(again.flow.remote.port, tcpFlow.remote.port);
    t.strictSame(again.params, full.params);
  });
}
