// Load shedding (limits.overloadPercent): the guard's hysteresis on fed load values, and the real
// Server on 127.0.0.1 port 0 with a manual clock and an injected load sampler.
import t from 'tap';
import { IncomingRequest, ManualClock, createRequest, type SipResponse } from '@herald/sip';
import { Server } from '../../src/index.js';
import { ADMIT_FLOOR, OVERLOAD_REASON, OverloadGuard } from '../../src/limits/index.js';
import { validateConfig } from '../../src/config/validate.js';
import { recordingLogger, testConfig } from '../server/helpers.js';
import { UdpPeer, rawRequest } from './raw.js';

t.test('guard: two saturated windows start shedding, one 10 points under the threshold stops it', (t) => {
  const { logger, lines } = recordingLogger();
  const guard = new OverloadGuard({ clock: new ManualClock(0), percent: 90, logger });
  guard.observe(0.95);
  t.notOk(guard.overloaded, 'one hot window is a burst, not overload');
  guard.observe(0.5);
  guard.observe(0.95);
  t.notOk(guard.overloaded, 'a cool window in between starts the count again');
  guard.observe(0.9);
  t.ok(guard.overloaded, 'two windows in a row at the threshold');
  t.same(
    lines.map((l) => [l.level, l.msg, l.detail?.['load'], l.detail?.['admit']]),
    [['warn', 'overload: refusing new requests with 503', 90, 0.5]],
  );
  guard.observe(0.85);
  t.ok(guard.overloaded, 'under the threshold but within the hysteresis: still shedding');
  guard.observe(0.79);
  t.notOk(guard.overloaded);
  t.equal(lines.at(-1)?.msg, 'overload over: accepting new requests');
  t.end();
});

/** A request reaching the guard, whose answers are recorded instead of sent. */
class Recorded extends IncomingRequest {
  readonly answers: SipResponse[] = [];
  override send(response: SipResponse): void {
    this.answers.push(response);
  }
}
const FLOW = {
  transport: 'udp',
  local: { address: '127.0.0.1', port: 5060 },
  remote: { address: '127.0.0.1', port: 5062 },
} as const;
let n = 0;
const newRequest = (method = 'REGISTER', headers: Array<[string, string]> = [], to = '<sip:alice@example.test>') =>
  new Recorded(
    createRequest({
      method,
      uri: 'sip:example.test',
      headers: [
        ['Via', `SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKadm${++n}`],
        ['From', `<sip:alice@example.test>;tag=a${n}`],
        ['To', to],
        ['Call-ID', `adm-${n}`],
        ['CSeq', `1 ${method}`],
        ...headers,
      ],
    }),
    FLOW,
    undefined,
  );
/** How many of `count` new REGISTERs the guard admits. */
const admitted = (guard: OverloadGuard, count: number): number => {
  let ok = 0;
  for (let i = 0; i < count; i++) if (!guard.refuse(newRequest())) ok++;
  return ok;
};
/** A guard on the receive queue (threshold 30 %) that has just started shedding. */
const queueGuard = () => {
  const { logger, lines } = recordingLogger();
  const guard = new OverloadGuard({ clock: new ManualClock(0), percent: 0, queuePercent: 30, logger });
  t.equal(guard.admitFraction, 1, 'calm: everything admitted');
  guard.observeQueue(0.9);
  guard.observeQueue(0.9);
  return { guard, lines };
};

t.test('guard: the admitted share halves while the queue stays full, never under 1/16', (t) => {
  const { guard } = queueGuard();
  t.ok(guard.overloaded);
  t.equal(guard.admitFraction, 1 / 2, 'entering overload: half');
  const seen: number[] = [];
  for (let i = 0; i < 6; i++) {
    guard.observeQueue(0.95);
    seen.push(guard.admitFraction);
  }
  t.same(seen, [1 / 4, 1 / 8, 1 / 16, 1 / 16, 1 / 16, 1 / 16]);
  t.equal(ADMIT_FLOOR, 1 / 16);
  t.equal(guard.admitFraction, ADMIT_FLOOR);
  t.end();
});

t.test('guard: admission is a deterministic credit — 10 of 160 at the floor, 1 of 2 on entering', (t) => {
  const { guard } = queueGuard();
  const first = [newRequest(), newRequest(), newRequest(), newRequest()];
  t.same(
    first.map((r) => guard.refuse(r)),
    [true, false, true, false],
    'the first sample after entering overload refuses every other request',
  );
  t.same(
    first.map((r) => r.answers.map((a) => a.status)),
    [[503], [], [503], []],
    'only the refused ones are answered (the admitted go on to the handler)',
  );
  for (let i = 0; i < 4; i++) guard.observeQueue(1);
  t.equal(guard.admitFraction, ADMIT_FLOOR);
  t.equal(admitted(guard, 160), 10);
  t.equal(guard.shed, 2 + 150);
  t.end();
});

