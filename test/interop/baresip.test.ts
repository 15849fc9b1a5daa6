// A real softphone (issue 5): baresip 1.0 (Debian baresip-core, installed by
// .ci/run) registers at the Herald server with digest auth as alice and
// subscribes to bob's presence; bob's status then changes four ways and
// alice's baresip prints each change:
//   bob's baresip registers          → Online  (presence from registration)
//   PUT /presentities/bob/status dnd → Busy    (management API)
//   DELETE the status                → Online
//   bob types /presence_offline      → Offline (his baresip NOTIFYs the server's back-SUBSCRIBE)
//   bob types /presence_online       → Online
//   bob's baresip quits (unregister) → Offline
// How to run the same by hand: test/interop/README.md.
import t from 'tap';
import { Server, validateConfig } from '@herald/server';
import { have } from './helpers.js';
import { Baresip } from './baresip-process.js';

const USERS = { alice: 'alice-pw', bob: 'bob-pw' };

async function startServer(t: { teardown(fn: () => Promise<void>): void }) {
  const v = validateConfig({
    domain: 'example.test',
    listen: ['udp:127.0.0.1:0'],
    users: USERS,
    http: '127.0.0.1:0',
    notifyInterval: 0,
    backSubscribe: true,
  });
  if (!v.ok) throw new Error(v.error);
  // The system clock: baresip runs in real time.
  const server = new Server(v.config);
  await server.start();
  t.teardown(() => server.stop());
  const sip = server.ports[0]?.port ?? 0;
  const http = server.http?.port ?? 0;
  return { server, sip, api: `http://127.0.0.1:${http}` };
}

/** A line alice's baresip prints when a watched contact's presence changes. */
const changed = (from: string, to: string): RegExp =>
  new RegExp(`<sip:bob@example\\.test> changed status from ${from} to ${to}`);

t.test('baresip registers, subscribes to bob and sees his presence change', async (t) => {
  if (!have('baresip')) {
    t.fail('baresip is not installed: apt-get install baresip-core (.ci/run installs it)');
    return;
  }
  const { server, sip, api } = await startServer(t);
  const registrations: string[] = [];
  server.events.on('registration', (e) => registrations.push(`${e.type} ${e.aor}`));

  const alice = Baresip.start({ user: 'alice', password: USERS.alice, serverPort: sip, watch: ['bob'], trace: true });
  t.teardown(() => alice.stop());
  await alice.waitFor(/alice@example\.test: \{0\/UDP\/v4\} 200 OK \(Herald\) \[1 binding\]/);
  t.pass('alice registered (digest auth)');
  // The initial NOTIFY says closed: baresip already shows bob Offline, so no change line yet.
  const sub = await waitForSubscription(api);
  t.ok(sub, 'the management API lists alice’s active presence subscription to bob');
  // baresip prints no line for the initial state (closed: Offline); its trace shows it took the NOTIFY.
  // (Direction matters: the server back-SUBSCRIBEs to alice too, and answers her NOTIFYs 200.)
  const answered = new RegExp(
    `-> 127\\.0\\.0\\.1:${sip}\\r?\\nSIP/2\\.0 200 OK\\r?\\n(?:[^\\r\\n]+\\r?\\n)*?CSeq: \\d+ NOTIFY`,
  );
  await alice.waitFor(answered);
  t.match(alice.output, /<basic>closed<\/basic>/, 'the initial NOTIFY said closed');

  let mark = alice.mark();
  const bob = Baresip.start({ user: 'bob', password: USERS.bob, serverPort: sip, trace: true, console: true });
  t.teardown(() => bob.stop());
  await bob.waitFor(/bob@example\.test: \{0\/UDP\/v4\} 200 OK \(Herald\) \[1 binding\]/);
  t.pass('bob registered');
  await alice.waitFor(changed('Offline', 'Online'), mark);
  t.pass('alice sees bob Online');

  mark = alice.mark();
  let res = await fetch(`${api}/presentities/bob/status`, { method: 'PUT', body: JSON.stringify({ dnd: true }) });
  t.equal(res.status, 200, 'PUT dnd accepted');
  await alice.waitFor(changed('Online', 'Busy'), mark);
  t.pass('alice sees bob Busy');

  mark = alice.mark();
  res = await fetch(`${api}/presentities/bob/status`, { method: 'DELETE' });
  t.equal(res.status, 200, 'DELETE status accepted');
  await alice.waitFor(changed('Busy', 'Online'), mark);
  t.pass('alice sees bob Online again');

  // bob's phone reports its own status: the server back-SUBSCRIBEd to it after the REGISTER.
  const tookNotify = new RegExp(
    `127\\.0\\.0\\.1:${sip} -> [^\\r\\n]+\\r?\\nSIP/2\\.0 200 OK\\r?\\n(?:[^\\r\\n]+\\r?\\n)*?CSeq: \\d+ NOTIFY`,
  );
  await bob.waitFor(tookNotify);
  t.pass('the server back-SUBSCRIBEd to bob’s baresip and took its NOTIFY');
  mark = alice.mark();
  bob.command('presence_offline');
  await alice.waitFor(changed('Online', 'Offline'), mark);
  t.pass('bob’s baresip says offline (back-SUBSCRIBE NOTIFY): alice sees him Offline');
  mark = alice.mark();
  bob.command('presence_online');
  await alice.waitFor(changed('Offline', 'Online'), mark);
  t.pass('bob’s baresip says online: alice sees him Online');

  mark = alice.mark();
  await bob.stop();
  await alice.waitFor(changed('Online', 'Offline'), mark);
  t.pass('bob quit: alice sees him Offline');
  for (const e of [
    'registered sip:alice@example.test',
    'registered sip:bob@example.test',
    'unregistered sip:bob@example.test',
  ]) {
    t.ok(registrations.includes(e), `server saw: ${e}`);
  }
  const refused = new RegExp(
    `-> 127\\.0\\.0\\.1:${sip}\\r?\\nSIP/2\\.0 [3-6]\\d\\d [^\\r\\n]*\\r?\\n(?:[^\\r\\n]+\\r?\\n)*?CSeq: \\d+ NOTIFY`,
  );
  t.notMatch(alice.output, refused, 'baresip refused none of our NOTIFYs (no 415)');
  // The record of what baresip printed (issue 5 asks for it).
  for (const line of `${alice.output}${bob.output}`.split('\n')) {
    if (/200 OK \(Herald\)|changed status/.test(line)) t.comment(line.trim());
  }
});

interface SubscriptionRow {
  event?: unknown;
  resource?: unknown;
  watcher?: unknown;
  status?: unknown;
}

/** Polls GET /subscriptions until an active presence subscription of alice to bob shows up (bounded). */
async function waitForSubscription(api: string, timeoutMs = 10_000): Promise<SubscriptionRow | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const body = (await (await fetch(`${api}/subscriptions`)).json()) as { subscriptions?: SubscriptionRow[] };
    const row = body.subscriptions?.find(
      (s) => s.event === 'presence' && s.resource === 'sip:bob@example.test' && String(s.watcher).includes('alice'),
    );
    if (row?.status === 'active') return row;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}
