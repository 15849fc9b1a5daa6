import t from 'tap';
import type { ClientSubscriptionState, NotifyEvent, Termination } from '@herald/events';
import { CONTACT, TARGET, advance, presence, settle, setup } from './fixtures/harness.js';

const PIDF =
  '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@127.0.0.2"><tuple id="t"><status><basic>open</basic></status></tuple></presence>';

t.test(
  'initial SUBSCRIBE carries Event/id, Expires, Accept, Contact, Allow-Events, Route and extra headers',
  async (t) => {
    const env = setup({ allowEvents: ['presence', 'dialog'] });
    const sub = env.subscriber.subscribe(
      presence({
        eventId: 'k1',
        accept: ['application/pidf+xml', 'application/xpidf+xml'],
        headers: [['X-Herald', 'dnd-probe']],
        route: ['<sip:127.0.0.2;lr>'],
        expires: 600,
      }),
    );
    await settle();
    t.equal(env.notifier.seen.length, 1);
    const req = env.notifier.seen[0].request;
    t.equal(req.method, 'SUBSCRIBE');
    t.equal(req.requestUri, TARGET);
    t.equal(req.event?.event, 'presence');
    t.equal(req.event?.id, 'k1');
    t.equal(req.expires, 600);
    t.same(req.headers.getAll('Accept'), ['application/pidf+xml', 'application/xpidf+xml']);
    const contact = req.contact;
    t.ok(Array.isArray(contact) && contact[0].uri.raw === CONTACT, 'Contact is ours');
    t.same(req.headers.getAll('Allow-Events'), ['presence', 'dialog']);
    t.equal(req.headers.get('X-Herald'), 'dnd-probe');
    t.equal(req.headers.get('Route'), '<sip:127.0.0.2;lr>');
    t.ok(req.from?.params.get('tag'), 'From has a tag');
    t.notOk(req.to?.params.has('tag'), 'To has no tag');
    t.equal(sub.state, 'pending', '2xx without NOTIFY: pending');
    t.equal(sub.dialog?.remoteTarget, 'sip:bob@127.0.0.2', 'dialog from the 2xx');
    t.equal(sub.expiresAt, env.clock.now() + 600_000);
    await env.close();
  },
);

t.test('each NOTIFY reaches the caller with state, expires, type and body; state events follow', async (t) => {
  const env = setup();
  const notifies: NotifyEvent[] = [];
  const states: ClientSubscriptionState[] = [];
  const sub = env.subscriber.subscribe(presence());
  sub.on('notify', (n) => notifies.push(n));
  sub.on('state', (s) => states.push(s));
  await settle();
  const seen = env.notifier.seen[0];
  t.equal((await env.notifier.notify(seen, 'pending;expires=3600')).status, 200);
  t.equal((await env.notifier.notify(seen, 'active;expires=3500', { body: PIDF })).status, 200);
  t.equal(notifies.length, 2);
  t.equal(notifies[0].state, 'pending');
  t.equal(notifies[0].body.length, 0);
  t.equal(notifies[1].state, 'active');
  t.equal(notifies[1].expires, 3500);
  t.equal(notifies[1].contentType, 'application/pidf+xml');
  t.equal(notifies[1].body.toString(), PIDF);
  t.equal(notifies[1].request.method, 'NOTIFY');
  t.equal(sub.state, 'active');
  t.same(states, ['pending', 'active'], 'subscribing → pending (2xx) → active (NOTIFY), each once');
  await env.close();
});

