// Regression (issue 5, baresip interop): baresip 1.0 (libre) fails a whole
// request with ENOSYS when any WWW-Authenticate challenge is not MD5, so the
// server challenges with MD5 only unless the embedder asks for more.
import t from 'tap';
import { ManualClock } from '@herald/sip';
import { Server } from '../../src/index.js';
import { Client, DOMAIN, startServer, testConfig } from './helpers.js';

const algorithms = (values: readonly string[]): string[] =>
  values.map((v) => /algorithm=("?)([A-Za-z0-9-]+)\1/.exec(v)?.[2] ?? 'none');

t.test('REGISTER and SUBSCRIBE are challenged with MD5 only by default', async (t) => {
  const { udpPort } = await startServer(t);
  const alice = await Client.start(t, udpPort, 'alice');
  const reg = await alice.register(600, false);
  t.equal(reg.status, 401);
  t.same(algorithms(reg.headers.getAll('WWW-Authenticate')), ['MD5'], 'one MD5 challenge to REGISTER');
  const sub = await alice.send(
    alice.endpoint.createRequest({
      method: 'SUBSCRIBE',
      uri: `sip:bob@${DOMAIN}`,
      from: `<${alice.aor}>`,
      to: `<sip:bob@${DOMAIN}>`,
      contact: `<${alice.contact}>`,
      headers: [
        ['Event', 'presence'],
        ['Expires', '600'],
      ],
    }),
    false,
  );
  t.equal(sub.status, 401);
  t.same(algorithms(sub.headers.getAll('WWW-Authenticate')), ['MD5'], 'one MD5 challenge to SUBSCRIBE');
  t.equal((await alice.register(600)).status, 200, 'an MD5 client registers');
});

t.test('an embedder can offer SHA-256 too (ServerOptions.digestAlgorithms)', async (t) => {
  const server = new Server(testConfig(), { clock: new ManualClock(1_000_000), digestAlgorithms: ['SHA-256', 'MD5'] });
  await server.start();
  t.teardown(() => server.stop());
  const port = server.ports.find((p) => p.transport === 'udp')?.port ?? 0;
  const alice = await Client.start(t, port, 'alice');
  const reg = await alice.register(600, false);
  t.equal(reg.status, 401);
  t.same(algorithms(reg.headers.getAll('WWW-Authenticate')), ['SHA-256', 'MD5']);
  t.equal((await alice.register(600)).status, 200, 'the client picks SHA-256 and registers');
});
