// Coalescing off (notifyIntervalOverride 0) through the Notifier: one NOTIFY
// per change without waiting for the previous one's answer, CSeq increasing;
// an older NOTIFY refused only forces full state, 481 on the newest ends, the
// terminal NOTIFY goes after the others, and a bounded number in flight.
import t from 'tap';
import { bench, inDialogSubscribe, phoneDialog, settle, testPackage } from './fixtures/bench.js';
import { MAX_NOTIFIES_IN_FLIGHT } from '../../src/notifier/delivery.js';

const RES = 'sip:bob@127.0.0.2';
const body = (n: { body: Buffer }): string => n.body.toString();
const seqOf = (n: { cseq?: { seq: number } }): number => n.cseq?.seq ?? -1;

async function subscribed(options: Parameters<typeof bench>[0] = {}) {
  const b = bench({ notifyIntervalOverride: 0, ...options });
  const s = await b.subscribe();
  await settle();
  b.setAnswer(() => undefined);
  return { b, s };
}

t.test('each change its own NOTIFY while the earlier ones are unanswered', async (t) => {
  const { b } = await subscribed();
  t.teardown(() => b.close());
  for (const s of ['a', 'b', 'c']) b.states.set('test', RES, s);
  await settle();
  t.same(b.notifies.map(body), [
    'neutral full v0 text/plain',
    'a full v1 text/plain',
    'b full v2 text/plain',
    'c full v3 text/plain',
  ]);
  const seqs = b.notifies.map(seqOf);
  t.same(
    seqs.slice(1).map((s, i) => s - seqs[i]),
    [1, 1, 1],
    'CSeq increases by one per NOTIFY',
  );
  // Answered newest first: nothing more is sent.
  for (const held of [...b.held].reverse()) held.respond(200);
  b.held.length = 0;
  await settle();
  t.equal(b.notifies.length, 4);
  t.equal(b.notifier.size, 1);
});

t.test('the package interval alone (0) keeps one NOTIFY in flight', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  await b.subscribe();
  await settle();
  b.setAnswer(() => undefined);
  b.states.set('test', RES, 'a');
  b.states.set('test', RES, 'b');
  await settle();
  t.equal(b.notifies.length, 2);
});

t.test('an older NOTIFY refused: no end, a full-state NOTIFY once the newest is answered', async (t) => {
  const { b } = await subscribed({ packages: [testPackage({ partialNotify: true })] });
  t.teardown(() => b.close());
  b.states.set('test', RES, 'A', 'a');
  await settle();
  b.states.set('test', RES, 'B', 'b');
  await settle();
  t.same(b.notifies.slice(1).map(body), ['A partial v1 text/plain delta=a', 'B partial v2 text/plain delta=b']);
  // The watcher got v2 first and refuses v1 as out of order (RFC 3261 §12.2.2: 500).
  b.held.shift()?.respond(500);
  await settle();
  t.equal(b.notifies.length, 3, 'nothing while the newest is outstanding');
  t.equal(b.notifier.size, 1, 'an older failure does not end the subscription');
  b.setAnswer(() => 200);
  b.held.shift()?.respond(200);
  await settle();
  t.equal(b.notifies.length, 4);
  t.equal(body(b.notifies[3]), 'B full v3 text/plain', 'the gap is closed with full state');
  t.equal(b.notifier.size, 1);
  t.equal((await b.store.all())[0].version, 3);
});

t.test('481 to the newest NOTIFY ends the subscription even if older ones succeed', async (t) => {
  const { b } = await subscribed();
  t.teardown(() => b.close());
  b.states.set('test', RES, 'a');
  b.states.set('test', RES, 'b');
  await settle();
  t.equal(b.held.length, 2);
  b.held[1].respond(481);
  await settle();
  b.held[0].respond(200);
  await settle();
  t.equal(b.notifier.size, 0);
  t.same(await b.store.all(), []);
  t.equal(b.notifies.length, 3, 'no NOTIFY after the end');
});

t.test('a dead watcher: at most the limit in flight, the rest merged into one', async (t) => {
  const { b } = await subscribed();
  t.teardown(() => b.close());
  for (let i = 0; i < MAX_NOTIFIES_IN_FLIGHT + 10; i++) b.states.set('test', RES, `s${i}`);
  await settle();
  t.equal(b.held.length, MAX_NOTIFIES_IN_FLIGHT);
  b.setAnswer(() => 200);
  b.held.shift()?.respond(200);
  await settle();
  t.equal(b.notifies.length, 1 + MAX_NOTIFIES_IN_FLIGHT + 1, 'one more once a slot frees');
  t.equal(body(b.notifies.at(-1) ?? { body: Buffer.alloc(0) }), `s${MAX_NOTIFIES_IN_FLIGHT + 9} full v17 text/plain`);
  for (const held of b.held) held.respond(200);
  b.held.length = 0;
  await settle();
  t.equal(b.notifies.length, 1 + MAX_NOTIFIES_IN_FLIGHT + 1, 'nothing more when all are answered');
});

t.test('unsubscribe: the terminal NOTIFY goes after every outstanding one', async (t) => {
  const { b, s } = await subscribed();
  t.teardown(() => b.close());
  b.states.set('test', RES, 'a');
  b.states.set('test', RES, 'b');
  await settle();
  const { request } = inDialogSubscribe(phoneDialog(s), [
    ['Event', 'test'],
    ['Expires', '0'],
  ]);
  const response = await b.phone.request(request, { to: b.dest });
  t.equal(response.status, 200);
  await settle();
  t.equal(b.notifies.length, 3, 'the final waits');
  b.setAnswer(() => 200);
  b.held.pop()?.respond(200);
  await settle();
  t.equal(b.notifies.length, 3, 'still one older NOTIFY outstanding');
  b.held.pop()?.respond(200);
  await settle();
  t.equal(b.notifies.length, 4);
  const final = b.notifies[3];
  t.match(final.headers.get('Subscription-State'), /^terminated;reason=timeout/);
  t.ok(seqOf(final) > seqOf(b.notifies[2]), 'highest CSeq');
  t.equal(b.notifier.size, 0);
});

t.test('408 to the newest: back-off and retry with full state, as with one in flight', async (t) => {
  const { b } = await subscribed({ retry: { attempts: 2, backoffMs: 1000 } });
  t.teardown(() => b.close());
  b.states.set('test', RES, 'a');
  b.states.set('test', RES, 'b');
  await settle();
  b.held[1].respond(408);
  b.held[0].respond(200);
  await settle();
  t.equal(b.notifies.length, 3);
  b.setAnswer(() => 200);
  b.clock.advance(1000);
  await settle();
  t.equal(b.notifies.length, 4);
  t.equal(body(b.notifies[3]), 'b full v3 text/plain');
  t.equal(b.notifier.size, 1);
});

t.test('with NOTIFY credentials one NOTIFY stays in flight (a 401 retry takes the next CSeq)', async (t) => {
  const { b } = await subscribed({ credentials: () => undefined });
  t.teardown(() => b.close());
  b.states.set('test', RES, 'a');
  b.states.set('test', RES, 'b');
  await settle();
  t.equal(b.notifies.length, 2, 'the second change waits');
  b.setAnswer(() => 200);
  b.held.shift()?.respond(200);
  await settle();
  t.equal(b.notifies.length, 3);
  t.equal(body(b.notifies[2]), 'b full v2 text/plain');
});
