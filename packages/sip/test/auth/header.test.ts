import t from 'tap';
import {
  formatDigestChallenge,
  formatDigestCredentials,
  parseAuthHeader,
  parseDigestChallenge,
  parseDigestChallenges,
  parseDigestCredentials,
  quoteString,
} from '../../src/auth/index.js';

void t.test('challenge: RFC 3261 §25 example, case-insensitive names, bare and quoted values', (t) => {
  const r = parseDigestChallenge(
    'Digest realm="atlanta.com",\r\n domain="sip:ss1.carrier.com", QOP="auth,auth-int", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", Stale=FALSE, algorithm=MD5',
  );
  t.ok(r.ok);
  if (!r.ok) return t.end();
  t.equal(r.value.realm, 'atlanta.com');
  t.equal(r.value.domain, 'sip:ss1.carrier.com');
  t.same(r.value.qop, ['auth', 'auth-int']);
  t.equal(r.value.nonce, 'f84f1cec41e6cbe5aea9c8e88d359');
  t.equal(r.value.opaque, '', 'empty quoted-string is a value');
  t.equal(r.value.stale, false);
  t.equal(r.value.algorithm, 'MD5');

  const s = parseDigestChallenge('digest realm="r", nonce="n", stale=TRUE, qop=auth');
  t.ok(s.ok && s.value.stale, 'stale=TRUE and lower-case scheme');
  t.ok(s.ok && s.value.qop[0] === 'auth', 'bare qop tolerated');
  t.end();
});

void t.test('quoted strings: escaped quotes and backslashes, commas and equals inside quotes', (t) => {
  const r = parseDigestCredentials(
    'Digest username="DOMAIN\\\\bob \\"the builder\\"", realm="a, b=c", nonce="x,y", uri="sip:bob@example.com;transport=tcp", response="abc"',
  );
  t.ok(r.ok);
  if (!r.ok) return t.end();
  t.equal(r.value.username, 'DOMAIN\\bob "the builder"');
  t.equal(r.value.realm, 'a, b=c');
  t.equal(r.value.nonce, 'x,y');
  t.equal(r.value.uri, 'sip:bob@example.com;transport=tcp');

  t.equal(quoteString('a"b\\c'), '"a\\"b\\\\c"');
  const formatted = formatDigestCredentials({
    username: 'DOMAIN\\bob "the builder"',
    realm: 'a, b=c',
    nonce: 'x,y',
    uri: 'sip:b@e',
    response: 'abc',
    qop: 'auth',
    nc: '00000001',
    cnonce: 'q"',
  });
  const back = parseDigestCredentials(formatted);
  t.ok(back.ok);
  if (back.ok) {
    t.equal(back.value.username, 'DOMAIN\\bob "the builder"', 'round trip keeps escapes');
    t.equal(back.value.realm, 'a, b=c');
    t.equal(back.value.cnonce, 'q"');
    t.equal(back.value.nc, '00000001');
  }
  t.end();
});

void t.test('several challenges: one per header value and several in one value', (t) => {
  const { challenges, errors } = parseDigestChallenges([
    'Digest realm="r", nonce="n1", algorithm=SHA-256, qop="auth"',
    'Digest realm="r", nonce="n1", algorithm=MD5, qop="auth"',
    'Basic realm="legacy"',
    'Digest realm="a", nonce="1", Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==, Digest realm="b", nonce="2"',
    'Digest realm="broken',
  ]);
  t.same(
    challenges.map((c) => `${c.realm}/${c.nonce}/${c.algorithm ?? '-'}`),
    ['r/n1/SHA-256', 'r/n1/MD5', 'a/1/-', 'b/2/-'],
  );
  t.same(errors, ['unterminated quoted-string']);

  const items = parseAuthHeader(
    'Digest realm="a", nonce="1", Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==, Digest realm="b", nonce="2"',
  );
  t.ok(items.ok);
  if (items.ok) {
    t.same(
      items.value.map((i) => i.scheme),
      ['Digest', 'Basic', 'Digest'],
    );
    t.equal(items.value[1].token68, 'QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  }
  t.end();
});

void t.test('lenient where phones are sloppy', (t) => {
  const r = parseDigestCredentials(
    'Digest username=bob,realm=example.test ,, nonce=ab/c+d==, uri="sip:example.test", response="0123", algorithm="MD5", qop="auth", nc=00000001, cnonce="x"',
  );
  t.ok(r.ok, 'unquoted values, spaces before commas, empty list elements, quoted algorithm and qop');
  if (r.ok) {
    t.equal(r.value.username, 'bob');
    t.equal(r.value.realm, 'example.test');
    t.equal(r.value.nonce, 'ab/c+d==');
    t.equal(r.value.algorithm, 'MD5');
    t.equal(r.value.qop, 'auth');
  }
  t.end();
});

void t.test('parse failures are values', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['realm="r"', /missing authentication scheme/],
    ['Digest realm="r", realm="s", nonce="n"', /duplicate/],
    ['Digest realm="r" nonce="n"', /expected ','/],
    ['Digest realm="r", nonce=', /empty value/],
    ['Digest realm="r", nonce="n\\', /unterminated/],
    ['Basic realm="r"', /not Digest/],
    ['Digest realm="r", nonce="n", Digest realm="s", nonce="m"', /exactly one/],
    ['Digest nonce="n"', /without realm/],
    ['Digest realm="r"', /without nonce/],
  ];
  for (const [input, reason] of cases) {
    const r = parseDigestChallenge(input);
    t.equal(r.ok, false, JSON.stringify(input));
    if (!r.ok) t.match(r.reason, reason);
  }
  const c = parseDigestCredentials('Digest username="u", realm="r", nonce="n", uri="sip:r"');
  t.equal(c.ok, false);
  if (!c.ok) t.match(c.reason, /without response/);
  t.end();
});

void t.test('format challenge: quoted realm/nonce/qop, bare algorithm and stale', (t) => {
  const v = formatDigestChallenge({
    realm: 'example.test',
    nonce: 'abc',
    algorithm: 'SHA-256',
    qop: ['auth'],
    stale: true,
    opaque: 'o',
  });
  t.equal(v, 'Digest realm="example.test", nonce="abc", opaque="o", stale=true, algorithm=SHA-256, qop="auth"');
  const back = parseDigestChallenge(v);
  t.ok(back.ok && back.value.stale && back.value.algorithm === 'SHA-256');
  t.notMatch(formatDigestChallenge({ realm: 'r', nonce: 'n' }), /stale|qop|algorithm/);
  t.end();
});
