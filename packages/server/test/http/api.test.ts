// The HTTP shell: bearer token on writes, body limits, bad JSON, listen parsing, start/stop.
import t from 'tap';
import { request } from 'node:http';
import { HttpApi, parseHttpListen, tokenRequired } from '../../src/http/api.js';
import { Metrics } from '../../src/http/metrics.js';
import { FakeCommands, FakeView, startWorld } from './fakes.js';

t.test('token: writes need it, reads from loopback do not', async (t) => {
  const w = await startWorld({ token: 's3cret' });
  t.teardown(() => w.api.stop());
  const body = { newMessages: 1, oldMessages: 0 };

  const none = await w.call('PUT', '/mailboxes/alice', body);
  t.equal(none.status, 401);
  t.same(await none.json(), { error: 'missing or wrong bearer token' });

  const wrong = await w.call('PUT', '/mailboxes/alice', body, { authorization: 'Bearer s3cres' });
  t.equal(wrong.status, 401, 'same length, wrong token');
  const short = await w.call('PUT', '/mailboxes/alice', body, { authorization: 'Bearer s3' });
  t.equal(short.status, 401, 'different length');
  const basic = await w.call('PUT', '/mailboxes/alice', body, { authorization: 'Basic czNjcmV0' });
  t.equal(basic.status, 401, 'another scheme');
  t.equal((await w.call('DELETE', '/presentities/alice/status')).status, 401, 'DELETE is a write');
  t.equal((await w.call('POST', '/watchers/w1/approve')).status, 401, 'POST without a body is a write');
  t.same(w.commands.calls, [], 'nothing reached the commands');

  const good = await w.call('PUT', '/mailboxes/alice', body, { authorization: 'Bearer s3cret' });
  t.equal(good.status, 200);
  const lower = await w.call('POST', '/watchers/w1/approve', undefined, { authorization: 'bearer s3cret' });
  t.equal(lower.status, 200, 'the scheme is case-insensitive');
  t.equal(w.commands.calls.length, 2);

  t.equal((await w.call('GET', '/registrations')).status, 200, 'reads from loopback stay open');
  t.equal((await w.call('GET', '/metrics')).status, 200);
  t.equal((await w.call('GET', '/healthz')).status, 200);
});

t.test('the token is checked before the body is read or validated', async (t) => {
  const w = await startWorld({ token: 'tok' });
  t.teardown(() => w.api.stop());
  const r = await w.call('PUT', '/mailboxes/alice', '{not json');
  t.equal(r.status, 401);
});

t.test('an empty token means no token', async (t) => {
  const w = await startWorld({ token: '' });
  t.teardown(() => w.api.stop());
  t.equal((await w.call('DELETE', '/presentities/alice/status')).status, 200);
});

t.test('bad JSON is a 400 naming the body', async (t) => {
  const w = await startWorld();
  t.teardown(() => w.api.stop());
  for (const raw of ['{"newMessages": 1,', '', 'NaN', '{"a":1}}']) {
    const r = await w.call('PUT', '/mailboxes/alice', raw);
    t.equal(r.status, 400, JSON.stringify(raw));
    t.same(await r.json(), { error: 'request body is not valid JSON', field: '$' });
  }
  t.same(w.commands.calls, []);
});