t.test(
  'refresh goes out in-dialog exactly at expires − resubscribeDelta of the granted (shorter) expiry',
  async (t) => {
    const env = setup();
    env.notifier.fallback = (seen, n) => n.accept(seen, 600); // asked 3600, granted 600
    const sub = env.subscriber.subscribe(presence());
    await settle();
    const start = env.clock.now();
    const first = env.notifier.seen[0].request;
    t.equal(first.expires, 3600);
    t.equal(sub.expiresAt, start + 600_000);
    await advance(env.clock, 570_000 - 1);
    t.equal(env.notifier.seen.length, 1, 'nothing before 570 s');
    await advance(env.clock, 1);
    t.equal(env.notifier.seen.length, 2, 'refresh at 570 s');
    const refresh = env.notifier.seen[1];
    t.equal(refresh.at, start + 570_000);
    t.equal(refresh.request.callId, first.callId, 'same Call-ID');
    t.equal(refresh.request.from?.params.get('tag'), first.from?.params.get('tag'));
    t.ok(refresh.request.to?.params.get('tag'), 'in-dialog: To tag');
    t.equal(refresh.request.cseq?.seq, (first.cseq?.seq ?? 0) + 1, 'CSeq + 1');
    t.equal(refresh.request.requestUri, 'sip:bob@127.0.0.2', 'to the remote target');
    t.equal(refresh.request.expires, 3600, 'still asks for the configured expiry');
    t.equal(sub.expiresAt, start + 1_170_000, 'the refresh 2xx moved the expiry');
    await advance(env.clock, 570_000);
    t.equal(env.notifier.seen.length, 3, 'the next refresh 570 s after the first');
    t.equal(env.notifier.seen[2].at, start + 1_140_000);
    await env.close();
  },
);

t.test('minResubscribeTime: a 40 s grant is refreshed after 30 s, not at 10 s', async (t) => {
  const env = setup();
  env.notifier.fallback = (seen, n) => n.accept(seen, 40);
  env.subscriber.subscribe(presence());
  await settle();
  const start = env.clock.now();
  await advance(env.clock, 29_000);
  t.equal(env.notifier.seen.length, 1);
  await advance(env.clock, 1_000);
  t.equal(env.notifier.seen.length, 2);
  t.equal(env.notifier.seen[1].at, start + 30_000);
  await env.close();
});

t.test("a NOTIFY's Subscription-State expires moves the refresh (RFC 6665 §4.1.3)", async (t) => {
  const env = setup();
  const sub = env.subscriber.subscribe(presence());
  await settle();
  const start = env.clock.now();
  await advance(env.clock, 10_000);
  await env.notifier.notify(env.notifier.seen[0], 'active;expires=100');
  t.equal(sub.expiresAt, start + 110_000);
  await advance(env.clock, 69_000);
  t.equal(env.notifier.seen.length, 1);
  await advance(env.clock, 1_000);
  t.equal(env.notifier.seen.length, 2, 'refreshed at 10 + 100 − 30 s');
  t.equal(env.notifier.seen[1].at, start + 80_000);
  await env.close();
});

t.test('NOTIFY before the 2xx creates the dialog; the 2xx joins it (RFC 6665 §4.1.2.4)', async (t) => {
  const env = setup();
  const notifies: NotifyEvent[] = [];
  env.notifier.fallback = async (seen, n) => {
    const res = await n.notify(seen, 'active;expires=600', {
      body: PIDF,
      headers: [['Record-Route', '<sip:127.0.0.2;lr>']],
    });
    t.equal(res.status, 200, 'the early NOTIFY is accepted');
    t.ok(sub.dialog, 'dialog exists before the 2xx');
    t.equal(sub.dialog?.remoteTarget, 'sip:bob@127.0.0.2', 'remote target from the NOTIFY Contact');
    t.same(sub.dialog?.routeSet, ['<sip:127.0.0.2;lr>'], 'route set from its Record-Route');
    t.equal(sub.state, 'active');
    n.accept(seen, 600);
  };
  const sub = env.subscriber.subscribe(presence());
  sub.on('notify', (n) => notifies.push(n));
  await settle(200);
  t.equal(notifies.length, 1);
  t.equal(notifies[0].body.toString(), PIDF);
  const first = env.notifier.seen[0].request;
  t.equal(sub.dialog?.id.callId, first.callId);
  t.equal(sub.dialog?.id.remoteTag, env.notifier.seen[0].incoming.toTag, 'one dialog, the notifier tag');
  t.ok(sub.expiresAt, 'the 2xx set the expiry');
  await advance(env.clock, 570_000);
  t.equal(env.notifier.seen.length, 2, 'refresh in the NOTIFY-made dialog');
  const refresh = env.notifier.seen[1].request;
  t.equal(refresh.callId, first.callId);
  t.equal(refresh.to?.params.get('tag'), env.notifier.seen[0].incoming.toTag);
  t.equal(refresh.cseq?.seq, (first.cseq?.seq ?? 0) + 1, 'CSeq continues from the initial SUBSCRIBE');
  t.equal(refresh.headers.get('Route'), '<sip:127.0.0.2;lr>');
  await env.close();
});

