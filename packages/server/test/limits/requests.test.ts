// Request-level limits through the real Server on 127.0.0.1 port 0: subscriptions per watcher and per
// user, publications per resource, PUBLISH body size, the per-source token bucket, HTTP body size.
import t from 'tap';
import { request as httpRequest } from 'node:http';
import { Client, DOMAIN, nextNotify, pidf, startServer, testConfig } from '../server/helpers.js';
import { RATE_LIMIT_REASON } from '../../src/limits/index.js';
import { UdpPeer, rawRequest } from './raw.js';

/** An initial SUBSCRIBE sent plainly (digest answered), so the test sees the final response itself. */
function subscribeOnce(client: Client, target: string, event = 'presence') {
  return client.send(
    client.endpoint.createRequest({
      method: 'SUBSCRIBE',
      uri: target,
      from: `<${client.aor}>`,
      to: `<${target}>`,
      contact: `<${client.contact}>`,
      headers: [
        ['Event', event],
        ['Expires', '600'],
      ],
    }),
  );
}

const aor = (user: string) => `sip:${user}@${DOMAIN}`;

t.test(
  'subscriptionsPerWatcher: one more initial SUBSCRIBE → 403; a refresh still works; room after an end',
  async (t) => {
    const { server, udpPort, lines } = await startServer(t, testConfig({ limits: { subscriptionsPerWatcher: 2 } }));
    const bob = await Client.start(t, udpPort, 'bob');
    const first = bob.subscribe(aor('alice'), 'presence');
    await nextNotify(first);
    const second = bob.subscribe(aor('carol'), 'dialog');
    await nextNotify(second);
    t.equal(server.subscriptionLimits.watcherCount(aor('bob')), 2);

    const refused = await subscribeOnce(bob, aor('carol'));
    t.equal(refused.status, 403);
    t.equal(refused.reason, 'Too Many Subscriptions From Watcher');
    const warn = lines.find((l) => l.msg === 'subscription refused: limit reached');
    t.equal(warn?.level, 'warn');
    t.equal(warn?.detail?.['limit'], 'subscriptionsPerWatcher');

    const refreshed = nextNotify(first);
    first.refresh();
    t.equal((await refreshed).state, 'active', 'a refresh at the limit is answered and notified');

    await first.unsubscribe();
    t.equal(server.subscriptionLimits.watcherCount(aor('bob')), 1, 'an ended subscription stops counting');
    const third = bob.subscribe(aor('carol'), 'presence');
    t.equal((await nextNotify(third)).state, 'active', 'room again');
    const carol = await Client.start(t, udpPort, 'carol');
    const other = carol.subscribe(aor('alice'), 'presence');
    t.equal((await nextNotify(other)).state, 'active', 'another watcher is not affected');
  },
);

t.test('subscriptionsPerWatcher holds when initial SUBSCRIBEs arrive all at once', async (t) => {
  const { udpPort } = await startServer(t, testConfig({ limits: { subscriptionsPerWatcher: 3 } }));
  const bob = await Client.start(t, udpPort, 'bob');
  // Every NOTIFY answered 200 so no subscription ends (a 481 would free a slot mid-test).
  bob.endpoint.on(
    'NOTIFY',
    (incoming) => {
      incoming.respond(200, 'OK');
    },
    { dialogs: 'handler' },
  );
  const targets = ['alice', 'carol', 'bob'];
  const events = ['presence', 'dialog', 'message-summary'];
  // Sent without waiting: the check runs before each subscription exists only if the engine awaited real I/O in between.
  const answers = await Promise.all(
    Array.from({ length: 12 }, (_, i) => subscribeOnce(bob, aor(targets[i % 3] ?? 'alice'), events[i % 3])),
  );
  t.equal(answers.filter((r) => r.status === 200).length, 3, 'exactly the cap accepted');
  t.equal(answers.filter((r) => r.status === 403).length, 9);
});

t.test('subscriptionsPerUser: one more watcher of the same user → 403 naming the limit', async (t) => {
  const { server, udpPort } = await startServer(t, testConfig({ limits: { subscriptionsPerUser: 2 } }));
  const bob = await Client.start(t, udpPort, 'bob');
  const carol = await Client.start(t, udpPort, 'carol');
  const alice = await Client.start(t, udpPort, 'alice');
  await nextNotify(bob.subscribe(aor('alice'), 'presence'));
  await nextNotify(carol.subscribe(aor('alice'), 'dialog'));
  t.equal(server.subscriptionLimits.userCount(aor('alice')), 2);
  const refused = await subscribeOnce(alice, aor('alice'), 'message-summary');
  t.equal(refused.status, 403);
  t.equal(refused.reason, 'Too Many Subscriptions To User');
  const fine = await subscribeOnce(alice, aor('bob'));
  t.equal(fine.status, 200, 'another user can still be watched');
});

