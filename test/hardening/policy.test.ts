// Watcher authorization on a real Server (issue 6: "a watcher may only see what
// the authorization policy allows"): the `authorize` server option makes a
// watcher pending, politely blocked or rejected; the management API approves
// or blocks (POST /watchers/:id/approve|reject, bearer token); pending and
// blocked watchers never see the presentity's state.
import t from 'tap';
import type { Test } from 'tap';
import type { AuthorizeDecision, AuthorizeInfo, ClientSubscription, NotifyEvent } from '@herald/events';
import { ManualClock } from '@herald/sip';
import { Server } from '../../packages/server/src/index.js';
import {
  Client,
  DOMAIN,
  nextNotify,
  pidf,
  recordingLogger,
  testConfig,
} from '../../packages/server/test/server/helpers.js';

const TOKEN = 'policy-test-token';
const ALICE = `sip:alice@${DOMAIN}`;
const BUSY = '<dm:person id="p1"><rpid:activities><rpid:busy/></rpid:activities></dm:person>';
/** What only an authorized watcher may see of alice. */
const leaks = (body: string): boolean => body.includes('<basic>open</basic>') || body.includes('busy');

async function start(
  t: Test,
  decide: (info: AuthorizeInfo) => AuthorizeDecision,
): Promise<{
  server: Server;
  udpPort: number;
  api: (method: string, path: string, token?: string) => Promise<number>;
}> {
  const { logger } = recordingLogger();
  const server = new Server(testConfig({ http: '127.0.0.1:0', httpToken: TOKEN }), {
    clock: new ManualClock(1_000_000),
    logger,
    authorize: decide,
  });
  await server.start();
  t.teardown(() => server.stop());
  const udp = server.ports.find((p) => p.transport === 'udp');
  if (!udp || !server.http) throw new Error('server not listening');
  const base = `http://127.0.0.1:${server.http.port}`;
  const api = async (method: string, path: string, token?: string): Promise<number> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    });
    await res.arrayBuffer();
    return res.status;
  };
  return { server, udpPort: udp.port, api };
}

/** Every NOTIFY body a subscription receives, as they come. */
function collect(sub: ClientSubscription): NotifyEvent[] {
  const seen: NotifyEvent[] = [];
  sub.on('notify', (n) => void seen.push(n));
  return seen;
}

function subscriptionId(server: Server, watcher: string): string {
  const w = server.engine.notifier.watchers('presence', ALICE).find((r) => r.watcher === watcher);
  if (!w) throw new Error(`no subscription of ${watcher}`);
  return w.subscriptionId;
}

t.test('a pending watcher gets pending + a neutral body until approved through the API', async (t) => {
  const { server, udpPort, api } = await start(t, (info) =>
    info.watcher.startsWith('sip:carol@') ? 'pending' : 'accept',
  );
  const alice = await Client.start(t, udpPort, 'alice');
  const carol = await Client.start(t, udpPort, 'carol');
  t.equal((await alice.publish(pidf(ALICE, 'open', BUSY))).status, 200, 'alice is open and busy');

  const sub = carol.subscribe(ALICE, 'presence');
  const seen = collect(sub);
  const first = await nextNotify(sub);
  t.equal(first.state, 'pending', 'Subscription-State: pending');
  t.notOk(leaks(first.body.toString()), 'no state in the pending NOTIFY');
  const id = subscriptionId(server, `sip:carol@${DOMAIN}`);

  // A change while pending reveals nothing either (the neutral body does not follow the state).
  t.equal((await alice.publish(pidf(ALICE, 'open', BUSY))).status, 200, 'a second publication');

  t.equal(await api('POST', `/watchers/${id}/approve`), 401, 'approve without a token: 401');
  t.equal(await api('POST', `/watchers/${id}/approve`, 'wrong-token'), 401, 'approve with a wrong token: 401');
  t.equal(server.engine.notifier.watchers('presence', ALICE)[0]?.status, 'pending', 'still pending');

  const active = nextNotify(sub, (b) => leaks(b));
  t.equal(await api('POST', `/watchers/${id}/approve`, TOKEN), 200, 'approve with the token');
  const approved = await active;
  t.equal(approved.state, 'active', 'approved: active');
  t.match(approved.body.toString(), /<basic>open<\/basic>/, 'and now the state');
  const before = seen.slice(0, seen.indexOf(approved));
  t.ok(before.length >= 1, 'NOTIFYs before approval were seen');
  for (const n of before) {
    t.equal(n.state, 'pending');
    t.notOk(leaks(n.body.toString()), 'no pending NOTIFY leaked state');
  }
});

