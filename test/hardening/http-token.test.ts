// The management API's guard on a real Server (issue 6: "the HTTP API refuses
// writes without the token when one is configured, and binds to loopback by
// default"). Policy as coded in http/api.ts: every write needs
// `Authorization: Bearer <token>`; reads need it only from off the host;
// /healthz never does.
import t from 'tap';
import { ManualClock } from '@herald/sip';
import { Server, tokenRequired, validateConfig } from '../../packages/server/src/index.js';
import { recordingLogger, testConfig } from '../../packages/server/test/server/helpers.js';

const TOKEN = 's3cret-token';

/** Every write route, with a body the route accepts once authorized. */
const WRITES: Array<{ method: string; path: string; body?: unknown }> = [
  { method: 'PUT', path: '/presentities/alice/status', body: { status: 'open', note: 'x' } },
  { method: 'DELETE', path: '/presentities/alice/status' },
  { method: 'PUT', path: '/mailboxes/alice', body: { newMessages: 1, oldMessages: 0 } },
  {
    method: 'POST',
    path: '/dialogs/alice',
    body: { callId: 'c1', localTag: 'a', direction: 'initiator', state: 'confirmed' },
  },
  {
    method: 'POST',
    path: '/publish',
    body: {
      event: 'presence',
      resource: 'alice',
      contentType: 'application/pidf+xml',
      body: '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@example.test"/>',
      expires: 60,
    },
  },
  { method: 'POST', path: '/subscribe', body: { target: 'alice', event: 'presence', expires: 60 } },
  { method: 'POST', path: '/watchers/nope/approve' },
  { method: 'POST', path: '/watchers/nope/reject' },
];
const READS = ['/registrations', '/subscriptions', '/presentities/alice', '/mailboxes/alice', '/dialogs/alice'];

async function start(t: { teardown(fn: () => Promise<void> | void): void }, extra: Record<string, unknown>) {
  const { logger, lines } = recordingLogger();
  const server = new Server(testConfig({ http: '127.0.0.1:0', ...extra }), {
    clock: new ManualClock(1_000_000),
    logger,
  });
  await server.start();
  t.teardown(() => server.stop());
  if (!server.http) throw new Error('no http');
  const base = `http://127.0.0.1:${server.http.port}`;
  const call = async (method: string, path: string, auth?: string, body?: unknown): Promise<number> => {
    const headers: Record<string, string> = {};
    if (auth !== undefined) headers['Authorization'] = auth;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    await res.arrayBuffer();
    return res.status;
  };
  return { server, call, lines };
}

t.test('with a token: every write without it or with a wrong one is 401; with it, the route answers', async (t) => {
  const { call } = await start(t, { httpToken: TOKEN });
  for (const w of WRITES) {
    const what = `${w.method} ${w.path}`;
    t.equal(await call(w.method, w.path, undefined, w.body), 401, `${what} without a token: 401`);
    t.equal(await call(w.method, w.path, 'Bearer wrong', w.body), 401, `${what} wrong token: 401`);
    t.equal(await call(w.method, w.path, `Bearer ${TOKEN}x`, w.body), 401, `${what} token with a suffix: 401`);
    t.equal(await call(w.method, w.path, `Basic ${TOKEN}`, w.body), 401, `${what} not a Bearer: 401`);
    t.equal(await call(w.method, w.path, TOKEN, w.body), 401, `${what} bare token: 401`);
    const ok = await call(w.method, w.path, `Bearer ${TOKEN}`, w.body);
    t.not(ok, 401, `${what} with the token: past the guard (${ok})`);
  }
  // The refusal comes before the body is read: garbage JSON without a token is 401, not 400.
  t.equal(await call('PUT', '/presentities/alice/status', undefined, '{not json'), 401, 'token checked before parsing');
});

t.test('reads from loopback need no token (the coded policy); /healthz never does', async (t) => {
  const { call } = await start(t, { httpToken: TOKEN });
  for (const path of READS) {
    const status = await call('GET', path);
    t.ok(status === 200 || status === 404, `GET ${path} from loopback without a token: answered (${status})`);
  }
  t.equal(await call('GET', '/healthz'), 200);
  t.equal(await call('GET', '/metrics'), 200);
});

t.test('tokenRequired: writes always, reads only from off the host, never /healthz', async (t) => {
  const route = (method: string, path: string) => ({ method, path }) as Parameters<typeof tokenRequired>[0];
  t.ok(tokenRequired(route('POST', '/publish'), '127.0.0.1'), 'a write from loopback');
  t.ok(tokenRequired(route('PUT', '/mailboxes/:user'), '::1'), 'a write from ::1');
  t.notOk(tokenRequired(route('GET', '/subscriptions'), '127.0.0.1'), 'a read from loopback');
  t.notOk(tokenRequired(route('GET', '/subscriptions'), '::ffff:127.0.0.1'), 'a read from v4-mapped loopback');
  t.ok(tokenRequired(route('GET', '/subscriptions'), '192.0.2.7'), 'a read from off the host');
  t.ok(tokenRequired(route('GET', '/subscriptions'), undefined), 'a read from an unknown address');
  t.notOk(tokenRequired(route('GET', '/healthz'), '192.0.2.7'), '/healthz from anywhere');
});

t.test('without a token, writes are open (loopback only by default); the default config binds 127.0.0.1', async (t) => {
  const v = validateConfig({ domain: 'example.test', users: { alice: 'a' } });
  t.ok(v.ok);
  if (v.ok) t.same(v.config.http, { host: '127.0.0.1', port: 8080 }, 'default management API on loopback');
  const { call, lines } = await start(t, {});
  t.equal(await call('PUT', '/presentities/alice/status', undefined, { status: 'open' }), 200, 'no token configured');
  t.notOk(
    lines.some((l) => l.level === 'warn' && l.msg.startsWith('http:')),
    'no off-loopback warning for a loopback listener',
  );
});
