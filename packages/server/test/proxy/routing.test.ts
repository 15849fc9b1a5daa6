import t from 'tap';
import { DigestClient, DigestServer } from '@herald/sip';
import { DOMAIN, Net, PROXY, settle } from './harness.js';

t.test('404 for an unknown user, 480 for a known user with no contact', async (t) => {
  const net = new Net();
  const alice = net.agent('alice', '10.0.0.2');
  t.equal((await alice.send(alice.invite(`sip:nobody@${DOMAIN}`))).status, 404);
  t.equal((await alice.send(alice.invite(`sip:carol@${DOMAIN}`))).status, 480);
  t.same(net.updates, [], 'nothing routed, nothing tracked');
});

t.test('403 for another domain: no open relay', async (t) => {
  const net = new Net();
  const alice = net.agent('alice', '10.0.0.2');
  const res = await alice.send(alice.invite('sip:bob@elsewhere.example'));
  t.equal(res.status, 403);
  const msg = alice.endpoint.createRequest({ method: 'MESSAGE', uri: 'sip:x@198.51.100.7', from: `<${alice.aor}>` });
  t.equal((await alice.send(msg)).status, 403, 'MESSAGE to a foreign host refused too');
});

t.test('483 when Max-Forwards is 0; Max-Forwards 1 arrives as 0', async (t) => {
  const net = new Net();
  const alice = net.agent('alice', '10.0.0.2');
  const bob = net.agent('bob', '10.0.0.3');
  const dead = alice.invite(bob.aor);
  dead.headers.set('Max-Forwards', '0');
  t.equal((await alice.send(dead)).status, 483);
  t.equal(bob.invites.length, 0);
  const last = alice.endpoint.createRequest({
    method: 'MESSAGE',
    uri: bob.aor,
    from: `<${alice.aor}>`,
    body: 'hi',
    headers: [['Content-Type', 'text/plain']],
  });
  last.headers.set('Max-Forwards', '1');
  t.equal((await alice.send(last)).status, 200);
  t.equal(bob.others[0].request.maxForwards, 0);
  t.equal(bob.others[0].request.body.toString(), 'hi', 'body forwarded');
  t.notOk(bob.others[0].request.headers.has('Record-Route'), 'MESSAGE is not record-routed');
});

t.test('482 when a request comes back with our Via (loop), and the loop key is computed per request', async (t) => {
  const net = new Net();
  const alice = net.agent('alice', '10.0.0.2');
  // bob's only "contact" is the AoR itself over a flow back to the proxy: the request loops.
  net.bindings.set(`sip:bob@${DOMAIN}`, [
    { contact: `sip:bob@${DOMAIN}`, flow: { transport: 'udp', local: PROXY, remote: PROXY } },
  ]);
  const res = await alice.send(alice.invite(`sip:bob@${DOMAIN}`));
  t.equal(res.status, 482);
  const looped = net.hub.log.filter((e) => e.to.address === PROXY.address && e.from.address === PROXY.address);
  t.ok(looped.length > 0, 'the request did come back to the proxy');
  const unanswered = net.states(alice.aor).at(-1);
  t.equal(unanswered, 'terminated/rejected/482', 'the caller side ends rejected');
});

t.test('Proxy-Require we do not support → 420; Require is left to the UAS', async (t) => {
  const net = new Net();
  const alice = net.agent('alice', '10.0.0.2');
  const bob = net.agent('bob', '10.0.0.3');
  const pr = alice.invite(bob.aor, [['Proxy-Require', 'foo']]);
  const res = await alice.send(pr);
  t.equal(res.status, 420);
  t.equal(res.headers.get('Unsupported'), 'foo');
  const req = alice.invite(bob.aor, [['Require', '100rel']]);
  const final = alice.send(req);
  await settle();
  t.equal(bob.invites.length, 1, 'INVITE with Require: 100rel proxied');
  bob.answer(bob.invites[0], 486);
  t.equal((await final).status, 486);
});

