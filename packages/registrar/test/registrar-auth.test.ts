// REGISTER authentication and the domain/AoR checks (RFC 3261 §10.3 steps 1–5).
import t from 'tap';
import { DigestClient, parseDigestChallenges } from '@herald/sip';
import { Registrar } from '../src/index.js';
import { DOMAIN, SERVER_UDP, contactsOf, creds, settle, world } from './world.js';

t.test(
  'unauthenticated REGISTER is challenged for SHA-256 and MD5; credentials give a 200 listing the binding',
  async (t) => {
    const w = world();
    t.teardown(w.close);
    const challenged = await w.register({ expires: 600 });
    t.equal(challenged.status, 401);
    const challenges = parseDigestChallenges(challenged.headers.getAll('WWW-Authenticate'));
    t.same(challenges.errors, []);
    t.same(
      challenges.challenges.map((c) => c.algorithm),
      ['SHA-256', 'MD5'],
      'one challenge per algorithm, SHA-256 first (RFC 8760)',
    );
    t.equal(challenges.challenges[0]?.realm, DOMAIN, 'realm = domain');
    t.same(w.registrar.lookup('sip:alice@example.test'), [], 'nothing bound by the challenged request');

    const ok = await w.register({ expires: 600, auth: creds('alice') });
    t.equal(ok.status, 200);
    t.same(contactsOf(ok), ['<sip:alice@127.0.0.1:5060>;expires=600']);
    t.match(ok.headers.get('Date') ?? '', /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/, 'Date header (RFC 1123)');
    await settle();
    t.same(
      w.events.map((e) => [e.name, e.event.aor, e.event.remaining]),
      [['registered', 'sip:alice@example.test', 1]],
    );
    const [b] = w.registrar.lookup('sip:alice@example.test:5060;transport=udp');
    t.equal(b?.contact, 'sip:alice@127.0.0.1:5060');
    t.equal(b?.flow.transport, 'udp', 'the binding remembers the flow');
    t.same(b?.flow.remote, { address: '127.0.0.1', port: 5060 }, 'source address of the REGISTER');
    t.equal(await w.registrar.store.count(), 1, 'written through to the store');
  },
);

t.test('MD5-only client is accepted', async (t) => {
  const w = world();
  t.teardown(w.close);
  const ok = await w.register({ auth: creds('bob', undefined, ['MD5']), user: 'bob' });
  t.equal(ok.status, 200);
  t.equal(w.registrar.lookup('sip:bob@example.test').length, 1);
});

t.test('a wrong password gets another 401, unknown users the same', async (t) => {
  const w = world();
  t.teardown(w.close);
  const wrong = await w.register({ auth: creds('alice', 'guess') });
  t.equal(wrong.status, 401);
  t.ok(wrong.headers.has('WWW-Authenticate'), 'a fresh challenge');
  const unknown = await w.register({ user: 'mallory', auth: new DigestClient({ username: 'mallory', password: 'x' }) });
  t.equal(unknown.status, 401);
  t.same(w.registrar.bindings(), []);
});

