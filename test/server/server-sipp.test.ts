// Real peers against the whole Herald server (issue 5, "How this is checked"):
// sipp registers with digest auth, subscribes to presence, dialog,
// message-summary and presence.winfo (challenged first, initial NOTIFY bodies
// checked), and plays a phone the server back-SUBSCRIBEs to that reports DND.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '@herald/sip';
import { Server, validateConfig } from '@herald/server';
import { have, run } from '../interop/helpers.js';
import { Client, nextNotify } from '../../packages/server/test/server/helpers.js';

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const USERS = { alice: 'alice-secret', bob: 'bob-secret' };

async function startServer(t: { teardown(fn: () => Promise<void>): void }, extra: Record<string, unknown> = {}) {
  const v = validateConfig({
    domain: 'example.test',
    listen: ['udp:127.0.0.1:0'],
    users: USERS,
    http: false,
    notifyInterval: 0,
    backSubscribe: false,
    ...extra,
  });
  if (!v.ok) throw new Error(v.error);
  const server = new Server(v.config, { clock: new ManualClock(1_000_000) });
  await server.start();
  t.teardown(() => server.stop());
  return { server, port: server.ports[0]?.port ?? 0 };
}

const xmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The subscribe scenario with its regexps filled in (sipp expands no keywords inside regexps). */
function subscribeScenario(t: { teardown(fn: () => void): void }, ctype: string, bodyre: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-sipp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'subscribe.xml');
  const xml = readFileSync(here('./server-subscribe.xml'), 'utf8')
    .replaceAll('@CTYPE@', xmlEscape(ctype))
    .replaceAll('@BODYRE@', xmlEscape(bodyre));
  writeFileSync(file, xml);
  return file;
}

const sipp = (scenario: string, port: number, extra: string[], timeoutMs = 20_000) =>
  run(
    'sipp',
    [
      '-sf',
      scenario,
      '-m',
      '1',
      '-t',
      'u1',
      '-i',
      '127.0.0.1',
      '-p',
      '0',
      '-nostdin',
      '-timeout',
      '15s',
      '-timeout_error',
      ...extra,
      `127.0.0.1:${port}`,
    ],
    timeoutMs,
  );

t.test('sipp registers with digest auth at the server', async (t) => {
  t.ok(have('sipp'), 'sipp is installed (.ci/run installs sip-tester)');
  const { server, port } = await startServer(t);
  const seen: string[] = [];
  server.events.on('registration', (e) => seen.push(`${e.type} ${e.aor}`));
  const { code, out } = await sipp(here('../registrar/register-auth.xml'), port, [
    '-s',
    'alice',
    '-key',
    'domain',
    '127.0.0.1',
    '-au',
    'alice',
    '-ap',
    'alice-secret',
  ]);
  t.equal(code, 0, 'sipp: 401, authorized 200 with its Contact, 200 to Expires: 0');
  if (code !== 0) t.comment(out.slice(-2000));
  t.same(seen, ['registered sip:alice@127.0.0.1', 'unregistered sip:alice@127.0.0.1']);
});

t.test('sipp subscribes to each package, challenged first, and gets the initial NOTIFY body', async (t) => {
  t.ok(have('sipp'), 'sipp is installed');
  const { server, port } = await startServer(t);
  server.setMailbox('sip:alice@127.0.0.1', { newMessages: 2, oldMessages: 4 });
  const cases: Array<[string, string, string, string, string]> = [
    // [watcher, resource, event, content type, body regexp]
    ['bob', 'alice', 'presence', 'application/pidf[+]xml', '<basic>closed</basic>'],
    ['bob', 'alice', 'dialog', 'application/dialog-info[+]xml', 'state="full"'],
    ['alice', 'alice', 'message-summary', 'application/simple-message-summary', 'Voice-Message: 2/4'],
    ['alice', 'alice', 'presence.winfo', 'application/watcherinfo[+]xml', '<watcherinfo'],
  ];
  for (const [watcher, resource, event, ctype, bodyre] of cases) {
    const { code, out } = await sipp(subscribeScenario(t, ctype, bodyre), port, [
      '-s',
      watcher,
      '-au',
      watcher,
      '-ap',
      USERS[watcher as keyof typeof USERS],
      // sipp's digest uri defaults to sip:REMOTE_IP:PORT; give it the Request-URI.
      '-auth_uri',
      `${resource}@127.0.0.1:${port}`,
      '-key',
      'resource',
      resource,
      '-key',
      'event',
      event,
    ]);
    t.equal(code, 0, `${event}: 401, then 200 and a NOTIFY with ${bodyre}, unsubscribe`);
    if (code !== 0)
      t.comment(
        out
          .split('\n')
          .filter((l) => /regexp|Unexpected|Aborting|error/i.test(l))
          .join('\n')
          .slice(-3000),
      );
  }
  t.equal(server.watchers.all().length, 0, 'every subscription ended');
});

