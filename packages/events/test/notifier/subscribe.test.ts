// New subscriptions (RFC 6665 §4.2.1.1, §4.1.2): Event, Expires and Accept
// checks, the 2xx, and the initial NOTIFY in the same dialog after the 2xx.
import t from 'tap';
import { bench, h, settle, testPackage } from './fixtures/bench.js';

t.test('unknown or missing Event → 489 with Allow-Events', async (t) => {
  const b = bench({ packages: [testPackage(), testPackage({ event: 'other' })] });
  t.teardown(() => b.close());
  const bad = await b.subscribe([['Event', 'presence']]);
  t.equal(bad.response.status, 489);
  t.equal(h(bad.response, 'Allow-Events'), 'test, other');
  const missing = await b.subscribe([['Event', '<omit>']]);
  t.equal(missing.response.status, 489);
  t.equal(b.notifier.size, 0, 'nothing kept');
  await settle();
  t.equal(b.notifies.length, 0, 'no NOTIFY');
});

t.test('0 < Expires < minExpires → 423 with Min-Expires', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  const r = await b.subscribe([['Expires', '30']]);
  t.equal(r.response.status, 423);
  t.equal(h(r.response, 'Min-Expires'), '60');
  t.equal(await b.store.count(), 0);
});

t.test('Expires clamped to maxExpires; default when absent', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  const long = await b.subscribe([['Expires', '999999']]);
  t.equal(long.response.status, 200);
  t.equal(h(long.response, 'Expires'), '3600');
  const dflt = await b.subscribe([['Expires', '<omit>']]);
  t.equal(h(dflt.response, 'Expires'), '600');
  await settle();
  t.equal(b.notifies.length, 2);
  t.equal(h(b.notifies[0], 'Subscription-State'), 'active;expires=3600');
  t.equal(h(b.notifies[1], 'Subscription-State'), 'active;expires=600');
});

t.test('200 with Expires, Contact, To tag; initial NOTIFY after it, in the dialog', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  b.states.set('test', 'sip:bob@127.0.0.2', 'busy');
  const { request, response } = await b.subscribe([['Event', 'test;id=7']]);
  t.equal(response.status, 200);
  t.equal(response.reason, 'OK');
  t.equal(h(response, 'Expires'), '600');
  t.equal(h(response, 'Contact'), '<sip:127.0.0.2:5060>');
  const toTag = response.to?.params.get('tag');
  t.ok(toTag, 'To tag');
  await settle();
  t.equal(b.notifies.length, 1);
  const n = b.notifies[0];
  t.equal(n.callId, request.callId);
  t.equal(n.from?.params.get('tag'), toTag, 'NOTIFY From tag = our To tag');
  t.equal(n.to?.params.get('tag'), request.from?.params.get('tag'));
  t.equal(n.requestUri, 'sip:alice@127.0.0.1:5060', 'sent to the watcher Contact');
  t.equal(h(n, 'Event'), 'test;id=7', 'same id');
  t.equal(h(n, 'Subscription-State'), 'active;expires=600');
  t.equal(h(n, 'Contact'), '<sip:127.0.0.2:5060>');
  t.equal(n.contentType, 'text/plain');
  t.equal(n.body.toString(), 'busy full v0 text/plain');

  // Order on the wire, as the phone received it: the 200 comes before the NOTIFY.
  const seen = b.phoneTransport.received.map(({ message }) =>
    message.kind === 'response' ? `${message.status} ${message.cseq?.method}` : message.method,
  );
  t.same(seen, ['200 SUBSCRIBE', 'NOTIFY']);
  const stored = await b.store.all();
  t.equal(stored.length, 1);
  t.equal(stored[0].eventId, '7');
  t.equal(stored[0].resource, 'sip:bob@127.0.0.2');
  t.equal(stored[0].watcher, 'sip:alice@127.0.0.1');
  t.equal(stored[0].watcherDisplayName, 'Alice');
  t.equal(stored[0].userAgent, 'test-phone');
  t.equal(stored[0].flow.remote.address, '127.0.0.1');
});

t.test('respondWith202 switch answers 202 Accepted', async (t) => {
  const b = bench({ respondWith202: true });
  t.teardown(() => b.close());
  const r = await b.subscribe();
  t.equal(r.response.status, 202);
  await settle();
  t.equal(b.notifies.length, 1);
});

t.test('configured Contact is used in the 2xx and NOTIFY', async (t) => {
  const b = bench({ contact: 'sip:herald@example.test' });
  t.teardown(() => b.close());
  const r = await b.subscribe();
  t.equal(h(r.response, 'Contact'), '<sip:herald@example.test>');
  await settle();
  t.equal(h(b.notifies[0], 'Contact'), '<sip:herald@example.test>');
});