t.test(
  'credentials re-sent with the same nonce and a higher nc are accepted; an expired nonce gets stale=true',
  async (t) => {
    const w = world();
    t.teardown(w.close);
    const client = creds('alice');
    t.equal((await w.register({ expires: 600, auth: client, callId: 'c1' })).status, 200);
    // A refresh carrying cached credentials up front: same nonce, nc=2, no challenge round.
    const refresh = w.phone.createRequest({
      method: 'REGISTER',
      uri: `sip:${DOMAIN}`,
      from: '<sip:alice@example.test>',
      to: '<sip:alice@example.test>',
      callId: 'c1',
      cseq: 3,
      contact: '<sip:alice@127.0.0.1:5060>',
      headers: [['Expires', '600']],
    });
    const [cred] = client.authorize({ method: 'REGISTER', requestUri: refresh.requestUri });
    t.match(cred?.value ?? '', /nc=00000002/);
    refresh.headers.set('Authorization', cred.value);
    const again = await w.phone.request(refresh, { to: SERVER_UDP });
    t.equal(again.status, 200, 'same nonce, incremented nc');

    w.clock.advance(301_000); // past the 300 s nonce lifetime
    const late = w.phone.createRequest({
      method: 'REGISTER',
      uri: `sip:${DOMAIN}`,
      from: '<sip:alice@example.test>',
      to: '<sip:alice@example.test>',
      callId: 'c1',
      cseq: 4,
      contact: '<sip:alice@127.0.0.1:5060>',
    });
    const [old] = client.authorize({ method: 'REGISTER', requestUri: late.requestUri });
    late.headers.set('Authorization', old.value);
    const stale = await w.phone.request(late, { to: SERVER_UDP });
    t.equal(stale.status, 401);
    const parsed = parseDigestChallenges(stale.headers.getAll('WWW-Authenticate'));
    t.equal(parsed.challenges.length, 2);
    t.ok(
      parsed.challenges.every((c) => c.stale),
      'stale=true: the phone retries silently',
    );
  },
);

t.test('the authenticated user may only register its own AoR (403)', async (t) => {
  const w = world();
  t.teardown(w.close);
  const r = await w.register({ user: 'alice', aorUser: 'bob', auth: creds('alice') });
  t.equal(r.status, 403);
  t.equal(r.reason, 'Username Does Not Match Address-Of-Record');
  t.same(w.registrar.lookup('sip:bob@example.test'), []);
});

t.test('foreign Request-URI domain → 403 (we do not proxy); AoR outside our domain → 404 (§10.3 step 5)', async (t) => {
  const w = world();
  t.teardown(w.close);
  const foreign = await w.register({ uri: 'sip:other.test', auth: creds('alice') });
  t.equal(foreign.status, 403, 'no challenge first: a foreign domain is refused outright');
  t.equal(foreign.reason, 'Domain Not Served Here');
  const aor = await w.register({ toDomain: 'other.test', auth: creds('alice') });
  t.equal(aor.status, 404);
  const port = await w.register({ uri: 'sip:EXAMPLE.test:5070', auth: creds('alice') });
  t.equal(port.status, 200, 'host compared case-insensitively, port ignored');
  await settle();
  t.same(
    w.events.map((e) => e.name),
    ['registered'],
    'only the accepted REGISTER changed anything',
  );
});

t.test('auth: false accepts any user of the domain and says so loudly', async (t) => {
  const w = world({ auth: false });
  t.teardown(w.close);
  t.match(w.warnings.join('\n'), /AUTHENTICATION IS OFF/);
  t.equal(w.registrar.digest, undefined);
  const r = await w.register({ user: 'load000001', expires: 60 });
  t.equal(r.status, 200);
  t.same(contactsOf(r), ['<sip:load000001@127.0.0.1:5060>;expires=60']);
  t.equal((await w.register({ user: 'x', uri: 'sip:other.test' })).status, 403, 'domains still checked');
});

t.test('a users lookup function and a shared DigestServer work too', async (t) => {
  const lookups: string[] = [];
  const w = world({
    users: async (u) => {
      lookups.push(u);
      return u === 'carol' ? 'carol-pw' : undefined;
    },
    digest: { realm: 'herald', algorithms: ['MD5'] },
  });
  t.teardown(w.close);
  const first = await w.register({ user: 'carol' });
  t.match(first.headers.get('WWW-Authenticate') ?? '', /realm="herald".*algorithm=MD5/);
  const r = await w.register({ user: 'carol', auth: new DigestClient({ username: 'carol', password: 'carol-pw' }) });
  t.equal(r.status, 200);
  t.same(lookups, ['carol']);

  const shared = world({ digest: w.registrar.digest });
  t.teardown(shared.close);
  t.equal(shared.registrar.digest, w.registrar.digest);
  t.throws(() => new Registrar({ host: shared.server, domain: [] }), RangeError);
  t.throws(
    () => new Registrar({ host: shared.server, domain: DOMAIN, minExpires: 600, defaultExpires: 60 }),
    RangeError,
  );
});