t.test('a body above maxBodyBytes is a 413', async (t) => {
  const w = await startWorld({ maxBodyBytes: 1024 });
  t.teardown(() => w.api.stop());

  const note = 'x'.repeat(990);
  const fits = await w.call('PUT', '/presentities/alice/status', { note: note.slice(0, 900) });
  t.equal(fits.status, 200, 'below the limit');

  const big = await w.call('PUT', '/presentities/alice/status', { note: note + 'y'.repeat(100) });
  t.equal(big.status, 413);
  t.same(await big.json(), { error: 'request body above 1024 bytes' });

  // Chunked (no Content-Length): the limit is enforced while reading.
  const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${w.base}/presentities/alice/status`, { method: 'PUT' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.write('{"note":"' + 'z'.repeat(600));
    req.end('z'.repeat(600) + '"}');
  });
  t.equal(chunked.status, 413, 'chunked body over the limit');
  t.same(JSON.parse(chunked.body), { error: 'request body above 1024 bytes' });
  t.equal(w.commands.calls.length, 1, 'only the body that fits reached the commands');
  t.equal((await w.call('GET', '/healthz')).status, 200, 'still serving');
});

t.test('the default body limit is 64 KiB', async (t) => {
  const w = await startWorld();
  t.teardown(() => w.api.stop());
  const doc = 'p'.repeat(64 * 1024);
  const r = await w.call('POST', '/publish', {
    event: 'presence',
    resource: 'alice',
    contentType: 'a/b',
    body: doc,
    expires: 1,
  });
  t.equal(r.status, 413);
  t.same(w.commands.calls, []);
});

t.test('metrics are served in the text format with the view’s extra lines', async (t) => {
  const w = await startWorld();
  t.teardown(() => w.api.stop());
  w.metrics.notifiesSent.inc({ event: 'presence' }, 3);
  w.view.extraMetrics = '# HELP herald_extra Extra.\n# TYPE herald_extra gauge\nherald_extra 7';
  const r = await w.call('GET', '/metrics');
  t.equal(r.status, 200);
  t.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await r.text();
  t.match(text, /^herald_notifies_sent_total\{event="presence"\} 3$/m);
  t.match(text, /^# TYPE herald_registrations gauge$/m);
  t.ok(text.endsWith('herald_extra 7\n'), 'the view’s lines follow, newline-terminated');
});

t.test('listen parsing', async (t) => {
  t.same(parseHttpListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  t.same(parseHttpListen('[::1]:0'), { host: '::1', port: 0 });
  t.same(parseHttpListen('localhost:9000'), { host: 'localhost', port: 9000 });
  for (const bad of ['8080', '127.0.0.1', '::1:80', '127.0.0.1:70000', 'host:', ':80', '127.0.0.1:8o']) {
    t.throws(() => parseHttpListen(bad), { message: /listen must be host:port/ }, bad);
  }
  t.throws(
    () =>
      new HttpApi({
        listen: 'nope',
        view: new FakeView(),
        commands: new FakeCommands(),
        metrics: new Metrics(),
        domain: 'd',
      }),
    { message: /listen/ },
  );
});

t.test('IPv6 loopback, port read back, stop closes idle keep-alive connections', async (t) => {
  const api = new HttpApi({
    listen: '[::1]:0',
    view: new FakeView(),
    commands: new FakeCommands(),
    metrics: new Metrics(),
    domain: 'example.test',
  });
  t.equal(api.port, 0, 'no port before start');
  await api.start();
  await api.start(); // idempotent
  t.ok(api.port > 0);
  const r = await fetch(`http://[::1]:${api.port}/healthz`);
  t.same(await r.json(), { status: 'ok' });
  await api.stop();
  await api.stop(); // idempotent
  await t.rejects(fetch(`http://[::1]:${api.port}/healthz`), 'nothing listens any more');
});

t.test('start rejects when the address is taken', async (t) => {
  const w = await startWorld();
  t.teardown(() => w.api.stop());
  const clash = new HttpApi({
    listen: `127.0.0.1:${w.api.port}`,
    view: new FakeView(),
    commands: new FakeCommands(),
    metrics: new Metrics(),
    domain: 'example.test',
  });
  await t.rejects(clash.start(), { code: 'EADDRINUSE' });

  t.same(w.warnings, [], 'no warning on loopback without a token');
});

t.test('which requests need the token (table)', async (t) => {
  const cases: Array<[string, string, string | undefined, boolean]> = [
    ['GET', '/registrations', '127.0.0.1', false],
    ['GET', '/registrations', '127.8.9.10', false],
    ['GET', '/registrations', '::1', false],
    ['GET', '/registrations', '::ffff:127.0.0.1', false],
    ['GET', '/registrations', '192.0.2.7', true],
    ['GET', '/metrics', '2001:db8::1', true],
    ['GET', '/registrations', undefined, true],
    ['GET', '/healthz', '192.0.2.7', false],
    ['PUT', '/mailboxes/:user', '127.0.0.1', true],
    ['POST', '/publish', '::1', true],
    ['DELETE', '/presentities/:user/status', '127.0.0.1', true],
  ];
  for (const [method, path, remote, expected] of cases) {
    t.equal(tokenRequired({ method: method as 'GET', path }, remote), expected, `${method} ${path} from ${remote}`);
  }
});
