import t from 'tap';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Subscriber, type ClientSubscription } from '@herald/events';
import { DigestClient, Endpoint, TcpTransport, TransportLayer, systemClock } from '@herald/sip';
import { DOMAIN, USERS, nextNotify } from '../server/helpers.js';
import { boot, cseqOf, settle, tempDir, until } from './harness.js';

type Teardown = { teardown(fn: () => Promise<void> | void): void };

/** A watcher on its own TCP listener; its Contact names `contactPort` (default: the listener). */
async function tcpWatcher(t: Teardown, user: keyof typeof USERS, serverPort: number, contactPort?: number) {
  const tcp = new TcpTransport({ host: '127.0.0.1', port: 0, clock: systemClock });
  await tcp.listen();
  const endpoint = new Endpoint({ transport: new TransportLayer({ transports: [tcp] }), userAgent: `test-${user}` });
  const subscriber = new Subscriber(endpoint);
  t.teardown(async () => {
    await subscriber.close();
    await endpoint.close();
  });
  const subscribe = (target: string, expires?: number): ClientSubscription =>
    subscriber.subscribe({
      target,
      event: 'presence',
      from: `<sip:${user}@${DOMAIN}>`,
      contact: `sip:${user}@127.0.0.1:${contactPort ?? tcp.local.port};transport=tcp`,
      destination: { transport: 'tcp', address: '127.0.0.1', port: serverPort },
      credentials: new DigestClient({ username: user, password: USERS[user] }),
      ...(expires !== undefined ? { expires } : {}),
    });
  return { subscribe };
}

/** A TCP port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  await new Promise((r) => s.close(r));
  return typeof a === 'object' && a ? a.port : 1;
}

t.test('TCP after a restart: NOTIFYs go over a new connection to the Contact, else retry then end', async (t) => {
  const db = join(tempDir(t), 'herald.db');
  const first = await boot(t, { db, now: 1_000_000 });
  const target = `sip:alice@${DOMAIN}`;
  const bob = await tcpWatcher(t, 'bob', first.tcpPort);
  const carol = await tcpWatcher(t, 'carol', first.tcpPort, await deadPort());
  const reachable = bob.subscribe(target);
  const before = await nextNotify(reachable);
  const unreachable = carol.subscribe(target);
  await nextNotify(unreachable);
  const short = bob.subscribe(target, 60);
  await nextNotify(short);
  await until(() => first.server.engine.notifier.size === 3, 'three subscriptions');
  const callIdOf = (s: ClientSubscription): string => s.dialog?.id.callId ?? '?';
  const shortCallId = callIdOf(short);
  const carolCallId = callIdOf(unreachable);
  await first.server.stop();

  const after = nextNotify(reachable);
  const second = await boot(t, { db, now: 1_120_000, ports: { udp: first.udpPort, tcp: first.tcpPort } });
  t.match(second.lines.find((l) => l.msg === 'store')?.detail, {
    subscriptions: 2,
    subscriptionsExpired: 1,
    expiredNotified: 0,
    retargeted: 2,
  });
  // A change after the restart (alice's status through the API) goes to both TCP watchers.
  second.server.setStatus('alice', { note: 'after the restart' });
  second.clock.advance(0);
  const n = await after;
  t.ok(cseqOf(n.request) > cseqOf(before.request), 'the watcher with a listening Contact gets its NOTIFY, CSeq up');
  t.equal(n.state, 'active');

  // carol's Contact refuses connections: the retry policy (2 s, 4 s back-off) runs, then the subscription ends.
  for (let i = 0; i < 200 && second.server.engine.notifier.size > 1; i++) {
    second.clock.advance(1000);
    await settle();
    await new Promise((r) => setTimeout(r, 10));
  }
  t.equal(second.server.engine.notifier.size, 1, 'the unreachable TCP subscription ended');
  t.equal(
    second.notifies.filter((x) => x.request.callId === carolCallId).length,
    3,
    'one NOTIFY and two retries towards the dead Contact',
  );
  t.equal(
    second.notifies.filter((x) => x.request.callId === shortCallId).length,
    0,
    'no terminated NOTIFY for the TCP subscription that expired while down',
  );
});
