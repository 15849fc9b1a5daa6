// The CLI (examples/server.ts) as an admin runs it: a malformed config is
// rejected with the bad key named and exit code 2; a good one starts, logs one
// line per listening socket, answers OPTIONS 200, and stops on SIGTERM.
import t from 'tap';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequest, serializeMessage } from '@herald/sip';
import { run } from '../interop/helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'examples/server.ts');
const tsx = join(root, 'node_modules/.bin/tsx');

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a malformed config is rejected with the key named, exit code 2', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'bad.json');
  writeFileSync(
    file,
    JSON.stringify({ domain: 'example.test', users: { a: 'b' }, listen: ['udp:0.0.0.0:5060', 'sctp:x'] }),
  );
  const { code, out } = await run(tsx, ['--conditions=@herald/source', cli, '--config', file], 30_000);
  t.equal(code, 2);
  t.match(out, /config: listen\[1\]: expected udp\|tcp:ADDRESS:PORT/);
  const noFile = await run(tsx, ['--conditions=@herald/source', cli, '--config', join(dir, 'missing.json')], 30_000);
  t.equal(noFile.code, 2);
  t.match(noFile.out, /no such file/);
});

t.test('the CLI starts, logs its sockets, answers OPTIONS 200 and stops on SIGTERM', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'herald.json');
  writeFileSync(
    file,
    JSON.stringify({
      domain: 'example.test',
      listen: ['udp:127.0.0.1:0', 'tcp:127.0.0.1:0'],
      users: { alice: 'alice-secret' },
      http: false,
      store: 'memory',
    }),
  );
  const child = spawn(tsx, ['--conditions=@herald/source', cli, '--config', file], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const kill = setTimeout(() => child.kill('SIGKILL'), 40_000);
  t.teardown(() => {
    clearTimeout(kill);
    child.kill('SIGKILL');
  });
  const lines: Array<Record<string, unknown>> = [];
  let buffered = '';
  const ready = new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const o = JSON.parse(line) as Record<string, unknown>;
          lines.push(o);
          if (o['msg'] === 'ready') resolve();
        } catch {
          // not a log line
        }
      }
    });
    void exited.then(() => resolve());
  });
  await ready;
  const listening = lines.filter((l) => l['msg'] === 'listening');
  t.same(
    listening.map((l) => l['transport']),
    ['udp', 'tcp'],
    'one log line per listening socket',
  );
  const udpPort = Number(listening[0]?.['port']);
  t.ok(udpPort > 0);

  const socket = createSocket('udp4');
  t.teardown(() => socket.close());
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const reply = new Promise<string>((resolve) => socket.once('message', (m) => resolve(m.toString())));
  const options = createRequest({
    method: 'OPTIONS',
    uri: 'sip:example.test',
    headers: [
      ['Via', `SIP/2.0/UDP 127.0.0.1:${socket.address().port};branch=z9hG4bKcli1;rport`],
      ['From', '<sip:probe@example.test>;tag=1'],
      ['To', '<sip:example.test>'],
      ['Call-ID', 'cli-test'],
      ['CSeq', '1 OPTIONS'],
      ['Max-Forwards', '70'],
    ],
  });
  socket.send(serializeMessage(options), udpPort, '127.0.0.1');
  t.match(await reply, /^SIP\/2\.0 200 /, 'OPTIONS answered 200');

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'clean exit on SIGTERM');
  t.ok(
    lines.some((l) => l['msg'] === 'stopped'),
    'logged the shutdown',
  );
});
