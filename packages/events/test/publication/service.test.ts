// PublicationService over a loop pair with real PUBLISH messages (RFC 3903).
import t from 'tap';
import {
  ALICE,
  STATE_TYPE,
  advance,
  doc,
  publish,
  recordingCompose,
  composeCalls,
  settle,
  setup,
  testPackage,
} from './fixtures/harness.js';
import type { TestState } from './fixtures/harness.js';

t.test('ETag lifecycle: initial → refresh → modify → remove, a new ETag each time, old ones 412', async (t) => {
  const h = setup();
  t.teardown(() => h.close());

  const initial = await publish(h, { expires: 120, body: doc('open') });
  t.equal(initial.status, 200);
  const e1 = initial.headers.get('SIP-ETag');
  t.ok(e1, '200 carries SIP-ETag');
  t.equal(initial.headers.get('Expires'), '120', '200 carries the granted Expires');
  t.same(h.states.get('test-state', ALICE), { status: 'open' }, 'state is the parsed body');

  const refresh = await publish(h, { expires: 300, etag: e1 });
  t.equal(refresh.status, 200);
  const e2 = refresh.headers.get('SIP-ETag');
  t.ok(e2);
  t.not(e2, e1, 'refresh mints a new ETag (RFC 3903 §4.1)');
  t.equal(refresh.headers.get('Expires'), '300');
  t.equal((await publish(h, { etag: e1 })).status, 412, 'the refreshed ETag is no longer valid');

  const modify = await publish(h, { etag: e2, body: doc('busy') });
  t.equal(modify.status, 200);
  const e3 = modify.headers.get('SIP-ETag');
  t.ok(e3);
  t.not(e3, e2, 'modify mints a new ETag');
  t.equal(modify.headers.get('Expires'), '600', 'no Expires: the package default');
  t.same(h.states.get('test-state', ALICE), { status: 'busy' });
  t.equal((await publish(h, { etag: e2, body: doc('away') })).status, 412, 'modify with the old ETag fails');
  const stored = await h.store.byResource('test-state', ALICE);
  t.equal(stored.length, 1, 'one publication throughout');
  t.equal(stored[0].etag, e3);
  t.equal(stored[0].body.toString(), doc('busy'));
  t.equal(stored[0].publisher, ALICE);

  const remove = await publish(h, { expires: 0, etag: e3 });
  t.equal(remove.status, 200);
  t.equal(remove.headers.get('Expires'), '0');
  t.equal(await h.store.count(), 0, 'publication gone');
  t.equal(h.states.get('test-state', ALICE), undefined, 'nothing known any more');
  t.equal((await publish(h, { expires: 0, etag: e3 })).status, 412, 'removed ETag is unknown');

  // initial, modify, remove change state; the refresh and the refused requests do not.
  t.same(
    h.changes.map((c) => c.state),
    [{ status: 'open' }, { status: 'busy' }, undefined],
  );
  t.same(
    h.changes.map((c) => c.stateVersion),
    [1, 2, 3],
  );
});

t.test('412 for an ETag never issued: refresh, modify and remove', async (t) => {
  const h = setup();
  t.teardown(() => h.close());
  await publish(h, { body: doc('open') });
  for (const init of [{ etag: 'nope' }, { etag: 'nope', body: doc('x') }, { etag: 'nope', expires: 0 }]) {
    const res = await publish(h, init);
    t.equal(res.status, 412);
    t.equal(res.reason, 'Conditional Request Failed');
  }
  t.equal(await h.store.count(), 1);
  t.equal(h.changes.length, 1);
});

t.test('an ETag of another resource or event is unknown here', async (t) => {
  const h = setup({ packages: [testPackage(), testPackage({ event: 'other-state' })] });
  t.teardown(() => h.close());
  const e = (await publish(h, { body: doc('open') })).headers.get('SIP-ETag');
  t.ok(e);
  t.equal((await publish(h, { uri: 'sip:bob@example.test', etag: e })).status, 412);
  t.equal((await publish(h, { event: 'other-state', etag: e })).status, 412);
  t.equal((await publish(h, { etag: e })).status, 200);
});

