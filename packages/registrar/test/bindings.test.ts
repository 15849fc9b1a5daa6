// applyRegister as a table: (bindings, update, context) → next bindings and changes, or a refusal.
import t from 'tap';
import { parseUri, type Flow } from '@herald/sip';
import {
  applyRegister,
  bindingKey,
  formatBindingContact,
  formatQ,
  sortByQ,
  type ContactUpdate,
  type RegisterContext,
  type StoredBinding,
} from '../src/index.js';

const flowA: Flow = {
  transport: 'udp',
  local: { address: '127.0.0.1', port: 5060 },
  remote: { address: '192.0.2.1', port: 5060 },
};
const flowB: Flow = {
  transport: 'tcp',
  local: { address: '127.0.0.1', port: 5060 },
  remote: { address: '192.0.2.1', port: 40000 },
  connectionId: 'c9',
};

const ctx = (over: Partial<RegisterContext> = {}): RegisterContext => ({
  aor: 'sip:alice@example.test',
  now: 1_000_000,
  callId: 'call',
  cseq: 10,
  flow: flowA,
  ...over,
});

function contact(uri: string, expires: number, extra: Partial<ContactUpdate> = {}): ContactUpdate {
  return {
    uri: parseUri(uri),
    contact: uri,
    expires,
    params: [],
    key: bindingKey(uri, extra.instanceId, extra.regId),
    ...extra,
  };
}

function bound(uri: string, over: Partial<StoredBinding> = {}): StoredBinding {
  return {
    aor: 'sip:alice@example.test',
    key: uri,
    contact: uri,
    params: [],
    expiresAt: 2_000_000,
    callId: 'call',
    cseq: 5,
    flow: flowA,
    createdAt: 0,
    updatedAt: 0,
    ...over,
  };
}

const names = (list: readonly StoredBinding[]) => list.map((b) => b.contact);

t.test('add, refresh and remove in one REGISTER', async (t) => {
  const current = [bound('sip:alice@h1'), bound('sip:alice@h2')];
  const r = applyRegister(
    current,
    {
      kind: 'contacts',
      contacts: [contact('sip:alice@h1', 60), contact('sip:alice@h2', 0), contact('sip:alice@h3', 120)],
    },
    ctx(),
  );
  t.ok(r.ok);
  if (!r.ok) return;
  t.same(names(r.bindings), ['sip:alice@h1', 'sip:alice@h3']);
  t.same(names(r.added), ['sip:alice@h3']);
  t.same(names(r.refreshed), ['sip:alice@h1']);
  t.same(names(r.removed), ['sip:alice@h2']);
  t.equal(r.bindings[0].expiresAt, 1_000_000 + 60_000);
  t.equal(r.bindings[0].cseq, 10);
  t.equal(r.bindings[0].createdAt, 0, 'refresh keeps createdAt');
  t.equal(r.bindings[1].createdAt, 1_000_000);
});

t.test('contact URIs match by RFC 3261 §19.1.4 comparison, not by string', async (t) => {
  const current = [bound('sip:alice@H1.example:5060;transport=udp')];
  const r = applyRegister(
    current,
    { kind: 'contacts', contacts: [contact('sip:alice@h1.example:5060;transport=UDP', 60)] },
    ctx(),
  );
  t.ok(r.ok && r.refreshed.length === 1 && r.added.length === 0, 'same binding');
});

t.test('ordering (§10.3 step 7)', async (t) => {
  const current = [bound('sip:alice@h1', { cseq: 10 })];
  const rows: Array<[string, Partial<RegisterContext>, number, boolean]> = [
    ['same Call-ID, same CSeq', { cseq: 10 }, 60, false],
    ['same Call-ID, lower CSeq', { cseq: 9 }, 60, false],
    ['same Call-ID, lower CSeq, removal', { cseq: 9 }, 0, false],
    ['same Call-ID, higher CSeq', { cseq: 11 }, 60, true],
    ['other Call-ID, lower CSeq', { callId: 'other', cseq: 1 }, 60, true],
    ['other Call-ID, removal', { callId: 'other', cseq: 1 }, 0, true],
  ];
  for (const [name, over, expires, ok] of rows) {
    const r = applyRegister(current, { kind: 'contacts', contacts: [contact('sip:alice@h1', expires)] }, ctx(over));
    t.equal(r.ok, ok, name);
    if (!r.ok) t.same([r.status, r.reason], [500, 'Out Of Order CSeq For Binding'], name);
  }
  t.notOk(applyRegister(current, { kind: 'star' }, ctx({ cseq: 10 })).ok, '* obeys the same rule');
  t.ok(applyRegister(current, { kind: 'star' }, ctx({ callId: 'x', cseq: 1 })).ok);
});

t.test('all or nothing: an out-of-order binding aborts the additions too', async (t) => {
  const current = [bound('sip:alice@h1', { cseq: 10 })];
  const r = applyRegister(
    current,
    { kind: 'contacts', contacts: [contact('sip:alice@h9', 60), contact('sip:alice@h1', 60)] },
    ctx({ cseq: 10 }),
  );
  t.equal(r.ok, false);
});

