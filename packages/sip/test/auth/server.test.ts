import t from 'tap';
import {
  DigestClient,
  answerChallenge,
  computeHA1,
  formatDigestCredentials,
  isChallengeable,
  parseDigestChallenge,
  parseDigestCredentials,
  sameRequestUri,
} from '../../src/auth/index.js';
import type { DigestChallengeSet, DigestVerdict } from '../../src/auth/index.js';
import { makeServer, request } from './fixtures/server.js';

const URI = 'sip:example.test';

function answer(
  set: DigestChallengeSet,
  user: string,
  password: string,
  method = 'REGISTER',
  uri = URI,
  extra: { nc?: number; algorithms?: ('MD5' | 'SHA-256')[] } = {},
): string {
  const a = answerChallenge(set.values, { username: user, password, method, uri, cnonce: 'cn', ...extra });
  if (!a.ok) throw new Error(a.reason);
  return a.value;
}

void t.test('challenge: 401 WWW-Authenticate, SHA-256 then MD5, one nonce, qop="auth"', (t) => {
  const { server } = makeServer();
  const set = server.challenge(request('REGISTER', URI));
  t.equal(set.status, 401);
  t.equal(set.header, 'WWW-Authenticate');
  const parsed = set.values.map((v) => parseDigestChallenge(v));
  t.same(
    parsed.map((p) => p.ok && p.value.algorithm),
    ['SHA-256', 'MD5'],
    'RFC 8760 §2.4: one value per algorithm, strongest first',
  );
  t.ok(
    parsed.every((p) => p.ok && p.value.realm === 'example.test' && p.value.qop.join() === 'auth' && !p.value.stale),
  );
  t.equal(new Set(parsed.map((p) => p.ok && p.value.nonce)).size, 1);
  t.not(server.challenge(request('REGISTER', URI)).values[0], set.values[0], 'a fresh nonce each time');

  const proxy = server.challenge(request('SUBSCRIBE', URI), { proxy: true, stale: true });
  t.equal(proxy.status, 407);
  t.equal(proxy.header, 'Proxy-Authenticate');
  t.match(proxy.values[0], /stale=true/);
  t.end();
});

void t.test('round trip: challenge → answer → verify ok (SHA-256 chosen; MD5-only client too)', async (t) => {
  const { server } = makeServer();
  const set = server.challenge(request('REGISTER', URI));
  const auth = answer(set, 'alice', 'alice-secret');
  t.match(auth, /algorithm=SHA-256/);
  t.same(await server.verify(request('REGISTER', URI, [['Authorization', auth]])), {
    ok: true,
    username: 'alice',
    realm: 'example.test',
    algorithm: 'SHA-256',
  });
  const md5 = answer(server.challenge(request('REGISTER', URI)), 'bob', 'bob-secret', 'REGISTER', URI, {
    algorithms: ['MD5'],
  });
  const v = await server.verify(request('REGISTER', URI, [['authorization', md5]]));
  t.ok(v.ok && v.algorithm === 'MD5' && v.username === 'bob');
});

void t.test('wrong password and unknown user: same 401, no stale, no enumeration', async (t) => {
  const { server } = makeServer();
  const set = server.challenge(request('REGISTER', URI));
  const wrong = await server.verify(request('REGISTER', URI, [['Authorization', answer(set, 'alice', 'nope')]]));
  const unknown = await server.verify(request('REGISTER', URI, [['Authorization', answer(set, 'mallory', 'nope')]]));
  t.same(wrong, { ok: false, status: 401, reason: 'wrong credentials' });
  t.same(unknown, wrong);
});