t.test('400: initial without body, Expires 0 without SIP-If-Match, malformed Expires, invalid body', async (t) => {
  const h = setup();
  t.teardown(() => h.close());
  const noBody = await publish(h, {});
  t.equal(noBody.status, 400);
  t.equal(noBody.reason, 'Missing Body In Initial PUBLISH');
  const zero = await publish(h, { expires: 0, body: doc('open') });
  t.equal(zero.status, 400);
  t.equal(zero.reason, 'Expires 0 Without SIP-If-Match');
  t.equal((await publish(h, { expires: 'soon', body: doc('open') })).status, 400);
  const invalid = await publish(h, { body: '{"nostatus":1}' });
  t.equal(invalid.status, 400);
  t.equal(invalid.reason, 'Bad State Document', "the package's reason is answered");
  const e = (await publish(h, { body: doc('open') })).headers.get('SIP-ETag');
  const badModify = await publish(h, { etag: e, body: 'not json' });
  t.equal(badModify.status, 400, 'modify bodies are validated too');
  t.same(h.states.get('test-state', ALICE), { status: 'open' }, 'a refused modify leaves state alone');
  t.equal((await h.store.byResource('test-state', ALICE))[0].etag, e, 'and keeps the ETag valid');
  t.equal(h.changes.length, 1);
});

t.test('415 with Accept for a type the package does not take in PUBLISH', async (t) => {
  const h = setup();
  t.teardown(() => h.close());
  const res = await publish(h, { body: 'open', type: 'text/plain' });
  t.equal(res.status, 415);
  t.equal(res.headers.get('Accept'), STATE_TYPE, 'publishContentTypes, not the render types');
  const none = await publish(h, { body: doc('open'), type: null });
  t.equal(none.status, 415, 'a body without Content-Type');
  const withParams = await publish(h, { body: doc('open'), type: `${STATE_TYPE}; charset=utf-8` });
  t.equal(withParams.status, 200, 'media type parameters are ignored');
  t.equal(await h.store.count(), 1);
});

t.test('489 with Allow-Events: missing, unknown and non-publishing events', async (t) => {
  const h = setup({ packages: [testPackage(), testPackage({ event: 'watch-only', acceptsPublish: false })] });
  t.teardown(() => h.close());
  for (const event of [null, 'nonsense', 'watch-only']) {
    const res = await publish(h, { event, body: doc('open') });
    t.equal(res.status, 489, `event ${String(event)}`);
    t.equal(res.headers.get('Allow-Events'), 'test-state');
  }
  t.equal(await h.store.count(), 0);
});

t.test('Expires: 423 with Min-Expires, clamped to the maximum, default when absent', async (t) => {
  const h = setup();
  t.teardown(() => h.close());
  const brief = await publish(h, { expires: 30, body: doc('open') });
  t.equal(brief.status, 423);
  t.equal(brief.headers.get('Min-Expires'), '60');
  const long = await publish(h, { expires: 86400, body: doc('open') });
  t.equal(long.status, 200);
  t.equal(long.headers.get('Expires'), '3600', 'clamped to maxExpires');
  const [stored] = await h.store.all();
  t.equal(stored.expiresAt, h.clock.now() + 3600_000, 'stored expiry is the granted one');
  const briefRefresh = await publish(h, { expires: 10, etag: long.headers.get('SIP-ETag') });
  t.equal(briefRefresh.status, 423, 'refreshes obey Min-Expires too');
  const dflt = await publish(h, { uri: 'sip:bob@example.test', body: doc('open') });
  t.equal(dflt.headers.get('Expires'), '600');
});

t.test('limits: body size → 413; publications per resource → 503 with Retry-After', async (t) => {
  const h = setup({ limits: { maxPerResource: 2, maxBodyBytes: 100 } });
  t.teardown(() => h.close());
  const big = await publish(h, { body: JSON.stringify({ status: 'x'.repeat(200) }) });
  t.equal(big.status, 413);
  t.equal(big.reason, 'Request Entity Too Large');

  const first = await publish(h, { expires: 100, body: doc('a') });
  await advance(h, 10_000);
  t.equal((await publish(h, { expires: 300, body: doc('b') })).status, 200);
  const third = await publish(h, { body: doc('c') });
  t.equal(third.status, 503);
  t.equal(third.reason, 'Too Many Publications For Resource');
  t.equal(third.headers.get('Retry-After'), '90', 'seconds until the oldest publication expires');
  t.equal(
    (await publish(h, { uri: 'sip:bob@example.test', body: doc('c') })).status,
    200,
    'other resources unaffected',
  );
  t.equal(
    (await publish(h, { etag: first.headers.get('SIP-ETag'), body: doc('a2') })).status,
    200,
    'modify is not an addition',
  );

  const list = await h.service.publications('test-state', ALICE);
  t.equal(list.length, 2);
  await publish(h, { expires: 0, etag: list.find((p) => (p.parsed as TestState).status === 'b')?.etag });
  t.equal((await publish(h, { body: doc('c') })).status, 200, 'room again after a remove');
});

