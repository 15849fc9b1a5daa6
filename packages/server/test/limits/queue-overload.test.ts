// Load shedding on the UDP receive queues (limits.overloadQueuePercent): the /proc/net/udp reading,
// the guard's queue signal on a manual clock, and a real Server with an injected queue sampler.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { ManualClock } from '@herald/sip';
import { Server } from '../../src/index.js';
import { OVERLOAD_REASON, OverloadGuard, procAddress4, queueFill, udpQueueSampler } from '../../src/limits/index.js';
import { validateConfig } from '../../src/config/validate.js';
import { recordingLogger, testConfig } from '../server/helpers.js';
import { UdpPeer, rawRequest } from './raw.js';

// Two sockets on port 5060 (0x13C4): ours on 127.0.0.1, another on 10.0.0.1; one on 5061; an IPv6 one.
const PROC_UDP = [
  '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
  ' 1021: 0100007F:13C4 00000000:0000 07 00000000:00100000 00:00000000 00000000     0        0 4242 2 0000000000000000 0',
  ' 1022: 0100000A:13C4 00000000:0000 07 00000000:00700000 00:00000000 00000000     0        0 4243 2 0000000000000000 0',
  ' 1023: 00000000:13C5 00000000:0000 07 00000000:00000800 00:00000000 00000000     0        0 4244 2 0000000000000000 7',
].join('\n');
const PROC_UDP6 = [
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
  '  77: 00000000000000000000000001000000:13C4 00000000000000000000000000000000:0000 07 00000000:00040000 00:00000000 00000000     0        0 4245 2 0000000000000000 0',
].join('\n');
const MiB = 1024 * 1024;

t.test('procAddress4: an IPv4 address as /proc/net/udp prints it (host byte order)', (t) => {
  t.equal(procAddress4('127.0.0.1', true), '0100007F');
  t.equal(procAddress4('127.0.0.1', false), '7F000001');
  t.equal(procAddress4('0.0.0.0'), '00000000');
  t.equal(procAddress4('10.0.0.254', true), 'FE00000A');
  t.equal(procAddress4('::1'), undefined);
  t.equal(procAddress4('1.2.3.256'), undefined);
  t.end();
});

t.test('queueFill: our sockets by address and port, the fullest wins', (t) => {
  const ours = { address: '127.0.0.1', port: 5060, bufferBytes: 8 * MiB };
  t.equal(queueFill(PROC_UDP, [ours]), 0.125, '1 MiB of 8: the other address on the same port is not ours');
  t.equal(queueFill(PROC_UDP, [ours, { address: '0.0.0.0', port: 5061, bufferBytes: 4096 }]), 0.5, '2 KiB of 4');
  t.equal(queueFill(PROC_UDP, [{ address: '127.0.0.1', port: 5999, bufferBytes: MiB }]), undefined, 'not listed');
  t.equal(queueFill(PROC_UDP6, [{ address: '::1', port: 5060, bufferBytes: MiB }]), 0.25, 'IPv6: by port');
  t.equal(queueFill('garbage\n\n', [ours]), undefined);
  t.end();
});

t.test('queueFill reads the real /proc/net/udp: datagrams not yet read are counted', async (t) => {
  const rx = createSocket('udp4');
  const tx = createSocket('udp4');
  t.teardown(() => {
    rx.close();
    tx.close();
  });
  await new Promise<void>((resolve) => rx.bind(0, '127.0.0.1', resolve));
  const { address, port } = rx.address();
  const ours = { address, port, bufferBytes: rx.getRecvBufferSize() };
  t.equal(queueFill(readFileSync('/proc/net/udp', 'latin1'), [ours]), 0, 'bound, empty');
  // Sent synchronously: the loop cannot read them before the file is read, also synchronously.
  await new Promise<void>((resolve) => tx.bind(0, '127.0.0.1', resolve));
  for (let i = 0; i < 20; i++) tx.send(Buffer.alloc(500, 65), port, address);
  await new Promise((resolve) => setImmediate(resolve));
  const fill = queueFill(readFileSync('/proc/net/udp', 'latin1'), [ours]);
  t.ok(fill !== undefined && fill >= 0, `read ${fill}`);
});

