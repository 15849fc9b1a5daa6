// The engine end to end over a loop pair: a watcher subscribes, a publisher
// PUBLISHes, and the watcher's NOTIFYs follow the composed state; the app's
// setState drives NOTIFYs the same way; a restart resumes from the stores.
import t from 'tap';
import { Endpoint, ManualClock, TransportLayer, createLoopPair, type SipRequest } from '@herald/sip';
import {
  EventEngine,
  MemoryPublicationStore,
  MemorySubscriptionStore,
  type EventPackage,
  type PublishedDocument,
} from '@herald/events';

const SERVER = { transport: 'udp' as const, address: '127.0.0.2', port: 5060 };

/** A package whose state is the sorted list of published texts ("+" joined), so composition is visible. */
const notes: EventPackage<string> = {
  event: 'x-notes',
  contentTypes: ['text/plain'],
  defaultExpires: 600,
  minExpires: 60,
  maxExpires: 3600,
  minNotifyInterval: 0,
  acceptsPublish: true,
  validatePublish: (body) =>
    body.length > 0 ? { ok: true, value: body.toString('utf8') } : { ok: false, status: 400, reason: 'Empty Note' },
  compose: (pubs: readonly PublishedDocument[]) =>
    pubs.length === 0
      ? undefined
      : pubs
          .map((p) => String(p.parsed))
          .sort()
          .join('+'),
  render: (state) => ({ body: state ?? 'nothing' }),
};

const settle = async (): Promise<void> => {
  for (let i = 0; i < 8; i++) await new Promise<void>((r) => setImmediate(r));
};

function world(
  stores = { subs: new MemorySubscriptionStore(), pubs: new MemoryPublicationStore() },
  clock = new ManualClock(5_000_000),
) {
  const [a, b] = createLoopPair({ clock, protocol: 'udp' });
  const phone = new Endpoint({ transport: new TransportLayer({ transports: [a] }), clock });
  const server = new Endpoint({ transport: new TransportLayer({ transports: [b] }), clock });
  const engine = new EventEngine({
    host: server,
    packages: [notes],
    subscriptionStore: stores.subs,
    publicationStore: stores.pubs,
    subscriber: false,
  });
  const bodies: string[] = [];
  const notifies: SipRequest[] = [];
  phone.on(
    'NOTIFY',
    (inc) => {
      notifies.push(inc.request);
      bodies.push(inc.request.body.toString());
      inc.respond(200);
    },
    { dialogs: 'handler' },
  );
  const publish = (body: string | undefined, headers: Array<[string, string]> = []) =>
    phone.request(
      phone.createRequest({
        method: 'PUBLISH',
        uri: 'sip:carol@example.test',
        from: '<sip:carol@example.test>',
        headers: [
          ['Event', 'x-notes'],
          ...(headers.some(([n]) => n === 'Expires') ? [] : ([['Expires', '120']] as Array<[string, string]>)),
          ...(body ? ([['Content-Type', 'text/plain']] as Array<[string, string]>) : []),
          ...headers,
        ],
        body,
      }),
      { to: SERVER },
    );
  return { clock, phone, server, engine, bodies, notifies, publish, stores };
}

t.test('PUBLISH drives NOTIFYs with the composed state of every live publication', async (t) => {
  const w = world();
  const sub = await w.phone.request(
    w.phone.createRequest({
      method: 'SUBSCRIBE',
      uri: 'sip:carol@example.test',
      from: '<sip:dave@example.test>',
      contact: '<sip:dave@127.0.0.1:5060>',
      headers: [
        ['Event', 'x-notes'],
        ['Expires', '600'],
      ],
    }),
    { to: SERVER },
  );
  t.equal(sub.status, 200);
  await settle();
  t.same(w.bodies, ['nothing'], 'initial NOTIFY carries the neutral document');

  const first = await w.publish('desk');
  t.equal(first.status, 200);
  const etag = first.headers.get('SIP-ETag') ?? '';
  t.ok(etag);
  await settle();
  const second = await w.publish('mobile');
  t.equal(second.status, 200);
  await settle();
  t.same(w.bodies.slice(1), ['desk', 'desk+mobile'], 'composition sees both publications');

  const removed = await w.publish(undefined, [
    ['SIP-If-Match', etag],
    ['Expires', '0'],
  ]);
  t.equal(removed.status, 200);
  await settle();
  t.equal(w.bodies.at(-1), 'mobile');

  w.clock.advance(121_000);
  await settle();
  t.equal(w.bodies.at(-1), 'nothing', 'expiry of the last publication returns to neutral');

  // The app can set state directly too.
  w.engine.setState('x-notes', 'sip:carol@example.test', 'from-app');
  await settle();
  t.equal(w.bodies.at(-1), 'from-app');

  const cseqs = w.notifies.map((n) => n.cseq?.seq ?? 0);
  t.ok(
    cseqs.every((c, i) => i === 0 || c > cseqs[i - 1]),
    'NOTIFY CSeqs increase',
  );
  await w.engine.close();
  await w.phone.close();
  await w.server.close();
});

t.test('a restart resumes subscriptions and publications from the stores', async (t) => {
  const w1 = world();
  await w1.phone.request(
    w1.phone.createRequest({
      method: 'SUBSCRIBE',
      uri: 'sip:carol@example.test',
      from: '<sip:dave@example.test>',
      contact: '<sip:dave@127.0.0.1:5060>',
      headers: [
        ['Event', 'x-notes'],
        ['Expires', '600'],
      ],
    }),
    { to: SERVER },
  );
  t.equal((await w1.publish('desk')).status, 200);
  await settle();
  const lastCseq = w1.notifies.at(-1)?.cseq?.seq ?? 0;
  await w1.engine.close();
  await w1.phone.close();
  await w1.server.close();

  // Same stores, new process.
  const w2 = world(w1.stores, w1.clock);
  await w2.engine.resume();
  t.equal(w2.engine.states.get('x-notes', 'sip:carol@example.test'), 'desk', 'publication state recomposed');
  t.equal((await w2.publish('mobile')).status, 200);
  await settle();
  t.equal(w2.bodies.at(-1), 'desk+mobile');
  t.ok((w2.notifies.at(-1)?.cseq?.seq ?? 0) > lastCseq, 'CSeq continues upwards after the restart');
  await w2.engine.close();
  await w2.phone.close();
  await w2.server.close();
});