t.test('concurrent initial PUBLISHes cannot overshoot the per-resource cap', async (t) => {
  const h = setup({ limits: { maxPerResource: 1 } });
  t.teardown(() => h.close());
  const results = await Promise.all([
    publish(h, { body: doc('a') }),
    publish(h, { body: doc('b') }),
    publish(h, { body: doc('c') }),
  ]);
  t.same(results.map((r) => r.status).sort(), [200, 503, 503]);
  t.equal(await h.store.count(), 1);
});

t.test('expiry removes the publication and recomposes; a refresh moves the expiry', async (t) => {
  const h = setup({ packages: [testPackage({ compose: recordingCompose })] });
  t.teardown(() => h.close());
  composeCalls.length = 0;
  const a = await publish(h, { expires: 60, body: doc('a') });
  await publish(h, { expires: 120, body: doc('b') });
  t.same(h.states.get('test-state', ALICE), ['a', 'b']);

  await advance(h, 59_999);
  t.equal(await h.store.count(), 2, 'not yet');
  await advance(h, 1);
  t.equal(await h.store.count(), 1, 'the 60 s publication expired');
  t.same(h.states.get('test-state', ALICE), ['b'], 'state recomposed without it');
  t.equal((await publish(h, { etag: a.headers.get('SIP-ETag') })).status, 412, 'an expired ETag is unknown');

  const [b] = await h.store.all();
  const refreshed = await publish(h, { expires: 120, etag: b.etag });
  t.equal(refreshed.status, 200);
  await advance(h, 60_000);
  t.equal(await h.store.count(), 1, 'the refresh outlives the original expiry');
  await advance(h, 60_000);
  t.equal(await h.store.count(), 0, 'gone at the refreshed expiry');
  t.same(h.states.get('test-state', ALICE), [], 'compose saw an empty set');
  t.same(
    h.changes.map((c) => c.state),
    [['a'], ['a', 'b'], ['b'], []],
    'add, add, expire, expire (the refresh announced nothing)',
  );
});

t.test('compose receives every live publication with parsed value, updatedAt and expiresAt', async (t) => {
  const h = setup({ packages: [testPackage({ compose: recordingCompose })] });
  t.teardown(() => h.close());
  composeCalls.length = 0;
  // A phone restarts and publishes afresh while its old publication lingers (DESIGN.md).
  const old = await publish(h, { uri: 'sip:alice@EXAMPLE.test:5060;transport=udp', expires: 3600, body: doc('open') });
  t.equal(old.status, 200);
  await advance(h, 5_000);
  await publish(h, { expires: 600, body: doc('closed') });
  const last = composeCalls.at(-1);
  t.equal(last?.resource, 'sip:alice@example.test', 'resource is the normalized Request-URI');
  t.equal(last?.documents.length, 2, 'both publications of one presentity, across URI spellings');
  const byStatus = new Map(last?.documents.map((d) => [(d.parsed as TestState).status, d]));
  const start = 1_700_000_000_000;
  t.equal(byStatus.get('open')?.updatedAt, start);
  t.equal(byStatus.get('open')?.expiresAt, start + 3600_000);
  t.equal(byStatus.get('closed')?.updatedAt, start + 5_000);
  t.equal(byStatus.get('closed')?.contentType, STATE_TYPE);
  t.equal(byStatus.get('closed')?.body.toString(), doc('closed'));
  t.equal(byStatus.get('open')?.etag, old.headers.get('SIP-ETag'));
  t.same(h.states.get('test-state', ALICE), ['open', 'closed']);
});

t.test('default compose: the newest publication wins', async (t) => {
  const h = setup();
  t.teardown(() => h.close());
  const a = await publish(h, { body: doc('a') });
  await advance(h, 1000);
  await publish(h, { body: doc('b') });
  t.same(h.states.get('test-state', ALICE), { status: 'b' });
  await advance(h, 1000);
  await publish(h, { etag: a.headers.get('SIP-ETag'), body: doc('a2') });
  t.same(h.states.get('test-state', ALICE), { status: 'a2' }, 'a modify makes it the newest');
  const refreshed = await publish(h, {
    etag: (await h.service.publications('test-state', ALICE)).find((d) => (d.parsed as TestState).status === 'b')?.etag,
  });
  t.equal(refreshed.status, 200);
  t.same(h.states.get('test-state', ALICE), { status: 'a2' }, 'a refresh does not');
  t.equal(h.changes.length, 3);
});

