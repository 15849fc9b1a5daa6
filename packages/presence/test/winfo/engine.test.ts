// presence.winfo end to end over a loop pair: the presentity's own phone
// watches its watchers; presence subscriptions, approval through the API and
// unsubscribes arrive as partial winfo NOTIFYs with increasing versions;
// a refresh brings full state; strangers are refused.
import t from 'tap';
import {
  Endpoint,
  ManualClock,
  TransportLayer,
  createInDialogRequest,
  createLoopPair,
  createUacDialog,
  type SipRequest,
} from '@herald/sip';
import { EventEngine, MemorySubscriptionStore, type EventPackage } from '@herald/events';
import { createWinfoPackage, parseWatcherinfo, type WatcherinfoDocument } from '@herald/presence';

const SERVER = { transport: 'udp' as const, address: '127.0.0.2', port: 5060 };
const ALICE = 'sip:alice@example.test';
const settle = async (): Promise<void> => {
  for (let i = 0; i < 8; i++) await new Promise<void>((r) => setImmediate(r));
};

/** A stand-in presence package: this test is about who watches, not what they see. */
const presence: EventPackage<string> = {
  event: 'presence',
  contentTypes: ['application/pidf+xml'],
  defaultExpires: 3600,
  minExpires: 60,
  maxExpires: 7200,
  minNotifyInterval: 0,
  acceptsPublish: false,
  render: (state) => ({ body: state ?? 'neutral' }),
};

interface Got {
  readonly event: string;
  readonly state: string;
  readonly body: string;
  readonly callId: string;
}

function world(subscriptionStore = new MemorySubscriptionStore(), clock = new ManualClock(5_000_000)) {
  const [a, b] = createLoopPair({ clock, protocol: 'udp' });
  const phone = new Endpoint({ transport: new TransportLayer({ transports: [a] }), clock });
  const server = new Endpoint({ transport: new TransportLayer({ transports: [b] }), clock });
  const winfo = createWinfoPackage({ clock });
  const engine = new EventEngine({
    host: server,
    packages: [presence, winfo.package],
    subscriptionStore,
    subscriber: false,
    notifier: {
      // Owner-only winfo; carol's presence subscription waits for the owner's decision.
      authorize: winfo.authorize({ next: (i) => (i.watcher === 'sip:carol@example.test' ? 'pending' : 'accept') }),
    },
  });
  winfo.attach(engine.notifier, engine.states);
  const got: Got[] = [];
  phone.on(
    'NOTIFY',
    (inc) => {
      got.push({
        event: inc.request.headers.get('Event') ?? '',
        state: inc.request.headers.get('Subscription-State') ?? '',
        body: inc.request.body.toString(),
        callId: inc.request.headers.get('Call-ID') ?? '',
      });
      inc.respond(200);
    },
    { dialogs: 'handler' },
  );
  const subscribe = async (from: string, event: string, expires = 3600) => {
    const user = /sip:([^@]+)@/.exec(from)?.[1] ?? 'x';
    const req: SipRequest = phone.createRequest({
      method: 'SUBSCRIBE',
      uri: ALICE,
      from: `<${from}>`,
      contact: `<sip:${user}@127.0.0.1:5060>`,
      headers: [
        ['Event', event],
        ['Expires', String(expires)],
        ...(event === 'presence.winfo' ? ([['Accept', 'application/watcherinfo+xml']] as Array<[string, string]>) : []),
      ],
    });
    const res = await phone.request(req, { to: SERVER });
    return { req, res };
  };
  const inDialog = async (sub: Awaited<ReturnType<typeof subscribe>>, event: string, expires: number) => {
    const dialog = createUacDialog(sub.req, sub.res);
    if (!dialog.ok) throw new Error(dialog.reason);
    const r = createInDialogRequest(dialog.dialog, 'SUBSCRIBE', {
      headers: [
        ['Event', event],
        ['Expires', String(expires)],
        ['Contact', '<sip:x@127.0.0.1:5060>'],
      ],
    });
    return phone.request(r.request, { to: SERVER });
  };
  const winfoDocs = (): WatcherinfoDocument[] =>
    got
      .filter((g) => g.event === 'presence.winfo')
      .map((g) => {
        const r = parseWatcherinfo(g.body);
        if (!r.ok) throw new Error(`our own winfo body does not parse: ${r.reason}`);
        return r.value;
      });
  const close = async () => {
    await engine.close();
    await phone.close();
    await server.close();
  };
  return { clock, phone, server, engine, winfo, got, subscribe, inDialog, winfoDocs, close, subscriptionStore };
}

const summary = (d: WatcherinfoDocument | undefined) =>
  d && {
    version: d.version,
    state: d.state,
    watchers: d.lists.flatMap((l) => l.watchers.map((w) => `${w.uri} ${w.status}/${w.event}`)),
  };

