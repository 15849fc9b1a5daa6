import t from 'tap';
import type { Dialog, Flow } from '@herald/sip';
import {
  changedRecord,
  ownDialog,
  ownFlow,
  ownString,
  ownSubscription,
  ownUpdatedDialog,
  sharedList,
  sharedString,
  storedRecord,
} from '../../src/notifier/compact.js';
import { MemorySubscriptionStore } from '../../src/memory-store.js';
import type { StoredSubscription } from '../../src/store.js';

const text = 'SUBSCRIBE sip:bob@example.test SIP/2.0\r\nContact: <sip:alice@192.0.2.1:5062;transport=udp>\r\n';
const contact = text.slice(text.indexOf('<') + 1, text.indexOf('>'));

const dialog: Dialog = {
  id: { callId: 'call-1@example.test', localTag: 'a-long-local-tag', remoteTag: 'r' },
  state: 'confirmed',
  role: 'uas',
  local: '<sip:bob@example.test>',
  remote: '<sip:alice@example.test>',
  localSeq: undefined,
  remoteSeq: 1,
  remoteTarget: contact,
  routeSet: ['<sip:proxy.example.test;lr>'],
  secure: false,
};
const flow: Flow = {
  transport: 'udp',
  local: { address: '127.0.0.1', port: 5060 },
  remote: { address: '192.0.2.1', port: 5062 },
};

t.test('ownString and sharedString keep the value', async (t) => {
  for (const s of ['', 'short', contact, 'x'.repeat(1000), '__proto__', '123']) t.equal(ownString(s), s);
  const a = sharedString('application/pidf+xml');
  t.equal(a, 'application/pidf+xml');
  t.equal(sharedString(`application/${'pidf+xml'}`), a);
});

t.test('owned records are equal to the originals, field by field', async (t) => {
  t.same(ownDialog(dialog), dialog);
  t.same(ownFlow(flow), flow);
  t.same(ownDialog({ ...dialog, routeSet: [] }).routeSet, []);
  const sub: StoredSubscription = {
    id: 'sub-1',
    event: 'presence',
    eventId: 'e1',
    resource: 'sip:bob@example.test',
    watcher: 'sip:alice@example.test',
    watcherDisplayName: 'Alice',
    userAgent: 'phone/1.0 (model XYZ)',
    accept: ['application/pidf+xml', 'application/xpidf+xml'],
    contentType: 'application/pidf+xml',
    dialog,
    flow,
    status: 'active',
    expiresAt: 1_700_000_000_000,
    version: -1,
    createdAt: 1_699_999_000_000,
    blocked: undefined,
  };
  const owned = ownSubscription(sub);
  t.same(owned, sub);
  t.equal(owned.dialog, dialog, 'the dialog is owned separately (it is shared with the dialog table)');
  t.same(ownSubscription({ ...sub, eventId: undefined, watcherDisplayName: undefined, userAgent: undefined }), {
    ...sub,
    eventId: undefined,
    watcherDisplayName: undefined,
    userAgent: undefined,
  });
});

t.test('a dialog update owns only a changed remote target', async (t) => {
  const same = { ...dialog, remoteSeq: 2 };
  t.equal(ownUpdatedDialog(dialog, same), same, 'unchanged target: the update itself');
  const moved = { ...dialog, remoteSeq: 3, remoteTarget: 'sip:alice@198.51.100.7:5070' };
  const got = ownUpdatedDialog(dialog, moved);
  t.same(got, moved);
});

t.test('owned flows, dialog ids, route sets and Accept lists are frozen', async (t) => {
  const f = ownFlow(flow);
  t.ok(Object.isFrozen(f) && Object.isFrozen(f.local) && Object.isFrozen(f.remote));
  const d = ownDialog(dialog);
  t.ok(Object.isFrozen(d.id) && Object.isFrozen(d.routeSet));
  t.notOk(Object.isFrozen(d), 'the dialog itself moves on (CSeq) and is replaced, not frozen');
});

t.test('ownString keeps non-ASCII text and lone surrogates exactly', async (t) => {
  for (const s of [
    'Zoë Ångström <sip:zoe@example.test>',
    '\u{1F600} smiling watcher name',
    'lone \ud800 surrogate!',
    'x\udfff'.repeat(9),
  ])
    t.equal(ownString(s), s);
});

