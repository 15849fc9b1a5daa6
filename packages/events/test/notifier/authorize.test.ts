// The authorization hook (accept, pending + approve/reject, reject 403/603,
// polite block, 404) and watcher bookkeeping for presence.winfo (RFC 3857).
import t from 'tap';
import type { AuthorizeDecision, AuthorizeInfo, WatcherChange } from '@herald/events';
import { bench, h, inDialogSubscribe, phoneDialog, settle } from './fixtures/bench.js';

const RES = 'sip:bob@127.0.0.2';

t.test('reject 403 / 603 and 404 for an unknown resource; nothing kept', async (t) => {
  const decisions: AuthorizeDecision[] = [
    { reject: 403 },
    { reject: 603, reason: 'Not Today' },
    { status: 404, reason: 'No Such User' },
  ];
  const seen: AuthorizeInfo[] = [];
  const b = bench({
    authorize: (info) => {
      seen.push(info);
      return decisions[seen.length - 1];
    },
  });
  t.teardown(() => b.close());
  const r1 = await b.subscribe();
  t.equal(r1.response.status, 403);
  t.equal(r1.response.reason, 'Forbidden');
  const r2 = await b.subscribe();
  t.equal(r2.response.status, 603);
  t.equal(r2.response.reason, 'Not Today');
  const r3 = await b.subscribe();
  t.equal(r3.response.status, 404);
  t.equal(r3.response.reason, 'No Such User');
  await settle();
  t.equal(b.notifies.length, 0);
  t.equal(await b.store.count(), 0);
  t.equal(seen[0].event, 'test');
  t.equal(seen[0].resource, RES);
  t.equal(seen[0].watcher, 'sip:alice@127.0.0.1');
  t.equal(seen[0].request.method, 'SUBSCRIBE');
});

t.test('async hook, pending: neutral NOTIFY until approve → active with full state', async (t) => {
  const b = bench({ authorize: async () => 'pending' as const });
  t.teardown(() => b.close());
  const changes: WatcherChange[] = [];
  b.notifier.onWatcherChange((c) => changes.push(c));
  b.states.set('test', RES, 'busy');
  const s = await b.subscribe();
  t.equal(s.response.status, 200);
  await settle();
  t.equal(h(b.notifies[0], 'Subscription-State'), 'pending;expires=600');
  t.equal(b.notifies[0].body.toString(), 'neutral full v0 text/plain');
  b.states.set('test', RES, 'away');
  await settle();
  t.equal(b.notifies.length, 1, 'no state leaks to a pending watcher');

  const [w] = b.notifier.watchers('test', RES);
  t.equal(w.status, 'pending');
  t.equal(w.event, 'subscribe');
  t.ok(b.notifier.approve(w.subscriptionId));
  t.notOk(b.notifier.approve(w.subscriptionId), 'approve twice is refused');
  await settle();
  t.equal(b.notifies.length, 2);
  t.equal(h(b.notifies[1], 'Subscription-State'), 'active;expires=600');
  t.equal(b.notifies[1].body.toString(), 'away full v1 text/plain');
  t.same(
    changes.map((c) => `${c.event}:${c.watcher.status}`),
    ['subscribe:pending', 'approved:active'],
  );
  const [stored] = await b.store.all();
  t.equal(stored.status, 'active', 'approval stored');
  void s;
});

t.test('pending → reject: terminated;reason=rejected with a neutral body', async (t) => {
  const b = bench({ authorize: () => 'pending' });
  t.teardown(() => b.close());
  const changes: string[] = [];
  b.notifier.onWatcherChange((c) => changes.push(`${c.event}:${c.watcher.status}`));
  b.states.set('test', RES, 'busy');
  await b.subscribe();
  await settle();
  const [w] = b.notifier.watchers('test', RES);
  t.ok(b.notifier.reject(w.subscriptionId));
  t.notOk(b.notifier.reject(w.subscriptionId), 'already gone');
  await settle();
  t.equal(b.notifies.length, 2);
  t.equal(h(b.notifies[1], 'Subscription-State'), 'terminated;reason=rejected');
  t.equal(b.notifies[1].body.toString(), 'neutral full v1 text/plain');
  t.equal(await b.store.count(), 0);
  t.same(b.notifier.watchers('test', RES), []);
  t.same(changes, ['subscribe:pending', 'rejected:terminated']);
});

t.test('polite block: active with a neutral body, forever (also on refresh)', async (t) => {
  const b = bench({ authorize: () => 'polite-block' });
  t.teardown(() => b.close());
  b.states.set('test', RES, 'busy');
  const s = await b.subscribe();
  t.equal(s.response.status, 200);
  await settle();
  t.equal(h(b.notifies[0], 'Subscription-State'), 'active;expires=600');
  t.equal(b.notifies[0].body.toString(), 'neutral full v0 text/plain');
  b.states.set('test', RES, 'away');
  await settle();
  t.equal(b.notifies.length, 1, 'changes send nothing');
  const { request } = inDialogSubscribe(phoneDialog(s), [['Event', 'test']]);
  t.equal((await b.phone.request(request, { to: b.dest })).status, 200);
  await settle();
  t.equal(b.notifies.length, 2);
  t.equal(b.notifies[1].body.toString(), 'neutral full v1 text/plain', 'refresh NOTIFY neutral too');
  const [w] = b.notifier.watchers('test', RES);
  t.equal(w.blocked, true);
  t.equal(w.status, 'active');
  t.equal((await b.store.all())[0].blocked, true, 'the block is stored');
});

t.test('watchers(): one record per subscription, with duration and events', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  await b.subscribe();
  await b.subscribe([['Event', 'test']], 'sip:carol@127.0.0.2');
  await settle();
  b.clock.advance(42_000);
  const ws = b.notifier.watchers('test', RES);
  t.equal(ws.length, 1);
  t.equal(ws[0].watcher, 'sip:alice@127.0.0.1');
  t.equal(ws[0].displayName, 'Alice');
  t.equal(ws[0].duration, 42);
  t.equal(ws[0].package, 'test');
  t.equal(ws[0].event, 'subscribe');
  t.equal(ws[0].resource, RES);
  t.equal(ws[0].blocked, false);
  t.equal(b.notifier.watchers('test', 'sip:carol@127.0.0.2').length, 1);
  t.same(b.notifier.watchers('other', RES), []);
  t.equal(b.notifier.subscription(ws[0].subscriptionId)?.watcher, 'sip:alice@127.0.0.1');
  t.notOk(b.notifier.approve('nope'));
  t.notOk(b.notifier.requestFullState('nope'));
});

t.test('a hook may hand back any thenable: it is awaited like a promise', async (t) => {
  const thenable = { then: (resolve: (d: 'pending') => void) => resolve('pending') } as unknown as Promise<'pending'>;
  const b = bench({ authorize: () => thenable });
  t.teardown(() => b.close());
  const s = await b.subscribe();
  t.equal(s.response.status, 200);
  await settle();
  t.equal(h(b.notifies[0], 'Subscription-State'), 'pending;expires=600');
});