t.test('423 → asked again at once with Min-Expires', async (t) => {
  const env = setup();
  env.notifier.scripts.push(
    (seen) => void seen.incoming.respond(423, 'Interval Too Brief', { headers: [['Min-Expires', '1800']] }),
  );
  const sub = env.subscriber.subscribe(presence({ expires: 60 }));
  await settle(200);
  t.equal(env.notifier.seen.length, 2);
  t.equal(env.notifier.seen[0].request.expires, 60);
  t.equal(env.notifier.seen[1].request.expires, 1800);
  t.equal(env.notifier.seen[1].at, env.notifier.seen[0].at, 'at once');
  t.equal(sub.state, 'pending');
  t.equal(sub.requestedExpires, 1800);
  t.equal(sub.expiresAt, env.clock.now() + 1_800_000);
  await env.close();
});

t.test('401 is answered with credentials', async (t) => {
  const { DigestClient, DigestServer } = await import('@herald/sip');
  const env = setup();
  const digest = new DigestServer({
    realm: 'bob.test',
    clock: env.clock,
    lookup: (u) => (u === 'herald' ? { password: 'secret' } : undefined),
  });
  const users: string[] = [];
  env.notifier.fallback = async (seen, n) => {
    const verdict = await digest.verify(seen.request);
    if (verdict.ok) {
      users.push(verdict.username);
      n.accept(seen);
      return;
    }
    const c = digest.challenge(seen.request, { stale: verdict.stale });
    seen.incoming.respond(c.status, undefined, { headers: c.values.map((v): [string, string] => [c.header, v]) });
  };
  const sub = env.subscriber.subscribe(
    presence({ credentials: new DigestClient({ username: 'herald', password: 'secret' }) }),
  );
  await settle(300);
  t.equal(env.notifier.seen.length, 2, 'challenged, then retried');
  t.notOk(env.notifier.seen[0].request.headers.has('Authorization'));
  t.ok(env.notifier.seen[1].request.headers.has('Authorization'));
  t.same(users, ['herald']);
  t.equal(sub.state, 'pending');
  t.ok(sub.dialog);
  // The refresh must continue the CSeq past the authenticated retry.
  await advance(env.clock, 3_570_000, 10_000);
  const refresh = env.notifier.seen.find((s, i) => i >= 2);
  t.ok(refresh, 'refreshed');
  t.ok(
    (refresh?.request.cseq?.seq ?? 0) > (env.notifier.seen[1].request.cseq?.seq ?? 0),
    'refresh CSeq above the retried one',
  );
  t.equal(sub.state, 'pending', 'still subscribed after the (challenged) refresh');
  await env.close();
});

