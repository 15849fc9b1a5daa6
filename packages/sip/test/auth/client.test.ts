import t from 'tap';
import {
  DigestClient,
  answerChallenge,
  parseDigestChallenges,
  parseDigestCredentials,
  selectChallenge,
} from '../../src/auth/index.js';
import type { DigestCredentials } from '../../src/auth/index.js';
import { makeServer, request } from './fixtures/server.js';

function creds(value: string): DigestCredentials {
  const p = parseDigestCredentials(value);
  if (!p.ok) throw new Error(p.reason);
  return p.value;
}

function headers(list: Array<[string, string]>): { getAll(name: string): string[] } {
  return { getAll: (name) => list.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v) };
}

void t.test('selectChallenge: strongest supported algorithm whatever the order', (t) => {
  const { challenges } = parseDigestChallenges([
    'Digest realm="r", nonce="1", algorithm=MD5, qop="auth"',
    'Digest realm="r", nonce="2", algorithm=SHA-256, qop="auth"',
    'Digest realm="r", nonce="3", algorithm=AKAv1-MD5, qop="auth"',
    'Digest realm="r", nonce="4", algorithm=SHA-512-256, qop="auth-conf"',
  ]);
  t.equal(
    selectChallenge(challenges)?.challenge.nonce,
    '2',
    'SHA-256 over MD5; unknown algorithm and unusable qop skipped',
  );
  t.equal(selectChallenge(challenges, ['MD5'])?.algorithm, 'MD5', 'restricted to what the caller allows');
  t.equal(selectChallenge(challenges, ['SHA-512-256']), undefined);
  t.end();
});

void t.test('answerChallenge: failures are values; realm filter; no algorithm echoes as absent', (t) => {
  const opts = { username: 'u', password: 'p', method: 'REGISTER', uri: 'sip:r' };
  t.same(answerChallenge('Basic realm="x"', opts), { ok: false, reason: 'no Digest challenge' });
  t.same(answerChallenge('Digest realm="r", nonce="n", algorithm=AKAv1-MD5', opts), {
    ok: false,
    reason: 'no challenge with a supported algorithm and qop',
  });
  t.same(answerChallenge('Digest realm="r", nonce="n"', { ...opts, realm: 'other' }), {
    ok: false,
    reason: 'no Digest challenge',
  });
  const a = answerChallenge(['Digest realm="r", nonce="n", qop="auth"'], opts);
  t.ok(a.ok);
  if (a.ok) {
    const c = creds(a.value);
    t.equal(c.algorithm, undefined, 'absent algorithm stays absent (MD5)');
    t.equal(c.nc, '00000001');
    t.match(c.cnonce ?? '', /^[A-Za-z0-9_-]{22}$/, 'random cnonce');
    t.equal(a.nc, 1);
  }
  t.end();
});

void t.test('DigestClient: nc increments per realm+nonce, resets with a new nonce', (t) => {
  const client = new DigestClient({ username: 'alice', password: 'pw' }, { cnonce: () => 'fixed' });
  const res = {
    status: 401,
    headers: headers([['WWW-Authenticate', 'Digest realm="r", nonce="n1", algorithm=SHA-256, qop="auth"']]),
  };
  const req = { method: 'REGISTER', requestUri: 'sip:r' };
  const first = client.answer(res, req);
  const second = client.answer(res, req);
  t.ok(first.ok && second.ok);
  if (!first.ok || !second.ok) return t.end();
  t.equal(first.header, 'Authorization');
  t.equal(creds(first.values[0]).nc, '00000001');
  t.equal(creds(second.values[0]).nc, '00000002', 'a retry on the same nonce increments nc');
  t.equal(creds(second.values[0]).cnonce, 'fixed');
  const fresh = client.answer(
    { status: 401, headers: headers([['WWW-Authenticate', 'Digest realm="r", nonce="n2", qop="auth"']]) },
    req,
  );
  t.ok(fresh.ok && creds(fresh.values[0]).nc === '00000001', 'new nonce starts at 1');
  t.same(client.answer({ status: 200, headers: headers([]) }, req), {
    ok: false,
    reason: 'status 200 is no challenge',
  });
  t.same(client.answer({ status: 401, headers: headers([]) }, req), { ok: false, reason: 'no Digest challenge' });
  t.end();
});

void t.test('DigestClient: 407 with two realms (forked) answers both; authorize reuses the cache', (t) => {
  const client = new DigestClient({ username: 'alice', password: 'pw' });
  const res = {
    status: 407,
    headers: headers([
      ['Proxy-Authenticate', 'Digest realm="a", nonce="x", algorithm=MD5, qop="auth"'],
      ['Proxy-Authenticate', 'Digest realm="a", nonce="x", algorithm=SHA-256, qop="auth"'],
      ['Proxy-Authenticate', 'Digest realm="b", nonce="y", qop="auth"'],
    ]),
  };
  const a = client.answer(res, { method: 'INVITE', requestUri: 'sip:bob@b' });
  t.ok(a.ok);
  if (!a.ok) return t.end();
  t.equal(a.header, 'Proxy-Authorization');
  t.same(
    a.values.map((v) => `${creds(v).realm}/${creds(v).algorithm ?? 'MD5'}`),
    ['a/SHA-256', 'b/MD5'],
  );
  const pre = client.authorize({ method: 'BYE', requestUri: 'sip:bob@b' });
  t.same(
    pre.map((p) => [p.header, creds(p.value).realm, creds(p.value).nc]),
    [
      ['Proxy-Authorization', 'a', '00000002'],
      ['Proxy-Authorization', 'b', '00000002'],
    ],
  );
  client.forget('a');
  t.same(
    client.authorize({ method: 'BYE', requestUri: 'sip:bob@b' }).map((p) => creds(p.value).realm),
    ['b'],
  );
  t.end();
});

void t.test('DigestClient: bounded nonce memory forgets the least recently used', (t) => {
  const client = new DigestClient({ username: 'u', password: 'p' }, { maxNonces: 2 });
  const req = { method: 'REGISTER', requestUri: 'sip:r' };
  const ask = (nonce: string): string | undefined => {
    const r = client.answerChallenges([`Digest realm="r", nonce="${nonce}", qop="auth"`], req);
    return r.ok ? creds(r.values[0]).nc : undefined;
  };
  t.equal(ask('a'), '00000001');
  t.equal(ask('b'), '00000001');
  t.equal(ask('a'), '00000002');
  t.equal(ask('c'), '00000001', 'b is evicted, a was used more recently');
  t.equal(ask('a'), '00000003');
  t.equal(ask('b'), '00000001', 'b starts over');
  t.end();
});

void t.test('round trip through DigestServer: 401 → DigestClient → ok; refresh with next nc → ok', async (t) => {
  const { server } = makeServer();
  const client = new DigestClient({ username: 'alice', password: 'alice-secret' });
  const reg = { method: 'REGISTER', requestUri: 'sip:example.test' };
  const set = server.challenge(request(reg.method, reg.requestUri));
  const a = client.answer(
    { status: set.status, headers: headers(set.values.map((v): [string, string] => [set.header, v])) },
    reg,
  );
  if (!a.ok) throw new Error(a.reason);
  t.same(await server.verify(request(reg.method, reg.requestUri, [[a.header, a.values[0]]])), {
    ok: true,
    username: 'alice',
    realm: 'example.test',
    algorithm: 'SHA-256',
  });
  const [refresh] = client.authorize(reg);
  t.ok(
    (await server.verify(request(reg.method, reg.requestUri, [[refresh.header, refresh.value]]))).ok,
    'refresh reuses the nonce with nc=2',
  );
});
