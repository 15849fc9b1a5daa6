import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS, DEMO_USERS, loadConfig, parseListen, validateConfig } from '../../src/config/index.js';

const base = { domain: 'example.test', users: { alice: 'a-secret' } };

t.test('defaults follow DESIGN.md', async (t) => {
  const v = validateConfig(base);
  t.ok(v.ok);
  if (!v.ok) return;
  t.same(v.config.listen, [
    { transport: 'udp', host: '0.0.0.0', port: 5060 },
    { transport: 'tcp', host: '0.0.0.0', port: 5060 },
  ]);
  t.same(v.config.http, { host: '127.0.0.1', port: 8080 });
  t.same(v.config.store, { kind: 'memory' });
  t.equal(v.config.auth, true);
  t.equal(v.config.backSubscribe, true);
  t.equal(v.config.logLevel, 'info');
  t.equal(v.config.notifyInterval, undefined);
});

t.test('listen entries: IPv4, IPv6 in brackets, port 0', async (t) => {
  t.same(parseListen('udp:127.0.0.1:0'), { transport: 'udp', host: '127.0.0.1', port: 0 });
  t.same(parseListen('tcp:[::1]:5070'), { transport: 'tcp', host: '::1', port: 5070 });
  t.equal(parseListen('tcp:::1:5070'), undefined, 'IPv6 without brackets');
  t.equal(parseListen('tls:127.0.0.1:5061'), undefined);
  t.equal(parseListen('udp:127.0.0.1:70000'), undefined);
  t.equal(parseListen('udp:example.test:5060'), undefined, 'listen needs an address, not a name');
});

t.test('every bad key is named', async (t) => {
  const table: Array<[string, unknown, string]> = [
    ['not an object', [], 'config: expected a JSON object'],
    ['missing domain', { users: base.users }, 'config: domain:'],
    ['bad domain', { ...base, domain: 'bad domain!' }, 'config: domain:'],
    ['listen not array', { ...base, listen: 'udp:0.0.0.0:5060' }, 'config: listen:'],
    [
      'bad listen entry',
      { ...base, listen: ['udp:0.0.0.0:5060', 'sctp:1.2.3.4:5'] },
      'config: listen[1]: expected udp|tcp:ADDRESS:PORT',
    ],
    ['duplicate listen', { ...base, listen: ['udp:0.0.0.0:5060', 'udp:0.0.0.0:5060'] }, 'config: listen[1]: duplicate'],
    ['users not object', { ...base, users: ['alice'] }, 'config: users:'],
    ['empty password', { ...base, users: { alice: '' } }, 'config: users.alice:'],
    ['bad user name', { ...base, users: { 'a b': 'x' } }, 'config: users.a b:'],
    ['no users with auth', { domain: 'example.test' }, 'config: users: no users'],
    ['bad http', { ...base, http: '8080' }, 'config: http:'],
    ['bad store', { ...base, store: 'redis' }, 'config: store:'],
    ['bad auth', { ...base, auth: 'no' }, 'config: auth:'],
    ['bad notifyInterval', { ...base, notifyInterval: -1 }, 'config: notifyInterval:'],
    ['bad logLevel', { ...base, logLevel: 'verbose' }, 'config: logLevel:'],
    ['bad backSubscribe', { ...base, backSubscribe: 1 }, 'config: backSubscribe:'],
    ['bad httpToken', { ...base, httpToken: 5 }, 'config: httpToken:'],
    ['unknown key', { ...base, domian: 'x' }, 'config: domian: unknown key'],
  ];
  for (const [name, raw, prefix] of table) {
    const v = validateConfig(raw);
    t.notOk(v.ok, name);
    if (!v.ok) t.ok(v.error.startsWith(prefix), `${name}: ${v.error}`);
  }
});

t.test('auth: false needs no users; http: false turns the API off; sqlite store accepted', async (t) => {
  const v = validateConfig({
    domain: '127.0.0.1',
    auth: false,
    http: false,
    store: 'sqlite:./x.db',
    notifyInterval: 0,
  });
  t.ok(v.ok);
  if (!v.ok) return;
  t.equal(v.config.auth, false);
  t.equal(v.config.http, undefined);
  t.same(v.config.store, { kind: 'sqlite', path: './x.db' });
  t.equal(v.config.notifyInterval, 0);
});

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('flags override the file, env supplies secrets', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'c.json'), JSON.stringify({ ...base, logLevel: 'warn' }));
  const r = loadConfig({
    argv: [
      '--config',
      'c.json',
      '--domain',
      'other.test',
      '--listen',
      'udp:127.0.0.1:0',
      '--listen',
      'tcp:[::1]:0',
      '--http',
      'off',
      '--log-level',
      'debug',
      '--no-auth',
      '--notify-interval',
      '0',
      '--no-back-subscribe',
    ],
    env: { HERALD_USERS: '{"bob":"b-secret","alice":"new"}', HERALD_HTTP_TOKEN: 'tok' },
    cwd: dir,
  });
  t.equal(r.ok, true);
  if (r.ok !== true) return;
  const c = r.config;
  t.equal(c.domain, 'other.test');
  t.same(c.listen, [
    { transport: 'udp', host: '127.0.0.1', port: 0 },
    { transport: 'tcp', host: '::1', port: 0 },
  ]);
  t.equal(c.http, undefined);
  t.equal(c.logLevel, 'debug');
  t.equal(c.auth, false);
  t.equal(c.notifyInterval, 0);
  t.equal(c.backSubscribe, false);
  t.same(c.users, { alice: 'new', bob: 'b-secret' }, 'env users merged over the file');
  t.equal(c.httpToken, 'tok');
  t.equal(r.generated, undefined);
});

