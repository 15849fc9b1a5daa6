/**
 * CPU per SIP transaction in the SIP layer (issue 7): an `Endpoint` over the
 * real `TransportLayer` and `UdpTransport` on 127.0.0.1, driven by a peer in a
 * child process (plain Node, raw dgram) so only the SIP layer's CPU is counted.
 *
 * (a) server: SUBSCRIBE in → 200 (Expires, Contact) out, through a server transaction;
 * (b) client: NOTIFY built in a dialog (`createInDialogRequest`) out through
 *     `Endpoint.request` → 200 in.
 *
 * Prints CPU µs per operation (process user + system, so the kernel's UDP send
 * counts) for each, median of rounds. Not part of `npm run bench`.
 *
 *   npx tsx --conditions=@herald/source bench/sip-layer.ts [--ops N] [--rounds R] [--only rab] [--src DIR,DIR]
 *
 * `--src` lists copies of packages/sip/src (`.` for this tree) to compare, e.g. a snapshot of the
 * base and the working tree: their rounds are interleaved in this one process (load from other jobs
 * falls on all alike). `r` adds the floor: a bare dgram socket answering with fixed bytes.
 */
import { spawn } from 'node:child_process';
import type { Dialog, Flow } from '@herald/sip';
import * as current from '@herald/sip';

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const OPS = Number(arg('--ops', '20000'));
const ROUNDS = Number(arg('--rounds', '5'));
const ONLY = arg('--only', 'ab');
const WINDOW = 32;
const SRCS = arg('--src', '.').split(',');

/** The peer: (a) keeps WINDOW SUBSCRIBEs outstanding; (b) answers each NOTIFY with 200. */
const PEER = String.raw`
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
let server, mode, left = 0, inflight = 0, n = 0;
function subscribe() {
  n++;
  const m = 'SUBSCRIBE sip:bob' + (n % 100) + '@127.0.0.1 SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP 127.0.0.1:' + s.address().port + ';branch=z9hG4bK-p' + n + '-' + process.pid + ';rport\r\n' +
    'Max-Forwards: 70\r\n' +
    'From: "Alice" <sip:alice@127.0.0.1>;tag=f' + n + '\r\n' +
    'To: <sip:bob' + (n % 100) + '@127.0.0.1>\r\n' +
    'Call-ID: c' + n + '-' + process.pid + '@127.0.0.1\r\n' +
    'CSeq: 1 SUBSCRIBE\r\n' +
    'Contact: <sip:alice@127.0.0.1:' + s.address().port + '>\r\n' +
    'Event: presence\r\n' +
    'Accept: application/pidf+xml\r\n' +
    'Expires: 600\r\n' +
    'User-Agent: Yealink SIP-T46S 66.86.0.15\r\n' +
    'Content-Length: 0\r\n\r\n';
  inflight++;
  left--;
  s.send(m, server);
}
s.on('message', (buf, rinfo) => {
  const text = buf.toString('latin1');
  if (text.startsWith('SIP/2.0')) {
    inflight--;
    if (left > 0) subscribe();
    else if (inflight === 0) process.send('done');
    return;
  }
  // A request (NOTIFY): answer 200 with its Via, From, To, Call-ID, CSeq.
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  const keep = head.split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
  const res = 'SIP/2.0 200 OK\r\n' + keep.join('\r\n') + '\r\nContent-Length: 0\r\n\r\n';
  s.send(res, rinfo.port, rinfo.address);
});
process.on('message', (msg) => {
  if (msg.type === 'port') { server = msg.port; process.send({ port: s.address().port }); }
  if (msg.type === 'a') { left = msg.ops; for (let i = 0; i < ${WINDOW}; i++) if (left > 0) subscribe(); }
  if (msg.type === 'quit') { s.close(); process.exit(0); }
});
s.bind(0, '127.0.0.1');
`;

const PIDF =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@127.0.0.1">\n' +
  '  <tuple id="t1"><status><basic>open</basic></status></tuple>\n</presence>\n';

type Sip = typeof current;

/** One build under test: its endpoint, socket and the two measures. */
interface Build {
  readonly name: string;
  readonly port: number;
  runB(ops: number): Promise<number>;
  close(): Promise<void>;
}

