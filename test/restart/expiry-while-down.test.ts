// Issue 6, "expiry while down": a subscription that expires while the server
// is stopped gets `terminated;reason=timeout` on its UDP flow when the server
// comes back (RFC 6665 §4.2.2), and one that has not expired carries on.
//
// In-process rather than the CLI: the shortest subscription the packages
// accept is 60 s (presence/dialog/message-summary Min-Expires), and a real
// process would need a real minute of downtime, over tap's 60 s per file. Here
// two Servers share one SQLite file and one ManualClock, which runs along with
// real time (transaction timers work) and jumps 61 s while no server is up.
// The watchers are sipp processes that stay up across the restart; the
// servers use the same UDP port, as a restarted deployment does.
import t from 'tap';
import { join } from 'node:path';
import { ManualClock } from '@herald/sip';
import { Server, validateConfig } from '@herald/server';
import { have } from '../interop/helpers.js';
import { freeUdpPort, until } from './harness.js';
import { USERS, startWatcher, tempDir } from './restart-flow.js';

t.test('a subscription that expired while the server was down is terminated with reason=timeout', async (t) => {
  t.ok(have('sipp'), 'sipp is installed (.ci/run installs sip-tester)');
  const dir = tempDir(t);
  const port = await freeUdpPort();
  const v = validateConfig({
    domain: 'example.test',
    listen: [`udp:127.0.0.1:${port}`],
    users: USERS,
    http: false,
    store: `sqlite:${join(dir, 'herald.db')}`,
    resumeJitter: 0,
    notifyInterval: 0,
    backSubscribe: false,
  });
  if (!v.ok) throw new Error(v.error);
  const clock = new ManualClock(Date.now());
  const pump = setInterval(() => clock.advance(20), 20);
  t.teardown(() => clearInterval(pump));
  const start = async (): Promise<Server> => {
    const server = new Server(v.config, { clock });
    t.teardown(() => server.stop());
    await server.start();
    return server;
  };

  const first = await start();
  const short = startWatcher(t, dir, port, { watcher: 'bob', resource: 'alice', event: 'presence', expires: 60 });
  const long = startWatcher(t, dir, port, { watcher: 'carol', resource: 'alice', event: 'presence', expires: 3600 });
  t.ok(
    await until(() => short.notifies().length > 0 && long.notifies().length > 0, 15_000),
    'both watchers got their first NOTIFY',
  );
  t.match(short.notifies()[0]?.state ?? '', /^active;expires=(60|59)$/, 'the short one for 60 s (the minimum)');
  t.equal(first.watchers.all().length, 2, 'two live subscriptions');
  await first.stop();

  clock.advance(61_000); // down for a minute: the short subscription's time runs out
  const second = await start();
  t.ok(
    await until(() => short.notifies().some((n) => n.state.startsWith('terminated')), 10_000),
    'the short watcher got a terminating NOTIFY',
  );
  const ended = short.notifies().at(-1);
  t.match(ended?.state ?? '', /^terminated;\s*reason=timeout$/, `Subscription-State: ${ended?.state}`);
  t.ok((ended?.cseq ?? 0) > (short.notifies()[0]?.cseq ?? Infinity), 'its CSeq follows the pre-restart NOTIFY');
  const { code } = await short.done;
  t.equal(code, 0, 'the sipp watcher answered it and ended its scenario');

  // Whether the server resends state on boot is its own policy; a change after the restart must reach the watcher.
  second.setStatus('alice@127.0.0.1', { note: 'back after the restart' });
  t.ok(
    await until(() => long.notifies().some((n) => n.body.includes('back after the restart')), 10_000),
    'the live subscription got the change made after the restart',
  );
  const before = long.notifies()[0];
  const after = long.notifies().find((n) => n.body.includes('back after the restart'));
  t.match(after?.state ?? '', /^active;expires=\d+$/, `still active: ${after?.state}`);
  t.ok((after?.cseq ?? 0) > (before?.cseq ?? Infinity), 'with a higher CSeq');
  t.equal(second.watchers.all().length, 1, 'the server holds only the live subscription');
});