t.test('authorize hook: false → 403, a custom refusal is answered as given, true passes', async (t) => {
  const seen: Array<{ event: string; resource: string; publisher: string }> = [];
  const h = setup({
    authorize: ({ event, resource, publisher, incoming }) => {
      seen.push({ event, resource, publisher });
      if (incoming.request.headers.has('X-Challenge')) {
        return {
          status: 401,
          reason: 'Unauthorized',
          headers: [['WWW-Authenticate', 'Digest realm="example.test", nonce="n"']],
        };
      }
      return publisher === resource;
    },
  });
  t.teardown(() => h.close());
  t.equal((await publish(h, { from: '<sip:mallory@example.test>', body: doc('open') })).status, 403);
  const challenged = await publish(h, { body: doc('open'), headers: [['X-Challenge', '1']] });
  t.equal(challenged.status, 401);
  t.match(challenged.headers.get('WWW-Authenticate'), /realm="example.test"/);
  t.equal((await publish(h, { from: '"Alice" <sip:alice@EXAMPLE.test>', body: doc('open') })).status, 200);
  t.same(seen[0], { event: 'test-state', resource: ALICE, publisher: 'sip:mallory@example.test' });
  t.equal(await h.store.count(), 1);
});

t.test('a PUBLISH carrying a To tag is still handled (no 481)', async (t) => {
  const h = setup();
  t.teardown(() => h.close());
  const first = await publish(h, { body: doc('open') });
  const toTag = first.to?.params.get('tag');
  t.ok(toTag);
  const res = await publish(h, { etag: first.headers.get('SIP-ETag'), headers: [] });
  t.equal(res.status, 200);
  const request = h.ua.createRequest({
    method: 'PUBLISH',
    uri: ALICE,
    from: `<${ALICE}>`,
    to: `<${ALICE}>;tag=${toTag ?? ''}`,
    headers: [
      ['Event', 'test-state'],
      ['SIP-If-Match', res.headers.get('SIP-ETag') ?? ''],
    ],
  });
  t.equal((await h.ua.request(request, { to: { transport: 'udp', address: '127.0.0.2', port: 5060 } })).status, 200);
});

t.test('resume reloads from the store: drops expired and invalid, re-arms timers, recomposes', async (t) => {
  const first = setup();
  const e = (await publish(first, { expires: 300, body: doc('open') })).headers.get('SIP-ETag');
  await publish(first, { uri: 'sip:bob@example.test', expires: 60, body: doc('bob') });
  await first.store.put({
    event: 'test-state',
    resource: 'sip:carol@example.test',
    etag: 'garbage',
    contentType: STATE_TYPE,
    body: Buffer.from('not json'),
    expiresAt: first.clock.now() + 600_000,
    createdAt: first.clock.now(),
    updatedAt: first.clock.now(),
  });
  await first.store.put({
    event: 'not-configured',
    resource: ALICE,
    etag: 'keep',
    contentType: 'x/y',
    body: Buffer.from('?'),
    expiresAt: first.clock.now() + 600_000,
    createdAt: first.clock.now(),
    updatedAt: first.clock.now(),
  });
  first.service.close();
  await advance(first, 100_000);
  t.equal(await first.store.count(), 4, 'a closed service expires nothing');
  await first.close();

  // A restart 100 s later: the same store, a fresh service, clock and state table.
  const h = setup({ store: first.store }, first.clock.now());
  t.teardown(() => h.close());
  await h.service.resume();
  const left = (await h.store.all()).map((p) => `${p.resource} ${p.etag}`).sort();
  t.same(
    left,
    [`${ALICE} ${e}`, `${ALICE} keep`].sort(),
    "expired bob and invalid carol deleted; an unconfigured package's publication left alone",
  );
  t.same(h.states.get('test-state', ALICE), { status: 'open' }, 'state recomposed');
  t.equal(h.states.get('test-state', 'sip:bob@example.test'), undefined);
  t.equal((await publish(h, { etag: e })).status, 200, 'the stored ETag is valid after the restart');
  await advance(h, 600_000);
  t.equal((await h.store.byResource('test-state', ALICE)).length, 0, 're-armed timers expire it');
  t.equal(h.states.get('test-state', ALICE), undefined);
});

t.test('resume re-arms the original expiry instant', async (t) => {
  const first = setup();
  await publish(first, { expires: 300, body: doc('open') });
  await first.close();
  const h = setup({ store: first.store }, first.clock.now() + 200_000);
  t.teardown(() => h.close());
  await h.service.resume();
  t.same(await h.service.publications('test-state', ALICE).then((l) => l.map((d) => d.parsed)), [{ status: 'open' }]);
  await advance(h, 99_999);
  t.equal(await h.store.count(), 1);
  await advance(h, 1);
  t.equal(await h.store.count(), 0, 'expired 300 s after it was published');
});