t.test('sipp with a wrong password is never let in', async (t) => {
  t.ok(have('sipp'), 'sipp is installed');
  const { server, port } = await startServer(t);
  const { code } = await sipp(subscribeScenario(t, 'application/pidf[+]xml', 'closed'), port, [
    '-s',
    'bob',
    '-au',
    'bob',
    '-ap',
    'wrong',
    '-auth_uri',
    `alice@127.0.0.1:${port}`,
    '-key',
    'resource',
    'alice',
    '-key',
    'event',
    'presence',
  ]);
  t.not(code, 0, 'the scenario fails: the SUBSCRIBE with wrong credentials is challenged again');
  t.equal(server.watchers.all().length, 0, 'no subscription was created');
});

t.test('back-SUBSCRIBE to a sipp phone that reports DND', async (t) => {
  t.ok(have('sipp'), 'sipp is installed');
  const { server, port } = await startServer(t, { backSubscribe: true });
  const bob = await Client.start(t, port, 'bob');
  const bodies: string[] = [];
  const watcher = bob.subscribe('sip:alice@127.0.0.1', 'presence');
  watcher.on('notify', (n) => bodies.push(n.body.toString()));
  await nextNotify(watcher);
  const { code, out } = await sipp(here('./server-phone.xml'), port, [
    '-oocsf',
    here('./server-phone-ooc.xml'),
    '-s',
    'alice',
    '-key',
    'domain',
    '127.0.0.1',
    '-au',
    'alice',
    '-ap',
    'alice-secret',
  ]);
  t.equal(code, 0, 'sipp phone: registered, answered the back-SUBSCRIBE, reported DND, unregistered, was unsubscribed');
  if (code !== 0) t.comment(out.slice(-3000));
  t.ok(
    bodies.some((b) => b.includes('<rpid:busy/>') && b.includes('<basic>open</basic>')),
    'the watcher saw alice open and busy (DND) from the phone',
  );
  for (let i = 0; i < 100 && !(bodies.at(-1) ?? '').includes('<basic>closed</basic>'); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  t.match(bodies.at(-1) ?? '', /<basic>closed<\/basic>/, 'after un-REGISTER: closed');
  t.notMatch(bodies.at(-1) ?? '', /<rpid:busy\/>/, 'and the phone report is gone');
  t.equal(server.backSubscriber?.size, 0, 'back-subscription ended');
});

t.test('a sipp PUBLISH lifecycle changes what a watcher receives; without credentials it is challenged', async (t) => {
  t.ok(have('sipp'), 'sipp is installed');
  const publishCycle = here('../events/publish-cycle.xml');
  const open = await startServer(t, { auth: false, users: {} });
  const carol = await Client.start(t, open.port, 'carol', '127.0.0.1');
  const bodies: string[] = [];
  const watcher = carol.subscribe('sip:alice@127.0.0.1', 'presence');
  watcher.on('notify', (n) => bodies.push(n.body.toString()));
  await nextNotify(watcher);
  const { code, out } = await sipp(publishCycle, open.port, ['-s', 'alice']);
  t.equal(code, 0, 'PUBLISH → refresh → modify → 412 → remove, all answered as RFC 3903 says');
  if (code !== 0) t.comment(out.slice(-3000));
  const transitions = (): Array<string | undefined> => {
    const basics = bodies.map((b) => /<basic>(open|closed)<\/basic>/.exec(b)?.[1]);
    return basics.filter((b, i) => i === 0 || basics[i - 1] !== b);
  };
  // sipp exits once its last 200 arrives; the NOTIFYs that change triggers may still be in flight.
  for (let waited = 0; transitions().join() !== 'closed,open,closed' && waited < 5000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.same(
    transitions(),
    ['closed', 'open', 'closed'],
    'the watcher saw closed → open (initial PUBLISH) → closed (modify; then removal keeps it closed)',
  );

  const guarded = await startServer(t);
  const refused = await sipp(publishCycle, guarded.port, ['-s', 'alice']);
  t.not(refused.code, 0, 'the unauthenticated PUBLISH does not get through');
  t.match(refused.out, /401/, 'it is challenged');
  t.same(
    await guarded.server.engine.publications.publications('presence', 'sip:alice@127.0.0.1'),
    [],
    'nothing published',
  );
});