t.test('udpQueueSampler: reads the files its sockets need; gives up after a failed read', async (t) => {
  const reads: string[] = [];
  let fail = false;
  const sampler = udpQueueSampler(
    () => [
      { address: '127.0.0.1', port: 5060, bufferBytes: 8 * MiB },
      { address: '::1', port: 5060, bufferBytes: 8 * MiB },
    ],
    async (path) => {
      reads.push(path);
      if (fail) throw new Error('ENOENT');
      return path.endsWith('6') ? PROC_UDP6 : PROC_UDP;
    },
  );
  t.equal(await sampler(), 0.125, 'the fuller of the two: 1 MiB of 8 (IPv6: 256 KiB of 8)');
  t.same(reads, ['/proc/net/udp', '/proc/net/udp6']);
  fail = true;
  t.equal(await sampler(), undefined, 'no such file: unknown');
  t.equal(await sampler(), undefined);
  t.equal(reads.length, 4, 'no more reads after the failure');
  const none = udpQueueSampler(
    () => [],
    async () => PROC_UDP,
  );
  t.equal(await none(), undefined, 'no sockets yet');
});

t.test('guard: two full samples start shedding, one 10 points under the threshold stops it', (t) => {
  const { logger, lines } = recordingLogger();
  const guard = new OverloadGuard({ clock: new ManualClock(0), percent: 0, queuePercent: 30, logger });
  guard.observe(1);
  guard.observe(1);
  t.notOk(guard.overloaded, 'the event loop is not watched (percent 0)');
  guard.observeQueue(0.5);
  t.notOk(guard.overloaded, 'one full sample is a burst (a GC pause)');
  guard.observeQueue(0.3);
  t.ok(guard.overloaded);
  t.same(
    lines.map((l) => [l.msg, l.detail?.['signal'], l.detail?.['queue']]),
    [['overload: refusing new requests with 503', 'receive queue', 30]],
  );
  guard.observeQueue(0.21);
  t.ok(guard.overloaded, 'within the hysteresis');
  guard.observeQueue(0.05);
  t.notOk(guard.overloaded);
  t.equal(lines.at(-1)?.msg, 'overload over: accepting new requests');
  t.end();
});

t.test('guard: shedding lasts while either signal is over', (t) => {
  const guard = new OverloadGuard({
    clock: new ManualClock(0),
    percent: 90,
    queuePercent: 30,
    logger: recordingLogger().logger,
  });
  guard.observe(0.95);
  guard.observe(0.95);
  guard.observeQueue(0.6);
  guard.observeQueue(0.6);
  t.ok(guard.overloaded);
  guard.observe(0.1);
  t.ok(guard.overloaded, 'the loop cooled, the queue is still full');
  guard.observeQueue(0.1);
  t.notOk(guard.overloaded, 'both under');
  t.end();
});