t.test('a refresh answered 481 → resubscribe from scratch with a new dialog', async (t) => {
  const env = setup();
  const ends: Termination[] = [];
  const sub = env.subscriber.subscribe(presence({ expires: 600 }));
  sub.on('terminated', (e) => ends.push(e));
  await settle();
  const first = env.notifier.seen[0].request;
  env.notifier.scripts.push((seen) => void seen.incoming.respond(481, 'Subscription Does Not Exist'));
  await advance(env.clock, 570_000);
  t.equal(env.notifier.seen.length, 3, 'refresh, then a new initial SUBSCRIBE');
  const again = env.notifier.seen[2].request;
  t.equal(env.notifier.seen[2].at, env.notifier.seen[1].at, 'at once');
  t.not(again.callId, first.callId, 'new Call-ID');
  t.notOk(again.to?.params.has('tag'), 'out of dialog');
  t.same(ends, [{ reason: 'failed', status: 481, retry: true }]);
  t.equal(sub.dialog?.id.callId, again.callId);
  t.equal(sub.state, 'pending');
  // A NOTIFY of the dead dialog now gets 481.
  const stale = await env.notifier.notify(env.notifier.seen[0], 'active');
  t.equal(stale.status, 481);
  await env.close();
});

t.test('terminated;reason=deactivated → resubscribe; rejected and noresource → no resubscribe', async (t) => {
  t.test('deactivated', async (t) => {
    const env = setup();
    const ends: Termination[] = [];
    const sub = env.subscriber.subscribe(presence());
    sub.on('terminated', (e) => ends.push(e));
    await settle();
    await advance(env.clock, 60_000);
    const res = await env.notifier.notify(env.notifier.seen[0], 'terminated;reason=deactivated');
    t.equal(res.status, 200);
    await settle();
    t.equal(env.notifier.seen.length, 2, 'resubscribed at once');
    t.not(env.notifier.seen[1].request.callId, env.notifier.seen[0].request.callId);
    t.same(ends, [{ reason: 'deactivated', retry: true }]);
    t.equal(sub.state, 'pending');
    await env.close();
  });
  t.test('deactivated right after subscribing waits minResubscribeTime (no storm)', async (t) => {
    const env = setup();
    env.subscriber.subscribe(presence());
    await settle();
    const start = env.clock.now();
    await env.notifier.notify(env.notifier.seen[0], 'terminated;reason=deactivated');
    await settle();
    t.equal(env.notifier.seen.length, 1);
    await advance(env.clock, 30_000);
    t.equal(env.notifier.seen.length, 2);
    t.equal(env.notifier.seen[1].at, start + 30_000);
    await env.close();
  });
  t.test('timeout / probation with retry-after / no reason resubscribe', async (t) => {
    for (const [value, wait] of [
      ['terminated;reason=timeout', 0],
      ['terminated;reason=probation;retry-after=90', 90_000],
      ['terminated', 0],
      ['terminated;reason=giveup;retry-after=45', 45_000],
    ] as const) {
      const env = setup();
      env.subscriber.subscribe(presence());
      await settle();
      await advance(env.clock, 60_000);
      const at = env.clock.now();
      await env.notifier.notify(env.notifier.seen[0], value);
      await settle();
      if (wait > 0) {
        t.equal(env.notifier.seen.length, 1, `${value}: waits`);
        await advance(env.clock, wait);
      }
      t.equal(env.notifier.seen.length, 2, `${value}: resubscribed`);
      t.equal(env.notifier.seen[1]?.at, at + wait, `${value}: after ${wait} ms`);
      await env.close();
    }
  });
  for (const reason of ['rejected', 'noresource', 'invariant']) {
    t.test(reason, async (t) => {
      const env = setup();
      const sub = env.subscriber.subscribe(presence());
      const notifies: NotifyEvent[] = [];
      sub.on('notify', (n) => notifies.push(n));
      await settle();
      await env.notifier.notify(env.notifier.seen[0], `terminated;reason=${reason}`);
      const end = await sub.whenTerminated();
      t.same(end, { reason, retry: false, retryAfter: undefined });
      t.equal(notifies[0]?.state, 'terminated');
      t.equal(notifies[0]?.reason, reason);
      await advance(env.clock, 7_200_000, 60_000);
      t.equal(env.notifier.seen.length, 1, 'never resubscribed');
      t.equal(sub.state, 'terminated');
      t.equal(env.subscriber.subscriptions.length, 0);
      await env.close();
    });
  }
  t.end();
});

