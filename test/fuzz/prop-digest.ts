/**
 * Digest authentication under hostile credentials (RFC 7616, RFC 8760,
 * RFC 3261 §22): a `DigestClient` answers a `DigestServer` challenge, the
 * Authorization values are then mutated or not, and `verify` must always
 * resolve to a verdict (never throw or reject). Unmutated, correct
 * credentials verify; the same credentials sent again are refused (nonce
 * count replay); a wrong password, a mutated response or a nonce we did not
 * issue never verifies.
 */
import fc from 'fast-check';
import { DigestClient, DigestServer, ManualClock, createRequest } from '@herald/sip';
import type { DigestAlgorithm, DigestVerdict } from '@herald/sip';
import { PropertyViolation, check } from './guard.js';
import { applyStringOps, stringOp } from './mutate.js';
import type { StringOp } from './mutate.js';
import { describe } from './prop-parser.js';

/** One digest case. */
export const digestCase = fc.record({
  algorithms: fc.constantFrom<DigestAlgorithm[]>(['SHA-256', 'MD5'], ['MD5'], ['SHA-512-256', 'MD5-sess']),
  user: fc.constantFrom('alice', 'mallory'),
  rightPassword: fc.boolean(),
  method: fc.constantFrom('REGISTER', 'SUBSCRIBE', 'INVITE', 'PUBLISH'),
  body: fc.constantFrom('', 'v=0\r\n'),
  /** Which Authorization value to edit, and the edits (none: the credentials go as the client wrote them). */
  mutate: fc.option(fc.tuple(fc.nat(), fc.array(stringOp, { minLength: 1, maxLength: 3 })), {
    nil: undefined,
    freq: 2,
  }),
  staleMs: fc.constantFrom(0, 0, 400_000),
});

async function verify(
  server: DigestServer,
  method: string,
  values: readonly string[],
  body: string,
): Promise<DigestVerdict> {
  const request = createRequest({
    method,
    uri: 'sip:example.com',
    headers: values.map((v): [string, string] => ['Authorization', v]),
    body,
  });
  try {
    return await server.verify(request);
  } catch (e) {
    throw new PropertyViolation(`DigestServer.verify threw: ${describe(e)}`);
  }
}

/** The digest property for one case. */
export async function checkDigest(c: {
  algorithms: DigestAlgorithm[];
  user: string;
  rightPassword: boolean;
  method: string;
  body: string;
  mutate: [number, StringOp[]] | undefined;
  staleMs: number;
}): Promise<void> {
  const clock = new ManualClock(1_000_000);
  const server = new DigestServer({
    realm: 'example.com',
    clock,
    secret: 'fuzz',
    algorithms: c.algorithms,
    lookup: (username) => (username === 'alice' ? { password: 'secret' } : undefined),
  });
  const challenge = server.challenge({ method: c.method });
  const client = new DigestClient({ username: c.user, password: c.rightPassword ? 'secret' : 'wrong' });
  const answer = client.answer(
    { status: challenge.status, headers: { getAll: (n: string) => (n === challenge.header ? challenge.values : []) } },
    { method: c.method, requestUri: 'sip:example.com', body: c.body },
  );
  check(answer.ok, `DigestClient did not answer our own challenge: ${answer.ok ? '' : answer.reason}`);
  let values = answer.values;
  const mutated = c.mutate !== undefined && values.length > 0;
  if (c.mutate !== undefined && values.length > 0) {
    const i = c.mutate[0] % values.length;
    const ops = c.mutate[1];
    values = values.map((v, k) => (k === i ? applyStringOps(v, ops) : v));
  }
  clock.advance(c.staleMs);
  const first = await verify(server, c.method, values, c.body);
  if (!first.ok) check([400, 401, 407].includes(first.status), `verify failed with status ${first.status}`);
  const honest = !mutated && c.user === 'alice' && c.rightPassword;
  if (honest && c.staleMs === 0) check(first.ok, `correct credentials refused: ${first.ok ? '' : first.reason}`);
  if (honest && c.staleMs > 0) check(!first.ok && first.stale === true, 'an expired nonce was not answered stale');
  if (!honest && first.ok) {
    // A mutation may leave the credentials intact (e.g. it only touched a parameter the hash ignores).
    check(mutated, `wrong credentials verified (user ${c.user}, right password ${c.rightPassword})`);
  }
  if (first.ok) {
    const again = await verify(server, c.method, values, c.body);
    check(!again.ok, 'the same credentials verified twice (nonce count replay, RFC 7616 §3.3)');
  }
}
