/**
 * The digest computation itself (RFC 7616 §3.4.1–§3.4.3, RFC 8760 §2 for SIP,
 * RFC 2617 §3.2.2 for MD5 and the RFC 2069 form without qop). Pure functions
 * on strings, `node:crypto` only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** A hash function usable in SIP digest (RFC 8760 §2.2 registry names). */
export type DigestHashName = 'MD5' | 'SHA-256' | 'SHA-512-256';

/** A digest algorithm token: a hash, optionally the `-sess` variant (RFC 7616 §3.4.2). */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

/** Every algorithm this module can compute, strongest first. */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = [
  'SHA-512-256',
  'SHA-512-256-sess',
  'SHA-256',
  'SHA-256-sess',
  'MD5',
  'MD5-sess',
];

/** The quality-of-protection values we compute (RFC 7616 §3.3). */
export type DigestQop = 'auth' | 'auth-int';

const NODE_HASH: Record<DigestHashName, string> = {
  MD5: 'md5',
  'SHA-256': 'sha256',
  'SHA-512-256': 'sha512-256',
};

/**
 * Maps an `algorithm` parameter to a known algorithm, case-insensitively;
 * an absent parameter means MD5 (RFC 7616 §3.3, RFC 3261 §25.1).
 */
export function parseDigestAlgorithm(token: string | undefined): DigestAlgorithm | undefined {
  if (token === undefined) return 'MD5';
  const upper = token.toUpperCase();
  return DIGEST_ALGORITHMS.find((a) => a.toUpperCase() === upper);
}

/** The hash function behind an algorithm (`SHA-256-sess` → `SHA-256`). */
export function digestHashOf(algorithm: DigestAlgorithm): DigestHashName {
  return (algorithm.endsWith('-sess') ? algorithm.slice(0, -5) : algorithm) as DigestHashName;
}

/** Whether the algorithm is a `-sess` variant (HA1 folds in nonce and cnonce). */
export function isSessionAlgorithm(algorithm: DigestAlgorithm): boolean {
  return algorithm.endsWith('-sess');
}

/** Strength rank for choosing among challenges: higher is stronger. */
export function digestStrength(algorithm: DigestAlgorithm): number {
  return DIGEST_ALGORITHMS.length - DIGEST_ALGORITHMS.indexOf(algorithm);
}

/** Lower-case hex digest of UTF-8 text or bytes with the named hash. */
export function digestHash(hash: DigestHashName, data: string | Buffer): string {
  return createHash(NODE_HASH[hash]).update(data).digest('hex');
}

/** `H(username:realm:password)`, the stored form of a password (RFC 7616 §3.4.2). */
export function computeHA1(hash: DigestHashName, username: string, realm: string, password: string): string {
  return digestHash(hash, `${username}:${realm}:${password}`);
}

/** Formats a nonce count as the 8 lower-case hex digits of the `nc` parameter (RFC 7616 §3.4). */
export function formatNonceCount(nc: number): string {
  if (!Number.isInteger(nc) || nc < 1 || nc > 0xffffffff) throw new RangeError(`bad nonce count ${nc}`);
  return nc.toString(16).padStart(8, '0');
}

/** Everything the response digest depends on. Give `password` or a precomputed `ha1` (for the algorithm's hash). */
export interface DigestResponseInput {
  readonly algorithm: DigestAlgorithm;
  readonly username: string;
  readonly realm: string;
  readonly password?: string;
  /** `H(username:realm:password)` with the algorithm's hash, instead of `password`. */
  readonly ha1?: string;
  readonly nonce: string;
  readonly method: string;
  /** The `uri` parameter exactly as sent. */
  readonly uri: string;
  /** Absent for the RFC 2069 form (no cnonce, no nc). */
  readonly qop?: DigestQop;
  readonly cnonce?: string;
  /** The `nc` parameter as sent (8 hex digits). */
  readonly nc?: string;
  /** Message body, for `auth-int`. */
  readonly body?: Buffer | string;
}

/**
 * Computes the `response` parameter (RFC 7616 §3.4.1):
 * `KD(HA1, nonce:nc:cnonce:qop:HA2)`, or `KD(HA1, nonce:HA2)` without qop
 * (RFC 2617 §3.2.2.1). Throws on inputs the caller must have validated.
 */
export function computeDigestResponse(input: DigestResponseInput): string {
  const hash = digestHashOf(input.algorithm);
  let ha1 = input.ha1?.toLowerCase();
  if (ha1 === undefined) {
    if (input.password === undefined) throw new TypeError('computeDigestResponse needs password or ha1');
    ha1 = computeHA1(hash, input.username, input.realm, input.password);
  }
  if (isSessionAlgorithm(input.algorithm)) {
    // RFC 7616 §3.4.2: HA1 = H(H(user:realm:pass):nonce:cnonce) for -sess.
    if (input.cnonce === undefined) throw new TypeError(`${input.algorithm} needs a cnonce`);
    ha1 = digestHash(hash, `${ha1}:${input.nonce}:${input.cnonce}`);
  }
  // RFC 7616 §3.4.3: auth-int adds H(entity-body) to A2.
  const a2 =
    input.qop === 'auth-int'
      ? `${input.method}:${input.uri}:${digestHash(hash, input.body ?? '')}`
      : `${input.method}:${input.uri}`;
  const ha2 = digestHash(hash, a2);
  if (input.qop === undefined) return digestHash(hash, `${ha1}:${input.nonce}:${ha2}`);
  if (input.cnonce === undefined || input.nc === undefined) throw new TypeError('qop needs cnonce and nc');
  return digestHash(hash, `${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}

/** Constant-time comparison of two hex digests (case-insensitive). */
export function digestEquals(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}
