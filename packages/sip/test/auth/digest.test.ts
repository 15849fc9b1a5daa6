import t from 'tap';
import { createHash } from 'node:crypto';
import {
  answerChallenge,
  computeDigestResponse,
  computeHA1,
  digestHash,
  formatNonceCount,
  parseDigestAlgorithm,
  parseDigestCredentials,
} from '../../src/auth/index.js';

// RFC 7616 §3.9.1 inputs.
const RFC7616 = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  nc: '00000001',
  method: 'GET',
  uri: '/dir/index.html',
} as const;

// Independent reference: the RFC 7616 §3.4.1 formula written out with node:crypto.
function reference(
  alg: string,
  u: string,
  realm: string,
  pw: string,
  nonce: string,
  nc: string,
  cnonce: string,
  qop: string,
  method: string,
  uri: string,
): string {
  const h = (s: string): string => createHash(alg).update(s).digest('hex');
  return h(`${h(`${u}:${realm}:${pw}`)}:${nonce}:${nc}:${cnonce}:${qop}:${h(`${method}:${uri}`)}`);
}

void t.test('RFC 7616 §3.9.1 example: MD5 and SHA-256 responses', (t) => {
  const expected = {
    MD5: '8ca523f5e9506fed4657c9700eebdbec',
    'SHA-256': '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
  } as const;
  for (const [algorithm, nodeName] of [
    ['MD5', 'md5'],
    ['SHA-256', 'sha256'],
  ] as const) {
    const got = computeDigestResponse({ ...RFC7616, algorithm, qop: 'auth' });
    t.equal(got, expected[algorithm], `${algorithm} matches the RFC text`);
    const ref = reference(
      nodeName,
      RFC7616.username,
      RFC7616.realm,
      RFC7616.password,
      RFC7616.nonce,
      RFC7616.nc,
      RFC7616.cnonce,
      'auth',
      RFC7616.method,
      RFC7616.uri,
    );
    t.equal(got, ref, `${algorithm} matches an independent node:crypto computation`);
  }
  t.end();
});