t.test('owner watches: subscribe, pending, approve by API, unsubscribe, refresh', async (t) => {
  const w = world();
  const owner = await w.subscribe(ALICE, 'presence.winfo');
  t.equal(owner.res.status, 200);
  await settle();
  t.same(summary(w.winfoDocs()[0]), { version: 0, state: 'full', watchers: [] }, 'initial full, empty');

  // bob watches alice (accepted): a partial winfo NOTIFY with bob active.
  const bob = await w.subscribe('sip:bob@example.test', 'presence');
  t.equal(bob.res.status, 200);
  await settle();
  t.same(summary(w.winfoDocs()[1]), {
    version: 1,
    state: 'partial',
    watchers: ['sip:bob@example.test active/subscribe'],
  });

  // carol's subscription is pending: she gets the neutral presence body; alice sees her pending.
  w.clock.advance(3000);
  const carol = await w.subscribe('sip:carol@example.test', 'presence');
  t.equal(carol.res.status, 200);
  await settle();
  const carolNotify = w.got.filter((g) => g.callId === carol.req.headers.get('Call-ID'));
  t.match(carolNotify[0]?.state ?? '', /^pending/);
  t.equal(carolNotify[0]?.body, 'neutral');
  const pendingDoc = w.winfoDocs()[2];
  t.same(summary(pendingDoc), {
    version: 2,
    state: 'partial',
    watchers: ['sip:carol@example.test pending/subscribe'],
  });
  const carolId = pendingDoc?.lists[0]?.watchers[0]?.id ?? '';
  t.ok(w.engine.notifier.subscription(carolId), 'the winfo id is the subscription id the API approves');

  // The owner (through an API call) approves: partial winfo with carol active/approved; carol goes active.
  t.equal(w.engine.notifier.approve(carolId), true);
  await settle();
  t.same(summary(w.winfoDocs()[3]), {
    version: 3,
    state: 'partial',
    watchers: ['sip:carol@example.test active/approved'],
  });
  const carolAfter = w.got.filter((g) => g.callId === carol.req.headers.get('Call-ID'));
  t.match(carolAfter.at(-1)?.state ?? '', /^active/, "carol's presence subscription turns active");

  // bob unsubscribes: terminated/timeout entry.
  w.clock.advance(2000);
  t.equal((await w.inDialog(bob, 'presence', 0)).status, 200);
  await settle();
  const gone = w.winfoDocs()[4];
  t.same(summary(gone), { version: 4, state: 'partial', watchers: ['sip:bob@example.test terminated/timeout'] });
  t.equal(gone?.lists[0]?.watchers[0]?.durationSubscribed, 5, 'duration-subscribed from the clock');

  // The owner refreshes: full state with carol only, version continues.
  t.equal((await w.inDialog(owner, 'presence.winfo', 3600)).status, 200);
  await settle();
  const full = w.winfoDocs()[5];
  t.same(summary(full), { version: 5, state: 'full', watchers: ['sip:carol@example.test active/approved'] });
  t.equal(full?.lists[0]?.resource, ALICE);
  t.equal(full?.lists[0]?.package, 'presence');
  t.equal(w.winfoDocs().length, 6, 'one winfo NOTIFY per change, no extras');
  t.ok(
    w.got.filter((g) => g.event === 'presence.winfo').every((g) => !g.body.includes('presence.winfo')),
    'the winfo subscription is not listed as a watcher of itself',
  );
  await w.close();
});

t.test('a second winfo subscriber joining later gets the current list in full', async (t) => {
  const w = world();
  await w.subscribe('sip:bob@example.test', 'presence');
  await settle();
  const owner = await w.subscribe(ALICE, 'presence.winfo');
  t.equal(owner.res.status, 200);
  await settle();
  t.same(summary(w.winfoDocs()[0]), {
    version: 0,
    state: 'full',
    watchers: ['sip:bob@example.test active/subscribe'],
  });
  await w.close();
});

t.test('a pending watcher that expires is reported waiting/timeout', async (t) => {
  const w = world();
  await w.subscribe(ALICE, 'presence.winfo');
  await w.subscribe('sip:carol@example.test', 'presence', 60);
  await settle();
  w.clock.advance(61_000);
  await settle();
  t.same(summary(w.winfoDocs().at(-1)), {
    version: 2,
    state: 'partial',
    watchers: ['sip:carol@example.test waiting/timeout'],
  });
  await w.close();
});

t.test('only the presentity may subscribe to its winfo', async (t) => {
  const w = world();
  const stranger = await w.subscribe('sip:mallory@example.test', 'presence.winfo');
  t.equal(stranger.res.status, 403);
  t.equal(stranger.res.reason, 'Only The Presentity May See Its Watchers');
  await settle();
  t.equal(w.got.length, 0);
  await w.close();
});

t.test('after a restart, resync gives the owner the resumed watchers in full, versions continuing', async (t) => {
  const w1 = world();
  await w1.subscribe(ALICE, 'presence.winfo');
  await w1.subscribe('sip:bob@example.test', 'presence');
  await settle();
  const before = w1.winfoDocs().at(-1);
  t.equal(before?.version, 1);
  await w1.close();

  const w2 = world(w1.subscriptionStore, w1.clock);
  await w2.engine.resume();
  w2.winfo.resync(ALICE);
  await settle();
  const after = w2.winfoDocs();
  t.equal(after.length, 1);
  t.same(summary(after[0]), {
    version: 2,
    state: 'full',
    watchers: ['sip:bob@example.test active/approved'],
  });
  await w2.close();
});
