// End to end over a loop pair: SUBSCRIBE presence → NOTIFY PIDF; registration input → open/closed;
// PUBLISH from two devices → composed NOTIFY; last publication removed → closed PIDF; Polycom gets XPIDF.
import t from 'tap';
import { Endpoint, ManualClock, TransportLayer, createLoopPair, type SipRequest } from '@herald/sip';
import { EventEngine } from '@herald/events';
import { createPresencePackage, parsePidf, type PidfDocument } from '@herald/presence';
import { fixture } from './fixtures/load.js';

const SERVER = { transport: 'udp' as const, address: '127.0.0.2', port: 5060 };
const R = 'sip:alice@example.test';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
};

function world() {
  const clock = new ManualClock(5_000_000);
  const [a, b] = createLoopPair({ clock, protocol: 'udp' });
  const phone = new Endpoint({ transport: new TransportLayer({ transports: [a] }), clock });
  const server = new Endpoint({ transport: new TransportLayer({ transports: [b] }), clock });
  const presence = createPresencePackage({
    clock,
    minNotifyInterval: 0,
    // `engine` is assigned below, before any input can fire.
    onState: (resource, state) => engine.setState('presence', resource, state),
  });
  const engine = new EventEngine({ host: server, packages: [presence.package], subscriber: false });
  const notifies: SipRequest[] = [];
  phone.on(
    'NOTIFY',
    (inc) => {
      notifies.push(inc.request);
      inc.respond(200);
    },
    { dialogs: 'handler' },
  );
  const subscribe = (userAgent: string, accept: string[] = []) =>
    phone.request(
      phone.createRequest({
        method: 'SUBSCRIBE',
        uri: R,
        from: '<sip:bob@example.test>',
        contact: '<sip:bob@127.0.0.1:5060>',
        headers: [
          ['Event', 'presence'],
          ['Expires', '600'],
          ['User-Agent', userAgent],
          ...accept.map((v): [string, string] => ['Accept', v]),
        ],
      }),
      { to: SERVER },
    );
  const publish = (body: string | undefined, headers: Array<[string, string]> = []) =>
    phone.request(
      phone.createRequest({
        method: 'PUBLISH',
        uri: R,
        from: `<${R}>`,
        headers: [
          ['Event', 'presence'],
          ...(headers.some(([n]) => n === 'Expires') ? [] : ([['Expires', '3600']] as Array<[string, string]>)),
          ...(body && !headers.some(([n]) => n === 'Content-Type')
            ? ([['Content-Type', 'application/pidf+xml']] as Array<[string, string]>)
            : []),
          ...headers,
        ],
        body,
      }),
      { to: SERVER },
    );
  const close = async () => {
    await engine.close();
    await phone.close();
    await server.close();
  };
  return { clock, engine, presence, notifies, subscribe, publish, close };
}

function lastDoc(notifies: readonly SipRequest[]): PidfDocument {
  const last = notifies.at(-1);
  if (!last) throw new Error('no NOTIFY');
  const v = parsePidf(last.body);
  if (!v.ok) throw new Error(v.reason);
  return v.value;
}