async function main(): Promise<void> {
  const peer = spawn(process.execPath, ['-e', PEER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let target = 0;
  const retarget = (port: number): Promise<number> =>
    new Promise<number>((resolve) => {
      const on = (m: { port?: number }): void => {
        if (m.port === undefined) return;
        peer.off('message', on);
        target = port;
        resolve(m.port);
      };
      peer.on('message', on);
      peer.send({ type: 'port', port });
    });
  await new Promise((resolve) => setTimeout(resolve, 200));

  async function runA(port: number, ops: number): Promise<number> {
    if (target !== port) await retarget(port);
    const done = new Promise<void>((resolve) => {
      const on = (m: unknown): void => {
        if (m === 'done') {
          peer.off('message', on);
          resolve();
        }
      };
      peer.on('message', on);
    });
    const cpu = process.cpuUsage();
    peer.send({ type: 'a', ops });
    await done;
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / ops;
  }

  const builds: Build[] = [];
  for (const src of SRCS) {
    const sip = (src === '.' ? current : await import(`${src}/index.ts`)) as Sip;
    builds.push(await makeBuild(src, sip, retarget));
  }
  const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  const fmt = (xs: number[]): string =>
    `${med(xs).toFixed(1)} µs/op (rounds: ${xs.map((x) => x.toFixed(1)).join(' ')})`;

  if (ONLY.includes('r')) {
    // Floor: a bare dgram socket answering each request with fixed bytes (no SIP layer).
    const { createSocket } = await import('node:dgram');
    const raw = createSocket('udp4');
    await new Promise<void>((resolve) => raw.bind(0, '127.0.0.1', resolve));
    const fixed = Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
    raw.on('message', (_d, rinfo) => raw.send(fixed, rinfo.port, rinfo.address));
    const r: number[] = [];
    for (let i = 0; i <= ROUNDS; i++) r.push(await runA(raw.address().port, OPS));
    console.log(`(r) bare dgram echo floor: ${fmt(r.slice(1))}`);
    raw.close();
  }
  const a = builds.map((): number[] => []);
  const b = builds.map((): number[] => []);
  for (let r = -1; r < ROUNDS; r++) {
    // Round -1 warms up; each round runs every build in turn.
    for (const [i, build] of builds.entries()) {
      const ops = r < 0 ? Math.min(OPS, 5000) : OPS;
      if (ONLY.includes('a')) {
        const x = await runA(build.port, ops);
        if (r >= 0) a[i].push(x);
      }
      if (ONLY.includes('b')) {
        const x = await build.runB(ops);
        if (r >= 0) b[i].push(x);
      }
    }
  }
  for (const [i, build] of builds.entries()) {
    if (a[i].length) console.log(`${build.name} (a) server SUBSCRIBE→200: ${fmt(a[i])}`);
    if (b[i].length) console.log(`${build.name} (b) client NOTIFY→200:    ${fmt(b[i])}`);
  }
  peer.send({ type: 'quit' });
  for (const build of builds) await build.close();
}

/** An endpoint of one build on its own UDP socket, answering SUBSCRIBE and sending NOTIFYs to the peer. */
async function makeBuild(name: string, sip: Sip, retarget: (port: number) => Promise<number>): Promise<Build> {
  const { Endpoint, TransportLayer, UdpTransport, createInDialogRequest, systemClock } = sip;
  const udp = new UdpTransport({ host: '127.0.0.1', port: 0, clock: systemClock });
  const layer = new TransportLayer({ transports: [udp] });
  const endpoint = new Endpoint({ transport: layer, userAgent: 'Herald' });
  await layer.listen();
  endpoint.on('SUBSCRIBE', (incoming) => {
    incoming.respond(200, 'OK', {
      headers: [
        ['Expires', '600'],
        ['Contact', '<sip:127.0.0.1:5060>'],
      ],
    });
  });
  const peerPort = await retarget(udp.local.port);
  const flow: Flow = { transport: 'udp', local: udp.local, remote: { address: '127.0.0.1', port: peerPort } };
  let dialog: Dialog = {
    id: { callId: 'notify-dialog@127.0.0.1', localTag: 'l1234567', remoteTag: 'r7654321' },
    state: 'confirmed',
    role: 'uas',
    local: '<sip:bob@127.0.0.1>',
    remote: '"Alice" <sip:alice@127.0.0.1>',
    localSeq: 1,
    remoteSeq: 1,
    remoteTarget: `sip:alice@127.0.0.1:${peerPort}`,
    routeSet: [],
    secure: false,
  };
  async function runB(ops: number): Promise<number> {
    const cpu = process.cpuUsage();
    let sent = 0;
    let bad = 0;
    const one = async (): Promise<void> => {
      while (sent < ops) {
        sent++;
        const built = createInDialogRequest(dialog, 'NOTIFY', {
          headers: [
            ['Event', 'presence'],
            ['Subscription-State', 'active;expires=600'],
            ['Contact', '<sip:127.0.0.1:5060>'],
            ['Content-Type', 'application/pidf+xml'],
          ],
          body: PIDF,
        });
        dialog = built.dialog;
        const res = await endpoint.request(built.request, { to: flow });
        if (res.status !== 200) bad++;
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, one));
    const used = process.cpuUsage(cpu);
    if (bad > 0) console.log(`${name} (b): ${bad} non-200 answers`);
    return (used.user + used.system) / ops;
  }
  return { name, port: udp.local.port, runB, close: () => endpoint.close() };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