t.test('the same contact twice in one REGISTER: the last one wins, no ordering clash', async (t) => {
  const r = applyRegister(
    [],
    { kind: 'contacts', contacts: [contact('sip:alice@h1', 60), contact('sip:alice@h1', 120)] },
    ctx(),
  );
  t.ok(r.ok);
  if (!r.ok) return;
  t.equal(r.bindings.length, 1);
  t.equal(r.added.length, 1);
  t.equal(r.added[0].expiresAt, 1_000_000 + 120_000);
  const gone = applyRegister(
    [],
    { kind: 'contacts', contacts: [contact('sip:alice@h1', 60), contact('sip:alice@h1', 0)] },
    ctx(),
  );
  t.ok(
    gone.ok && gone.bindings.length === 0 && gone.added.length === 0 && gone.removed.length === 0,
    'added then removed: nothing',
  );
  const r2 = applyRegister(
    [bound('sip:alice@h1')],
    { kind: 'contacts', contacts: [contact('sip:alice@h1', 60), contact('sip:alice@h1', 0)] },
    ctx(),
  );
  t.ok(
    r2.ok && r2.refreshed.length === 0 && names(r2.removed).join() === 'sip:alice@h1',
    'refreshed then removed: removed',
  );
});

t.test('instance + reg-id: a new flow and URI replace the binding; another reg-id is another binding', async (t) => {
  const inst = { instanceId: '<urn:uuid:1>', regId: 1 };
  const current = [bound('sip:alice@192.0.2.1:5060', { ...inst, key: '<urn:uuid:1>;reg-id=1' })];
  const r = applyRegister(
    current,
    { kind: 'contacts', contacts: [contact('sip:alice@192.0.2.1:40000;transport=tcp', 60, inst)] },
    ctx({ callId: 'new', flow: flowB }),
  );
  t.ok(r.ok);
  if (!r.ok) return;
  t.equal(r.bindings.length, 1);
  t.same(r.bindings[0].flow, flowB);
  t.equal(r.bindings[0].contact, 'sip:alice@192.0.2.1:40000;transport=tcp');
  t.equal(r.bindings[0].key, '<urn:uuid:1>;reg-id=1');
  const other = applyRegister(
    current,
    { kind: 'contacts', contacts: [contact('sip:alice@192.0.2.1:5060', 60, { instanceId: '<urn:uuid:1>', regId: 2 })] },
    ctx({ callId: 'x' }),
  );
  t.ok(other.ok && other.bindings.length === 2, 'reg-id 2 is a second flow');
  const plain = applyRegister(
    current,
    { kind: 'contacts', contacts: [contact('sip:alice@192.0.2.1:5060', 60)] },
    ctx({ callId: 'x' }),
  );
  t.ok(plain.ok && plain.added.length === 1, 'a contact without instance never matches an instance binding');
});

t.test('expired bindings are reported and dropped; queries change nothing', async (t) => {
  const current = [bound('sip:alice@h1', { expiresAt: 1_000_000 }), bound('sip:alice@h2')];
  const r = applyRegister(current, { kind: 'query' }, ctx());
  t.ok(r.ok);
  if (!r.ok) return;
  t.same(names(r.expired), ['sip:alice@h1']);
  t.same(names(r.bindings), ['sip:alice@h2']);
  t.same([r.added, r.refreshed, r.removed], [[], [], []]);
});

t.test('maxContacts refuses growth only', async (t) => {
  const current = [bound('sip:alice@h1'), bound('sip:alice@h2')];
  const grow = applyRegister(
    current,
    { kind: 'contacts', contacts: [contact('sip:alice@h3', 60)] },
    ctx({ maxContacts: 2 }),
  );
  t.same(grow.ok ? 'ok' : [grow.status, grow.reason], [403, 'Too Many Registered Contacts']);
  t.ok(
    applyRegister(current, { kind: 'contacts', contacts: [contact('sip:alice@h1', 60)] }, ctx({ maxContacts: 1 })).ok,
  );
  t.ok(
    applyRegister(current, { kind: 'contacts', contacts: [contact('sip:alice@h3', 60)] }, ctx({ maxContacts: 0 })).ok,
    '0 = no limit',
  );
});

t.test('sortByQ, formatQ and formatBindingContact', async (t) => {
  const list = [
    bound('sip:a@1', { q: 0.5, updatedAt: 1 }),
    bound('sip:a@2', { updatedAt: 1 }),
    bound('sip:a@3', { q: 0.5, updatedAt: 2 }),
    bound('sip:a@4', { q: 0, updatedAt: 9 }),
  ];
  t.same(names(sortByQ(list)), ['sip:a@2', 'sip:a@3', 'sip:a@1', 'sip:a@4'], 'q desc (absent = 1), then newest');
  t.same([0, 1, 0.5, 0.125, 0.1].map(formatQ), ['0', '1', '0.5', '0.125', '0.1']);
  t.equal(
    formatBindingContact(
      bound('sip:a@1', {
        q: 0.5,
        params: [
          ['+sip.instance', '<urn:x>'],
          ['reg-id', '1'],
        ],
        expiresAt: 1_000_000 + 59_001,
      }),
      1_000_000,
    ),
    '<sip:a@1>;+sip.instance="<urn:x>";reg-id=1;expires=60;q=0.5',
    'remaining seconds round up',
  );
  t.equal(formatBindingContact(bound('sip:a@1', { expiresAt: 5 }), 1_000_000), '<sip:a@1>;expires=0', 'never negative');
});