t.test('486 from the callee: forwarded, both sides terminated rejected', async (t) => {
  const net = new Net();
  const alice = net.agent('alice', '10.0.0.2');
  const bob = net.agent('bob', '10.0.0.3');
  const final = alice.send(alice.invite(bob.aor));
  await settle();
  bob.answer(bob.invites[0], 180);
  await settle();
  bob.answer(bob.invites[0], 486);
  const res = await final;
  t.equal(res.status, 486);
  const tag = bob.invites[0].toTag;
  t.same(net.states(alice.aor), [
    'trying',
    `early:${tag}`,
    `terminated:${tag}/rejected/486`,
    'terminated/rejected/486',
  ]);
  t.same(net.states(bob.aor), ['trying', `early:${tag}`, `terminated:${tag}/rejected/486`, 'terminated/rejected/486']);
  t.same(net.active.slice(-2), [
    [alice.aor, 0],
    [bob.aor, 0],
  ]);
  await settle();
  t.ok(
    net.hub.log.some((e) => e.message.kind === 'request' && e.message.method === 'ACK' && e.to.address === '10.0.0.3'),
    'the proxy ACKed the 486 hop by hop',
  );
});

t.test('CANCEL from the caller: the branch is cancelled, 487 upstream, terminated cancelled', async (t) => {
  const net = new Net();
  const alice = net.agent('alice', '10.0.0.2');
  const bob = net.agent('bob', '10.0.0.3');
  const invite = alice.invite(bob.aor);
  const final = alice.send(invite);
  await settle();
  bob.answer(bob.invites[0], 180);
  await settle();
  const { createCancel } = await import('@herald/sip');
  const cancel = await alice.endpoint.request(createCancel(invite), { to: { transport: 'udp', ...PROXY } });
  t.equal(cancel.status, 200);
  t.equal((await final).status, 487);
  await settle();
  t.ok(
    net.hub.log.some(
      (e) => e.message.kind === 'request' && e.message.method === 'CANCEL' && e.to.address === '10.0.0.3',
    ),
    'CANCEL sent to bob',
  );
  const tag = bob.invites[0].toTag;
  t.same(net.states(alice.aor), ['trying', `early:${tag}`, 'terminated/cancelled']);
  t.same(net.states(bob.aor), ['trying', `early:${tag}`, 'terminated/cancelled']);
});

t.test('407 for an INVITE from a local user; the credentialed retry goes through', async (t) => {
  const clock = new (await import('@herald/sip')).ManualClock();
  const digest = new DigestServer({
    realm: DOMAIN,
    clock,
    lookup: (user) => (user === 'alice' ? { password: 'alice-secret' } : undefined),
  });
  const net = new Net({ digest });
  const alice = net.agent('alice', '10.0.0.2');
  const bob = net.agent('bob', '10.0.0.3');
  const first = await alice.send(alice.invite(bob.aor));
  t.equal(first.status, 407);
  t.ok(first.headers.get('Proxy-Authenticate')?.startsWith('Digest '), 'challenge');
  t.equal(bob.invites.length, 0);

  const auth = new DigestClient({ username: 'alice', password: 'alice-secret' });
  const authed = alice.invite(bob.aor);
  const final = alice.endpoint.request(authed, { to: { transport: 'udp', ...PROXY }, auth });
  await settle();
  t.equal(bob.invites.length, 1, 'authenticated INVITE forwarded');
  t.notOk(bob.invites[0].request.headers.has('Proxy-Authorization'), 'our credentials are not passed on');
  bob.answer(bob.invites[0], 200);
  const ok = await final;
  t.equal(ok.status, 200);
  // Phones re-send their credentials on ACK and BYE: accepted (in-dialog requests are not challenged), not passed on.
  const dialog = await alice.ack(authed, ok);
  const creds = `Digest username="alice", realm="${DOMAIN}", nonce="old", uri="${bob.contact}", response="00"`;
  const bye = await alice.inDialog(dialog, 'BYE', { headers: [['Proxy-Authorization', creds]] });
  t.equal(bye.status, 200, 'BYE with (stale) credentials for our realm is routed');
  t.equal(bob.byes.length, 1);
  t.notOk(bob.byes[0].request.headers.has('Proxy-Authorization'), 'our realm credentials removed');

  const wrong = new DigestClient({ username: 'alice', password: 'nope' });
  t.equal(
    (await alice.endpoint.request(alice.invite(bob.aor), { to: { transport: 'udp', ...PROXY }, auth: wrong })).status,
    407,
    'wrong password challenged again',
  );
  // A caller of another domain is not ours to authenticate (inbound call).
  const outsider = alice.endpoint.createRequest({
    method: 'INVITE',
    uri: bob.aor,
    from: '<sip:zed@other.example>',
    contact: `<${alice.contact}>`,
  });
  const inbound = alice.send(outsider);
  await settle();
  t.equal(bob.invites.length, 2, 'inbound call from a foreign domain forwarded without a challenge');
  bob.answer(bob.invites[1], 603);
  t.equal((await inbound).status, 603);
});

