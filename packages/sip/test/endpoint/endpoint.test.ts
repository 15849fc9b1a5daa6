import t from 'tap';
import {
  DigestClient,
  DigestServer,
  Endpoint,
  ManualClock,
  TransportLayer,
  createLoopPair,
  createUasDialog,
  isLocalResponse,
  resolveDestination,
  parseMessage,
  type SipRequest,
  type SipResponse,
} from '@herald/sip';

const PEER = { transport: 'udp' as const, address: '127.0.0.2', port: 5060 };

function setup(protocol: 'udp' | 'tcp' = 'udp') {
  const clock = new ManualClock();
  const [a, b] = createLoopPair({ clock, protocol });
  const alice = new Endpoint({ transport: new TransportLayer({ transports: [a] }), clock, userAgent: 'herald-test' });
  const bob = new Endpoint({
    transport: new TransportLayer({ transports: [b] }),
    clock,
    userAgent: 'herald-bob',
    supported: ['timer'],
  });
  return { clock, a, b, alice, bob };
}

/** Lets queued microtasks (loop deliveries, promise callbacks) run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

const options = (ep: Endpoint, extra: Array<[string, string]> = [], method = 'OPTIONS'): SipRequest =>
  ep.createRequest({ method, uri: 'sip:bob@127.0.0.2', from: '<sip:alice@127.0.0.1>', headers: extra });

t.test('OPTIONS is answered 200 with Allow, Supported and Server', async (t) => {
  const { alice, bob } = setup();
  const res = await alice.request(options(alice), { to: PEER });
  t.equal(res.status, 200);
  t.same(res.headers.getAll('Allow'), ['OPTIONS', 'ACK', 'CANCEL']);
  t.equal(res.headers.get('Supported'), 'timer');
  t.equal(res.headers.get('Server'), 'herald-bob');
  t.ok(res.to?.params.get('tag'), 'final response carries a To tag');
  await alice.close();
  await bob.close();
});

t.test('unknown method → 405 with Allow (RFC 3261 §8.2.1)', async (t) => {
  const { alice, bob } = setup();
  const res = await alice.request(options(alice, [], 'FROBNICATE'), { to: PEER });
  t.equal(res.status, 405);
  t.ok(res.headers.getAll('Allow').includes('OPTIONS'));
  await alice.close();
  await bob.close();
});

t.test('unsupported Require → 420 with Unsupported; supported passes', async (t) => {
  const { alice, bob } = setup();
  const bad = await alice.request(options(alice, [['Require', 'timer, 100rel, foo']]), { to: PEER });
  t.equal(bad.status, 420);
  t.same(bad.headers.getAll('Unsupported'), ['100rel', 'foo']);
  const good = await alice.request(options(alice, [['Require', 'timer']]), { to: PEER });
  t.equal(good.status, 200);
  await alice.close();
  await bob.close();
});

t.test('unknown body type → 415 with Accept (RFC 3261 §8.2.3)', async (t) => {
  const { alice, bob } = setup();
  bob.on('MESSAGE', (inc) => void inc.respond(200), { accept: ['text/plain'] });
  const req = (type: string) =>
    alice.createRequest({
      method: 'MESSAGE',
      uri: 'sip:bob@127.0.0.2',
      from: '<sip:alice@127.0.0.1>',
      headers: [['Content-Type', type]],
      body: 'hello',
    });
  const bad = await alice.request(req('application/x-unknown'), { to: PEER });
  t.equal(bad.status, 415);
  t.equal(bad.headers.get('Accept'), 'text/plain');
  t.equal((await alice.request(req('text/plain'), { to: PEER })).status, 200);
  await alice.close();
  await bob.close();
});

t.test('in-dialog request for an unknown dialog → 481; a known dialog passes', async (t) => {
  const { alice, bob } = setup();
  const seen: string[] = [];
  bob.on('INFO', (inc) => {
    seen.push(inc.request.callId ?? '');
    inc.respond(200);
  });
  const info = options(alice, [], 'INFO');
  info.headers.set('To', '<sip:bob@127.0.0.2>;tag=nosuch');
  t.equal((await alice.request(info, { to: PEER })).status, 481);

  const known = options(alice, [['Contact', '<sip:alice@127.0.0.1>']], 'INFO');
  const d = createUasDialog(known, 'bobtag');
  if (!d.ok) throw new Error(d.reason);
  bob.dialogs.put(d.dialog);
  known.headers.set('To', '<sip:bob@127.0.0.2>;tag=bobtag');
  t.equal((await alice.request(known, { to: PEER })).status, 200);
  t.same(seen, [known.callId]);

  // A handler that owns its dialogs sees the request instead of a 481.
  bob.on('NOTIFY', (inc) => void inc.respond(489, 'Bad Event'), { dialogs: 'handler' });
  const notify = options(alice, [], 'NOTIFY');
  notify.headers.set('To', '<sip:bob@127.0.0.2>;tag=elsewhere');
  t.equal((await alice.request(notify, { to: PEER })).status, 489);
  await alice.close();
  await bob.close();
});

t.test('a throwing handler yields 500, never a crash', async (t) => {
  const { alice, bob } = setup();
  bob.on('MESSAGE', () => {
    throw new Error('boom');
  });
  bob.on('PUBLISH', async () => {
    await Promise.resolve();
    throw new Error('async boom');
  });
  t.equal((await alice.request(options(alice, [], 'MESSAGE'), { to: PEER })).status, 500);
  t.equal((await alice.request(options(alice, [], 'PUBLISH'), { to: PEER })).status, 500);
  await alice.close();
  await bob.close();
});

t.test('malformed requests are answered statelessly: 400 naming the header, 416 for an unknown scheme', async (t) => {
  const { a, bob } = setup();
  const raw = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n\r\n');
  const got: SipResponse[] = [];
  a.onMessage((inc) => {
    if (inc.message.kind === 'response') got.push(inc.message);
  });
  const to = { transport: 'udp' as const, address: '127.0.0.2', port: 5060 };
  await a.send(
    raw([
      'OPTIONS sip:bob@127.0.0.2 SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKnocallid',
      'From: <sip:alice@127.0.0.1>;tag=1',
      'To: <sip:bob@127.0.0.2>',
      'CSeq: 1 OPTIONS',
      'Max-Forwards: 70',
      'Content-Length: 0',
    ]),
    to,
  );
  await a.send(
    raw([
      'OPTIONS nosuch:bob@127.0.0.2 SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKscheme',
      'From: <sip:alice@127.0.0.1>;tag=1',
      'To: <sip:bob@127.0.0.2>',
      'Call-ID: x',
      'CSeq: 2 OPTIONS',
      'Content-Length: 0',
    ]),
    to,
  );
  await a.send(
    raw([
      'OPTIONS sip:bob@127.0.0.2 SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKnofrom',
      'To: <sip:bob@127.0.0.2>',
      'Call-ID: y',
      'CSeq: 3 OPTIONS',
      'Content-Length: 0',
    ]),
    to,
  );
  await settle();
  t.same(
    got.map((r) => [r.status, r.reason]),
    [
      [400, 'Missing Call-ID Header'],
      [416, 'Unsupported URI Scheme'],
      [400, 'Missing From Header'],
    ],
  );
  await a.close();
  await bob.close();
});

t.test('timeout resolves with a local 408; transport failure with a local 503', async (t) => {
  const { clock, a, alice, bob } = setup();
  a.drop = true;
  const pending = alice.request(options(alice), { to: PEER });
  await settle();
  clock.advance(32_000);
  const res = await pending;
  t.equal(res.status, 408);
  t.ok(isLocalResponse(res));
  t.equal(a.sent.length, 11, 'NICT over UDP: 11 transmissions before Timer F');

  a.drop = false;
  a.fail = true;
  const failed = await alice.request(options(alice), { to: PEER });
  t.equal(failed.status, 503);
  t.ok(isLocalResponse(failed));
  await alice.close();
  await bob.close();
});

t.test('a 401 is answered once with digest credentials (RFC 3261 §22.2)', async (t) => {
  const { clock, alice, bob } = setup();
  const digest = new DigestServer({
    realm: 'example.test',
    clock,
    lookup: (u) => (u === 'alice' ? { password: 'pw' } : undefined),
  });
  const cseqs: number[] = [];
  bob.on('MESSAGE', async (inc) => {
    cseqs.push(inc.request.cseq?.seq ?? -1);
    const verdict = await digest.verify(inc.request);
    if (verdict.ok) {
      inc.respond(200, 'OK', { headers: [['X-User', verdict.username]] });
      return;
    }
    const c = digest.challenge(inc.request, { stale: verdict.stale });
    inc.respond(c.status, undefined, { headers: c.values.map((v): [string, string] => [c.header, v]) });
  });
  const msg = options(alice, [], 'MESSAGE');
  const ok = await alice.request(msg, { to: PEER, auth: new DigestClient({ username: 'alice', password: 'pw' }) });
  t.equal(ok.status, 200);
  t.equal(ok.headers.get('X-User'), 'alice');
  t.equal(cseqs.length, 2);
  t.equal(cseqs[1], cseqs[0] + 1, 'the retry advances CSeq');
  t.equal(msg.headers.has('Authorization'), false, 'the caller’s request is untouched');

  const wrong = await alice.request(options(alice, [], 'MESSAGE'), {
    to: PEER,
    auth: new DigestClient({ username: 'alice', password: 'nope' }),
  });
  t.equal(wrong.status, 401, 'a wrong password is not retried forever');
  await alice.close();
  await bob.close();
});

t.test('resolveDestination: Route first, maddr, transport and default ports', async (t) => {
  const req = (uri: string, route?: string): SipRequest =>
    parseMessage(
      [
        `OPTIONS ${uri} SIP/2.0`,
        'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKr',
        ...(route ? [`Route: ${route}`] : []),
        'From: <sip:a@x>;tag=1',
        'To: <sip:b@x>',
        'Call-ID: r',
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    ) as SipRequest;
  const names: Record<string, string> = { 'proxy.example.test': '192.0.2.10', 'example.test': '192.0.2.20' };
  const resolver = async (host: string) => {
    const a = names[host];
    if (!a) throw new Error(`no such host ${host}`);
    return a;
  };
  t.same(await resolveDestination(req('sip:bob@192.0.2.1:5070'), resolver), {
    transport: 'udp',
    address: '192.0.2.1',
    port: 5070,
  });
  t.same(await resolveDestination(req('sip:bob@example.test;transport=tcp'), resolver), {
    transport: 'tcp',
    address: '192.0.2.20',
    port: 5060,
  });
  t.same(await resolveDestination(req('sips:bob@[2001:db8::1]'), resolver), {
    transport: 'tls',
    address: '2001:db8::1',
    port: 5061,
  });
  t.same(await resolveDestination(req('sip:bob@example.test', '<sip:proxy.example.test:5080;lr>'), resolver), {
    transport: 'udp',
    address: '192.0.2.10',
    port: 5080,
  });
  t.same(await resolveDestination(req('sip:bob@example.test;maddr=192.0.2.99'), resolver), {
    transport: 'udp',
    address: '192.0.2.99',
    port: 5060,
  });
  await t.rejects(resolveDestination(req('tel:+15551234'), resolver));
});
