// Issue 5 "How this is checked", with sipp as the phone where Herald's own client stood in:
// MWI counts set through the HTTP API reach a sipp subscriber; a sipp registration
// left to expire turns presence closed for a sipp watcher; and GET /metrics counts
// the PUBLISHes, transactions and parse errors of real traffic.
import t from 'tap';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '@herald/sip';
import { Server, validateConfig } from '@herald/server';
import { have, run } from '../interop/helpers.js';

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const USERS = { alice: 'alice-secret', bob: 'bob-secret' };
type Teardown = { teardown(fn: () => void | Promise<void>): void };

async function startServer(t: Teardown, extra: Record<string, unknown> = {}) {
  const v = validateConfig({
    // The domain is the address sipp sends to, so the API's `alice` is sipp's sip:alice@127.0.0.1.
    domain: '127.0.0.1',
    listen: ['udp:127.0.0.1:0'],
    users: USERS,
    http: '127.0.0.1:0',
    notifyInterval: 0,
    backSubscribe: false,
    ...extra,
  });
  if (!v.ok) throw new Error(v.error);
  const clock = new ManualClock(1_000_000);
  const server = new Server(v.config, { clock });
  await server.start();
  t.teardown(() => server.stop());
  return { server, clock, port: server.ports[0]?.port ?? 0, http: `http://127.0.0.1:${server.http?.port ?? 0}` };
}

const xmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** gaps-watch.xml with its three body regexps filled in (sipp expands no keywords inside regexps). */
function watchScenario(t: Teardown, first: string, second: string, secondAlso: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-gaps-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'watch.xml');
  const xml = readFileSync(here('./gaps-watch.xml'), 'utf8')
    .replaceAll('@FIRST@', xmlEscape(first))
    .replaceAll('@SECOND_ALSO@', xmlEscape(secondAlso))
    .replaceAll('@SECOND@', xmlEscape(second));
  writeFileSync(file, xml);
  return file;
}

const sipp = (scenario: string, port: number, extra: string[]) =>
  run(
    'sipp',
    [
      ...['-sf', scenario, '-m', '1', '-t', 'u1', '-i', '127.0.0.1', '-p', '0', '-nostdin'],
      ...['-timeout', '20s', '-timeout_error', ...extra, `127.0.0.1:${port}`],
    ],
    25_000,
  );

/** sipp as `user` with its password; `resource`/`event` for the subscribe scenarios. */
const as = (user: keyof typeof USERS, port: number, resource?: string, event?: string): string[] => [
  ...['-s', user, '-au', user, '-ap', USERS[user], '-key', 'domain', '127.0.0.1'],
  ...(resource ? ['-auth_uri', `${resource}@127.0.0.1:${port}`, '-key', 'resource', resource] : []),
  ...(event ? ['-key', 'event', event] : []),
];