t.test('in-dialog requests: no relay without our Route; 481 when addressed to us', async (t) => {
  const net = new Net();
  const alice = net.agent('alice', '10.0.0.2');
  const bob = net.agent('bob', '10.0.0.3');
  const foreign = alice.endpoint.createRequest({
    method: 'BYE',
    uri: 'sip:x@198.51.100.7',
    from: `<${alice.aor}>`,
    to: '<sip:x@198.51.100.7>;tag=abc',
  });
  t.equal((await alice.send(foreign)).status, 403, 'a made-up dialog to a foreign host is not relayed');
  const toUs = alice.endpoint.createRequest({
    method: 'BYE',
    uri: 'sip:10.0.0.1:5060',
    from: `<${alice.aor}>`,
    to: '<sip:10.0.0.1>;tag=abc',
  });
  t.equal((await alice.send(toUs)).status, 481);
  const toContact = alice.endpoint.createRequest({
    method: 'INFO',
    uri: bob.contact,
    from: `<${alice.aor}>`,
    to: `<${bob.aor}>;tag=abc`,
  });
  t.equal((await alice.send(toContact)).status, 200, 'to a registered contact of the To user: routed');
  t.equal(bob.others.length, 1);
});

t.test(
  'guard: an in-dialog NOTIFY with our Route is proxied; one addressed to us reaches the local handler',
  async (t) => {
    const net = new Net();
    const alice = net.agent('alice', '10.0.0.2');
    const bob = net.agent('bob', '10.0.0.3');
    const local: string[] = [];
    net.proxyEndpoint.on(
      'NOTIFY',
      net.proxy.guard((incoming) => {
        local.push(incoming.request.requestUri);
        incoming.respond(200);
      }),
      { dialogs: 'handler', require: 'handler' },
    );
    const routed = alice.endpoint.createRequest({
      method: 'NOTIFY',
      uri: bob.contact,
      from: `<${alice.aor}>`,
      to: `<${bob.aor}>;tag=sub1`,
      headers: [
        ['Route', '<sip:10.0.0.1:5060;lr>'],
        ['Event', 'dialog'],
        ['Subscription-State', 'active;expires=60'],
      ],
    });
    t.ok(net.proxy.claims(routed), 'claimed');
    t.equal((await alice.send(routed)).status, 200);
    t.equal(bob.others.length, 1, 'NOTIFY reached bob through the proxy');
    t.notOk(bob.others[0].request.headers.has('Route'), 'our Route consumed');
    t.same(local, []);

    const toUs = alice.endpoint.createRequest({
      method: 'NOTIFY',
      uri: 'sip:herald@10.0.0.1:5060',
      from: `<${alice.aor}>`,
      to: '<sip:herald@example.test>;tag=sub2',
      headers: [
        ['Event', 'presence'],
        ['Subscription-State', 'active;expires=60'],
      ],
    });
    t.notOk(net.proxy.claims(toUs));
    const routedToUs = alice.endpoint.createRequest({
      method: 'NOTIFY',
      uri: 'sip:herald@10.0.0.1:5060',
      from: `<${alice.aor}>`,
      to: '<sip:herald@example.test>;tag=sub2',
      headers: [['Route', '<sip:10.0.0.1:5060;lr>']],
    });
    t.notOk(net.proxy.claims(routedToUs), 'outbound-proxy Route but the Request-URI is our address: ours, not proxied');
    t.equal((await alice.send(toUs)).status, 200);
    t.same(local, ['sip:herald@10.0.0.1:5060'], 'the local handler got it');
  },
);

t.test('CANCEL while the proxy is still resolving the target: 487, nothing forwarded, nothing tracked', async (t) => {
  let release: (address: string) => void = () => undefined;
  const net = new Net({ resolver: () => new Promise<string>((resolve) => (release = resolve)) });
  const alice = net.agent('alice', '10.0.0.2');
  const bob = net.agent('bob', '10.0.0.3', false);
  net.bindings.set(bob.aor, [{ contact: 'sip:bob@bob-phone.example.test' }]);
  const invite = alice.invite(bob.aor);
  const final = alice.send(invite);
  await settle();
  const { createCancel } = await import('@herald/sip');
  t.equal((await alice.endpoint.request(createCancel(invite), { to: { transport: 'udp', ...PROXY } })).status, 200);
  t.equal((await final).status, 487);
  release('10.0.0.3');
  await settle();
  t.equal(bob.invites.length, 0, 'the INVITE was never forwarded');
  t.same(net.updates, []);
});