t.test('489 / 405 / 403 / 404 / 603 to the SUBSCRIBE: terminated, no retry, status exposed', async (t) => {
  for (const status of [489, 405, 403, 404, 603]) {
    const env = setup();
    env.notifier.fallback = (seen) => void seen.incoming.respond(status);
    const sub = env.subscriber.subscribe(presence({ event: 'dialog' }));
    const end = await sub.whenTerminated();
    t.same(end, { reason: 'failed', status, retry: false }, `${status}`);
    t.equal(sub.termination?.status, status);
    await advance(env.clock, 3_600_000, 60_000);
    t.equal(env.notifier.seen.length, 1, `${status}: never retried`);
    await env.close();
  }
});

t.test('503 and timeouts → retry after onErrorRetryTime', async (t) => {
  t.test('503', async (t) => {
    const env = setup();
    env.notifier.scripts.push((seen) => void seen.incoming.respond(503));
    const ends: Termination[] = [];
    const sub = env.subscriber.subscribe(presence());
    sub.on('terminated', (e) => ends.push(e));
    await settle();
    t.same(ends, [{ reason: 'failed', status: 503, retry: true, retryAfter: undefined }]);
    t.equal(sub.state, 'retrying');
    await advance(env.clock, 119_000);
    t.equal(env.notifier.seen.length, 1);
    await advance(env.clock, 1_000);
    t.equal(env.notifier.seen.length, 2, 'retried after 120 s');
    t.equal(env.notifier.seen[1].at - env.notifier.seen[0].at, 120_000);
    t.equal(sub.state, 'pending');
    await env.close();
  });
  t.test('503 with Retry-After', async (t) => {
    const env = setup({ onErrorRetryTime: 300 });
    env.notifier.scripts.push((seen) => void seen.incoming.respond(503, 'Busy', { headers: [['Retry-After', '20']] }));
    env.subscriber.subscribe(presence());
    await settle();
    await advance(env.clock, 20_000);
    t.equal(env.notifier.seen.length, 2, 'Retry-After wins');
    await env.close();
  });
  t.test('timeout (local 408)', async (t) => {
    const env = setup();
    env.a.drop = true; // every SUBSCRIBE is lost: Timer F fires after 64*T1
    const ends: Termination[] = [];
    const sub = env.subscriber.subscribe(presence({ onErrorRetryTime: 60 }));
    sub.on('terminated', (e) => ends.push(e));
    await settle();
    await advance(env.clock, 32_000, 500);
    t.equal(ends[0]?.status, 408);
    t.equal(ends[0]?.retry, true);
    env.a.drop = false;
    await advance(env.clock, 59_500, 500);
    t.equal(env.notifier.seen.length, 0);
    await advance(env.clock, 500, 500);
    t.equal(env.notifier.seen.length, 1, 'retried 60 s after the timeout');
    t.equal(sub.state, 'pending');
    await env.close();
  });
  t.test('a refresh answered 503 keeps the subscription and retries the refresh', async (t) => {
    const env = setup();
    const errors: unknown[] = [];
    const sub = env.subscriber.subscribe(presence({ expires: 600, onErrorRetryTime: 10 }));
    sub.on('error', (e) => errors.push(e));
    await settle();
    env.notifier.scripts.push((seen) => void seen.incoming.respond(503));
    await advance(env.clock, 570_000);
    t.equal(env.notifier.seen.length, 2);
    t.equal(sub.state, 'pending', 'still subscribed');
    t.same(errors, [{ message: 'refresh failed with 503', status: 503 }]);
    await advance(env.clock, 10_000);
    t.equal(env.notifier.seen.length, 3, 'refresh retried');
    t.equal(env.notifier.seen[2].request.callId, env.notifier.seen[0].request.callId, 'same dialog');
    await env.close();
  });
  t.end();
});

