/**
 * Test bench for the notifier: a "phone" Endpoint and a Herald Endpoint
 * running a Notifier, over an in-memory loop pair on a ManualClock. The phone
 * answers NOTIFYs (200 unless told otherwise) and records them.
 */
import {
  Endpoint,
  ManualClock,
  TransportLayer,
  createInDialogRequest,
  createLoopPair,
  createUacDialog,
  type Dialog,
  type IncomingRequest,
  type LoopTransport,
  type SipRequest,
  type SipResponse,
} from '@herald/sip';
import {
  MemorySubscriptionStore,
  Notifier,
  ResourceStates,
  type EventPackage,
  type NotifierOptions,
} from '@herald/events';

/** Where the phone sends: the server end of the loop. */
export const SERVER = { transport: 'udp' as const, address: '127.0.0.2', port: 5060 };

/** The test package: text/plain bodies naming the resource, state, fullness, version and deltas. */
export function testPackage(overrides: Partial<EventPackage<string, string>> = {}): EventPackage<string, string> {
  return {
    event: 'test',
    contentTypes: ['text/plain', 'application/x-test'],
    defaultExpires: 600,
    minExpires: 60,
    maxExpires: 3600,
    minNotifyInterval: 0,
    acceptsPublish: false,
    render(state, contentType, ctx) {
      const delta = ctx.delta ? ` delta=${ctx.delta.join(',')}` : '';
      return { body: `${state ?? 'neutral'} ${ctx.full ? 'full' : 'partial'} v${ctx.version} ${contentType}${delta}` };
    },
    ...overrides,
  };
}

/** Lets queued microtasks and immediates (loop deliveries, store writes) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface BenchOptions extends Partial<Omit<NotifierOptions, 'host' | 'states' | 'store'>> {
  protocol?: 'udp' | 'tcp';
  store?: MemorySubscriptionStore;
  states?: ResourceStates;
  clock?: ManualClock;
}

/** Builds the bench. Close with `bench.close()`. */
export function bench(options: BenchOptions = {}) {
  const clock = options.clock ?? new ManualClock(1_000_000);
  const [a, b] = createLoopPair({ clock, protocol: options.protocol ?? 'udp' });
  const phone = new Endpoint({ transport: new TransportLayer({ transports: [a] }), clock, userAgent: 'test-phone' });
  const server = new Endpoint({ transport: new TransportLayer({ transports: [b] }), clock, userAgent: 'herald' });
  const store = options.store ?? new MemorySubscriptionStore();
  const states = options.states ?? new ResourceStates();
  const notifier = new Notifier({ packages: [testPackage()], ...options, host: server, store, states });
  const notifies: SipRequest[] = [];
  /** NOTIFYs the phone has not answered yet (the answer function returned undefined). */
  const held: IncomingRequest[] = [];
  const dest = { ...SERVER, transport: options.protocol ?? 'udp' };
  /** Status the phone answers each NOTIFY with (default 200). */
  let answer: (notify: SipRequest) => number | undefined = () => 200;
  phone.on(
    'NOTIFY',
    (incoming) => {
      notifies.push(incoming.request);
      const status = answer(incoming.request);
      if (status !== undefined) incoming.respond(status);
      else held.push(incoming);
    },
    { dialogs: 'handler' },
  );
  return {
    clock,
    dest,
    phoneTransport: a as LoopTransport,
    serverTransport: b as LoopTransport,
    phone,
    server,
    store,
    states,
    notifier,
    notifies,
    held,
    setAnswer(fn: (notify: SipRequest) => number | undefined) {
      answer = fn;
    },
    /** Sends an initial SUBSCRIBE; extra headers replace the defaults of the same name. */
    subscribe(headers: Array<[string, string]> = [], uri = 'sip:bob@127.0.0.2'): Promise<Subscribed> {
      const request = subscribeRequest(phone, headers, uri);
      return phone.request(request, { to: dest }).then((response) => ({ request, response }));
    },
    async close(): Promise<void> {
      notifier.close();
      await phone.close();
      await server.close();
    },
  };
}

export type Bench = ReturnType<typeof bench>;

export interface Subscribed {
  request: SipRequest;
  response: SipResponse;
}

const DEFAULTS: Array<[string, string]> = [
  ['Event', 'test'],
  ['Expires', '600'],
  ['Accept', 'text/plain'],
];

/** An initial SUBSCRIBE from alice to `uri`. */
export function subscribeRequest(
  phone: Endpoint,
  headers: Array<[string, string]>,
  uri = 'sip:bob@127.0.0.2',
): SipRequest {
  const names = new Set(headers.map(([n]) => n.toLowerCase()));
  const merged = [
    ...DEFAULTS.filter(([n]) => !names.has(n.toLowerCase())),
    ...headers.filter(([, v]) => v !== '<omit>'),
  ];
  return phone.createRequest({
    method: 'SUBSCRIBE',
    uri,
    from: '"Alice" <sip:alice@127.0.0.1>',
    contact: '<sip:alice@127.0.0.1:5060>',
    headers: merged,
  });
}

/** The phone's view of the subscription dialog, to send refreshes in. */
export function phoneDialog(s: Subscribed): Dialog {
  const d = createUacDialog(s.request, s.response);
  if (!d.ok) throw new Error(d.reason);
  return d.dialog;
}

/** An in-dialog SUBSCRIBE (refresh / unsubscribe); returns the request and the advanced dialog. */
export function inDialogSubscribe(
  dialog: Dialog,
  headers: Array<[string, string]>,
): { request: SipRequest; dialog: Dialog } {
  return createInDialogRequest(dialog, 'SUBSCRIBE', {
    headers: [['Contact', '<sip:alice@127.0.0.1:5060>'], ...headers],
  });
}

/** Header shortcut. */
export const h = (m: SipRequest | SipResponse, name: string): string | undefined =>
  m.headers.has(name) ? m.headers.getAll(name).join(', ') : undefined;
