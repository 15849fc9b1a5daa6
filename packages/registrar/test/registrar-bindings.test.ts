// Binding management through real REGISTERs (auth off: the auth tests are
// elsewhere): several contacts, expiry sources, 423, `*`, CSeq ordering, q,
// RFC 5626 instance/reg-id flows, expiry on the clock, queries.
import t from 'tap';
import { contactsOf, settle, world } from './world.js';

const AOR = 'sip:alice@example.test';

t.test(
  'several contacts: expires param wins over the Expires header, the header over the default; max clamps',
  async (t) => {
    const w = world({ auth: false });
    t.teardown(w.close);
    const r = await w.register({
      contacts: ['<sip:alice@10.0.0.1>;expires=120', '<sip:alice@10.0.0.2>', '<sip:alice@10.0.0.3>;expires=999999'],
      expires: 600,
    });
    t.equal(r.status, 200);
    t.same(contactsOf(r).sort(), [
      '<sip:alice@10.0.0.1>;expires=120',
      '<sip:alice@10.0.0.2>;expires=600',
      '<sip:alice@10.0.0.3>;expires=3600',
    ]);
    const none = await w.register({ user: 'bob', contacts: ['<sip:bob@10.0.0.9>'] });
    t.same(contactsOf(none), ['<sip:bob@10.0.0.9>;expires=3600'], 'neither: the default');
    w.clock.advance(30_000);
    const query = await w.register({ contacts: [] });
    t.equal(query.status, 200, 'a REGISTER without Contact is a query');
    t.same(
      contactsOf(query).sort(),
      ['<sip:alice@10.0.0.1>;expires=90', '<sip:alice@10.0.0.2>;expires=570', '<sip:alice@10.0.0.3>;expires=3570'],
      'the 200 shows the remaining time',
    );
    await settle();
    t.same(
      w.events.map((e) => [e.name, e.event.bindings.length, e.event.remaining]),
      [
        ['registered', 3, 3],
        ['registered', 1, 1],
      ],
      'a query changes nothing',
    );
  },
);

t.test('linphone style (Contact ;expires=, +sip.instance) and baresip style (Expires header)', async (t) => {
  const w = world({ auth: false });
  t.teardown(w.close);
  const linphone = await w.register({
    contacts: [
      '<sip:alice@192.168.1.20:5060;transport=udp>;expires=3600;+sip.instance="<urn:uuid:a3f4b1c2-0000-4000-8000-00000000000a>"',
    ],
    headers: [['User-Agent', 'Linphone/5.1.0 (belle-sip/5.1.0)']],
  });
  t.equal(linphone.status, 200);
  t.same(contactsOf(linphone), [
    '<sip:alice@192.168.1.20:5060;transport=udp>;+sip.instance="<urn:uuid:a3f4b1c2-0000-4000-8000-00000000000a>";expires=3600',
  ]);
  const [b] = w.registrar.lookup(AOR);
  t.equal(b.instanceId, '<urn:uuid:a3f4b1c2-0000-4000-8000-00000000000a>');
  t.equal(b.userAgent, 'Linphone/5.1.0 (belle-sip/5.1.0)');
  const baresip = await w.register({
    user: 'bob',
    contacts: ['<sip:bob-0x5581@192.168.1.21:41000;transport=udp>'],
    expires: 600,
  });
  t.same(contactsOf(baresip), ['<sip:bob-0x5581@192.168.1.21:41000;transport=udp>;expires=600']);
  const off = await w.register({
    user: 'bob',
    callId: 'other-call',
    contacts: ['<sip:bob-0x5581@192.168.1.21:41000;transport=udp>'],
    expires: 0,
  });
  t.equal(off.status, 200);
  t.same(contactsOf(off), [], 'Expires: 0 removes it');
  await settle();
  t.same(w.events.at(-1)?.name, 'unregistered');
  t.equal(w.events.at(-1)?.event.remaining, 0);
});

t.test('423 with Min-Expires below the minimum; zero is still a removal', async (t) => {
  const w = world({ auth: false });
  t.teardown(w.close);
  const brief = await w.register({
    contacts: ['<sip:alice@10.0.0.1>;expires=30', '<sip:alice@10.0.0.2>'],
    expires: 600,
  });
  t.equal(brief.status, 423);
  t.equal(brief.headers.get('Min-Expires'), '60');
  t.same(w.registrar.lookup(AOR), [], 'all or nothing: the good contact was not bound either');
  const header = await w.register({ expires: 59 });
  t.equal(header.status, 423, 'from the Expires header too');
  t.equal((await w.register({ expires: 60 })).status, 200, 'the minimum itself is fine');
  t.equal((await w.register({ contacts: ['<sip:alice@127.0.0.1:5060>;expires=0'], callId: 'x' })).status, 200);
  t.same(w.registrar.lookup(AOR), []);
});

