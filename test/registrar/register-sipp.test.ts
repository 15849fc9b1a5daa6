// A real peer registers: sipp runs REGISTER with digest authentication (401,
// then credentials) and un-REGISTER against a Herald Endpoint + Registrar on
// real UDP and TCP sockets; then the shared bench register-cycle scenario
// with authentication off (issue 5, "How this is checked").
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registrar, type RegistrarEvents } from '@herald/registrar';
import { have, run, startEndpoint } from '../interop/helpers.js';

const authScenario = fileURLToPath(new URL('./register-auth.xml', import.meta.url));
const cycleScenario = fileURLToPath(new URL('./register-cycle.xml', import.meta.url));

const sippArgs = (scenario: string, transport: string, port: number, extra: string[]): string[] => [
  '-sf',
  scenario,
  '-m',
  '1',
  '-t',
  transport,
  '-i',
  '127.0.0.1',
  '-p',
  '0',
  '-nostdin',
  '-timeout',
  '10s',
  '-timeout_error',
  ...extra,
  `127.0.0.1:${port}`,
];

function record(registrar: Registrar): Array<[keyof RegistrarEvents, string, number]> {
  const seen: Array<[keyof RegistrarEvents, string, number]> = [];
  for (const name of ['registered', 'refreshed', 'expired', 'unregistered'] as const) {
    registrar.on(name, (e) => seen.push([name, e.aor, e.remaining]));
  }
  return seen;
}

t.test('sipp REGISTER with digest auth, then Expires: 0, over UDP and TCP', async (t) => {
  t.ok(have('sipp'), 'sipp is installed (.ci/run installs sip-tester)');
  const { endpoint, port } = await startEndpoint('Herald registrar test');
  const registrar = new Registrar({
    host: endpoint,
    domain: '127.0.0.1',
    users: { alice: 'alice-secret', bob: 'bob-secret' },
    // sipp 3.6 answers only the first challenge and computes only MD5 (RFC 8760 clients pick the first they support).
    digest: { algorithms: ['MD5', 'SHA-256'] },
  });
  t.teardown(async () => {
    registrar.close();
    await endpoint.close();
  });
  const seen = record(registrar);
  for (const [transport, user] of [
    ['u1', 'alice'],
    ['t1', 'bob'],
  ] as const) {
    const extra = ['-s', user, '-key', 'domain', '127.0.0.1', '-au', user, '-ap', `${user}-secret`];
    const { code, out } = await run('sipp', sippArgs(authScenario, transport, port, extra), 15_000);
    t.equal(code, 0, `sipp over ${transport}: 401, authorized 200 listing its Contact, 200 to Expires: 0`);
    if (code !== 0) t.comment(out.slice(-2000));
    t.same(registrar.lookup(`sip:${user}@127.0.0.1`), [], `${transport}: binding removed`);
  }
  t.same(seen, [
    ['registered', 'sip:alice@127.0.0.1', 1],
    ['unregistered', 'sip:alice@127.0.0.1', 0],
    ['registered', 'sip:bob@127.0.0.1', 1],
    ['unregistered', 'sip:bob@127.0.0.1', 0],
  ]);
  t.equal(await registrar.store.count(), 0);
});

t.test('the bench register-cycle scenario with auth: false', async (t) => {
  t.ok(have('sipp'), 'sipp is installed');
  const { endpoint, port } = await startEndpoint('Herald registrar bench test');
  const registrar = new Registrar({ host: endpoint, domain: '127.0.0.1', auth: false });
  const dir = mkdtempSync(join(tmpdir(), 'herald-register-'));
  t.teardown(async () => {
    registrar.close();
    await endpoint.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const seen = record(registrar);
  const users = join(dir, 'users.csv');
  writeFileSync(users, 'SEQUENTIAL\nreg1x000001;\nreg1x000002;\nreg1x000003;\n');
  for (const transport of ['u1', 't1']) {
    const extra = ['-inf', users, '-key', 'domain', '127.0.0.1', '-default_behaviors', 'abortunexp'];
    const args = sippArgs(cycleScenario, transport, port, extra);
    args.splice(args.indexOf('-m') + 1, 1, '3');
    const { code, out } = await run('sipp', args, 15_000);
    t.equal(code, 0, `register-cycle over ${transport}: 3 calls, 200 with Contact, 200 to Expires: 0`);
    if (code !== 0) t.comment(out.slice(-2000));
  }
  t.equal(seen.filter(([name]) => name === 'registered').length, 6, 'three users, two transports');
  t.equal(seen.filter(([name]) => name === 'unregistered').length, 6);
  t.same(registrar.bindings(), []);
});