/** Polls (real time, a few ms apart) until `cond` holds; a protocol timer is never waited for this way. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const failures = (out: string): string =>
  out
    .split('\n')
    .filter((l) => /regexp|Unexpected|Aborting|error|timeout/i.test(l))
    .join('\n')
    .slice(-3000);

t.test('MWI counts PUT through the HTTP API reach a sipp phone subscribed to message-summary', async (t) => {
  t.ok(have('sipp'), 'sipp is installed (.ci/run installs sip-tester)');
  const { server, port, http } = await startServer(t);
  const scenario = watchScenario(t, 'Messages-Waiting: no', 'Messages-Waiting: yes', 'Voice-Message: 3/7 [(]1/0[)]');
  const phone = sipp(scenario, port, as('alice', port, 'alice', 'message-summary'));
  // The initial NOTIFY has been answered: the subscription is live and the notify counted.
  await until(
    () => server.metrics.notifiesSent.get({ event: 'message-summary' }) >= 1,
    'the initial message-summary NOTIFY',
  );
  const res = await fetch(`${http}/mailboxes/alice`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ newMessages: 3, oldMessages: 7, urgentNew: 1 }),
  });
  t.equal(res.status, 200, 'PUT /mailboxes/alice accepted');
  t.same(((await res.json()) as { resource: string }).resource, 'sip:alice@127.0.0.1');
  const { code, out } = await phone;
  t.equal(code, 0, 'sipp: 401, 200, NOTIFY "no", NOTIFY "yes" with 3/7 (1/0), unsubscribed');
  if (code !== 0) t.comment(failures(out));
  t.equal(server.watchers.all().length, 0, 'the subscription ended');
  // The 200 to the terminating NOTIFY may still be on its way when sipp exits.
  await until(() => server.metrics.notifiesSent.get({ event: 'message-summary' }) === 3, 'the last NOTIFY answer');
  const metrics = await (await fetch(`${http}/metrics`)).text();
  t.match(metrics, /^herald_transactions_total\{kind="client",method="NOTIFY"\} 3$/m, 'three NOTIFYs sent');
  t.match(metrics, /^herald_notifies_sent_total\{event="message-summary"\} 3$/m, 'all three answered 2xx');
  t.match(metrics, /^herald_transactions_total\{kind="server",method="SUBSCRIBE"\} 3$/m, '401, 200, unsubscribe');
});

t.test('a sipp registration left to expire turns presence closed for a sipp watcher', async (t) => {
  t.ok(have('sipp'), 'sipp is installed');
  const { server, clock, port } = await startServer(t);
  const seen: string[] = [];
  server.events.on('registration', (e) => seen.push(`${e.type} ${e.aor}`));
  const reg = await sipp(here('./gaps-register.xml'), port, as('bob', port));
  t.equal(reg.code, 0, 'sipp registered bob with Expires: 60 (the registrar minimum)');
  if (reg.code !== 0) t.comment(failures(reg.out));
  t.same(seen, ['registered sip:bob@127.0.0.1']);

  const scenario = watchScenario(t, '<basic>open</basic>', '<basic>closed</basic>', 'entity="sip:bob@127[.]0[.]0[.]1"');
  const watcher = sipp(scenario, port, as('alice', port, 'bob', 'presence'));
  await until(() => server.metrics.notifiesSent.get({ event: 'presence' }) >= 1, 'the initial presence NOTIFY');
  t.equal(server.registrar.lookup('sip:bob@127.0.0.1').length, 1, 'bob is still registered');
  clock.advance(61_000); // past the binding's 60 s, well inside the subscription's 600 s
  await until(() => seen.length === 2, 'the expiry event (the registrar removes the binding from its store first)');
  t.same(seen, ['registered sip:bob@127.0.0.1', 'expired sip:bob@127.0.0.1'], 'the binding expired');
  const { code, out } = await watcher;
  t.equal(code, 0, 'sipp watcher: NOTIFY open, then NOTIFY closed after the expiry, unsubscribed');
  if (code !== 0) t.comment(failures(out));
  t.equal(server.watchers.all().length, 0, 'the subscription ended');
});

t.test('a sipp PUBLISH lifecycle changes what a sipp watcher receives', async (t) => {
  t.ok(have('sipp'), 'sipp is installed');
  // publish-cycle.xml sends no credentials: authentication off, as in server-sipp.test.ts.
  const { server, port } = await startServer(t, { auth: false, users: {} });
  const watcher = sipp(here('./gaps-watch-publish.xml'), port, ['-s', 'carol', '-key', 'resource', 'alice']);
  await until(() => server.metrics.notifiesSent.get({ event: 'presence' }) >= 1, 'the initial presence NOTIFY');
  const publisher = await sipp(here('../events/publish-cycle.xml'), port, ['-s', 'alice']);
  t.equal(publisher.code, 0, 'PUBLISH → refresh → modify → 412 → remove, all answered as RFC 3903 says');
  if (publisher.code !== 0) t.comment(failures(publisher.out));
  const { code, out } = await watcher;
  t.equal(code, 0, 'the sipp watcher got NOTIFY closed, then open (initial PUBLISH), then closed (modify)');
  if (code !== 0) t.comment(failures(out));
  t.same(
    await server.engine.publications.publications('presence', 'sip:alice@127.0.0.1'),
    [],
    'the removal left nothing published',
  );
});

/** One Prometheus sample value, by name and exact label set (`{}` for none). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const line = text.split('\n').find((l) => l.startsWith(want ? `${name}{${want}} ` : `${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

t.test('GET /metrics counts PUBLISHes, transactions and parse errors of real traffic', async (t) => {
  t.ok(have('sipp'), 'sipp is installed');
  const { clock, port, http } = await startServer(t);
  const metrics = async (): Promise<string> => (await fetch(`${http}/metrics`)).text();
  const before = await metrics();
  t.equal(sample(before, 'herald_parse_errors_total'), 0, 'no parse error yet');
  t.equal(sample(before, 'herald_transactions_active', { kind: 'server' }), 0, 'no server transaction yet');

  // Unauthenticated PUBLISH: challenged, nothing else of the cycle gets through.
  const refused = await sipp(here('../events/publish-cycle.xml'), port, ['-s', 'alice']);
  t.not(refused.code, 0, 'the unauthenticated publish cycle stops at the challenge');
  // The same cycle with authentication off: initial, refresh, modify, a 412 and a removal.
  const open = await startServer(t, { auth: false, users: {} });
  const cycle = await sipp(here('../events/publish-cycle.xml'), open.port, ['-s', 'alice']);
  t.equal(cycle.code, 0, 'PUBLISH → refresh → modify → 412 → remove');
  if (cycle.code !== 0) t.comment(failures(cycle.out));
  const reg = await sipp(here('./gaps-register.xml'), port, as('bob', port));
  t.equal(reg.code, 0, 'sipp registered bob');

  // Two datagrams that are not SIP.
  const sock = createSocket('udp4');
  t.teardown(() => sock.close());
  for (const junk of ['NOT SIP AT ALL\r\n\r\n', 'INVITE\r\nVia: ???\r\n\r\n']) {
    await new Promise<void>((resolve, reject) =>
      sock.send(junk, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
  }
  let text = '';
  for (let i = 0; i < 100 && sample(text, 'herald_parse_errors_total') !== 2; i++) {
    text = await metrics();
    if (sample(text, 'herald_parse_errors_total') !== 2) await new Promise((r) => setTimeout(r, 20));
  }
  t.equal(sample(text, 'herald_parse_errors_total'), 2, 'both datagrams counted as parse errors');
  t.ok(
    (sample(text, 'herald_publishes_total', { event: 'presence', outcome: 'challenged' }) ?? 0) >= 1,
    'the unauthenticated PUBLISH counted as challenged',
  );
  t.equal(sample(text, 'herald_publishes_total', { event: 'presence', outcome: 'accepted' }), undefined);
  t.equal(sample(text, 'herald_transactions_total', { kind: 'server', method: 'REGISTER' }), 2, 'REGISTER: 401 + 200');
  t.ok((sample(text, 'herald_transactions_active', { kind: 'server' }) ?? 0) >= 2, 'UDP server transactions linger');
  clock.advance(64_000); // Timer J (64*T1) and Timer K end every non-INVITE transaction
  text = await metrics();
  t.equal(sample(text, 'herald_transactions_active', { kind: 'server' }), 0, 'none left after Timer J');
  t.equal(sample(text, 'herald_transactions_active', { kind: 'client' }), 0, 'no client transaction left');

  const other = await (await fetch(`${open.http}/metrics`)).text();
  const outcome = (o: string): number | undefined =>
    sample(other, 'herald_publishes_total', { event: 'presence', outcome: o });
  t.equal(outcome('accepted'), 4, 'initial, refresh, modify and removal accepted');
  t.equal(outcome('refused'), 1, 'the stale ETag (412) refused');
  t.equal(
    sample(other, 'herald_transactions_total', { kind: 'server', method: 'PUBLISH' }),
    5,
    'five PUBLISH transactions',
  );
});