t.test('Contact * with Expires: 0 removes every binding; other uses of * are 400', async (t) => {
  const w = world({ auth: false });
  t.teardown(w.close);
  await w.register({ contacts: ['<sip:alice@10.0.0.1>', '<sip:alice@10.0.0.2>'], callId: 'reg', cseq: 1 });
  t.equal(w.registrar.lookup(AOR).length, 2);
  for (const [contacts, expires, reason] of [
    [['*'], 60, 'Contact * Requires Expires: 0'],
    [['*'], undefined, 'Contact * Requires Expires: 0'],
    [['*', '<sip:alice@10.0.0.3>'], 0, 'Contact * Must Be Alone'],
  ] as const) {
    const r = await w.register({ contacts: [...contacts], expires, callId: 'star' });
    t.equal(r.status, 400, `${contacts.join(', ')} with Expires ${String(expires)}`);
    t.equal(r.reason, reason);
  }
  t.equal(w.registrar.lookup(AOR).length, 2, 'misuse removed nothing');
  const stale = await w.register({ contacts: ['*'], expires: 0, callId: 'reg', cseq: 1 });
  t.equal(stale.status, 500, 'same Call-ID, CSeq not higher: aborted (§10.3 step 6)');
  const r = await w.register({ contacts: ['*'], expires: 0, callId: 'reg', cseq: 2 });
  t.equal(r.status, 200);
  t.same(contactsOf(r), []);
  t.same(w.registrar.lookup(AOR), []);
  t.equal(await w.registrar.store.count(), 0);
  await settle();
  t.same(
    w.events.map((e) => [e.name, e.event.bindings.length, e.event.remaining]),
    [
      ['registered', 2, 2],
      ['unregistered', 2, 0],
    ],
  );
});

t.test(
  'Call-ID/CSeq ordering (§10.3 step 7): same Call-ID needs a higher CSeq; another Call-ID always updates',
  async (t) => {
    const w = world({ auth: false });
    t.teardown(w.close);
    t.equal((await w.register({ callId: 'c', cseq: 5, expires: 600 })).status, 200);
    const same = await w.register({ callId: 'c', cseq: 5, expires: 300 });
    t.equal(same.status, 500);
    t.equal(same.reason, 'Out Of Order CSeq For Binding');
    t.equal(
      (await w.register({ callId: 'c', cseq: 4, expires: 0 })).status,
      500,
      'a late un-REGISTER cannot remove it',
    );
    t.equal(w.registrar.lookup(AOR)[0]?.expiresAt, w.clock.now() + 600_000, 'binding unchanged');
    const other = await w.register({ callId: 'rebooted', cseq: 1, expires: 300 });
    t.equal(other.status, 200, 'a new Call-ID (phone rebooted) updates with any CSeq');
    t.same(contactsOf(other), ['<sip:alice@127.0.0.1:5060>;expires=300']);
    const next = await w.register({ callId: 'rebooted', cseq: 2, expires: 900 });
    t.same(contactsOf(next), ['<sip:alice@127.0.0.1:5060>;expires=900']);
    const b = w.registrar.lookup(AOR)[0];
    t.equal(b.callId, 'rebooted');
    t.equal(b.cseq, 2);
    await settle();
    t.same(
      w.events.map((e) => e.name),
      ['registered', 'refreshed', 'refreshed'],
    );
  },
);

t.test('q values are kept, shown in the 200, and order lookups', async (t) => {
  const w = world({ auth: false });
  t.teardown(w.close);
  const r = await w.register({
    contacts: [
      '<sip:alice@10.0.0.1>;q=0.1',
      '<sip:alice@10.0.0.2>;q=0.9',
      '<sip:alice@10.0.0.3>',
      '<sip:alice@10.0.0.4>;q=0.500',
    ],
    expires: 600,
  });
  t.same(contactsOf(r), [
    '<sip:alice@10.0.0.3>;expires=600',
    '<sip:alice@10.0.0.2>;expires=600;q=0.9',
    '<sip:alice@10.0.0.4>;expires=600;q=0.5',
    '<sip:alice@10.0.0.1>;expires=600;q=0.1',
  ]);
  t.same(
    w.registrar.lookup(AOR).map((b) => [b.contact, b.q]),
    [
      ['sip:alice@10.0.0.3', undefined],
      ['sip:alice@10.0.0.2', 0.9],
      ['sip:alice@10.0.0.4', 0.5],
      ['sip:alice@10.0.0.1', 0.1],
    ],
    'absent q sorts as 1.0',
  );
  const bad = await w.register({ contacts: ['<sip:alice@10.0.0.5>;q=1.5'], callId: 'q' });
  t.equal(bad.status, 400);
  t.equal(bad.reason, 'Bad Contact q');
});

