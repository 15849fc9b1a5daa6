// Notifier.resume options (issue 6) on a recording EventHost and a manual clock: the jitter draws
// decide each hold exactly, flowOf replaces the flow, notifyExpired picks who gets terminated.
import t from 'tap';
import {
  MemorySubscriptionStore,
  Notifier,
  ResourceStates,
  type EventHost,
  type EventPackage,
  type StoredSubscription,
} from '@herald/events';
import { ManualClock, createResponse, type Flow, type SipRequest } from '@herald/sip';

const RES = 'sip:alice@example.test';
const udp: Flow = {
  transport: 'udp',
  local: { address: '127.0.0.1', port: 5060 },
  remote: { address: '192.0.2.1', port: 5062 },
};
const moved: Flow = {
  transport: 'udp',
  local: { address: '127.0.0.1', port: 5060 },
  remote: { address: '192.0.2.9', port: 5070 },
};

const pkg: EventPackage<string> = {
  event: 'test',
  contentTypes: ['text/plain'],
  defaultExpires: 600,
  minExpires: 60,
  maxExpires: 3600,
  minNotifyInterval: 0,
  acceptsPublish: false,
  validatePublish: () => ({ ok: false, status: 415, reason: 'No' }),
  render: (state, _type, ctx) => ({ body: `${state ?? 'none'} v${ctx.version}` }),
};

const sub = (id: string, expiresAt: number): StoredSubscription => ({
  id,
  event: 'test',
  resource: RES,
  watcher: `sip:${id}@example.test`,
  accept: [],
  contentType: 'text/plain',
  dialog: {
    id: { callId: `call-${id}`, localTag: 'l', remoteTag: 'r' },
    state: 'confirmed',
    role: 'uas',
    local: `<${RES}>`,
    remote: `<sip:${id}@example.test>`,
    localSeq: 7,
    remoteSeq: 1,
    remoteTarget: `sip:${id}@192.0.2.1:5062`,
    routeSet: [],
    secure: false,
  },
  flow: udp,
  status: 'active',
  expiresAt,
  version: 4,
  createdAt: 0,
});

t.test('resume: exact jittered holds, flowOf, notifyExpired', async (t) => {
  const clock = new ManualClock(10_000);
  const sent: Array<{ at: number; request: SipRequest; to: unknown }> = [];
  const host: EventHost = {
    clock,
    on: () => undefined,
    request: async (request, options) => {
      sent.push({ at: clock.now(), request, to: options?.to });
      return createResponse(request, 200);
    },
  };
  const store = new MemorySubscriptionStore();
  for (const s of [sub('a', 999_999), sub('b', 999_999), sub('x', 5_000), sub('y', 5_000)]) await store.put(s);
  const states = new ResourceStates();
  const notifier = new Notifier({ host, store, states, packages: [pkg] });
  t.teardown(() => notifier.close());
  const draws = [0.1, 0.5, 0.9];
  const result = await notifier.resume({
    jitterMs: 1000,
    random: () => draws.shift() ?? 0,
    flowOf: (s) => (s.id === 'b' ? moved : s.flow),
    notifyExpired: (s) => s.id === 'x',
  });
  t.equal(result.resumed, 2);
  t.same(result.expired.map((s) => s.id).sort(), ['x', 'y']);
  t.equal(result.notified, 1);
  t.same(await store.get('y'), undefined, 'expired ones leave the store');

  states.set('test', RES, 'on');
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  await flush();
  t.equal(sent.length, 0, 'nothing before the first draw');
  clock.advance(101); // a: 1 + floor(0.1 × 1000)
  await flush();
  clock.advance(400); // b: 1 + floor(0.5 × 1000) = 501
  await flush();
  clock.advance(400); // x (expired): 1 + floor(0.9 × 1000) = 901
  await flush();
  t.same(
    sent.map((s) => [s.at, s.request.callId]),
    [
      [10_101, 'call-a'],
      [10_501, 'call-b'],
      [10_901, 'call-x'],
    ],
  );
  t.same(sent[1]?.to, moved, 'b goes on the flow flowOf gave');
  t.equal(sent[0]?.request.cseq?.seq, 8, 'CSeq continues from the stored 7');
  t.equal(sent[0]?.request.body.toString(), 'on v5', 'version continues from the stored 4');
  t.match(sent[2]?.request.headers.get('Subscription-State'), /^terminated;reason=timeout/);
  t.equal((await store.get('a'))?.version, 5, 'the new version is stored');
});
