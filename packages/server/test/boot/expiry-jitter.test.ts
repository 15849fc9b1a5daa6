import t from 'tap';
import { join } from 'node:path';
import type { ClientSubscription } from '@herald/events';
import { Client, nextNotify, pidf } from '../server/helpers.js';
import { boot, cseqOf, settle, tempDir, until, type Running } from './harness.js';

/** Advances the manual clock in steps, letting sends run between them. */
async function advance(run: Running, ms: number, step: number): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    run.clock.advance(Math.min(step, ms - done));
    await settle();
  }
}

const stateOf = (n: { request: { headers: { get(name: string): string | undefined } } }): string =>
  n.request.headers.get('Subscription-State') ?? '';

t.test(
  'after a restart: rebuilt state NOTIFYd, spread over resumeJitter, none at once; UDP expired-while-down ended',
  async (t) => {
    const db = join(tempDir(t), 'herald.db');
    const first = await boot(t, { db, now: 1_000_000 });
    const alice = await Client.start(t, first.udpPort, 'alice');
    t.equal((await alice.register(3600)).status, 200);
    const watchers: Client[] = [];
    const subs: ClientSubscription[] = [];
    // Per watcher: five presence subscriptions (state rebuilt from alice's binding), one dialog, one MWI.
    for (const user of ['bob', 'carol']) {
      const c = await Client.start(t, first.udpPort, user);
      watchers.push(c);
      for (const event of ['presence', 'presence', 'presence', 'presence', 'presence', 'dialog', 'message-summary']) {
        const s = c.subscribe(alice.aor, event);
        subs.push(s);
        await nextNotify(s);
      }
    }
    // One short subscription (60 s) that will expire while the server is down.
    const bob = watchers[0]!;
    const short = bob.subscriber.subscribe({
      target: alice.aor,
      event: 'presence',
      from: `<${bob.aor}>`,
      contact: bob.contact,
      destination: bob.destination,
      credentials: bob.credentials(),
      expires: 60,
    });
    const shortFirst = await nextNotify(short);
    await until(() => first.server.engine.notifier.size === 15, '15 subscriptions');
    await first.server.stop();

    const ended = new Promise<{ state: string; cseq: number }>((resolve) => {
      short.on('notify', (n) => {
        if (n.state === 'terminated') resolve({ state: stateOf(n), cseq: cseqOf(n.request) });
      });
    });
    // Two minutes later: the 60 s subscription is gone, the others (3600 s) live on.
    const jitter = 2000;
    const start = 1_120_000;
    const second = await boot(t, {
      db,
      now: start,
      ports: { udp: first.udpPort, tcp: first.tcpPort },
      extra: { resumeJitter: jitter },
    });
    await settle();
    t.equal(second.server.engine.notifier.size, 14, 'fourteen resumed');
    t.match(second.lines.find((l) => l.msg === 'store')?.detail, {
      subscriptions: 14,
      subscriptionsExpired: 1,
      expiredNotified: 1,
    });
    t.equal(second.notifies.length, 0, 'nothing sent at the moment of the restart');

    await advance(second, jitter, 100);
    const events = second.notifies.map((n) => n.request.headers.get('Event'));
    t.equal(events.filter((e) => e === 'presence').length, 11, 'ten presence watchers (state rebuilt) + the ended one');
    t.equal(second.notifies.length, 11, 'nothing for dialog and MWI: their state lived in memory, none is pushed');
    t.ok(
      second.notifies.every((n) => n.at > start && n.at <= start + jitter),
      'all inside the jitter window',
    );
    t.ok(new Set(second.notifies.map((n) => n.at)).size > 1, 'spread, not one burst');
    const terminated = second.notifies.filter((n) =>
      /^terminated/.test(n.request.headers.get('Subscription-State') ?? ''),
    );
    t.equal(terminated.length, 1);
    t.match(terminated[0]?.request.headers.get('Subscription-State'), /reason=timeout/);

    const end = await ended;
    t.match(end.state, /^terminated;reason=timeout/, 'the watcher got terminated;reason=timeout');
    t.ok(end.cseq > cseqOf(shortFirst.request), 'with a CSeq above the last one it saw');
    for (const s of subs) t.notOk(s.state === 'terminated', 'the others stay');
  },
);

t.test('resumeJitter 0: the restart NOTIFY goes at the next timer tick, one per subscription', async (t) => {
  const db = join(tempDir(t), 'herald.db');
  const first = await boot(t, { db, now: 1_000_000 });
  const alice = await Client.start(t, first.udpPort, 'alice');
  const bob = await Client.start(t, first.udpPort, 'bob');
  t.equal((await alice.register(3600)).status, 200);
  t.equal((await alice.publish(pidf(alice.aor, 'open'))).status, 200);
  await nextNotify(bob.subscribe(alice.aor, 'presence'));
  await until(() => first.server.engine.notifier.size === 1, 'subscribed');
  await first.server.stop();
  const second = await boot(t, { db, now: 1_005_000, ports: { udp: first.udpPort, tcp: first.tcpPort } });
  await settle();
  t.equal(second.notifies.length, 0, 'held until the timer tick');
  second.clock.advance(0);
  await settle();
  t.equal(second.notifies.length, 1, 'publication and registration rebuilt: one NOTIFY, not two');
  t.equal(second.notifies[0]?.at, 1_005_000);
});
