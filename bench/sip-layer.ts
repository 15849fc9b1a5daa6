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
 *   npx tsx --conditions=@herald/source bench/sip-layer.ts [--ops N] [--rounds R] [--only rab] [--src DIR]
 *
 * `--src DIR` loads another copy of packages/sip/src (e.g. a snapshot of the base) to compare builds.
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
const SRC = arg('--src', '');

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
s.on('message', (buf) => {
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
  s.send(res, server);
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

async function main(): Promise<void> {
  const sip = (SRC ? await import(`${SRC}/index.ts`) : current) as typeof current;
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

  const peer = spawn(process.execPath, ['-e', PEER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const peerPort = await new Promise<number>((resolve) => {
    peer.on('message', (m: { port?: number }) => m.port !== undefined && resolve(m.port));
    setTimeout(() => peer.send({ type: 'port', port: udp.local.port }), 100);
  });
  const flow: Flow = {
    transport: 'udp',
    local: udp.local,
    remote: { address: '127.0.0.1', port: peerPort },
  };

  const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  async function runA(ops: number): Promise<number> {
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
    if (bad > 0) console.log(`(b): ${bad} non-200 answers`);
    return (used.user + used.system) / ops;
  }

  if (ONLY.includes('r')) {
    // Floor: a bare dgram socket answering each request with fixed bytes (no SIP layer).
    const { createSocket } = await import('node:dgram');
    const raw = createSocket('udp4');
    await new Promise<void>((resolve) => raw.bind(0, '127.0.0.1', resolve));
    const fixed = Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
    raw.on('message', (_d, rinfo) => raw.send(fixed, rinfo.port, rinfo.address));
    peer.send({ type: 'port', port: raw.address().port });
    const r: number[] = [];
    for (let i = 0; i <= ROUNDS; i++) r.push(await runA(OPS));
    console.log(`(r) bare dgram echo floor: ${med(r.slice(1)).toFixed(1)} µs/op`);
    raw.close();
    peer.send({ type: 'port', port: udp.local.port });
  }
  const a: number[] = [];
  const b: number[] = [];
  // Warm-up.
  if (ONLY.includes('a')) await runA(Math.min(OPS, 5000));
  if (ONLY.includes('b')) await runB(Math.min(OPS, 5000));
  for (let r = 0; r < ROUNDS; r++) {
    if (ONLY.includes('a')) a.push(await runA(OPS));
    if (ONLY.includes('b')) b.push(await runB(OPS));
  }
  const fmt = (xs: number[]): string =>
    `${med(xs).toFixed(1)} µs/op (rounds: ${xs.map((x) => x.toFixed(1)).join(' ')})`;
  if (a.length) console.log(`(a) server SUBSCRIBE→200: ${fmt(a)}`);
  if (b.length) console.log(`(b) client NOTIFY→200:    ${fmt(b)}`);
  peer.send({ type: 'quit' });
  await endpoint.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
