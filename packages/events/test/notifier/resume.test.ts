// Restarts (DESIGN.md): resume from the store with CSeq and version
// monotonic, drop subscriptions that expired while down, close() sends nothing.
import t from 'tap';
import { Endpoint, ManualClock, TransportLayer } from '@herald/sip';
import { MemorySubscriptionStore, Notifier, ResourceStates, type StoredSubscription } from '@herald/events';
import { bench, h, inDialogSubscribe, phoneDialog, settle, testPackage } from './fixtures/bench.js';

const RES = 'sip:bob@127.0.0.2';

t.test('CSeq and version monotonic across a simulated restart', async (t) => {
  const clock = new ManualClock(1_000_000);
  const store = new MemorySubscriptionStore();
  const states = new ResourceStates();
  const b = bench({ clock, store, states, packages: [testPackage({ partialNotify: true })] });
  t.teardown(() => b.close());
  const s = await b.subscribe();
  await settle();
  b.states.set('test', RES, 'before', 'x');
  await settle();
  t.equal(b.notifies.length, 2);
  const last = b.notifies[1];

  // "Restart": the old notifier stops; a new one on a new endpoint shares the store and the loop.
  b.notifier.close();
  const server2 = new Endpoint({ transport: new TransportLayer({ transports: [b.serverTransport] }), clock });
  t.teardown(() => server2.close());
  const states2 = new ResourceStates();
  const n2 = new Notifier({ host: server2, store, states: states2, packages: [testPackage({ partialNotify: true })] });
  t.teardown(() => n2.close());
  const result = await n2.resume();
  t.equal(result.resumed, 1);
  t.same(result.expired, []);
  states2.set('test', RES, 'after', 'y');
  await settle();
  t.equal(b.notifies.length, 3);
  const next = b.notifies[2];
  t.ok((next.cseq?.seq ?? 0) > (last.cseq?.seq ?? 0), `CSeq ${next.cseq?.seq} > ${last.cseq?.seq}`);
  t.equal(next.body.toString(), 'after full v2 text/plain', 'version continues, full state after a restart');
  t.equal(next.callId, s.request.callId, 'same dialog');
  t.equal(h(next, 'Subscription-State'), 'active;expires=600');

  // The resumed subscription still answers refreshes, with CSeq checks from the stored dialog.
  const { request } = inDialogSubscribe(phoneDialog(s), [['Event', 'test']]);
  t.equal((await b.phone.request(request, { to: b.dest })).status, 200);
  await settle();
  t.equal(b.notifies.length, 4);
  t.equal(n2.watchers('test', RES).length, 1);
  // And its expiry timer was re-armed.
  clock.advance(600_000);
  await settle();
  t.equal(h(b.notifies.at(-1)!, 'Subscription-State'), 'terminated;reason=timeout');
  t.equal(n2.size, 0);
});

t.test('resume drops subscriptions that expired while down and hands them to the hook', async (t) => {
  const clock = new ManualClock(1_000_000);
  const store = new MemorySubscriptionStore();
  const b = bench({ clock, store });
  t.teardown(() => b.close());
  await b.subscribe([['Expires', '60']]);
  await b.subscribe([['Expires', '3600']], 'sip:carol@127.0.0.2');
  await settle();
  b.notifier.close();
  clock.advance(120_000);
  const dropped: StoredSubscription[] = [];
  const server2 = new Endpoint({ transport: new TransportLayer({ transports: [b.serverTransport] }), clock });
  t.teardown(() => server2.close());
  const n2 = new Notifier({
    host: server2,
    store,
    states: new ResourceStates(),
    packages: [testPackage()],
    onExpiredWhileDown: (sub) => dropped.push(sub),
  });
  t.teardown(() => n2.close());
  const result = await n2.resume();
  t.equal(result.resumed, 1);
  t.equal(result.expired.length, 1);
  t.equal(result.expired[0].resource, RES);
  t.same(dropped, result.expired);
  t.equal(await store.count(), 1, 'dropped from the store');
  t.equal((await n2.resume()).resumed, 0, 'a second resume adds nothing');
});

t.test('close() cancels timers and sends no terminating NOTIFY', async (t) => {
  const b = bench({ packages: [testPackage({ minNotifyInterval: 5000 })] });
  t.teardown(() => b.close());
  await b.subscribe([['Expires', '60']]);
  await settle();
  b.states.set('test', RES, 'queued');
  b.notifier.close();
  b.clock.advance(120_000);
  await settle();
  t.equal(b.notifies.length, 1, 'neither the coalesced nor a terminal NOTIFY');
  t.equal(await b.store.count(), 1, 'the subscription survives for the next start');
  const late = await b.subscribe();
  t.equal(late.response.status, 503, 'a closed notifier refuses new subscriptions');
});

t.test('a store that fails: SUBSCRIBE gets 500 and nothing runs; unknown stored events are left alone', async (t) => {
  const warnings: string[] = [];
  class BrokenStore extends MemorySubscriptionStore {
    override async put(): Promise<void> {
      throw new Error('disk full');
    }
  }
  const b = bench({ store: new BrokenStore(), logger: { warn: (m) => warnings.push(m) } });
  t.teardown(() => b.close());
  const r = await b.subscribe();
  t.equal(r.response.status, 500);
  t.equal(b.notifier.size, 0);
  await settle();
  t.equal(b.notifies.length, 0);
  t.ok(warnings.some((w) => w.includes('store write failed')));

  const store = new MemorySubscriptionStore();
  const b2 = bench({ store, packages: [testPackage(), testPackage({ event: 'gone' })] });
  t.teardown(() => b2.close());
  await b2.subscribe([['Event', 'gone']]);
  const server2 = new Endpoint({
    transport: new TransportLayer({ transports: [b2.serverTransport] }),
    clock: b2.clock,
  });
  t.teardown(() => server2.close());
  const n2 = new Notifier({
    host: server2,
    store,
    states: new ResourceStates(),
    packages: [testPackage()],
    logger: { warn: (m) => warnings.push(m) },
  });
  t.teardown(() => n2.close());
  t.equal((await n2.resume()).resumed, 0);
  t.equal(await store.count(), 1, 'kept for a notifier that serves the event');
  t.ok(warnings.some((w) => w.includes('unknown event')));
});
