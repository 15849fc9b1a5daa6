// Notifier.allWatchers / countByEvent: the running subscriptions from the 2xx to the end,
// read from the notifier itself (the server's management table is a view of them).
import t from 'tap';
import { bench, inDialogSubscribe, phoneDialog, settle } from './fixtures/bench.js';

t.test('listed from the 2xx to the end, with the current expiry and status', async (t) => {
  const b = bench({ authorize: () => 'pending' });
  t.teardown(() => b.close());
  t.same(b.notifier.allWatchers(), [], 'none before any SUBSCRIBE');
  const s = await b.subscribe();
  await settle();
  const [w] = b.notifier.allWatchers();
  t.match(w, {
    package: 'test',
    resource: 'sip:bob@127.0.0.2',
    watcher: 'sip:alice@127.0.0.1',
    displayName: 'Alice',
    status: 'pending',
    event: 'subscribe',
    expiresAt: b.clock.now() + 600_000,
  });
  t.same([...b.notifier.countByEvent()], [['test', 1]]);

  t.ok(b.notifier.approve(w.subscriptionId));
  b.clock.advance(5_000);
  t.match(b.notifier.allWatchers()[0], { status: 'active', event: 'approved', duration: 5 });

  // A refresh moves the expiry: the listing follows (no change event is emitted for it).
  const refreshed = inDialogSubscribe(phoneDialog(s), [
    ['Event', 'test'],
    ['Expires', '1200'],
  ]);
  t.equal((await b.phone.request(refreshed.request, { to: b.dest })).status, 200);
  t.equal(b.notifier.allWatchers()[0].expiresAt, b.clock.now() + 1_200_000);

  const bye = inDialogSubscribe(refreshed.dialog, [
    ['Event', 'test'],
    ['Expires', '0'],
  ]);
  t.equal((await b.phone.request(bye.request, { to: b.dest })).status, 200);
  t.same(b.notifier.allWatchers(), [], 'gone once it ended (its final NOTIFY may still be on its way)');
  t.same([...b.notifier.countByEvent()], []);
});

t.test('a fetch is never listed; several subscriptions are counted per event', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  const fetched = await b.subscribe([['Expires', '0']]);
  t.equal(fetched.response.status, 200);
  await settle();
  t.same(b.notifier.allWatchers(), [], 'a fetch keeps nothing');
  await b.subscribe();
  await b.subscribe([], 'sip:carol@127.0.0.2');
  t.same(
    b.notifier
      .allWatchers()
      .map((w) => w.resource)
      .sort(),
    ['sip:bob@127.0.0.2', 'sip:carol@127.0.0.2'],
  );
  t.same([...b.notifier.countByEvent()], [['test', 2]]);
});