t.test('guard: reads the queue once per window on the clock, one read at a time', async (t) => {
  const clock = new ManualClock(0);
  const fills = [0.9, 0.9, 0.1];
  let reads = 0;
  let release: (() => void) | undefined;
  const guard = new OverloadGuard({
    clock,
    percent: 0,
    queuePercent: 30,
    logger: recordingLogger().logger,
    queueSample: async () => {
      const fill = fills[reads++];
      if (reads === 3) await new Promise<void>((resolve) => (release = resolve));
      return fill;
    },
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  guard.start();
  clock.advance(250);
  await settle();
  clock.advance(250);
  await settle();
  t.ok(guard.overloaded, 'two windows at 90 %');
  clock.advance(250);
  await settle();
  clock.advance(250);
  await settle();
  t.equal(reads, 3, 'the slow third read is not doubled');
  release?.();
  await settle();
  t.notOk(guard.overloaded, 'then 10 %');
  guard.stop();
  clock.advance(10_000);
  await settle();
  t.equal(reads, 3, 'no reads after stop()');
});

/** A real Server on port 0 whose receive-queue fill is `fill.value`, and a UDP peer talking to it. */
async function queueServer(t: { teardown(fn: () => unknown): void }) {
  const clock = new ManualClock(1_000_000);
  const fill = { value: 0 };
  const { logger, lines } = recordingLogger();
  const server = new Server(testConfig({ auth: false }), { clock, logger, queueSampler: async () => fill.value });
  await server.start();
  t.teardown(() => server.stop());
  const udp = server.ports.find((p) => p.transport === 'udp');
  if (!udp) throw new Error('no udp port');
  const peer = await UdpPeer.open(t, udp.port);
  return { clock, fill, lines, peer };
}

t.test('server: a full receive queue sheds new requests; in-dialog ones are served', async (t) => {
  const { clock, fill, lines, peer } = await queueServer(t);
  const windows = async (value: number, n: number): Promise<void> => {
    fill.value = value;
    for (let i = 0; i < n; i++) {
      clock.advance(250);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await windows(0.8, 2);
  t.ok(lines.some((l) => l.msg === 'overload: refusing new requests with 503' && l.detail?.['queue'] === 80));
  const sub = rawRequest({ method: 'SUBSCRIBE', port: peer.port, callId: 'q-new', extra: ['Event: presence'] });
  peer.send(sub);
  const refused = await peer.response('q-new');
  t.equal(refused.status, 503);
  t.equal(refused.reason, OVERLOAD_REASON);
  t.match(refused.headers.get('Retry-After') ?? '', /^[1-4]$/);
  peer.send(
    rawRequest({ method: 'SUBSCRIBE', port: peer.port, callId: 'q-dlg', extra: ['Event: presence'] }).replace(
      'To: <sip:example.test>',
      'To: <sip:example.test>;tag=x1',
    ),
  );
  t.equal((await peer.response('q-dlg')).status, 481, 'in-dialog: handled, not refused');
  await windows(0.01, 1);
  peer.send(rawRequest({ port: peer.port, callId: 'q-after' }));
  t.equal((await peer.response('q-after')).status, 200, 'served again once the queue drained');
});

t.test('server: a queue that stays full still gets 1 in 16 new requests served, not none', async (t) => {
  const { clock, fill, lines, peer } = await queueServer(t);
  fill.value = 1;
  for (let i = 0; i < 6; i++) {
    clock.advance(250);
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.equal(lines.filter((l) => l.msg === 'overload: refusing new requests with 503').length, 1);
  const statuses: number[] = [];
  for (let i = 0; i < 48; i++) {
    const callId = `flood-${i}`;
    peer.send(rawRequest({ port: peer.port, callId }));
    statuses.push((await peer.response(callId)).status);
  }
  t.same(
    statuses.flatMap((s, i) => (s === 503 ? [] : [[i, s]])),
    [
      [15, 200],
      [31, 200],
      [47, 200],
    ],
    'the credit admits every 16th new request at the floor; the rest get 503',
  );
  fill.value = 0;
  clock.advance(250);
  await new Promise((resolve) => setImmediate(resolve));
  t.match(lines.at(-1), {
    msg: 'overload over: accepting new requests',
    detail: { refused: 45, admitted: 3, lowestAdmit: 1 / 16 },
  });
});

t.test('config: overloadQueuePercent is on (30) by default, a percentage, 0 = off', async (t) => {
  t.equal(testConfig().limits.overloadQueuePercent, 30);
  const bad = validateConfig({ domain: 'example.test', auth: false, limits: { overloadQueuePercent: -1 } });
  t.same(bad, { ok: false, error: 'config: limits.overloadQueuePercent: expected an integer from 0 to 100' });
  const clock = new ManualClock(0);
  let reads = 0;
  const server = new Server(testConfig({ auth: false, limits: { overloadQueuePercent: 0 } }), {
    clock,
    queueSampler: async () => {
      reads++;
      return 1;
    },
  });
  await server.start();
  t.teardown(() => server.stop());
  clock.advance(5_000);
  t.equal(reads, 0, 'off: never sampled');
});
