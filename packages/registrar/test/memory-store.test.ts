import t from 'tap';
import { MemoryBindingStore } from '../src/memory-store.js';
import type { StoredBinding } from '../src/store.js';
import { bindingStoreConformance } from './binding-store-conformance.js';

t.test('MemoryBindingStore conformance', async (t) => {
  bindingStoreConformance(t, async () => new MemoryBindingStore());
});

t.test('memory store copies values on the way in', async (t) => {
  const store = new MemoryBindingStore();
  const flow = {
    transport: 'udp' as const,
    local: { address: '127.0.0.1', port: 5060 },
    remote: { address: '192.0.2.1', port: 5060 },
  };
  const params: Array<[string, string | null]> = [['reg-id', '1']];
  const b: StoredBinding = {
    aor: 'sip:a@example.test',
    key: 'sip:a@192.0.2.1',
    contact: 'sip:a@192.0.2.1',
    params,
    expiresAt: 10,
    callId: 'c',
    cseq: 1,
    flow,
    createdAt: 0,
    updatedAt: 0,
  };
  await store.replaceAor(b.aor, [b]);
  params.push(['x', null]);
  flow.remote.port = 1;
  const [got] = await store.byAor(b.aor);
  t.same(got.params, [['reg-id', '1']]);
  t.equal(got.flow.remote.port, 5060);
});

t.test('memory store refuses a binding of another AoR', async (t) => {
  const store = new MemoryBindingStore();
  const flow = {
    transport: 'udp' as const,
    local: { address: '127.0.0.1', port: 5060 },
    remote: { address: '192.0.2.1', port: 5060 },
  };
  const b: StoredBinding = {
    aor: 'sip:a@example.test',
    key: 'k',
    contact: 'sip:a@192.0.2.1',
    params: [],
    expiresAt: 10,
    callId: 'c',
    cseq: 1,
    flow,
    createdAt: 0,
    updatedAt: 0,
  };
  await t.rejects(store.replaceAor('sip:b@example.test', [b]), RangeError);
  t.equal(await store.count(), 0);
});