t.test('ownFlow hands out one frozen object per distinct flow', async (t) => {
  const a = ownFlow({ ...flow, transport: 'tcp', connectionId: 'tcp-1' });
  const b = ownFlow({ transport: 'tcp', local: { ...flow.local }, remote: { ...flow.remote }, connectionId: 'tcp-1' });
  t.equal(a, b, 'same connection, same object');
  t.not(ownFlow({ ...flow, transport: 'tcp', connectionId: 'tcp-2' }), a, 'another connection');
  t.not(ownFlow({ ...flow, remote: { address: '192.0.2.1', port: 5063 } }), ownFlow(flow), 'another port');
  t.same(ownFlow({ ...flow, connectionId: undefined }), { ...flow, connectionId: undefined });
  // A transport's shared flow object: found again by identity, still checked field by field.
  const shared: Flow = {
    transport: 'udp',
    local: { address: '127.0.0.1', port: 5060 },
    remote: { address: '127.0.0.1', port: 5061 },
  };
  const owned = ownFlow(shared);
  t.not(owned, shared);
  t.ok(Object.isFrozen(owned));
  t.equal(ownFlow(shared), owned, 'the same flow object: the same owned copy');
  t.equal(ownFlow(owned), owned, 'an owned copy owns itself');
  (shared.remote as { port: number }).port = 5062;
  t.equal(ownFlow(shared).remote.port, 5062, 'a changed flow object is not taken for its old copy');
  const tagged = { ...shared, extra: 'x' } as Flow;
  t.not(ownFlow(tagged), ownFlow(shared), 'a field beyond the key makes another flow');
  t.equal(ownFlow(tagged), ownFlow({ ...tagged }), 'equal fields, equal flow');
});

t.test('a stored record is kept by the memory store as is, with its dialog', async (t) => {
  const sub = ownSubscription({
    id: 's1',
    event: 'presence',
    resource: 'sip:bob@example.test',
    watcher: 'sip:alice@example.test',
    accept: ['application/pidf+xml'],
    contentType: 'application/pidf+xml',
    dialog,
    flow,
    status: 'active',
    expiresAt: 1000,
    version: -1,
    createdAt: 0,
  });
  const d = ownDialog(dialog);
  const rec = storedRecord(sub, d);
  t.equal(rec.dialog, d, 'the dialog itself, not a copy');
  t.ok(Object.isFrozen(d.id) && Object.isFrozen(d.routeSet));
  t.same(rec, { ...sub, dialog: d });
  const store = new MemorySubscriptionStore();
  await store.put(rec);
  t.equal(await store.get('s1'), rec, 'one record serves the notifier and the store');
  t.equal(storedRecord(rec, d), rec, 'a record already right is marked, not copied');
  const advanced = { ...d, localSeq: 5 };
  const next = storedRecord(rec, advanced);
  t.not(next, rec);
  t.equal(next.dialog, advanced);
  t.equal(rec.dialog, d, 'the earlier record is left as it was');
  const changed = changedRecord(rec, { version: 3 });
  t.equal(storedRecord(changed, d), changed, 'a changed record with the dialog is stored as is');
  await store.put(changed);
  t.equal(await store.get('s1'), changed, 'and kept by reference');
  t.equal(rec.version, -1, 'the record it came from is unchanged');
  // A plain record (what other callers put, or a spread copy of a notifier record) is still copied.
  const loose = storedRecord({ ...rec, accept: ['text/plain'] }, d);
  t.ok(Object.isFrozen(loose.accept), 'a plain record is stored with a frozen Accept list');
  const plain = { ...rec };
  await store.put(plain);
  t.not(await store.get('s1'), plain);
});

t.test('sharedList hands out one frozen list per distinct list', async (t) => {
  const a = sharedList(['application/pidf+xml', 'multipart/related']);
  t.equal(sharedList(['application/pidf+xml', 'multipart/related']), a);
  t.ok(Object.isFrozen(a));
  t.same(a, ['application/pidf+xml', 'multipart/related']);
  t.not(sharedList(['multipart/related', 'application/pidf+xml']), a, 'order matters');
  t.same(sharedList([]), []);
  t.same(sharedList(['']), [''], 'one empty value is not the empty list');
  t.same(sharedList([]), []);
});