/** A device PUBLISH body: one tuple, optional note. */
const device = (tuple: string, basic: 'open' | 'closed', note?: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="${R}"><tuple id="${tuple}"><status><basic>${basic}</basic></status>${note ? `<note>${note}</note>` : ''}</tuple></presence>`;

t.test('presence round trip through the engine', async (t) => {
  const w = world();
  const sub = await w.subscribe('Linphone/5.1.0 (belle-sip/5.1.0)');
  t.equal(sub.status, 200);
  await settle();
  t.equal(w.notifies.length, 1, 'initial NOTIFY');
  t.equal(w.notifies[0].headers.get('Content-Type'), 'application/pidf+xml', 'exact Content-Type, no parameters');
  t.ok(w.notifies[0].body.length > 0, 'never an empty body');
  t.equal(lastDoc(w.notifies).tuples[0].basic, 'closed', 'nothing known → closed');
  t.equal(lastDoc(w.notifies).entity, R);

  // Registration input → open, then closed.
  w.presence.inputs.setRegistration(R, true);
  await settle();
  t.equal(lastDoc(w.notifies).tuples[0].basic, 'open', 'registered → open');
  w.presence.inputs.setRegistration(R, false);
  await settle();
  t.equal(lastDoc(w.notifies).tuples[0].basic, 'closed', 'unregistered → closed');

  // Two devices publish.
  const desk = await w.publish(device('desk', 'open', 'At my desk'));
  t.equal(desk.status, 200);
  const deskTag = desk.headers.get('SIP-ETag') ?? '';
  await settle();
  t.equal(lastDoc(w.notifies).tuples[0].basic, 'open', 'PUBLISHed open wins over unregistered');
  w.clock.advance(1000);
  const mobile = await w.publish(fixture('zoiper-dnd.xml').replace('sip:1000@example.test;transport=UDP', R));
  t.equal(mobile.status, 200);
  const mobileTag = mobile.headers.get('SIP-ETag') ?? '';
  await settle();
  let doc = lastDoc(w.notifies);
  t.equal(doc.tuples[0].basic, 'open');
  t.same(doc.tuples[0].notes, [{ text: 'Do Not Disturb' }], 'newest note');
  t.same(doc.persons, [], 'desk is available: no DND');

  // Desk goes: only the DND device is left.
  t.equal(
    (
      await w.publish(undefined, [
        ['SIP-If-Match', deskTag],
        ['Expires', '0'],
      ])
    ).status,
    200,
  );
  await settle();
  doc = lastDoc(w.notifies);
  t.same(doc.persons[0]?.activities, ['busy'], 'DND shows as rpid:busy');
  t.ok(w.notifies.at(-1)!.body.toString().includes('<rpid:busy/>'), 'literal <rpid:busy/>');

  // A call adds on-the-phone without closing.
  w.presence.inputs.setActiveCalls(R, 1);
  await settle();
  doc = lastDoc(w.notifies);
  t.equal(doc.tuples[0].basic, 'open');
  t.same(doc.persons[0]?.activities, ['busy', 'on-the-phone']);
  w.presence.inputs.setActiveCalls(R, 0);
  await settle();

  // The last publication goes: a closed PIDF, not an empty body.
  t.equal(
    (
      await w.publish(undefined, [
        ['SIP-If-Match', mobileTag],
        ['Expires', '0'],
      ])
    ).status,
    200,
  );
  await settle();
  const lastBody = w.notifies.at(-1)!.body.toString();
  t.match(lastBody, /<basic>closed<\/basic>/);
  t.equal(w.notifies.at(-1)!.headers.get('Content-Type'), 'application/pidf+xml');

  // A bad body is refused with the parser's reason; XPIDF is not publishable.
  const bad = await w.publish('<presence xmlns="urn:ietf:params:xml:ns:pidf"><tuple/></presence>');
  t.equal(bad.status, 400);
  t.equal(bad.reason, 'PIDF Missing Entity Attribute');
  const xpidf = await w.publish(device('x', 'open'), [['Content-Type', 'application/xpidf+xml']]);
  t.equal(xpidf.status, 415);

  const cseqs = w.notifies.map((n) => n.cseq?.seq ?? 0);
  t.ok(
    cseqs.every((c, i) => i === 0 || c > cseqs[i - 1]),
    'NOTIFY CSeqs increase',
  );
  await w.close();
});

t.test('a Polycom watcher that accepts XPIDF gets XPIDF; a restarted phone replaces its old tuple', async (t) => {
  const w = world();
  const sub = await w.subscribe('PolycomVVX-VVX_411-UA/6.3.1.8427', ['application/pidf+xml, application/xpidf+xml']);
  t.equal(sub.status, 200);
  await settle();
  t.equal(w.notifies[0].headers.get('Content-Type'), 'application/xpidf+xml');
  t.match(w.notifies[0].body.toString(), /<status status="closed"\/>/);

  // The phone publishes closed, restarts and publishes open with a new ETag and the same tuple id.
  t.equal((await w.publish(device('zoiper', 'closed'))).status, 200);
  await settle();
  w.clock.advance(5000);
  t.equal((await w.publish(device('zoiper', 'open'))).status, 200);
  await settle();
  const body = w.notifies.at(-1)!.body.toString();
  t.match(body, /<status status="open"\/>/, 'the old lingering publication does not close it');
  t.match(body, /<msnsubstatus substatus="online"\/>/);
  t.equal(w.presence.inputs.state(R).devices.length, 1, 'one device tuple');
  await w.close();
});
