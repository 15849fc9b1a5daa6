// In-dialog SUBSCRIBEs (RFC 6665 §4.2.1.2, §4.2.1.4), expiry, unknown dialogs,
// CSeq order (RFC 3261 §12.2.2) and Event ids (RFC 6665 §7.2.1).
import t from 'tap';
import { bench, h, inDialogSubscribe, phoneDialog, settle } from './fixtures/bench.js';

t.test('refresh: new expiry, 200, NOTIFY with full current state', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  const s = await b.subscribe();
  await settle();
  b.clock.advance(100_000);
  b.states.set('test', 'sip:bob@127.0.0.2', 'ringing');
  await settle();
  t.equal(b.notifies.length, 2);
  const { request } = inDialogSubscribe(phoneDialog(s), [
    ['Event', 'test'],
    ['Expires', '1200'],
  ]);
  const res = await b.phone.request(request, { to: b.dest });
  t.equal(res.status, 200);
  t.equal(h(res, 'Expires'), '1200');
  t.equal(res.to?.params.get('tag'), s.response.to?.params.get('tag'), 'same To tag');
  await settle();
  t.equal(b.notifies.length, 3);
  const n = b.notifies[2];
  t.equal(h(n, 'Subscription-State'), 'active;expires=1200');
  t.equal(n.body.toString(), 'ringing full v2 text/plain');
  t.ok((n.cseq?.seq ?? 0) > (b.notifies[1].cseq?.seq ?? 0), 'CSeq advances');
  const [stored] = await b.store.all();
  t.equal(stored.expiresAt, b.clock.now() + 1_200_000);

  // The old expiry (600 s after the start) no longer fires.
  b.clock.advance(600_000);
  await settle();
  t.equal(b.notifies.length, 3);
  t.equal(b.notifier.size, 1);
});

t.test('refresh shorter than minExpires → 423; the subscription stays', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  const s = await b.subscribe();
  const { request } = inDialogSubscribe(phoneDialog(s), [
    ['Event', 'test'],
    ['Expires', '5'],
  ]);
  const res = await b.phone.request(request, { to: b.dest });
  t.equal(res.status, 423);
  t.equal(h(res, 'Min-Expires'), '60');
  t.equal(b.notifier.size, 1);
});

t.test('unsubscribe: 200 and a final NOTIFY terminated;reason=timeout with state', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  const changes: string[] = [];
  b.notifier.onWatcherChange((c) => changes.push(`${c.event}:${c.watcher.status}`));
  b.states.set('test', 'sip:bob@127.0.0.2', 'idle');
  const s = await b.subscribe();
  await settle();
  const { request } = inDialogSubscribe(phoneDialog(s), [
    ['Event', 'test'],
    ['Expires', '0'],
  ]);
  const res = await b.phone.request(request, { to: b.dest });
  t.equal(res.status, 200);
  t.equal(h(res, 'Expires'), '0');
  await settle();
  t.equal(b.notifies.length, 2);
  t.equal(h(b.notifies[1], 'Subscription-State'), 'terminated;reason=timeout');
  t.equal(b.notifies[1].body.toString(), 'idle full v1 text/plain');
  t.equal(await b.store.count(), 0, 'removed from the store');
  t.equal(b.notifier.size, 0);
  t.same(changes, ['subscribe:active', 'timeout:terminated']);
  b.states.set('test', 'sip:bob@127.0.0.2', 'busy');
  await settle();
  t.equal(b.notifies.length, 2, 'no NOTIFY after the end');

  // A second unsubscribe names a subscription that is gone: 481.
  const again = inDialogSubscribe(phoneDialog(s), [
    ['Event', 'test'],
    ['Expires', '0'],
  ]);
  again.request.headers.set('CSeq', `${(s.request.cseq?.seq ?? 0) + 5} SUBSCRIBE`);
  t.equal((await b.phone.request(again.request, { to: b.dest })).status, 481);
});

t.test('expiry: final NOTIFY terminated;reason=timeout', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  await b.subscribe([['Expires', '60']]);
  await settle();
  b.clock.advance(59_999);
  await settle();
  t.equal(b.notifies.length, 1);
  b.clock.advance(1);
  await settle();
  t.equal(b.notifies.length, 2);
  t.equal(h(b.notifies[1], 'Subscription-State'), 'terminated;reason=timeout');
  t.equal(b.notifier.size, 0);
  t.equal(await b.store.count(), 0);
});

t.test('in-dialog SUBSCRIBE for an unknown dialog → 481', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  const s = await b.subscribe();
  const d = phoneDialog(s);
  const { request } = inDialogSubscribe({ ...d, id: { ...d.id, remoteTag: 'nosuchtag' } }, [['Event', 'test']]);
  t.equal((await b.phone.request(request, { to: b.dest })).status, 481);
});

t.test('in-dialog CSeq lower than the last → 500 (RFC 3261 §12.2.2)', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  const s = await b.subscribe();
  const { request, dialog } = inDialogSubscribe(phoneDialog(s), [['Event', 'test']]);
  t.equal((await b.phone.request(request, { to: b.dest })).status, 200);
  const stale = inDialogSubscribe({ ...dialog, localSeq: (dialog.localSeq ?? 0) - 1 }, [['Event', 'test']]);
  const res = await b.phone.request(stale.request, { to: b.dest });
  t.equal(res.status, 500);
});

t.test('Event id: subscriptions to one event in one dialog are distinct (RFC 6665 §7.2.1)', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  const s = await b.subscribe([['Event', 'test;id=1']]);
  await settle();
  // A second subscription in the same dialog, another id.
  const second = inDialogSubscribe(phoneDialog(s), [
    ['Event', 'test;id=2'],
    ['Expires', '300'],
  ]);
  const res2 = await b.phone.request(second.request, { to: b.dest });
  t.equal(res2.status, 200);
  await settle();
  t.equal(b.notifier.size, 2);
  t.same(
    b.notifies.map((n) => h(n, 'Event')),
    ['test;id=1', 'test;id=2'],
  );
  t.equal(h(b.notifies[1], 'Subscription-State'), 'active;expires=300');
  // Unsubscribing id=2 leaves id=1 running; NOTIFY CSeqs share the dialog's sequence.
  const un = inDialogSubscribe(second.dialog, [
    ['Event', 'test;id=2'],
    ['Expires', '0'],
  ]);
  t.equal((await b.phone.request(un.request, { to: b.dest })).status, 200);
  await settle();
  t.equal(b.notifier.size, 1);
  t.equal(h(b.notifies[2], 'Event'), 'test;id=2');
  t.equal(h(b.notifies[2], 'Subscription-State'), 'terminated;reason=timeout');
  b.states.set('test', 'sip:bob@127.0.0.2', 'busy');
  await settle();
  t.equal(b.notifies.length, 4);
  t.equal(h(b.notifies[3], 'Event'), 'test;id=1');
  const seqs = b.notifies.map((n) => n.cseq?.seq ?? 0);
  t.same(
    [...seqs].sort((x, y) => x - y),
    seqs,
    'one increasing CSeq space per dialog',
  );
  t.equal(new Set(seqs).size, seqs.length);
  // The surviving record carries the dialog's newest CSeq.
  const [stored] = await b.store.all();
  t.equal(stored.dialog.localSeq, seqs[3]);
});
