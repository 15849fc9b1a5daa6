// Real peers against a Herald endpoint: sipsak and sipp send OPTIONS over UDP
// and TCP and must get the 200 (issue 2, "a real peer").
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { have, run, startEndpoint } from './helpers.js';

const scenario = fileURLToPath(new URL('./options.xml', import.meta.url));

t.test('sipsak OPTIONS over UDP and TCP gets 200', async (t) => {
  t.ok(have('sipsak'), 'sipsak is installed (.ci/run installs it)');
  const { endpoint, port } = await startEndpoint();
  t.teardown(() => endpoint.close());
  for (const transport of ['udp', 'tcp']) {
    const args = ['-vv', '-s', `sip:herald@127.0.0.1:${port}`, '-E', transport];
    const { code, out } = await run('sipsak', args);
    t.equal(code, 0, `sipsak over ${transport} exits 0`);
    t.match(out, /SIP\/2\.0 200 OK/, `sipsak over ${transport} saw the 200`);
    t.match(out, /Server: Herald interop test/);
  }
});

t.test('sipp OPTIONS scenario over UDP and TCP passes', async (t) => {
  t.ok(have('sipp'), 'sipp is installed (.ci/run installs sip-tester)');
  const { endpoint, port } = await startEndpoint();
  t.teardown(() => endpoint.close());
  for (const transport of ['u1', 't1']) {
    const args = [
      '-sf',
      scenario,
      '-m',
      '5',
      '-r',
      '50',
      '-s',
      'herald',
      '-t',
      transport,
      '-i',
      '127.0.0.1',
      '-p',
      '0',
      '-nostdin',
      '-timeout',
      '15s',
      '-timeout_error',
      `127.0.0.1:${port}`,
    ];
    const { code, out } = await run('sipp', args);
    t.equal(code, 0, `sipp over ${transport} exits 0 (all 5 calls passed)`);
    if (code !== 0) t.comment(out.slice(-2000));
  }
});
