// A real SIP client (sipp) against the refresh-origin rule of event-auth.ts:
// its refresh naming another Contact is challenged, it answers the challenge
// like any 401, and from then on the new Contact is the dialog's origin.
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { have, run } from '../interop/helpers.js';
import { USERS, startServer, testConfig } from '../../packages/server/test/server/helpers.js';

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

t.test('sipp: a moved refresh gets 401, the authenticated retry 200, the next refresh passes', async (t) => {
  t.ok(have('sipp'), 'sipp is installed (.ci/run installs sip-tester)');
  const { udpPort } = await startServer(t, testConfig({ listen: ['udp:127.0.0.1:0'] }));
  const { code, out } = await run(
    'sipp',
    [
      '-sf',
      here('./refresh-moved.xml'),
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
      '-s',
      'bob',
      '-au',
      'bob',
      '-ap',
      USERS.bob,
      '-auth_uri',
      `alice@127.0.0.1:${udpPort}`,
      '-key',
      'resource',
      'alice',
      '-key',
      'event',
      'presence',
      `127.0.0.1:${udpPort}`,
    ],
    20_000,
  );
  t.equal(code, 0, 'sipp ran the whole scenario');
  if (code !== 0) t.comment(out.slice(-3000));
});