void t.test('stale nonce via the clock: correct credentials → stale=true; then a stale challenge works', async (t) => {
  const { server, clock } = makeServer();
  const set = server.challenge(request('SUBSCRIBE', URI));
  const auth = answer(set, 'alice', 'alice-secret', 'SUBSCRIBE');
  clock.advance(300_000);
  const atLimit = await server.verify(request('SUBSCRIBE', URI, [['Authorization', auth]]));
  t.ok(atLimit.ok, 'still fresh at exactly the lifetime');
  clock.advance(1);
  const later = answer(set, 'alice', 'alice-secret', 'SUBSCRIBE', URI, { nc: 2 });
  t.same(await server.verify(request('SUBSCRIBE', URI, [['Authorization', later]])), {
    ok: false,
    status: 401,
    reason: 'nonce expired',
    stale: true,
  });
  const wrong = answer(set, 'alice', 'bad', 'SUBSCRIBE', URI, { nc: 3 });
  const w = await server.verify(request('SUBSCRIBE', URI, [['Authorization', wrong]]));
  t.same(
    w,
    { ok: false, status: 401, reason: 'wrong credentials' },
    'expired nonce with a wrong password is not stale',
  );

  const again = server.challenge(request('SUBSCRIBE', URI), { stale: true });
  t.ok(again.values.every((v) => /stale=true/.test(v)));
  const ok = await server.verify(
    request('SUBSCRIBE', URI, [['Authorization', answer(again, 'alice', 'alice-secret', 'SUBSCRIBE')]]),
  );
  t.ok(ok.ok, 'the retry with the fresh nonce succeeds');
});

void t.test('tampered or foreign nonce: rejected, not stale', async (t) => {
  const { server } = makeServer();
  const set = server.challenge(request('REGISTER', URI));
  const p = parseDigestChallenge(set.values[0]);
  if (!p.ok) throw new Error(p.reason);
  const n = p.value.nonce;
  const tampered = `${n.slice(0, 5)}${n[5] === 'A' ? 'B' : 'A'}${n.slice(6)}`;
  const forged = answerChallenge(`Digest realm="example.test", nonce="${tampered}", algorithm=SHA-256, qop="auth"`, {
    username: 'alice',
    password: 'alice-secret',
    method: 'REGISTER',
    uri: URI,
  });
  if (!forged.ok) throw new Error(forged.reason);
  t.same(await server.verify(request('REGISTER', URI, [['Authorization', forged.value]])), {
    ok: false,
    status: 401,
    reason: 'nonce not issued here',
  });
  const { server: other } = makeServer({ secret: 'another-node' });
  const v = await other.verify(request('REGISTER', URI, [['Authorization', answer(set, 'alice', 'alice-secret')]]));
  t.same(v, { ok: false, status: 401, reason: 'nonce not issued here' }, 'a node with another secret');
});

void t.test('nonce count: replay refused (stale), increment accepted, ACK reuses the INVITE credentials', async (t) => {
  const { server } = makeServer();
  const client = new DigestClient({ username: 'alice', password: 'alice-secret' });
  const challenge = server.challenge(request('INVITE', 'sip:bob@example.test'));
  const first = client.answerChallenges(challenge.values, { method: 'INVITE', requestUri: 'sip:bob@example.test' });
  if (!first.ok) throw new Error(first.reason);
  const invite = request('INVITE', 'sip:bob@example.test', [['Authorization', first.values[0]]]);
  t.ok((await server.verify(invite)).ok);
  t.same(
    await server.verify(invite),
    { ok: false, status: 401, reason: 'nonce count reused', stale: true },
    'the same nc again',
  );

  const ack = request('ACK', 'sip:bob@example.test', [['Authorization', first.values[0]]]);
  t.notOk(isChallengeable(ack));
  // An ACK's digest covers method ACK, so only a client that recomputes it for ACK verifies; the nc is not checked.
  const [ackAuth] = client.authorize({ method: 'ACK', requestUri: 'sip:bob@example.test' });
  const ackCred = parseDigestCredentials(ackAuth.value);
  t.ok(ackCred.ok && ackCred.value.nc === '00000002');
  t.ok((await server.verify(request('ACK', 'sip:bob@example.test', [['Authorization', ackAuth.value]]))).ok);
  t.ok(
    (await server.verify(request('ACK', 'sip:bob@example.test', [['Authorization', ackAuth.value]]))).ok,
    'ACK not replay-checked',
  );

  const [bye] = client.authorize({ method: 'BYE', requestUri: 'sip:bob@example.test' });
  t.ok(
    (await server.verify(request('BYE', 'sip:bob@example.test', [['Authorization', bye.value]]))).ok,
    'nc=3 on the same nonce',
  );
  const [subscribe] = client.authorize({ method: 'SUBSCRIBE', requestUri: 'sip:bob@example.test' });
  t.ok(subscribe.value.includes('nc=00000004'));
});

