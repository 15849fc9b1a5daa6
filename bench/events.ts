/**
 * Event engine throughput (`npx tsx --conditions=@herald/source bench/events.ts`):
 * 1. subscriptions created and terminated per second through the Notifier on
 *    the in-memory loop transport (SUBSCRIBE → 200 → NOTIFY → 200, then
 *    SUBSCRIBE Expires: 0 → 200 → terminated NOTIFY → 200);
 * 2. NOTIFY fan-out: one state change to a resource with 1,000 watchers, time
 *    until all 1,000 NOTIFYs are handed to the transport.
 * One line per figure.
 */
import {
  Endpoint,
  TransportLayer,
  createInDialogRequest,
  createLoopPair,
  createUacDialog,
  systemClock,
  type SipRequest,
} from '@herald/sip';
import { MemorySubscriptionStore, Notifier, ResourceStates, type EventPackage } from '@herald/events';

const pkg: EventPackage<string> = {
  event: 'bench',
  contentTypes: ['text/plain'],
  defaultExpires: 3600,
  minExpires: 0,
  maxExpires: 3600,
  minNotifyInterval: 0,
  acceptsPublish: false,
  render: (state, _type, ctx) => ({ body: `${state ?? 'neutral'} v${ctx.version}` }),
};

const SERVER = { transport: 'tcp' as const, address: '127.0.0.2', port: 5060 };

function setup() {
  // TCP semantics: no retransmission timers, so the figures measure the engine, not Timer E.
  const [a, b] = createLoopPair({ clock: systemClock, protocol: 'tcp' });
  const phone = new Endpoint({ transport: new TransportLayer({ transports: [a] }), clock: systemClock });
  const server = new Endpoint({ transport: new TransportLayer({ transports: [b] }), clock: systemClock });
  const states = new ResourceStates();
  const store = new MemorySubscriptionStore();
  const notifier = new Notifier({ host: server, store, states, packages: [pkg] });
  let notifies = 0;
  phone.on(
    'NOTIFY',
    (incoming) => {
      notifies++;
      incoming.respond(200);
    },
    { dialogs: 'handler' },
  );
  return { a, b, phone, server, states, notifier, notifies: () => notifies };
}

function subscribe(phone: Endpoint, user: string, expires: number): SipRequest {
  return phone.createRequest({
    method: 'SUBSCRIBE',
    uri: `sip:${user}@127.0.0.2`,
    from: '<sip:watcher@127.0.0.1>',
    contact: '<sip:watcher@127.0.0.1:5060;transport=tcp>',
    headers: [
      ['Event', 'bench'],
      ['Expires', String(expires)],
    ],
  });
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function cycles(): Promise<void> {
  const env = setup();
  const total = 2000;
  const parallel = 50;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const req = subscribe(env.phone, `r${i % 100}`, 600);
      const res = await env.phone.request(req, { to: SERVER });
      const dialog = createUacDialog(req, res);
      if (res.status !== 200 || !dialog.ok) throw new Error(`subscribe failed: ${res.status}`);
      const un = createInDialogRequest(dialog.dialog, 'SUBSCRIBE', {
        headers: [
          ['Event', 'bench'],
          ['Expires', '0'],
          ['Contact', '<sip:watcher@127.0.0.1:5060;transport=tcp>'],
        ],
      });
      const r2 = await env.phone.request(un.request, { to: SERVER });
      if (r2.status !== 200) throw new Error(`unsubscribe failed: ${r2.status}`);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: parallel }, worker));
  // Wait for the last terminal NOTIFYs to be answered.
  while (env.notifies() < 2 * total || env.notifier.size > 0) await settle();
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `events subscribe+unsubscribe  ${Math.round(total / seconds).toLocaleString('en-US')} subscriptions/s (full cycle, 4 NOTIFY-side messages each, loop transport, ${parallel} in parallel)`,
  );
  env.notifier.close();
  await env.phone.close();
  await env.server.close();
}

async function fanOut(): Promise<void> {
  const env = setup();
  const watchers = 1000;
  for (let i = 0; i < watchers; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, () => env.phone.request(subscribe(env.phone, 'hot', 3600), { to: SERVER })),
    );
  }
  while (env.notifies() < watchers) await settle();
  // LoopTransport.sent records every message handed to the transport; scan only what is new.
  let scanned = env.b.sent.length;
  let handed = 0;
  const start = performance.now();
  env.states.set('bench', 'sip:hot@127.0.0.2', 'changed');
  while (handed < watchers) {
    for (; scanned < env.b.sent.length; scanned++) {
      const m = env.b.sent[scanned];
      if (m.kind === 'request' && m.method === 'NOTIFY') handed++;
    }
    if (handed < watchers) await settle();
  }
  const ms = performance.now() - start;
  console.log(
    `events NOTIFY fan-out         ${watchers} watchers: all NOTIFYs handed to the transport in ${ms.toFixed(1)} ms`,
  );
  while (env.notifies() < 2 * watchers) await settle();
  env.notifier.close();
  await env.phone.close();
  await env.server.close();
}

await cycles();
await fanOut();