t.test('guard: draining raises the share by 1/8 per sample; leaving overload resets it', (t) => {
  const { guard, lines } = queueGuard();
  for (let i = 0; i < 3; i++) guard.observeQueue(1);
  t.equal(guard.admitFraction, 1 / 16);
  t.equal(admitted(guard, 32), 2);
  const seen: number[] = [];
  for (let i = 0; i < 9; i++) {
    guard.observeQueue(0.25); // under 30, within the hysteresis: still overloaded
    seen.push(guard.admitFraction);
  }
  t.ok(guard.overloaded);
  t.same(seen, [3 / 16, 5 / 16, 7 / 16, 9 / 16, 11 / 16, 13 / 16, 15 / 16, 1, 1], 'additive, capped at 1');
  t.equal(admitted(guard, 20), 20, 'at 1 every new request is admitted');
  guard.observeQueue(0.35);
  t.equal(guard.admitFraction, 1 / 2, 'full again: halved');
  guard.observeQueue(0.1);
  t.notOk(guard.overloaded);
  t.equal(guard.admitFraction, 1, 'reset on leaving overload');
  t.same(lines.at(-1), {
    level: 'info',
    msg: 'overload over: accepting new requests',
    detail: { refused: 30, admitted: 22, lowestAdmit: 1 / 16 },
  });
  t.notOk(guard.refuse(newRequest()), 'not overloaded: admitted');
  guard.observeQueue(0.9);
  guard.observeQueue(0.9);
  t.equal(guard.admitFraction, 1 / 2, 'a new episode starts at half again');
  t.same([guard.refuse(newRequest()), guard.refuse(newRequest())], [true, false], 'with a fresh credit');
  t.end();
});

t.test('guard: in-dialog requests and PUBLISH refreshes are never refused, nor counted against the share', (t) => {
  const { guard } = queueGuard();
  for (let i = 0; i < 4; i++) guard.observeQueue(1);
  t.equal(guard.admitFraction, ADMIT_FLOOR);
  for (let i = 0; i < 40; i++) {
    t.notOk(guard.refuse(newRequest('SUBSCRIBE', [['Event', 'presence']], '<sip:alice@example.test>;tag=x1')));
    t.notOk(
      guard.refuse(
        newRequest('PUBLISH', [
          ['Event', 'presence'],
          ['SIP-If-Match', 'e1'],
        ]),
      ),
    );
  }
  t.equal(guard.shed, 0);
  t.equal(admitted(guard, 16), 1, 'the credit was not spent on them');
  t.end();
});

t.test('guard: the signal that started the episode steers the share; the other takes over when it cools', (t) => {
  const guard = new OverloadGuard({
    clock: new ManualClock(0),
    percent: 90,
    queuePercent: 30,
    logger: recordingLogger().logger,
  });
  guard.observeQueue(0.6);
  guard.observeQueue(0.6);
  guard.observe(0.95);
  guard.observe(0.95);
  t.equal(guard.admitFraction, 1 / 2, 'the loop going over too does not halve it');
  guard.observe(0.99);
  t.equal(guard.admitFraction, 1 / 2, 'the loop does not steer while the queue does');
  guard.observeQueue(0.6);
  t.equal(guard.admitFraction, 1 / 4);
  guard.observeQueue(0.1);
  t.ok(guard.overloaded, 'the queue cooled, the loop is still over');
  guard.observe(0.99);
  t.equal(guard.admitFraction, 1 / 8, 'now the loop steers');
  guard.observe(0.85);
  t.equal(guard.admitFraction, 1 / 4);
  guard.observe(0.5);
  t.notOk(guard.overloaded);
  t.equal(guard.admitFraction, 1);
  t.end();
});

t.test('guard: samples on the clock from start() to stop()', (t) => {
  const clock = new ManualClock(0);
  const loads = [1, 1, 0.2];
  let calls = 0;
  const guard = new OverloadGuard({
    clock,
    percent: 95,
    logger: recordingLogger().logger,
    sample: () => loads[calls++ - 1] ?? 0,
  });
  guard.start();
  t.equal(calls, 1, 'start() opens the first window');
  clock.advance(250);
  t.notOk(guard.overloaded);
  clock.advance(250);
  t.ok(guard.overloaded, 'two windows of 250 ms at 100 %');
  clock.advance(250);
  t.notOk(guard.overloaded, 'then 20 %');
  guard.stop();
  clock.advance(10_000);
  t.equal(calls, 4, 'no sampling after stop()');
  t.end();
});

/** A server whose load is whatever `load.value` says, sampled every 250 ms of the manual clock. */
async function loadedServer(t: Parameters<typeof UdpPeer.open>[0], overloadPercent = 95) {
  const clock = new ManualClock(1_000_000);
  const load = { value: 0 };
  const { logger, lines } = recordingLogger();
  const limits = { limits: { overloadPercent } };
  const server = new Server(testConfig({ auth: false, ...limits }), { clock, logger, loadSampler: () => load.value });
  await server.start();
  t.teardown(() => server.stop());
  const udp = server.ports.find((p) => p.transport === 'udp');
  if (!udp) throw new Error('no udp port');
  const peer = await UdpPeer.open(t, udp.port);
  const saturate = (value: number): void => {
    load.value = value;
    clock.advance(500);
  };
  return { peer, saturate, lines, server };
}