t.test('unsubscribe: Expires 0 in-dialog, ends on the terminated NOTIFY', async (t) => {
  const env = setup();
  const sub = env.subscriber.subscribe(presence());
  const states: ClientSubscriptionState[] = [];
  sub.on('state', (s) => states.push(s));
  await settle();
  await env.notifier.notify(env.notifier.seen[0], 'active;expires=3600');
  env.notifier.scripts.push(async (seen, n) => {
    n.accept(seen, 0);
    await n.notify(seen, 'terminated;reason=timeout');
  });
  const done = sub.unsubscribe();
  t.equal(sub.state, 'unsubscribing');
  const end = await done;
  t.same(end, { reason: 'unsubscribed', retry: false });
  const unsub = env.notifier.seen[1].request;
  t.equal(unsub.expires, 0);
  t.equal(unsub.callId, env.notifier.seen[0].request.callId);
  t.ok(unsub.to?.params.get('tag'));
  t.same(states, ['pending', 'active', 'unsubscribing', 'terminated']);
  await advance(env.clock, 7_200_000, 60_000);
  t.equal(env.notifier.seen.length, 2, 'no refresh or resubscribe afterwards');
  await env.close();
});

t.test('waitForTerminalNotify: no terminated NOTIFY → give up after it', async (t) => {
  const env = setup();
  const sub = env.subscriber.subscribe(presence({ waitForTerminalNotify: 30 }));
  await settle();
  let ended = false;
  void sub.whenTerminated().then(() => (ended = true));
  const at = env.clock.now();
  void sub.unsubscribe();
  await settle();
  t.equal(env.notifier.seen[1].request.expires, 0);
  await advance(env.clock, 29_000);
  t.notOk(ended);
  t.equal(sub.state, 'unsubscribing');
  await advance(env.clock, 1_000);
  t.ok(ended);
  t.equal(sub.state, 'terminated');
  t.equal(env.clock.now() - at, 30_000);
  await env.close();
});

t.test('unsubscribe before the 2xx waits for it, then unsubscribes', async (t) => {
  const env = setup();
  let answer: (() => void) | undefined;
  env.notifier.scripts.push((seen, n) => void (answer = () => n.accept(seen)));
  const sub = env.subscriber.subscribe(presence());
  await settle();
  void sub.unsubscribe();
  t.equal(sub.state, 'subscribing');
  answer?.();
  await settle();
  t.equal(env.notifier.seen.length, 2);
  t.equal(env.notifier.seen[1].request.expires, 0);
  t.equal(sub.state, 'unsubscribing');
  await env.close();
});

t.test(
  'NOTIFY answers: unknown → 481, wrong Event → 489, no Subscription-State → 400, another fork → 481',
  async (t) => {
    const env = setup();
    const notifies: NotifyEvent[] = [];
    const sub = env.subscriber.subscribe(presence({ eventId: '7' }));
    sub.on('notify', (n) => notifies.push(n));
    await settle();
    const seen = env.notifier.seen[0];
    t.equal((await env.notifier.notify(seen, 'active', { event: 'dialog;id=7' })).status, 489, 'wrong package');
    t.equal((await env.notifier.notify(seen, 'active', { event: 'presence;id=8' })).status, 481, 'wrong id');
    t.equal((await env.notifier.notify(seen, 'active', { omitState: true })).status, 400, 'no Subscription-State');
    t.equal((await env.notifier.notify(seen, 'active')).status, 200);
    // A NOTIFY of a dialog we never made.
    const stray = env.bob.createRequest({
      method: 'NOTIFY',
      uri: CONTACT,
      from: '<sip:bob@127.0.0.2>',
      to: '<sip:herald@127.0.0.1>;tag=nosuch',
      contact: '<sip:bob@127.0.0.2>',
      headers: [
        ['Event', 'presence'],
        ['Subscription-State', 'active'],
      ],
    });
    t.equal((await env.bob.request(stray)).status, 481, 'unknown subscription');
    // Another fork: same Call-ID and our tag, another remote tag.
    const fork = env.bob.createRequest({
      method: 'NOTIFY',
      uri: CONTACT,
      from: '<sip:bob@127.0.0.2>;tag=otherfork',
      to: seen.request.headers.get('From') ?? '',
      callId: seen.request.callId,
      contact: '<sip:bob2@127.0.0.2>',
      headers: [
        ['Event', 'presence;id=7'],
        ['Subscription-State', 'active'],
      ],
    });
    t.equal((await env.bob.request(fork)).status, 481, 'second fork refused, first dialog kept');
    t.equal(notifies.length, 1, 'only the good NOTIFY was delivered');
    t.equal(sub.dialog?.remoteTarget, 'sip:bob@127.0.0.2');
    await env.close();
  },
);