void t.test('RFC 7616 §3.9.1 through the client: header carries the RFC response', (t) => {
  for (const [algorithm, response] of [
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const) {
    const challenge = `Digest realm="${RFC7616.realm}", qop="auth, auth-int", algorithm=${algorithm}, nonce="${RFC7616.nonce}", opaque="${RFC7616.opaque}"`;
    const answer = answerChallenge(challenge, { ...RFC7616, nc: 1 });
    t.ok(answer.ok);
    if (!answer.ok) continue;
    const cred = parseDigestCredentials(answer.value);
    t.ok(cred.ok);
    if (!cred.ok) continue;
    t.equal(cred.value.response, response);
    t.equal(cred.value.qop, 'auth');
    t.equal(cred.value.nc, '00000001');
    t.equal(cred.value.opaque, RFC7616.opaque);
    t.equal(cred.value.algorithm, algorithm);
    t.match(answer.value, /qop=auth, nc=00000001/, 'qop and nc are bare tokens (RFC 7616 §3.4)');
  }
  t.end();
});

void t.test('RFC 2617 §3.5 classic MD5 example', (t) => {
  const input = {
    algorithm: 'MD5' as const,
    username: 'Mufasa',
    password: 'Circle Of Life',
    realm: 'testrealm@host.com',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    method: 'GET',
    uri: '/dir/index.html',
    qop: 'auth' as const,
    nc: '00000001',
    cnonce: '0a4f113b',
  };
  t.equal(computeDigestResponse(input), '6629fae49393a05397450978507c4ef1');
  t.equal(
    computeDigestResponse(input),
    reference(
      'md5',
      input.username,
      input.realm,
      input.password,
      input.nonce,
      input.nc,
      input.cnonce,
      'auth',
      input.method,
      input.uri,
    ),
  );
  t.end();
});

void t.test('SIP-style vectors: REGISTER with SHA-256 and MD5, HA1 instead of password', (t) => {
  const base = {
    username: 'alice',
    password: 'alice-secret',
    realm: 'example.test',
    nonce: 'AAAAAAAAAAA-nonce',
    method: 'REGISTER',
    uri: 'sip:example.test',
    qop: 'auth' as const,
    nc: '0000000a',
    cnonce: 'c1',
  };
  for (const [algorithm, node] of [
    ['SHA-256', 'sha256'],
    ['MD5', 'md5'],
    ['SHA-512-256', 'sha512-256'],
  ] as const) {
    const viaPassword = computeDigestResponse({ ...base, algorithm });
    const ref = reference(
      node,
      base.username,
      base.realm,
      base.password,
      base.nonce,
      base.nc,
      base.cnonce,
      'auth',
      base.method,
      base.uri,
    );
    t.equal(viaPassword, ref, `${algorithm} response`);
    const ha1 = computeHA1(algorithm, base.username, base.realm, base.password);
    t.equal(
      computeDigestResponse({ ...base, password: undefined, algorithm, ha1: ha1.toUpperCase() }),
      ref,
      `${algorithm} from stored HA1`,
    );
  }
  t.end();
});

void t.test('-sess, auth-int and the RFC 2069 form', (t) => {
  const h = (s: string): string => createHash('sha256').update(s).digest('hex');
  const ha1 = h('bob:r:pw');
  const sess = computeDigestResponse({
    algorithm: 'SHA-256-sess',
    username: 'bob',
    realm: 'r',
    password: 'pw',
    nonce: 'N',
    method: 'INVITE',
    uri: 'sip:x@r',
    qop: 'auth',
    nc: '00000001',
    cnonce: 'C',
  });
  t.equal(
    sess,
    h(`${h(`${ha1}:N:C`)}:N:00000001:C:auth:${h('INVITE:sip:x@r')}`),
    'SHA-256-sess folds nonce and cnonce into HA1',
  );

  const body = 'v=0\r\n';
  const int = computeDigestResponse({
    algorithm: 'SHA-256',
    username: 'bob',
    realm: 'r',
    password: 'pw',
    nonce: 'N',
    method: 'INVITE',
    uri: 'sip:x@r',
    qop: 'auth-int',
    nc: '00000001',
    cnonce: 'C',
    body,
  });
  t.equal(int, h(`${ha1}:N:00000001:C:auth-int:${h(`INVITE:sip:x@r:${h(body)}`)}`), 'auth-int hashes the body into A2');

  const m = (s: string): string => createHash('md5').update(s).digest('hex');
  const legacy = computeDigestResponse({
    algorithm: 'MD5',
    username: 'bob',
    realm: 'r',
    password: 'pw',
    nonce: 'N',
    method: 'BYE',
    uri: 'sip:x@r',
  });
  t.equal(legacy, m(`${m('bob:r:pw')}:N:${m('BYE:sip:x@r')}`), 'RFC 2069 form: KD(HA1, nonce:HA2)');

  t.throws(
    () =>
      computeDigestResponse({
        algorithm: 'MD5-sess',
        username: 'b',
        realm: 'r',
        password: 'p',
        nonce: 'N',
        method: 'BYE',
        uri: 'u',
      }),
    TypeError,
  );
  t.throws(
    () => computeDigestResponse({ algorithm: 'MD5', username: 'b', realm: 'r', nonce: 'N', method: 'BYE', uri: 'u' }),
    TypeError,
  );
  t.end();
});

void t.test('algorithm tokens and nonce counts', (t) => {
  t.equal(parseDigestAlgorithm(undefined), 'MD5', 'absent means MD5');
  t.equal(parseDigestAlgorithm('sha-256'), 'SHA-256', 'case-insensitive');
  t.equal(parseDigestAlgorithm('md5-SESS'), 'MD5-sess');
  t.equal(parseDigestAlgorithm('AKAv1-MD5'), undefined);
  t.equal(formatNonceCount(1), '00000001');
  t.equal(formatNonceCount(0x1ab), '000001ab');
  t.throws(() => formatNonceCount(0), RangeError);
  t.equal(
    digestHash('SHA-512-256', 'abc'),
    '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23',
    'FIPS 180-4 SHA-512/256 "abc"',
  );
  t.end();
});