t.test('bad inputs are reported, not thrown', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'broken.json'), '{ "domain": ');
  writeFileSync(join(dir, 'ok.json'), JSON.stringify(base));
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['--config', 'missing.json'], {}, /no such file/],
    [['--config', 'broken.json'], {}, /broken\.json/],
    [['--config', 'ok.json', '--bogus'], {}, /arguments:/],
    [['--config', 'ok.json', '--listen', 'udp:nowhere'], {}, /config: listen\[0\]/],
    [['--config', 'ok.json', '--notify-interval', 'soon'], {}, /config: notifyInterval/],
    [['--config', 'ok.json'], { HERALD_USERS: 'alice=x' }, /env HERALD_USERS/],
    [['--config', 'ok.json'], { HERALD_USERS: '{"alice":7}' }, /config: users\.alice/],
  ];
  for (const [argv, env, re] of cases) {
    const r = loadConfig({ argv, env, cwd: dir });
    t.equal(r.ok, false, argv.join(' '));
    if (r.ok === false) t.match(r.error, re);
  }
  t.same(loadConfig({ argv: ['--help'], env: {}, cwd: dir }), { ok: 'help' });
});

t.test('first run generates herald.json with demo users, then reuses it', async (t) => {
  const dir = tempDir(t);
  const first = loadConfig({ argv: [], env: {}, cwd: dir, domain: () => '192.0.2.10' });
  t.equal(first.ok, true);
  if (first.ok !== true) return;
  t.ok(first.generated, 'generated');
  t.same(Object.keys(first.generated?.users ?? {}), [...DEMO_USERS]);
  for (const pw of Object.values(first.generated?.users ?? {})) t.ok(pw.length >= 12, 'random password');
  t.equal(first.config.domain, '192.0.2.10');
  t.equal(first.config.listen.length, 2);
  t.same(first.config.users, first.generated?.users);
  const path = join(dir, 'herald.json');
  t.equal(statSync(path).mode & 0o777, 0o600, 'file readable by its owner only');
  const onDisk = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  t.same(onDisk['users'], first.generated?.users);

  const second = loadConfig({ argv: [], env: {}, cwd: dir, domain: () => 'never.used' });
  t.equal(second.ok, true);
  if (second.ok !== true) return;
  t.equal(second.generated, undefined, 'not generated again');
  t.same(second.config.users, first.config.users, 'same passwords');
  t.equal(second.config.domain, '192.0.2.10');
});

t.test('limits: defaults, overrides, and every bad limit named', async (t) => {
  const base = { domain: 'example.com', users: { a: 'x' } };
  const d = validateConfig(base);
  if (!d.ok) return t.fail(d.error);
  t.same(d.config.limits, DEFAULT_LIMITS);
  t.equal(d.config.resumeJitter, 5000);
  const o = validateConfig({ ...base, limits: { requestsPerSecond: 0, maxHeaders: 64 }, resumeJitter: 0 });
  if (!o.ok) return t.fail(o.error);
  t.equal(o.config.limits.requestsPerSecond, 0, 'the rate limiter can be turned off');
  t.equal(o.config.limits.maxHeaders, 64);
  t.equal(o.config.limits.tcpConnections, DEFAULT_LIMITS.tcpConnections, 'unset limits keep their default');
  t.equal(o.config.resumeJitter, 0);
  const bad: Array<[unknown, RegExp]> = [
    [{ limits: [] }, /^config: limits: expected an object/],
    [{ limits: { nope: 1 } }, /^config: limits\.nope: unknown limit/],
    [{ limits: { maxMessageBytes: 10 } }, /^config: limits\.maxMessageBytes: expected an integer from 1024/],
    [{ limits: { requestBurst: 1.5 } }, /^config: limits\.requestBurst: expected an integer/],
    [{ limits: { httpBodyBytes: '1k' } }, /^config: limits\.httpBodyBytes: expected an integer/],
    [{ resumeJitter: -1 }, /^config: resumeJitter: expected an integer number of milliseconds/],
  ];
  for (const [extra, re] of bad) {
    const v = validateConfig({ ...base, ...(extra as object) });
    t.match(v.ok ? 'accepted' : v.error, re, JSON.stringify(extra));
  }
});
