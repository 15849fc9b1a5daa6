// NOTIFY delivery (RFC 6665 §4.2.2): coalescing, one transaction in flight,
// 481 ends, 408 / transport errors retry then end, 401 answered with
// credentials, state persisted before each NOTIFY, partial state and versions.
import t from 'tap';
import { DigestClient } from '@herald/sip';
import { MemorySubscriptionStore, type StoredSubscription, type WatcherChange } from '@herald/events';
import { bench, h, inDialogSubscribe, phoneDialog, settle, testPackage } from './fixtures/bench.js';

const RES = 'sip:bob@127.0.0.2';
const body = (n: { body: Buffer }): string => n.body.toString();

t.test(
  'coalescing: 10 changes inside the interval → 1 NOTIFY with the last state, then one more after it',
  async (t) => {
    const b = bench({ packages: [testPackage({ minNotifyInterval: 5000 })] });
    t.teardown(() => b.close());
    await b.subscribe();
    await settle();
    t.equal(b.notifies.length, 1);
    for (let i = 1; i <= 10; i++) {
      b.clock.advance(100);
      b.states.set('test', RES, `s${i}`);
      await settle();
    }
    t.equal(b.notifies.length, 1, 'nothing inside the window');
    b.clock.advance(3999);
    await settle();
    t.equal(b.notifies.length, 1);
    b.clock.advance(1);
    await settle();
    t.equal(b.notifies.length, 2, 'one NOTIFY at lastSent + interval');
    t.equal(body(b.notifies[1]), 's10 full v1 text/plain');

    // Another change 1 s later waits for the next window…
    b.clock.advance(1000);
    b.states.set('test', RES, 'later');
    await settle();
    t.equal(b.notifies.length, 2);
    b.clock.advance(4000);
    await settle();
    t.equal(b.notifies.length, 3);
    t.equal(body(b.notifies[2]), 'later full v2 text/plain');
    // …and one after a quiet interval goes at once.
    b.clock.advance(6000);
    b.states.set('test', RES, 'quiet');
    await settle();
    t.equal(b.notifies.length, 4);
  },
);

t.test('the terminal NOTIFY is not delayed by coalescing and replaces a queued one', async (t) => {
  const b = bench({ packages: [testPackage({ minNotifyInterval: 5000 })] });
  t.teardown(() => b.close());
  const s = await b.subscribe();
  await settle();
  b.states.set('test', RES, 'queued');
  await settle();
  const { request } = inDialogSubscribe(phoneDialog(s), [
    ['Event', 'test'],
    ['Expires', '0'],
  ]);
  t.equal((await b.phone.request(request, { to: b.dest })).status, 200);
  await settle();
  t.equal(b.notifies.length, 2, 'no waiting for the window');
  t.equal(h(b.notifies[1], 'Subscription-State'), 'terminated;reason=timeout');
  t.equal(body(b.notifies[1]), 'queued full v1 text/plain', 'with the newest state');
  b.clock.advance(10_000);
  await settle();
  t.equal(b.notifies.length, 2, 'the queued state NOTIFY was dropped');
});

t.test('notifyIntervalOverride 0: every change its own NOTIFY', async (t) => {
  const b = bench({ packages: [testPackage({ minNotifyInterval: 5000 })], notifyIntervalOverride: 0 });
  t.teardown(() => b.close());
  await b.subscribe();
  await settle();
  for (const s of ['a', 'b', 'c']) {
    b.states.set('test', RES, s);
    await settle();
  }
  t.same(b.notifies.map(body), [
    'neutral full v0 text/plain',
    'a full v1 text/plain',
    'b full v2 text/plain',
    'c full v3 text/plain',
  ]);
});

t.test('one NOTIFY in flight: changes meanwhile are queued, only the newest is sent next', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  await b.subscribe();
  await settle();
  b.setAnswer(() => undefined);
  b.states.set('test', RES, 'one');
  await settle();
  t.equal(b.notifies.length, 2);
  b.states.set('test', RES, 'two');
  b.states.set('test', RES, 'three');
  await settle();
  t.equal(b.notifies.length, 2, 'nothing while the NOTIFY is outstanding');
  b.setAnswer(() => 200);
  b.held.shift()?.respond(200);
  await settle();
  t.equal(b.notifies.length, 3);
  t.equal(body(b.notifies[2]), 'three full v2 text/plain');
});

t.test('NOTIFY answered 481 ends the subscription', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  const changes: WatcherChange[] = [];
  b.notifier.onWatcherChange((c) => changes.push(c));
  await b.subscribe();
  await settle();
  b.setAnswer(() => 481);
  b.states.set('test', RES, 'x');
  await settle();
  t.equal(b.notifies.length, 2);
  t.equal(b.notifier.size, 0, 'gone');
  t.equal(await b.store.count(), 0, 'removed from the store');
  t.equal(changes.at(-1)?.event, 'deactivated');
  t.equal(changes.at(-1)?.watcher.status, 'terminated');
  b.states.set('test', RES, 'y');
  b.clock.advance(60_000);
  await settle();
  t.equal(b.notifies.length, 2, 'no more NOTIFYs');
});

t.test('other NOTIFY failures end the subscription too', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  b.setAnswer(() => 488);
  await b.subscribe();
  await settle();
  t.equal(b.notifier.size, 0);
});