const subscribe = (port: number, callId: string, extra: string[] = []): string =>
  rawRequest({ method: 'SUBSCRIBE', port, callId, extra: ['Event: presence', 'Expires: 60', ...extra] });

t.test('server: while saturated, new requests get 503 + Retry-After; work in progress is still served', async (t) => {
  const { peer, saturate, lines, server } = await loadedServer(t);
  peer.send(rawRequest({ port: peer.port, callId: 'calm' }));
  t.equal((await peer.response('calm')).status, 200, 'OPTIONS answered while calm');
  t.match(server.metrics.registry.render(), /^herald_overload_admit_ratio 1$/m, 'metrics: all admitted while calm');

  saturate(0.99);
  t.ok(lines.some((l) => l.msg === 'overload: refusing new requests with 503'));
  // Just into overload, half the new requests are admitted: the credit refuses the 1st, 3rd, 5th.
  for (const [callId, text] of [
    ['new-sub', subscribe(peer.port, 'new-sub')],
    ['new-sub2', subscribe(peer.port, 'new-sub2')],
    [
      'new-reg',
      rawRequest({ method: 'REGISTER', port: peer.port, callId: 'new-reg', extra: ['Contact: <sip:a@127.0.0.1>'] }),
    ],
    [
      'new-reg2',
      rawRequest({ method: 'REGISTER', port: peer.port, callId: 'new-reg2', extra: ['Contact: <sip:a@127.0.0.1>'] }),
    ],
    ['new-pub', rawRequest({ method: 'PUBLISH', port: peer.port, callId: 'new-pub', extra: ['Event: presence'] })],
    ['new-pub2', rawRequest({ method: 'PUBLISH', port: peer.port, callId: 'new-pub2', extra: ['Event: presence'] })],
  ] as const) {
    peer.send(text);
    const r = await peer.response(callId);
    if (callId.endsWith('2')) {
      t.not(r.status, 503, `${callId}: admitted (${r.status} ${r.reason})`);
      continue;
    }
    t.equal(r.status, 503, `${callId}: refused`);
    t.equal(r.reason, OVERLOAD_REASON);
    t.match(r.headers.get('Retry-After') ?? '', /^[1-4]$/, `${callId}: Retry-After 1–4 s`);
    t.ok(r.to?.params.has('tag'), `${callId}: the 503 has a To tag`);
  }

  // An in-dialog SUBSCRIBE (refresh or un-SUBSCRIBE) is never shed: here it reaches the engine, which knows no such dialog.
  peer.send(
    rawRequest({ method: 'SUBSCRIBE', port: peer.port, callId: 'in-dialog', extra: ['Event: presence'] }).replace(
      'To: <sip:example.test>',
      'To: <sip:example.test>;tag=x1',
    ),
  );
  t.equal((await peer.response('in-dialog')).status, 481, 'in-dialog: handled, not refused');
  // A PUBLISH refresh (SIP-If-Match) is never shed: an expiring publication is lost state.
  peer.send(
    rawRequest({
      method: 'PUBLISH',
      port: peer.port,
      callId: 'refresh',
      extra: ['Event: presence', 'SIP-If-Match: nope', 'Expires: 60'],
    }),
  );
  const refresh = await peer.response('refresh');
  t.not(refresh.status, 503, `PUBLISH refresh: handled (${refresh.status} ${refresh.reason}), not refused`);

  const text = server.metrics.registry.render();
  t.match(text, /^herald_overload_admit_ratio 0\.5$/m, 'metrics: the admitted share');
  t.match(text, /^herald_overload_shed_total 3$/m, 'metrics: requests refused');
  saturate(0.5);
  t.ok(
    lines.some(
      (l) =>
        l.msg === 'overload over: accepting new requests' && l.detail?.['refused'] === 3 && l.detail['admitted'] === 3,
    ),
  );
  peer.send(subscribe(peer.port, 'after'));
  const after = await peer.response('after');
  t.not(after.status, 503, 'served again once the load fell');
});

t.test('server: overloadPercent 0 never sheds', async (t) => {
  const { peer, saturate, server } = await loadedServer(t, 0);
  saturate(1);
  saturate(1);
  peer.send(rawRequest({ port: peer.port, callId: 'off' }));
  t.equal((await peer.response('off')).status, 200);
  t.notMatch(server.metrics.registry.render(), /herald_overload_/, 'no shedding metrics when shedding is off');
});

t.test('config: overloadPercent is a percentage', (t) => {
  t.equal(testConfig().limits.overloadPercent, 0, 'off by default');
  const bad = validateConfig({ domain: 'example.test', auth: false, limits: { overloadPercent: 101 } });
  t.same(bad, { ok: false, error: 'config: limits.overloadPercent: expected an integer from 0 to 100' });
  t.end();
});
