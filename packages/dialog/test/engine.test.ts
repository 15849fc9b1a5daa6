// End to end over a loop pair with the real EventEngine: a BLF phone
// SUBSCRIBEs to dialog, gets the idle document, then follows a call through
// early → confirmed → terminated in partial NOTIFYs whose versions rise by one;
// a second watcher joining mid-call gets full state; a third-party PUBLISH of
// dialog-info yields a full NOTIFY.
import t, { type Test } from 'tap';
import { Endpoint, ManualClock, TransportLayer, createLoopPair, type SipRequest } from '@herald/sip';
import { EventEngine } from '@herald/events';
import { createDialogPackage, parseDialogInfo, type DialogInfoDocument } from '@herald/dialog';
import { schemaProblems } from './schema.js';

const SERVER = { transport: 'udp' as const, address: '127.0.0.2', port: 5060 };
const BOB = 'sip:bob@example.test';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 8; i++) await new Promise<void>((r) => setImmediate(r));
};

function world() {
  const clock = new ManualClock(7_000_000);
  const [a, b] = createLoopPair({ clock, protocol: 'udp' });
  const phone = new Endpoint({ transport: new TransportLayer({ transports: [a] }), clock });
  const server = new Endpoint({ transport: new TransportLayer({ transports: [b] }), clock });
  const dialog = createDialogPackage({ clock });
  const engine = new EventEngine({ host: server, packages: [dialog.package], subscriber: false });
  dialog.attach(engine);
  const notifies = new Map<string, SipRequest[]>();
  phone.on(
    'NOTIFY',
    (inc) => {
      const who = inc.request.uri.user ?? '';
      notifies.set(who, [...(notifies.get(who) ?? []), inc.request]);
      inc.respond(200);
    },
    { dialogs: 'handler' },
  );
  const subscribe = (user: string, userAgent: string) =>
    phone.request(
      phone.createRequest({
        method: 'SUBSCRIBE',
        uri: BOB,
        from: `<sip:${user}@example.test>`,
        contact: `<sip:${user}@127.0.0.1:5060>`,
        headers: [
          ['Event', 'dialog'],
          ['Accept', 'application/dialog-info+xml'],
          ['Expires', '3600'],
          ['User-Agent', userAgent],
        ],
      }),
      { to: SERVER },
    );
  const close = async (): Promise<void> => {
    dialog.close();
    await engine.close();
    await phone.close();
    await server.close();
  };
  return { clock, phone, dialog, engine, notifies, subscribe, close };
}

function docs(t: Test, requests: readonly SipRequest[]): DialogInfoDocument[] {
  return requests.map((r) => {
    t.equal(r.headers.get('Content-Type'), 'application/dialog-info+xml', 'exact Content-Type, no parameters');
    const xml = r.body.toString('utf8');
    t.same(schemaProblems(xml), [], 'NOTIFY body keeps the RFC 4235 schema rules');
    const v = parseDialogInfo(xml);
    if (!v.ok) throw new Error(v.reason);
    return v.value;
  });
}

