import t from 'tap';
import { EventEngine, type EventPackage } from '@herald/events';
import { Client, nextNotify, pidf, startServer, testConfig } from './helpers.js';

/** A phone's own presence: DND (RPID busy), Polycom style. */
const dndPackage = (entity: string): EventPackage<string> => ({
  event: 'presence',
  contentTypes: ['application/pidf+xml'],
  defaultExpires: 3600,
  minExpires: 60,
  maxExpires: 7200,
  minNotifyInterval: 0,
  acceptsPublish: false,
  validatePublish: () => ({ ok: false, status: 415, reason: 'No' }),
  render: () => ({
    body: pidf(entity, 'open', '<dm:person id="p"><rpid:activities><rpid:busy/></rpid:activities></dm:person>'),
  }),
});

t.test('back-SUBSCRIBE learns DND from a phone; a phone that refuses is not asked again', async (t) => {
  const { server, udpPort } = await startServer(t, testConfig({ backSubscribe: true }));
  const alice = await Client.start(t, udpPort, 'alice');
  const bob = await Client.start(t, udpPort, 'bob');
  const carol = await Client.start(t, udpPort, 'carol');
  const phoneSubscribes: string[] = [];
  // alice's phone serves its own presence (the engine answers the server's SUBSCRIBE and NOTIFYs DND).
  const phone = new EventEngine({
    host: {
      clock: alice.endpoint.clock,
      request: (r, o) => alice.endpoint.request(r, o),
      on: (method, handler, options) =>
        alice.endpoint.on(
          method,
          (incoming) => {
            if (method === 'SUBSCRIBE') phoneSubscribes.push(incoming.request.headers.get('Event') ?? '');
            return handler(incoming);
          },
          options,
        ),
    },
    packages: [dndPackage(alice.aor)],
    subscriber: false,
  });
  t.teardown(() => phone.close());
  const statuses: string[] = [];
  server.events.on('presence.status.in', (e) => statuses.push(e.source));

  const watcher = bob.subscribe(alice.aor, 'presence');
  await nextNotify(watcher);
  const dnd = nextNotify(watcher, (b) => b.includes('<rpid:busy/>'));
  t.equal((await alice.register(600)).status, 200);
  t.match((await dnd).body.toString(), /<rpid:busy\/>/, 'the watcher sees the DND the phone reported');
  t.same(phoneSubscribes, ['presence'], 'the server subscribed to the phone once');
  t.ok(statuses.includes('phone'), 'presence.status.in with source phone');
  t.equal(server.backSubscriber?.size, 1);

  // carol's client has no SUBSCRIBE handler: the endpoint answers 405.
  t.equal((await carol.register(600)).status, 200);
  for (let i = 0; i < 100 && server.backSubscriber?.refused.size === 0; i++)
    await new Promise((r) => setTimeout(r, 20));
  t.ok(server.backSubscriber?.refused.has(carol.contact), 'refusal remembered by contact');
  t.equal((await carol.register(600)).status, 200, 'refresh');
  t.equal(server.backSubscriber?.size, 1, 'carol is not asked again');

  // Unregistering stops the back-subscription and forgets the report.
  const notBusy = nextNotify(watcher, (b) => !b.includes('<rpid:busy/>'));
  t.equal((await alice.register(0)).status, 200);
  t.match((await notBusy).body.toString(), /<basic>closed<\/basic>/);
  t.equal(server.backSubscriber?.size, 0);
});
