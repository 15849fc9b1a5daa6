// Where NOTIFYs go (RFC 6665 §4.2.2, RFC 3261 §12.2.1.1): along the stored
// route set, to the stored flow, to the refreshed remote target; plus the
// pure helpers behind the headers.
import t from 'tap';
import { createRequest, type Flow } from '@herald/sip';
import { contactValue, subscriptionStateValue } from '../../src/notifier/notify-request.js';
import { acceptValues, negotiateAccept, negotiateExpires } from '../../src/notifier/negotiate.js';
import { bench, h, inDialogSubscribe, phoneDialog, settle, testPackage } from './fixtures/bench.js';

t.test('NOTIFY follows the Record-Route set and goes to the stored flow (TCP)', async (t) => {
  const b = bench({ protocol: 'tcp' });
  t.teardown(() => b.close());
  // As if a proxy had record-routed the SUBSCRIBE: the NOTIFY must carry Route, yet leave on
  // the flow the SUBSCRIBE came on (proxy.invalid would not even resolve).
  const s = await b.subscribe([['Record-Route', '<sip:proxy.invalid;lr>']]);
  t.equal(s.response.status, 200);
  await settle();
  t.equal(b.notifies.length, 1);
  const n = b.notifies[0];
  t.equal(h(n, 'Route'), '<sip:proxy.invalid;lr>');
  t.equal(n.requestUri, 'sip:alice@127.0.0.1:5060');
  t.equal(n.topVia?.transport, 'TCP');
  const seen = b.phoneTransport.received.map(({ message }) =>
    message.kind === 'response' ? String(message.status) : message.method,
  );
  t.same(seen, ['200', 'NOTIFY'], '200 before NOTIFY over TCP too');
  const [stored] = await b.store.all();
  t.same(stored.dialog.routeSet, ['<sip:proxy.invalid;lr>']);
  t.equal(stored.flow.transport, 'tcp');
  t.ok(stored.flow.connectionId, 'the connection is remembered');
});

t.test(
  'a refresh with a new Contact moves the remote target (RFC 6665 §4.1.2: SUBSCRIBE is a target refresh)',
  async (t) => {
    const b = bench();
    t.teardown(() => b.close());
    const s = await b.subscribe();
    const { request } = inDialogSubscribe(phoneDialog(s), [
      ['Event', 'test'],
      ['Expires', '9999'],
    ]);
    request.headers.set('Contact', '<sip:alice@127.0.0.1:5070>');
    const res = await b.phone.request(request, { to: b.dest });
    t.equal(res.status, 200);
    t.equal(h(res, 'Expires'), '3600', 'refresh clamped to maxExpires');
    await settle();
    t.equal(b.notifies[1].requestUri, 'sip:alice@127.0.0.1:5070');
    t.equal(h(b.notifies[1], 'Subscription-State'), 'active;expires=3600');
  },
);

t.test('malformed Expires → 400', async (t) => {
  const b = bench();
  t.teardown(() => b.close());
  const r = await b.subscribe([['Expires', 'soon']]);
  t.equal(r.response.status, 400);
  t.equal(b.notifier.size, 0);
});

t.test('header helpers', async (t) => {
  const flow = (address: string, transport: Flow['transport']): Flow => ({
    transport,
    local: { address, port: 5062 },
    remote: { address: '192.0.2.1', port: 5060 },
  });
  t.equal(contactValue(flow('192.0.2.9', 'udp'), undefined), '<sip:192.0.2.9:5062>');
  t.equal(contactValue(flow('::1', 'tcp'), undefined), '<sip:[::1]:5062;transport=tcp>');
  t.equal(contactValue(flow('::1', 'tcp'), '"Herald" <sip:h@example.test>'), '"Herald" <sip:h@example.test>');
  t.equal(subscriptionStateValue('active', { kind: 'state' }, 10_500, 1000), 'active;expires=10', 'seconds rounded up');
  t.equal(subscriptionStateValue('pending', { kind: 'state' }, 500, 1000), 'pending;expires=0', 'never negative');
  t.equal(
    subscriptionStateValue('active', { kind: 'final', reason: 'noresource' }, 0, 0),
    'terminated;reason=noresource',
  );
});

t.test('negotiation helpers', async (t) => {
  const pkg = testPackage({ minExpires: 0, defaultExpires: 7200, maxExpires: 3600 });
  t.same(negotiateExpires(pkg, undefined), { ok: true, value: 3600 }, 'a default above the maximum is clamped too');
  t.same(negotiateExpires(pkg, 1), { ok: true, value: 1 }, 'minExpires 0 = no minimum');
  t.same(negotiateAccept(pkg, ['*/*']), { ok: true, value: 'text/plain' });
  t.same(negotiateAccept(pkg, ['application/*;q=0.5', 'text/plain;q=0.4']), { ok: true, value: 'application/x-test' });
  t.same(
    negotiateAccept(pkg, ['text/plain;q=0', '*/*']),
    { ok: true, value: 'application/x-test' },
    'a specific q=0 wins over */*',
  );
});

t.test(
  'Accept lists are shared per distinct header and their agreed type remembered, with the same outcomes',
  async (t) => {
    const pkg = testPackage({});
    const subscribe = (...accept: string[]) =>
      createRequest({ method: 'SUBSCRIBE', uri: 'sip:bob@example.test', headers: accept.map((v) => ['Accept', v]) });
    const a = acceptValues(subscribe(' Text/Plain ', 'application/*;q=0.5'));
    t.same(a, ['text/plain', 'application/*;q=0.5'], 'trimmed and lower-cased, in order');
    t.ok(Object.isFrozen(a));
    t.equal(acceptValues(subscribe(' Text/Plain ', 'application/*;q=0.5')), a, 'one list per distinct header');
    t.not(acceptValues(subscribe('application/*;q=0.5', ' Text/Plain ')), a, 'order matters');
    t.same(acceptValues(subscribe()), [], 'no Accept');
    t.same(acceptValues(subscribe('')), [], 'an empty Accept');
    const first = negotiateAccept(pkg, a);
    t.same(first, negotiateAccept(pkg, [...a]), 'remembered outcome = computed outcome');
    t.equal(negotiateAccept(pkg, a), first, 'remembered for the frozen list');
    const none = acceptValues(subscribe('image/png'));
    const refused = negotiateAccept(pkg, none);
    t.equal(refused.ok, false);
    t.not(negotiateAccept(pkg, none), refused, "a refusal is computed afresh (its headers are the caller's)");
    const other = testPackage({ contentTypes: ['application/x-other'] });
    t.same(negotiateAccept(other, acceptValues(subscribe('application/*'))), {
      ok: true,
      value: 'application/x-other',
    });
    t.same(
      negotiateAccept(pkg, acceptValues(subscribe('application/*'))),
      { ok: true, value: 'application/x-test' },
      'per package',
    );
  },
);