t.test('BLF: idle, early, confirmed, terminated; partial vs full; versions per subscription', async (t) => {
  const w = world();
  const sub = await w.subscribe('alice', 'Yealink SIP-T46S 66.86.0.15');
  t.equal(sub.status, 200);
  await settle();
  let alice = docs(t, w.notifies.get('alice') ?? []);
  t.same(
    alice.map((d) => [d.state, d.entity, d.dialogs.length]),
    [['full', BOB, 0]],
    'idle NOTIFY: full, no dialogs',
  );

  const call = {
    callId: 'f81d4fae-7dec@10.0.0.5',
    direction: 'recipient' as const,
    remoteTag: 'caller-tag',
    localIdentity: 'Bob <sip:bob@example.test>',
    remoteIdentity: '"Carol" <sip:carol@example.test>',
    remoteTarget: 'sip:carol@10.0.0.5:5060',
  };
  w.dialog.calls.update(BOB, { ...call, state: 'early', localTag: 'desk', code: 180 });
  await settle();
  w.dialog.calls.update(BOB, { ...call, state: 'early', localTag: 'mobile', code: 180 });
  await settle();
  w.dialog.calls.update(BOB, { ...call, state: 'terminated', localTag: 'desk', event: 'rejected', code: 486 });
  await settle();
  w.dialog.calls.update(BOB, { ...call, state: 'confirmed', localTag: 'mobile', code: 200 });
  await settle();

  // A second watcher (an SPA sidecar) joins mid-call: full state, its own version count.
  t.equal((await w.subscribe('dave', 'Cisco/SPA504G-7.6.2c')).status, 200);
  await settle();
  const dave = docs(t, w.notifies.get('dave') ?? []);
  t.same(
    dave.map((d) => [d.version, d.state, d.dialogs.map((x) => x.state)]),
    [[dave[0].version, 'full', ['confirmed']]],
  );

  w.dialog.calls.update(BOB, { ...call, state: 'terminated', localTag: 'mobile', event: 'remote-bye' });
  await settle();

  alice = docs(t, w.notifies.get('alice') ?? []);
  const versions = alice.map((d) => d.version);
  t.ok(
    versions.every((v, i) => i === 0 || v === versions[i - 1] + 1),
    `versions rise by one: ${versions.join(',')}`,
  );
  t.same(
    alice
      .slice(1)
      .map((d) => [d.state, d.dialogs.map((x) => `${x.state}${x.event ? `/${x.event}` : ''}@${x.localTag}`)]),
    [
      ['partial', ['early@desk']],
      ['partial', ['early@mobile']],
      ['partial', ['confirmed@mobile']],
      ['partial', ['terminated/remote-bye@mobile']],
    ],
    'the rejected fork never showed idle; one NOTIFY per visible change',
  );
  const confirmed = alice[3].dialogs[0];
  t.same(
    [confirmed.callId, confirmed.remoteTag, confirmed.remote?.identity?.uri, confirmed.remote?.target],
    [call.callId, 'caller-tag', 'sip:carol@example.test', 'sip:carol@10.0.0.5:5060'],
    'call-id, tags, remote identity and target for pickup',
  );
  const daveAll = docs(t, w.notifies.get('dave') ?? []);
  t.same(
    daveAll.map((d) => d.state),
    ['full', 'full'],
    'the SPA profile always gets full documents',
  );
  t.equal(daveAll[1].version, daveAll[0].version + 1, 'dave counts his own versions');
  t.same(
    daveAll[1].dialogs.map((d) => d.state),
    ['terminated'],
  );
  t.same(
    w.engine.states.get<{ dialogs: unknown[] }>('dialog', BOB)?.dialogs.length,
    1,
    'engine holds the ending snapshot',
  );
  t.same(w.dialog.model.state(BOB).dialogs, [], 'the model is idle');

  const cseqs = (w.notifies.get('alice') ?? []).map((n) => n.cseq?.seq ?? 0);
  t.ok(
    cseqs.every((c, i) => i === 0 || c > cseqs[i - 1]),
    'NOTIFY CSeqs increase',
  );
  await w.close();
});

t.test('third-party PUBLISH of dialog-info becomes a full NOTIFY merged with tracked calls', async (t) => {
  const w = world();
  t.equal((await w.subscribe('alice', 'snom D785/10.1.141.13')).status, 200);
  await settle();
  w.dialog.calls.update(BOB, {
    callId: 'tracked-1',
    direction: 'initiator',
    state: 'confirmed',
    localTag: 'b1',
    remoteTag: 'x1',
  });
  await settle();
  const body =
    '<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="sip:bob@example.test">' +
    '<dialog id="pua-1" call-id="kam-77@proxy" local-tag="k1" remote-tag="k2" direction="recipient"><state>early</state></dialog></dialog-info>';
  const res = await w.phone.request(
    w.phone.createRequest({
      method: 'PUBLISH',
      uri: BOB,
      from: '<sip:pua@example.test>',
      headers: [
        ['Event', 'dialog'],
        ['Expires', '300'],
        ['Content-Type', 'application/dialog-info+xml'],
      ],
      body,
    }),
    { to: SERVER },
  );
  t.equal(res.status, 200);
  await settle();
  const alice = docs(t, w.notifies.get('alice') ?? []);
  const last = alice.at(-1);
  t.equal(last?.state, 'full', 'a change without a delta is sent as full state');
  t.same(
    last?.dialogs.map((d) => [d.callId, d.state]),
    [
      ['tracked-1', 'confirmed'],
      ['kam-77@proxy', 'early'],
    ],
  );

  const refused = await w.phone.request(
    w.phone.createRequest({
      method: 'PUBLISH',
      uri: BOB,
      from: '<sip:pua@example.test>',
      headers: [
        ['Event', 'dialog'],
        ['Expires', '300'],
        ['Content-Type', 'application/dialog-info+xml'],
      ],
      body: '<!DOCTYPE x [<!ENTITY a "b">]><dialog-info/>',
    }),
    { to: SERVER },
  );
  t.equal(refused.status, 400, 'hostile body refused');
  await w.close();
});