t.test('NOTIFY 408: retried with doubling back-off, then the subscription ends', async (t) => {
  const b = bench({ retry: { attempts: 2, backoffMs: 1000 } });
  t.teardown(() => b.close());
  b.setAnswer(() => 408);
  await b.subscribe();
  await settle();
  t.equal(b.notifies.length, 1);
  b.clock.advance(999);
  await settle();
  t.equal(b.notifies.length, 1);
  b.clock.advance(1);
  await settle();
  t.equal(b.notifies.length, 2, 'first retry after 1 s');
  b.clock.advance(1999);
  await settle();
  t.equal(b.notifies.length, 2);
  b.clock.advance(1);
  await settle();
  t.equal(b.notifies.length, 3, 'second retry after 2 s more');
  t.equal(b.notifier.size, 0, 'attempts exhausted: ended');
  t.ok((b.notifies[2].cseq?.seq ?? 0) > (b.notifies[1].cseq?.seq ?? 0), 'each retry is a new transaction');
  b.clock.advance(60_000);
  await settle();
  t.equal(b.notifies.length, 3);
});

t.test(
  'local 408 (no answer) and local 503 (transport error) are retried; success keeps the subscription',
  async (t) => {
    const b = bench({ retry: { attempts: 2, backoffMs: 1000 } });
    t.teardown(() => b.close());
    await b.subscribe();
    await settle();
    // The phone never answers: Timer F gives a local 408.
    b.serverTransport.drop = (m) => m.kind === 'request' && m.method === 'NOTIFY';
    b.states.set('test', RES, 'lost');
    await settle();
    b.clock.advance(32_000);
    await settle();
    t.equal(b.notifier.size, 1, 'still alive after one timeout');
    b.serverTransport.drop = false;
    b.serverTransport.fail = (m) => m.kind === 'request' && m.method === 'NOTIFY';
    b.clock.advance(1000);
    await settle();
    t.equal(b.notifier.size, 1, 'still alive after a transport error');
    b.serverTransport.fail = false;
    b.clock.advance(2000);
    await settle();
    t.equal(b.notifier.size, 1);
    t.equal(
      body(b.notifies.at(-1) ?? { body: Buffer.alloc(0) }),
      'lost full v3 text/plain',
      'the retry delivered the state',
    );
  },
);

t.test('NOTIFY 401 is answered once with credentials', async (t) => {
  const asked: StoredSubscription[] = [];
  const b = bench({
    credentials: (sub) => {
      asked.push(sub);
      return new DigestClient({ username: 'herald', password: 'secret' });
    },
  });
  t.teardown(() => b.close());
  const challenge = 'Digest realm="phone", nonce="abc123", algorithm=MD5, qop="auth"';
  b.phone.on(
    'NOTIFY',
    (incoming) => {
      b.notifies.push(incoming.request);
      if (incoming.request.headers.has('Authorization')) incoming.respond(200);
      else incoming.respond(401, 'Unauthorized', { headers: [['WWW-Authenticate', challenge]] });
    },
    { dialogs: 'handler' },
  );
  await b.subscribe();
  await settle();
  t.equal(b.notifies.length, 2);
  t.notOk(b.notifies[0].headers.has('Authorization'));
  t.match(b.notifies[1].headers.get('Authorization') ?? '', /username="herald"/);
  t.equal(b.notifier.size, 1, 'authenticated NOTIFY succeeded');
  t.equal(asked.length, 1);
  const authSeq = b.notifies[1].cseq?.seq ?? 0;
  t.equal(authSeq, (b.notifies[0].cseq?.seq ?? 0) + 1, 'the retry took CSeq + 1');
  t.equal((await b.store.all())[0].dialog.localSeq, authSeq, 'stored');
  b.states.set('test', RES, 'next');
  await settle();
  t.equal(b.notifies.length, 4, 'next NOTIFY challenged and answered again');
  t.ok((b.notifies[2].cseq?.seq ?? 0) > authSeq, 'the next NOTIFY does not repeat the CSeq of the authenticated retry');
});

t.test('dialog CSeq and version are stored before each NOTIFY leaves', async (t) => {
  const log: string[] = [];
  class LoggingStore extends MemorySubscriptionStore {
    override async put(sub: StoredSubscription): Promise<void> {
      await super.put(sub);
      log.push(`put ${sub.dialog.localSeq ?? '-'} v${sub.version}`);
    }
  }
  const b = bench({ store: new LoggingStore() });
  t.teardown(() => b.close());
  b.setAnswer((n) => {
    log.push(`notify ${n.cseq?.seq} ${body(n).split(' ')[2]}`);
    return 200;
  });
  await b.subscribe();
  await settle();
  b.states.set('test', RES, 'x');
  await settle();
  const seq0 = b.notifies[0].cseq?.seq ?? 0;
  t.same(log, ['put - v-1', `put ${seq0} v0`, `notify ${seq0} v0`, `put ${seq0 + 1} v1`, `notify ${seq0 + 1} v1`]);
});

t.test('partial state: versions per NOTIFY, deltas since the last one, full when a delta is unknown', async (t) => {
  const b = bench({ packages: [testPackage({ partialNotify: true })] });
  t.teardown(() => b.close());
  await b.subscribe();
  await settle();
  b.states.set('test', RES, 'A', 'a');
  await settle();
  b.setAnswer(() => undefined);
  b.states.set('test', RES, 'B', 'b');
  await settle();
  b.states.set('test', RES, 'C', 'c');
  b.states.set('test', RES, 'D', 'd');
  b.setAnswer(() => 200);
  b.held.shift()?.respond(200);
  await settle();
  b.states.set('test', RES, 'E');
  await settle();
  b.states.set('test', RES, 'F', 'f');
  await settle();
  const [sub] = await b.store.all();
  t.ok(b.notifier.requestFullState(sub.id));
  await settle();
  t.same(b.notifies.map(body), [
    'neutral full v0 text/plain',
    'A partial v1 text/plain delta=a',
    'B partial v2 text/plain delta=b',
    'D partial v3 text/plain delta=c,d',
    'E full v4 text/plain',
    'F partial v5 text/plain delta=f',
    'F full v6 text/plain',
  ]);
  t.equal((await b.store.all())[0].version, 6);
});