t.test('blocking an active watcher through the API ends it with terminated;reason=rejected and no state', async (t) => {
  const { server, udpPort, api } = await start(t, () => 'accept');
  const alice = await Client.start(t, udpPort, 'alice');
  const bob = await Client.start(t, udpPort, 'bob');
  t.equal((await alice.publish(pidf(ALICE, 'open', BUSY))).status, 200);
  const sub = bob.subscribe(ALICE, 'presence');
  const first = await nextNotify(sub, (b) => leaks(b));
  t.equal(first.state, 'active', 'bob is an accepted watcher and sees the state');
  const id = subscriptionId(server, `sip:bob@${DOMAIN}`);

  t.equal(await api('POST', `/watchers/${id}/reject`), 401, 'reject without a token: 401');
  const ended = nextNotify(sub, () => true);
  t.equal(await api('POST', `/watchers/${id}/reject`, TOKEN), 200, 'reject with the token');
  const last = await ended;
  t.equal(last.state, 'terminated');
  t.equal(last.reason, 'rejected', 'reason=rejected (RFC 6665 §4.2.2)');
  t.notOk(leaks(last.body.toString()), 'the final NOTIFY carries the neutral body');
  t.same(server.engine.notifier.watchers('presence', ALICE), [], 'the subscription is gone');
  t.equal(await api('POST', `/watchers/${id}/reject`, TOKEN), 404, 'rejecting it again: unknown');
});

t.test('polite-block: active, but a neutral body whatever the state (RFC 5079)', async (t) => {
  const { udpPort } = await start(t, (info) => (info.watcher.startsWith('sip:bob@') ? 'polite-block' : 'accept'));
  const alice = await Client.start(t, udpPort, 'alice');
  const bob = await Client.start(t, udpPort, 'bob');
  const carol = await Client.start(t, udpPort, 'carol');
  t.equal((await alice.publish(pidf(ALICE, 'open', BUSY))).status, 200);
  const blocked = bob.subscribe(ALICE, 'presence');
  const seen = collect(blocked);
  const first = await nextNotify(blocked);
  t.equal(first.state, 'active', 'looks active to the blocked watcher');
  t.notOk(leaks(first.body.toString()), 'but shows nothing');

  // carol (accepted) is the witness that a later change was notified; bob still sees nothing.
  const watched = carol.subscribe(ALICE, 'presence');
  await nextNotify(watched, (b) => leaks(b));
  const closed = nextNotify(watched, (b) => b.includes('<basic>closed</basic>'));
  t.equal((await alice.publish(pidf(ALICE, 'closed'))).status, 200);
  await closed;
  const reopened = nextNotify(watched, (b) => b.includes('<basic>open</basic>'));
  t.equal((await alice.publish(pidf(ALICE, 'open', BUSY))).status, 200);
  await reopened;
  for (const n of seen) t.notOk(leaks(n.body.toString()), 'no NOTIFY to the blocked watcher leaked state');
});

t.test('a reject decision answers the SUBSCRIBE itself; winfo is owner-only', async (t) => {
  const { udpPort } = await start(t, (info) =>
    info.watcher.startsWith('sip:bob@') ? { reject: 603, reason: 'Decline' } : 'accept',
  );
  const bob = await Client.start(t, udpPort, 'bob');
  const alice = await Client.start(t, udpPort, 'alice');
  const subscribe = (client: Client, event: string) =>
    client.send(
      client.endpoint.createRequest({
        method: 'SUBSCRIBE',
        uri: ALICE,
        from: `<${client.aor}>`,
        contact: `<${client.contact}>`,
        headers: [
          ['Event', event],
          ['Expires', '60'],
        ],
      }),
    );
  t.equal((await subscribe(bob, 'presence')).status, 603, 'the hook refused bob: 603');
  t.equal((await subscribe(bob, 'presence.winfo')).status, 403, "bob may not see alice's watchers (RFC 3857 §5.2)");
  t.equal((await subscribe(alice, 'presence.winfo')).status, 200, 'alice may');
});