void t.test('missing, foreign and malformed credentials', async (t) => {
  const { server } = makeServer();
  const v = (headers: Array<[string, string]>): Promise<DigestVerdict> =>
    server.verify(request('REGISTER', URI, headers));
  t.same(await v([]), { ok: false, status: 401, reason: 'credentials missing' });
  t.same(await v([['Authorization', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==']]), {
    ok: false,
    status: 401,
    reason: 'credentials missing',
  });
  const foreign = formatDigestCredentials({
    username: 'alice',
    realm: 'other.test',
    nonce: 'n',
    uri: URI,
    response: '00',
  });
  t.same(await v([['Authorization', foreign]]), {
    ok: false,
    status: 401,
    reason: 'no credentials for realm example.test',
  });
  const bad = await v([
    ['Authorization', 'Digest username="alice", realm="example.test", nonce="n", uri="sip:example.test"'],
  ]);
  t.same(bad, { ok: false, status: 400, reason: 'malformed credentials: credentials without response' });
  const unterminated = await v([['Authorization', 'Digest username="alice']]);
  t.equal(unterminated.ok ? 0 : unterminated.status, 400);

  // Our realm found among several values (RFC 3261 §22.3).
  const good = answer(server.challenge(request('REGISTER', URI)), 'alice', 'alice-secret');
  t.ok(
    (
      await v([
        ['Authorization', foreign],
        ['Authorization', good],
      ])
    ).ok,
  );
});

void t.test('checks on the credentials: uri, algorithm, qop, nc, cnonce, opaque', async (t) => {
  const { server } = makeServer();
  const set = server.challenge(request('REGISTER', URI));
  const p = parseDigestChallenge(set.values[0]);
  if (!p.ok) throw new Error(p.reason);
  const nonce = p.value.nonce;
  const cred = (over: Record<string, string | undefined>): string =>
    formatDigestCredentials({
      username: 'alice',
      realm: 'example.test',
      nonce,
      uri: URI,
      response: '00',
      algorithm: 'SHA-256',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'c',
      ...over,
    });
  const v = async (value: string, uri = URI): Promise<DigestVerdict> =>
    server.verify(request('REGISTER', uri, [['Authorization', value]]));

  t.same(await v(answer(set, 'alice', 'alice-secret'), 'sip:other.test'), {
    ok: false,
    status: 400,
    reason: 'uri parameter does not match Request-URI',
  });
  t.ok(
    (await v(answer(set, 'alice', 'alice-secret', 'REGISTER', 'SIP:Example.TEST'), URI)).ok,
    'scheme and host compare case-insensitively',
  );
  t.same(await v(cred({ algorithm: 'SHA-512-256' })), {
    ok: false,
    status: 401,
    reason: 'algorithm SHA-512-256 not offered',
  });
  t.same(await v(cred({ algorithm: 'AKAv1-MD5' })), {
    ok: false,
    status: 401,
    reason: 'algorithm AKAv1-MD5 not offered',
  });
  t.same(await v(cred({ qop: 'auth-conf' })), { ok: false, status: 401, reason: 'qop auth-conf not offered' });
  t.same(await v(cred({ cnonce: undefined })), { ok: false, status: 400, reason: 'qop without cnonce or nc' });
  t.same(await v(cred({ nc: '00000000' })), { ok: false, status: 400, reason: 'malformed nc' });
  t.same(await v(cred({ nc: '1' })), { ok: false, status: 400, reason: 'malformed nc' });
  t.same(await v(cred({ qop: undefined, algorithm: 'MD5' })), { ok: false, status: 401, reason: 'qop required' });

  const { server: withOpaque } = makeServer({ opaque: 'op4que' });
  const os = withOpaque.challenge(request('REGISTER', URI));
  t.match(os.values[0], /opaque="op4que"/);
  t.ok(
    (await withOpaque.verify(request('REGISTER', URI, [['Authorization', answer(os, 'alice', 'alice-secret')]]))).ok,
    'opaque echoed',
  );
  const noOpaque = answerChallenge(
    os.values.map((x) => x.replace(', opaque="op4que"', '')),
    { username: 'alice', password: 'alice-secret', method: 'REGISTER', uri: URI },
  );
  if (!noOpaque.ok) throw new Error(noOpaque.reason);
  t.same(await withOpaque.verify(request('REGISTER', URI, [['Authorization', noOpaque.value]])), {
    ok: false,
    status: 401,
    reason: 'opaque mismatch',
  });
});

void t.test('RFC 2069 form (no qop): refused by default, accepted for MD5 with allowNoQop', async (t) => {
  const { server } = makeServer({ allowNoQop: true, algorithms: ['SHA-256', 'MD5'] });
  const set = server.challenge(request('REGISTER', URI));
  const legacyMd5 = answerChallenge(
    set.values.map((x) => x.replace(', qop="auth"', '')),
    {
      username: 'alice',
      password: 'alice-secret',
      method: 'REGISTER',
      uri: URI,
      algorithms: ['MD5'],
    },
  );
  if (!legacyMd5.ok) throw new Error(legacyMd5.reason);
  t.notMatch(legacyMd5.value, /qop|nc=|cnonce/);
  t.ok((await server.verify(request('REGISTER', URI, [['Authorization', legacyMd5.value]]))).ok);
  const { server: strict } = makeServer({ secret: 'test-secret' });
  t.same(await strict.verify(request('REGISTER', URI, [['Authorization', legacyMd5.value]])), {
    ok: false,
    status: 401,
    reason: 'qop required',
  });
  const legacySha = answerChallenge(
    set.values.map((x) => x.replace(', qop="auth"', '')),
    {
      username: 'alice',
      password: 'alice-secret',
      method: 'REGISTER',
      uri: URI,
      algorithms: ['SHA-256'],
    },
  );
  if (!legacySha.ok) throw new Error(legacySha.reason);
  t.same(
    await server.verify(request('REGISTER', URI, [['Authorization', legacySha.value]])),
    { ok: false, status: 401, reason: 'qop required' },
    'only MD5 may skip qop',
  );
});

void t.test('proxy authentication: 407 and Proxy-Authorization', async (t) => {
  const { server } = makeServer();
  const set = server.challenge(request('INVITE', 'sip:bob@example.test'), { proxy: true });
  const auth = answer(set, 'alice', 'alice-secret', 'INVITE', 'sip:bob@example.test');
  const withAuthorization = request('INVITE', 'sip:bob@example.test', [['Authorization', auth]]);
  t.same(await server.verify(withAuthorization, { proxy: true }), {
    ok: false,
    status: 407,
    reason: 'credentials missing',
  });
  const withProxy = request('INVITE', 'sip:bob@example.test', [['Proxy-Authorization', auth]]);
  t.ok((await server.verify(withProxy, { proxy: true })).ok);
  const wrong = answer(set, 'alice', 'x', 'INVITE', 'sip:bob@example.test', { nc: 2 });
  t.same(
    await server.verify(request('INVITE', 'sip:bob@example.test', [['Proxy-Authorization', wrong]]), { proxy: true }),
    {
      ok: false,
      status: 407,
      reason: 'wrong credentials',
    },
  );
});

void t.test('lookup by HA1 (async), auth-int over the body, -sess', async (t) => {
  const ha1 = {
    'SHA-256': computeHA1('SHA-256', 'carol', 'example.test', 'pw'),
    MD5: computeHA1('MD5', 'carol', 'example.test', 'pw'),
  };
  const { server } = makeServer({
    algorithms: ['SHA-256-sess', 'SHA-256', 'MD5'],
    lookup: async (u) => (u === 'carol' ? { ha1 } : undefined),
  });
  const set = server.challenge(request('PUBLISH', URI));
  t.match(set.values[0], /algorithm=SHA-256-sess/);
  const sess = answer(set, 'carol', 'pw', 'PUBLISH');
  t.ok(
    (await server.verify(request('PUBLISH', URI, [['Authorization', sess]]))).ok,
    'SHA-256-sess from a stored SHA-256 HA1',
  );

  const body = '<presence/>';
  const intSet = set.values.map((x) => x.replace('qop="auth"', 'qop="auth-int"'));
  const int = answerChallenge(intSet, { username: 'carol', password: 'pw', method: 'PUBLISH', uri: URI, body, nc: 2 });
  if (!int.ok) throw new Error(int.reason);
  t.match(int.value, /qop=auth-int/);
  t.ok((await server.verify(request('PUBLISH', URI, [['Authorization', int.value]], body))).ok, 'auth-int accepted');
  const int3 = answerChallenge(intSet, { username: 'carol', password: 'pw', method: 'PUBLISH', uri: URI, body, nc: 3 });
  if (!int3.ok) throw new Error(int3.reason);
  const changed = await server.verify(
    request('PUBLISH', URI, [['Authorization', int3.value]], '<presence>x</presence>'),
  );
  t.same(changed, { ok: false, status: 401, reason: 'wrong credentials' }, 'a changed body fails auth-int');
});

void t.test('ACK and CANCEL cannot be challenged; uri comparison helper', (t) => {
  const { server } = makeServer();
  t.ok(isChallengeable(request('REGISTER', URI)));
  t.notOk(isChallengeable(request('CANCEL', URI)));
  t.throws(() => server.challenge(request('ACK', URI)), TypeError);
  t.ok(sameRequestUri('sip:Bob@EXAMPLE.test;transport=tcp', 'SIP:Bob@example.test;transport=tcp'));
  t.notOk(sameRequestUri('sip:bob@example.test', 'sip:BOB@example.test'), 'user part is case-sensitive');
  t.notOk(sameRequestUri('sip:bob@example.test', 'sip:bob@example.test;transport=tcp'));
  t.end();
});

void t.test('construction: random secret per server by default, Buffer secret, at least one algorithm', async (t) => {
  const { server: a } = makeServer({ secret: undefined });
  const { server: b } = makeServer({ secret: undefined });
  const auth = answer(a.challenge(request('REGISTER', URI)), 'alice', 'alice-secret');
  t.ok((await a.verify(request('REGISTER', URI, [['Authorization', auth]]))).ok);
  t.same(
    await b.verify(request('REGISTER', URI, [['Authorization', auth]])),
    {
      ok: false,
      status: 401,
      reason: 'nonce not issued here',
    },
    'another process (random secret) does not know the nonce',
  );
  const { server: c } = makeServer({ secret: Buffer.from('test-secret') });
  const again = answer(c.challenge(request('REGISTER', URI)), 'alice', 'alice-secret');
  t.ok(
    (await makeServer().server.verify(request('REGISTER', URI, [['Authorization', again]]))).ok,
    'string and Buffer secrets agree',
  );
  t.throws(() => makeServer({ algorithms: [] }), RangeError);
  t.equal(makeServer({ nonceLifetimeMs: 5 }).server.nonceLifetimeMs, 5);
});
