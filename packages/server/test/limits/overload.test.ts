// Load shedding (limits.overloadPercent): the guard's hysteresis on fed load values, and the real
// Server on 127.0.0.1 port 0 with a manual clock and an injected load sampler.
import t from 'tap';
import { ManualClock } from '@herald/sip';
import { Server } from '../../src/index.js';
import { OVERLOAD_REASON, OverloadGuard } from '../../src/limits/index.js';
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
    lines.map((l) => [l.level, l.msg, l.detail?.['load']]),
    [['warn', 'overload: refusing new requests with 503', 90]],
  );
  guard.observe(0.85);
  t.ok(guard.overloaded, 'under the threshold but within the hysteresis: still shedding');
  guard.observe(0.79);
  t.notOk(guard.overloaded);
  t.equal(lines.at(-1)?.msg, 'overload over: accepting new requests');
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
  return { peer, saturate, lines };
}

const subscribe = (port: number, callId: string, extra: string[] = []): string =>
  rawRequest({ method: 'SUBSCRIBE', port, callId, extra: ['Event: presence', 'Expires: 60', ...extra] });

t.test('server: while saturated, new requests get 503 + Retry-After; work in progress is still served', async (t) => {
  const { peer, saturate, lines } = await loadedServer(t);
  peer.send(rawRequest({ port: peer.port, callId: 'calm' }));
  t.equal((await peer.response('calm')).status, 200, 'OPTIONS answered while calm');

  saturate(0.99);
  t.ok(lines.some((l) => l.msg === 'overload: refusing new requests with 503'));
  for (const [callId, text] of [
    ['new-sub', subscribe(peer.port, 'new-sub')],
    [
      'new-reg',
      rawRequest({ method: 'REGISTER', port: peer.port, callId: 'new-reg', extra: ['Contact: <sip:a@127.0.0.1>'] }),
    ],
    ['new-pub', rawRequest({ method: 'PUBLISH', port: peer.port, callId: 'new-pub', extra: ['Event: presence'] })],
  ] as const) {
    peer.send(text);
    const r = await peer.response(callId);
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

  saturate(0.5);
  t.ok(lines.some((l) => l.msg === 'overload over: accepting new requests' && l.detail?.['refused'] === 3));
  peer.send(subscribe(peer.port, 'after'));
  const after = await peer.response('after');
  t.not(after.status, 503, 'served again once the load fell');
});

t.test('server: overloadPercent 0 never sheds', async (t) => {
  const { peer, saturate } = await loadedServer(t, 0);
  saturate(1);
  saturate(1);
  peer.send(rawRequest({ port: peer.port, callId: 'off' }));
  t.equal((await peer.response('off')).status, 200);
});

t.test('config: overloadPercent is a percentage', (t) => {
  t.equal(testConfig().limits.overloadPercent, 0, 'off by default');
  const bad = validateConfig({ domain: 'example.test', auth: false, limits: { overloadPercent: 101 } });
  t.same(bad, { ok: false, error: 'config: limits.overloadPercent: expected an integer from 0 to 100' });
  t.end();
});