t.test('maxSubscribeDelay with a seeded random delays the first SUBSCRIBE', async (t) => {
  let seed = 42;
  // A tiny LCG: deterministic, so the delay is known.
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const expected = [42].map(() => {
    const s = (42 * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((s / 2 ** 31) * 10_000);
  })[0];
  const env = setup({ maxSubscribeDelay: 10, random });
  const start = env.clock.now();
  const sub = env.subscriber.subscribe(presence());
  t.equal(sub.state, 'idle');
  await settle();
  t.equal(env.notifier.seen.length, 0);
  await advance(env.clock, expected - 1, 1);
  t.equal(env.notifier.seen.length, 0);
  await advance(env.clock, 1, 1);
  t.equal(env.notifier.seen.length, 1);
  t.equal(env.notifier.seen[0].at, start + expected);
  t.ok(expected > 0 && expected < 10_000);
  await env.close();
});

t.test('close(): timers cancelled; close({ unsubscribe: true }) unsubscribes everything', async (t) => {
  const env = setup();
  const sub = env.subscriber.subscribe(presence({ expires: 600 }));
  await settle();
  await env.subscriber.close();
  t.equal(sub.state, 'terminated');
  t.same(sub.termination, { reason: 'closed', retry: false });
  await advance(env.clock, 1_200_000, 60_000);
  t.equal(env.notifier.seen.length, 1, 'no refresh after close');
  t.throws(() => env.subscriber.subscribe(presence()));
  await env.close();

  const env2 = setup();
  const s1 = env2.subscriber.subscribe(presence());
  const s2 = env2.subscriber.subscribe(presence({ event: 'dialog' }));
  await settle();
  env2.notifier.fallback = async (seen, n) => {
    n.accept(seen, 0);
    await n.notify(seen, 'terminated');
  };
  await env2.subscriber.close({ unsubscribe: true });
  t.same(
    env2.notifier.seen.slice(2).map((s) => s.request.expires),
    [0, 0],
  );
  t.equal(s1.termination?.reason, 'unsubscribed');
  t.equal(s2.termination?.reason, 'unsubscribed');
  await env2.close();
});

t.test('listeners: once/off work, and a throwing listener becomes an error event, never a broken NOTIFY', async (t) => {
  const env = setup();
  const sub = env.subscriber.subscribe(presence());
  const errors: string[] = [];
  let onceCount = 0;
  let offCount = 0;
  sub.on('error', (e) => errors.push(e.message));
  sub.once('notify', () => onceCount++);
  const off = sub.on('notify', () => offCount++);
  sub.on('notify', () => {
    throw new Error('listener bug');
  });
  await settle();
  t.equal((await env.notifier.notify(env.notifier.seen[0], 'active')).status, 200);
  off();
  t.equal((await env.notifier.notify(env.notifier.seen[0], 'active')).status, 200);
  t.equal(onceCount, 1);
  t.equal(offCount, 1);
  t.equal(sub.listenerCount('notify'), 1);
  t.same(errors, ['notify listener failed: Error: listener bug', 'notify listener failed: Error: listener bug']);
  t.equal(sub.state, 'active');
  await env.close();
});

t.test(
  'destination (outbound proxy) carries every SUBSCRIBE; an unroutable target is retried like a 503',
  async (t) => {
    const env = setup();
    const proxy = { transport: 'udp' as const, address: '127.0.0.2', port: 5060 };
    const sub = env.subscriber.subscribe(
      presence({ target: 'sip:bob@phone.example.invalid', destination: proxy, expires: 600 }),
    );
    await settle();
    t.equal(env.notifier.seen.length, 1, 'sent to the proxy, not to DNS');
    t.equal(env.notifier.seen[0].request.requestUri, 'sip:bob@phone.example.invalid');
    sub.refresh();
    await settle();
    t.equal(env.notifier.seen.length, 2, 'refresh() sends at once, through the proxy too');
    t.equal(env.notifier.seen[1].request.callId, env.notifier.seen[0].request.callId);
    await env.close();

    const env2 = setup();
    const errors: string[] = [];
    const ends: Termination[] = [];
    const bad = env2.subscriber.subscribe(presence({ target: 'tel:+15551234', onErrorRetryTime: 5 }));
    bad.on('error', (e) => errors.push(e.message));
    bad.on('terminated', (e) => ends.push(e));
    await settle();
    t.match(errors[0], /SUBSCRIBE not sent/);
    t.same(ends, [{ reason: 'failed', status: 503, retry: true, retryAfter: undefined }]);
    t.equal(bad.state, 'retrying');
    await env2.close();
  },
);

t.test('a 2xx without Contact cannot make a dialog: retried after onErrorRetryTime', async (t) => {
  const env = setup();
  env.notifier.scripts.push((seen) => void seen.incoming.respond(200, 'OK', { headers: [['Expires', '600']] }));
  const ends: Termination[] = [];
  const sub = env.subscriber.subscribe(presence({ onErrorRetryTime: 10 }));
  sub.on('terminated', (e) => ends.push(e));
  await settle();
  t.same(ends, [{ reason: 'failed', status: 200, retry: true, retryAfter: undefined }]);
  t.equal(sub.dialog, undefined);
  await advance(env.clock, 10_000);
  t.equal(env.notifier.seen.length, 2);
  t.equal(sub.state, 'pending', 'the second attempt made it');
  await env.close();
});

t.test("another fork's 2xx after a NOTIFY-made dialog: the first dialog is kept", async (t) => {
  const env = setup();
  env.notifier.fallback = async (seen, n) => {
    await n.notify(seen, 'active;expires=600');
    // Answer as if from another fork: a To tag other than the NOTIFY's From tag.
    const response = seen.incoming.createResponse(200, 'OK', {
      headers: [
        ['Contact', '<sip:fork2@127.0.0.2>'],
        ['Expires', '600'],
      ],
    });
    response.headers.set('To', `${seen.request.headers.get('To') ?? ''};tag=fork2`);
    seen.incoming.send(response);
  };
  const sub = env.subscriber.subscribe(presence());
  await settle(200);
  t.equal(sub.dialog?.id.remoteTag, env.notifier.seen[0].incoming.toTag);
  t.equal(sub.dialog?.remoteTarget, 'sip:bob@127.0.0.2', 'not the second fork');
  t.equal(sub.state, 'active');
  t.ok(sub.expiresAt);
  await env.close();
});

t.test('a NOTIFY with a CSeq below the last one gets 500 and is not delivered (RFC 3261 §12.2.2)', async (t) => {
  const env = setup();
  const notifies: NotifyEvent[] = [];
  const sub = env.subscriber.subscribe(presence());
  sub.on('notify', (n) => notifies.push(n));
  await settle();
  const seen = env.notifier.seen[0];
  t.equal((await env.notifier.notify(seen, 'active')).status, 200);
  const dialog = env.notifier.dialogOf(seen);
  env.notifier.dialogs.set(dialog.id.callId, { ...dialog, localSeq: (dialog.localSeq ?? 10) - 5 });
  t.equal((await env.notifier.notify(seen, 'terminated;reason=rejected')).status, 500);
  t.equal(notifies.length, 1);
  t.equal(sub.state, 'active', 'the stale NOTIFY changed nothing');
  await env.close();
});
