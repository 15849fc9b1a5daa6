/**
 * Stateless server nonces (RFC 7616 §3.3 leaves the nonce format to the
 * server and suggests a timestamp plus a private-key hash):
 *
 *     nonce = base64url(timestamp(8) || random(8) || HMAC-SHA256(secret, timestamp || random || realm)[0..16])
 *
 * Any node holding the secret can check a nonce without a store, and an
 * expired nonce whose MAC is good is told apart from a forged one, so the
 * client can be re-challenged with `stale=true` instead of being refused.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const TS_LEN = 8;
const RANDOM_LEN = 8;
const MAC_LEN = 16;
const NONCE_BYTES = TS_LEN + RANDOM_LEN + MAC_LEN;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** What a nonce is bound to: the HMAC key and the realm it was issued for. */
export interface NonceKey {
  readonly secret: Buffer;
  readonly realm: string;
}

/** Outcome of {@link checkNonce}. */
export type NonceCheck =
  | { readonly status: 'fresh'; readonly issuedAt: number }
  | { readonly status: 'stale'; readonly issuedAt: number }
  | { readonly status: 'invalid'; readonly reason: string };

function mac(key: NonceKey, head: Buffer): Buffer {
  return createHmac('sha256', key.secret).update(head).update(key.realm, 'utf8').digest().subarray(0, MAC_LEN);
}

/** Mints a nonce stamped with `now` (Clock milliseconds); `random` is for tests. */
export function mintNonce(key: NonceKey, now: number, random: Buffer = randomBytes(RANDOM_LEN)): string {
  if (random.length !== RANDOM_LEN) throw new RangeError(`nonce random part must be ${RANDOM_LEN} bytes`);
  const head = Buffer.alloc(TS_LEN + RANDOM_LEN);
  head.writeBigInt64BE(BigInt(Math.floor(now)), 0);
  random.copy(head, TS_LEN);
  return Buffer.concat([head, mac(key, head)]).toString('base64url');
}

/**
 * Checks a nonce's MAC and age. `stale` when the MAC is good but the nonce is
 * older than `lifetimeMs`, or stamped in the future (the clock's epoch moved,
 * e.g. a restart with a configured secret): it was ours, so the client only
 * needs a fresh one.
 */
export function checkNonce(nonce: string, key: NonceKey, now: number, lifetimeMs: number): NonceCheck {
  if (!BASE64URL.test(nonce)) return { status: 'invalid', reason: 'malformed nonce' };
  const raw = Buffer.from(nonce, 'base64url');
  if (raw.length !== NONCE_BYTES) return { status: 'invalid', reason: 'malformed nonce' };
  const head = raw.subarray(0, TS_LEN + RANDOM_LEN);
  if (!timingSafeEqual(raw.subarray(TS_LEN + RANDOM_LEN), mac(key, head))) {
    return { status: 'invalid', reason: 'nonce not issued here' };
  }
  const issuedAt = Number(head.readBigInt64BE(0));
  return isNonceExpired(issuedAt, now, lifetimeMs) ? { status: 'stale', issuedAt } : { status: 'fresh', issuedAt };
}

/** The one expiry rule, shared with the nonce-count tracker so both agree. */
export function isNonceExpired(issuedAt: number, now: number, lifetimeMs: number): boolean {
  return issuedAt > Math.floor(now) || now - issuedAt > lifetimeMs;
}