t.test('Contact over TCP names the transport', async (t) => {
  const b = bench({ protocol: 'tcp' });
  t.teardown(() => b.close());
  const r = await b.subscribe();
  t.equal(h(r.response, 'Contact'), '<sip:127.0.0.2:5060;transport=tcp>');
});

t.test('Accept negotiation: 406, default when absent or empty, q-values, wildcards', async (t) => {
  const b = bench({ packages: [testPackage({ defaultContentType: 'application/x-test' })] });
  t.teardown(() => b.close());
  const none = await b.subscribe([['Accept', 'application/pidf+xml']]);
  t.equal(none.response.status, 406);
  t.equal(h(none.response, 'Accept'), 'text/plain, application/x-test');

  const absent = await b.subscribe([['Accept', '<omit>']]);
  t.equal(absent.response.status, 200);
  const empty = await b.subscribe([['Accept', '']]);
  t.equal(empty.response.status, 200, 'empty Accept is treated as absent');
  const q = await b.subscribe([['Accept', 'text/plain;q=0.2, application/x-test;q=0.9']]);
  t.equal(q.response.status, 200);
  const wild = await b.subscribe([['Accept', 'text/*']]);
  t.equal(wild.response.status, 200);
  const zero = await b.subscribe([['Accept', 'text/plain;q=0']]);
  t.equal(zero.response.status, 406, 'q=0 means not acceptable');
  await settle();
  t.same(
    b.notifies.map((n) => n.contentType),
    ['application/x-test', 'application/x-test', 'application/x-test', 'text/plain'],
  );
  const stored = await b.store.all();
  t.same(
    stored.map((s) => s.accept),
    [[], [], ['text/plain;q=0.2', 'application/x-test;q=0.9'], ['text/*']],
  );
});

t.test('SUBSCRIBE without Contact → 400', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  const req = b.phone.createRequest({
    method: 'SUBSCRIBE',
    uri: 'sip:bob@127.0.0.2',
    from: '<sip:alice@127.0.0.1>',
    headers: [['Event', 'test']],
  });
  const res = await b.phone.request(req, { to: { transport: 'udp', address: '127.0.0.2', port: 5060 } });
  t.equal(res.status, 400);
  t.equal(b.notifier.size, 0);
});

t.test('fetch (Expires: 0, no To tag): 200, one terminated NOTIFY with state, nothing kept', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  b.states.set('test', 'sip:bob@127.0.0.2', 'away');
  const r = await b.subscribe([['Expires', '0']]);
  t.equal(r.response.status, 200);
  t.equal(h(r.response, 'Expires'), '0');
  await settle();
  t.equal(b.notifies.length, 1);
  t.equal(h(b.notifies[0], 'Subscription-State'), 'terminated;reason=timeout');
  t.equal(b.notifies[0].body.toString(), 'away full v0 text/plain');
  t.equal(await b.store.count(), 0, 'nothing stored');
  t.equal(b.notifier.size, 0);
  b.states.set('test', 'sip:bob@127.0.0.2', 'back');
  await settle();
  t.equal(b.notifies.length, 1, 'no NOTIFY after a fetch');
});

t.test(
  'a retransmitted SUBSCRIBE is absorbed; a merged duplicate gets 482 (RFC 6665 §4.1.2, RFC 3261 §8.2.2.2)',
  async (t) => {
    const b = bench();
    t.teardown(() => b.close());
    // Lose the first 200 so the phone's transaction retransmits the SUBSCRIBE (Timer E).
    let dropped = false;
    b.serverTransport.drop = (m) => {
      if (!dropped && m.kind === 'response' && m.cseq?.method === 'SUBSCRIBE') return (dropped = true);
      return false;
    };
    const pending = b.subscribe();
    await settle();
    b.clock.advance(500);
    await settle();
    const r = await pending;
    t.equal(r.response.status, 200);
    const subscribes = b.serverTransport.received.filter(
      ({ message }) => message.kind === 'request' && message.method === 'SUBSCRIBE',
    );
    t.equal(subscribes.length, 2, 'the server saw the retransmission');
    t.equal(b.notifier.size, 1, 'one subscription');

    // The same request forked back to us on another branch (same From tag, Call-ID, CSeq; no To tag).
    const copy = b.phone.createRequest({
      method: 'SUBSCRIBE',
      uri: 'sip:bob@127.0.0.2',
      from: r.request.headers.get('From') ?? '',
      callId: r.request.callId,
      cseq: r.request.cseq?.seq,
      contact: '<sip:alice@127.0.0.1:5060>',
      headers: [['Event', 'test']],
    });
    const merged = await b.phone.request(copy, { to: { transport: 'udp', address: '127.0.0.2', port: 5060 } });
    t.equal(merged.status, 482);
    await settle();
    t.equal(b.notifier.size, 1, 'still one subscription');
    t.equal(b.notifies.length, 1, 'one initial NOTIFY');
  },
);
