// Subscription caps count the subscriptions a restart resumes from the SQLite store.
import t from 'tap';
import { join } from 'node:path';
import { Client, DOMAIN, nextNotify } from '../server/helpers.js';
import { boot, tempDir, until } from '../boot/harness.js';

t.test('after a restart, resumed subscriptions count against subscriptionsPerWatcher', async (t) => {
  const db = join(tempDir(t), 'herald.db');
  const extra = { limits: { subscriptionsPerWatcher: 1 } };
  const first = await boot(t, { db, now: 1_000_000, extra });
  const ports = { udp: first.udpPort, tcp: first.tcpPort };
  const bob = await Client.start(t, first.udpPort, 'bob');
  const sub = bob.subscribe(`sip:alice@${DOMAIN}`, 'presence');
  await nextNotify(sub);
  await until(() => first.server.subscriptionLimits.watcherCount(`sip:bob@${DOMAIN}`) === 1, 'counted');
  await first.server.stop();

  const second = await boot(t, { db, now: 1_010_000, ports, extra });
  t.equal(second.server.subscriptionLimits.watcherCount(`sip:bob@${DOMAIN}`), 1, 'the resumed one counts');
  const refused = await bob.send(
    bob.endpoint.createRequest({
      method: 'SUBSCRIBE',
      uri: `sip:carol@${DOMAIN}`,
      from: `<${bob.aor}>`,
      to: `<sip:carol@${DOMAIN}>`,
      contact: `<${bob.contact}>`,
      headers: [
        ['Event', 'presence'],
        ['Expires', '600'],
      ],
    }),
  );
  t.equal(refused.status, 403, 'a new one past the cap is refused');
  t.equal(refused.reason, 'Too Many Subscriptions From Watcher');
});