t.test('publicationsPerResource: the publication past the limit is refused (503 + Retry-After)', async (t) => {
  const { udpPort, lines } = await startServer(t, testConfig({ limits: { publicationsPerResource: 3 } }));
  const alice = await Client.start(t, udpPort, 'alice');
  for (let i = 0; i < 3; i++) {
    t.equal((await alice.publish(pidf(aor('alice'), 'open'), 600)).status, 200, `publication ${i + 1}`);
  }
  const over = await alice.publish(pidf(aor('alice'), 'open'), 600);
  t.equal(over.status, 503);
  t.equal(over.reason, 'Too Many Publications For Resource');
  t.equal(over.headers.get('Retry-After'), '600', 'until the oldest publication expires');
  const warned = lines.filter((l) => l.msg === 'publication refused: limit reached');
  t.same(
    warned.map((l) => l.detail?.['limit']),
    ['publicationsPerResource'],
    'one warning naming the limit',
  );
  const bob = await Client.start(t, udpPort, 'bob');
  t.equal((await bob.publish(pidf(aor('bob'), 'open'))).status, 200, 'another resource is not affected');
});

t.test('publishBodyBytes: a larger PUBLISH body → 413', async (t) => {
  const { udpPort, lines } = await startServer(t, testConfig({ limits: { publishBodyBytes: 200 } }));
  const alice = await Client.start(t, udpPort, 'alice');
  const body = pidf(aor('alice'), 'open');
  t.ok(Buffer.byteLength(body) > 200);
  const r = await alice.publish(body);
  t.equal(r.status, 413);
  t.equal(r.reason, 'Request Entity Too Large');
  t.equal(lines.find((l) => l.msg === 'publication refused: limit reached')?.detail?.['limit'], 'publishBodyBytes');
  const roomy = await startServer(t, testConfig({ limits: { publishBodyBytes: 4096 } }));
  const ok = await Client.start(t, roomy.udpPort, 'alice');
  t.equal((await ok.publish(body)).status, 200, 'the same body under a larger limit is accepted');
});

t.test('requestsPerSecond: 503 + Retry-After past the burst, served again as the manual clock refills', async (t) => {
  const { clock, udpPort, lines } = await startServer(
    t,
    testConfig({ limits: { requestsPerSecond: 2, requestBurst: 3 } }),
  );
  const peer = await UdpPeer.open(t, udpPort);
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const callId = `rate-${i}`;
    peer.send(rawRequest({ port: peer.port, callId }));
    statuses.push((await peer.response(callId)).status);
  }
  t.same(statuses, [200, 200, 200, 503, 503], 'a burst of 3, then refused');
  const refused = await peer.response('rate-3');
  t.equal(refused.reason, RATE_LIMIT_REASON);
  t.equal(refused.headers.get('Retry-After'), '1');
  t.equal(lines.filter((l) => l.msg === 'rate limit: requests refused with 503').length, 1, 'one warning');
  clock.advance(500);
  peer.send(rawRequest({ port: peer.port, callId: 'rate-after' }));
  t.equal((await peer.response('rate-after')).status, 200, 'half a second at 2/s: one token back');
  peer.send(rawRequest({ port: peer.port, callId: 'rate-again' }));
  t.equal((await peer.response('rate-again')).status, 503);
});

t.test('requestsPerSecond 0 turns the limiter off', async (t) => {
  const { udpPort } = await startServer(t, testConfig({ limits: { requestsPerSecond: 0, requestBurst: 1 } }));
  const peer = await UdpPeer.open(t, udpPort);
  for (let i = 0; i < 20; i++) peer.send(rawRequest({ port: peer.port, callId: `off-${i}` }));
  for (let i = 0; i < 20; i++) t.equal((await peer.response(`off-${i}`)).status, 200);
});

function put(port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'PUT', headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

t.test('httpBodyBytes: a larger management API body → HTTP 413', async (t) => {
  const { server } = await startServer(t, testConfig({ http: '127.0.0.1:0', limits: { httpBodyBytes: 64 } }));
  const port = server.http?.port ?? 0;
  t.ok(port > 0);
  const small = JSON.stringify({ newMessages: 1, oldMessages: 0 });
  t.equal(await put(port, '/mailboxes/alice', small), 200);
  const big = JSON.stringify({ newMessages: 1, oldMessages: 0, pad: 'p'.repeat(100) });
  t.equal(await put(port, '/mailboxes/alice', big), 413);
});