t.test('RFC 5626: the same +sip.instance and reg-id on a new flow replaces the old flow', async (t) => {
  const w = world({ auth: false });
  t.teardown(w.close);
  const inst = '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"';
  const udp = await w.register({
    contacts: [`<sip:alice@192.0.2.4:5060;ob>;+sip.instance=${inst};reg-id=1`],
    headers: [['Supported', 'path, outbound']],
    expires: 600,
  });
  t.equal(udp.status, 200);
  t.equal(udp.headers.get('Require'), 'outbound', 'outbound processing applied');
  t.same(contactsOf(udp), [`<sip:alice@192.0.2.4:5060;ob>;+sip.instance=${inst};reg-id=1;expires=600`]);
  t.equal(w.registrar.lookup(AOR)[0]?.flow.transport, 'udp');
  const tcp = await w.register({
    tcp: true,
    callId: 'after-reconnect',
    contacts: [`<sip:alice@192.0.2.4:40001;transport=tcp;ob>;+sip.instance=${inst};reg-id=1`],
    headers: [['Supported', 'outbound']],
    expires: 600,
  });
  t.equal(tcp.status, 200);
  const list = w.registrar.lookup(AOR);
  t.equal(list.length, 1, 'one binding per instance + reg-id');
  t.equal(list[0].flow.transport, 'tcp', 'the new flow replaced the old one');
  t.ok(list[0].flow.connectionId, 'connection flow kept for requests to the contact');
  t.equal(list[0].contact, 'sip:alice@192.0.2.4:40001;transport=tcp;ob');
  t.equal(list[0].regId, 1);
  const second = await w.register({
    callId: 'second-flow',
    contacts: [`<sip:alice@192.0.2.4:5060;ob>;+sip.instance=${inst};reg-id=2`],
    expires: 600,
  });
  t.equal(second.headers.get('Require'), undefined, 'no Supported: outbound, no Require');
  t.equal(w.registrar.lookup(AOR).length, 2, 'another reg-id is another flow');
  const two = await w.register({
    callId: 'bad',
    contacts: [
      `<sip:alice@192.0.2.4>;+sip.instance=${inst};reg-id=3`,
      `<sip:alice@192.0.2.5>;+sip.instance=${inst};reg-id=4`,
    ],
  });
  t.equal(two.status, 400, 'two reg-id contacts in one REGISTER');
  await settle();
  t.same(
    w.events.map((e) => e.name),
    ['registered', 'refreshed', 'registered'],
  );
});

t.test('bindings expire on the clock: expired event, lookup empty, store emptied', async (t) => {
  const w = world({ auth: false });
  t.teardown(w.close);
  await w.register({ contacts: ['<sip:alice@10.0.0.1>;expires=60', '<sip:alice@10.0.0.2>;expires=120'] });
  await settle();
  w.clock.advance(59_999);
  await settle();
  t.equal(w.registrar.lookup(AOR).length, 2);
  w.clock.advance(1);
  await settle();
  t.same(
    w.registrar.lookup(AOR).map((b) => b.contact),
    ['sip:alice@10.0.0.2'],
  );
  t.same(
    w.events.slice(1).map((e) => [e.name, e.event.bindings.map((b) => b.contact), e.event.remaining]),
    [['expired', ['sip:alice@10.0.0.1'], 1]],
  );
  w.clock.advance(60_000);
  await settle();
  t.same(w.registrar.lookup(AOR), []);
  t.same(w.registrar.bindings(), []);
  t.equal(await w.registrar.store.count(), 0);
  t.same(w.events.at(-1)?.event.remaining, 0);
  t.equal(w.clock.pending, 0, 'no timer left behind');
});

t.test('a refresh moves the expiry timer', async (t) => {
  const w = world({ auth: false });
  t.teardown(w.close);
  await w.register({ callId: 'c', cseq: 1, expires: 60 });
  w.clock.advance(50_000);
  await w.register({ callId: 'c', cseq: 2, expires: 60 });
  w.clock.advance(50_000);
  await settle();
  t.equal(w.registrar.lookup(AOR).length, 1, 'still bound 100 s after the first REGISTER');
  w.clock.advance(10_000);
  await settle();
  t.same(w.registrar.lookup(AOR), []);
  t.same(
    w.events.map((e) => e.name),
    ['registered', 'refreshed', 'expired'],
  );
});