t.test('close cancels timers and refuses later PUBLISHes with 503', async (t) => {
  const h = setup();
  t.teardown(() => h.close());
  await publish(h, { expires: 60, body: doc('open') });
  h.service.close();
  t.equal((await publish(h, { body: doc('x') })).status, 503);
  await advance(h, 120_000);
  t.equal(await h.store.count(), 1, 'no expiry after close');
  t.equal(h.changes.length, 1);
  await settle();
});

t.test('publications() lists live documents only, and nothing for unknown events', async (t) => {
  const h = setup();
  t.teardown(() => h.close());
  t.same(await h.service.publications('test-state', ALICE), []);
  t.same(await h.service.publications('nope', ALICE), []);
  await publish(h, { body: doc('x') });
  const [d] = await h.service.publications('test-state', ALICE);
  t.same(d.parsed, { status: 'x' });
  t.equal(d.body.toString(), doc('x'));
});

t.test('a store failure is a 500, not a crash, and expiry errors reach onError', async (t) => {
  const errors: string[] = [];
  const base = setup();
  const store = base.store;
  let failing = false;
  const flaky = {
    put: (p: Parameters<typeof store.put>[0]) => (failing ? Promise.reject(new Error('disk full')) : store.put(p)),
    get: store.get.bind(store),
    delete: (e: string, r: string, tag: string) =>
      failing ? Promise.reject(new Error('disk gone')) : store.delete(e, r, tag),
    replace: store.replace.bind(store),
    byResource: store.byResource.bind(store),
    all: store.all.bind(store),
    count: store.count.bind(store),
  };
  await base.close();
  const h = setup({ store: flaky, onError: (_e, context) => errors.push(context) });
  t.teardown(() => h.close());
  await publish(h, { expires: 60, body: doc('ok') });
  failing = true;
  t.equal((await publish(h, { uri: 'sip:bob@example.test', body: doc('x') })).status, 500);
  await advance(h, 60_000);
  t.same(errors, ['expiry']);
  failing = false;
  t.equal(
    (await publish(h, { uri: 'sip:bob@example.test', body: doc('x') })).status,
    200,
    'the resource queue is not stuck',
  );
});

t.test('a malformed Event header is a 400; an Event id parameter is fine', async (t) => {
  const h = setup();
  t.teardown(() => h.close());
  const bad = await publish(h, { event: ';id=1', body: doc('open') });
  t.equal(bad.status, 400);
  t.equal(bad.reason, 'Invalid Event Header');
  t.equal((await publish(h, { event: 'test-state;id=7', body: doc('open') })).status, 200);
});

t.test('a custom ETag generator is used; one that keeps colliding is a server error', async (t) => {
  const h = setup({ etag: () => 'fixed-tag' });
  t.teardown(() => h.close());
  const first = await publish(h, { body: doc('open') });
  t.equal(first.headers.get('SIP-ETag'), 'fixed-tag');
  t.equal((await publish(h, { body: doc('again') })).status, 500, 'never two publications with one ETag');
  t.equal(await h.store.count(), 1);
});

t.test('publications stored by someone else are parsed on demand and expire on their own instant', async (t) => {
  const h = setup();
  t.teardown(() => h.close());
  const now = h.clock.now();
  const base = { event: 'test-state', resource: ALICE, contentType: STATE_TYPE, createdAt: now, updatedAt: now };
  await h.store.put({ ...base, etag: 'peer', body: Buffer.from(doc('remote')), expiresAt: now + 60_000 });
  await h.store.put({ ...base, etag: 'junk', body: Buffer.from('junk'), expiresAt: now + 60_000 });
  const docs = await h.service.publications('test-state', ALICE);
  t.same(docs.map((d) => [d.etag, d.parsed]).sort(), [
    ['junk', undefined],
    ['peer', { status: 'remote' }],
  ]);
  // Our own publication; then another node refreshes it in place (same ETag, later expiry).
  const own = await publish(h, { uri: 'sip:bob@example.test', expires: 60, body: doc('x') });
  const etag = own.headers.get('SIP-ETag') ?? '';
  const [stored] = await h.store.byResource('test-state', 'sip:bob@example.test');
  await h.store.put({ ...stored, expiresAt: stored.expiresAt + 30_000 });
  await advance(h, 60_000);
  t.ok(
    await h.store.get('test-state', 'sip:bob@example.test', etag),
    'a timer firing early re-arms instead of deleting',
  );
  await advance(h, 30_000);
  t.equal(await h.store.get('test-state', 'sip:bob@example.test', etag), undefined, 'removed at the stored instant');
  t.equal(h.states.get('test-state', 'sip:bob@example.test'), undefined);
});
