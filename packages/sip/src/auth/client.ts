/**
 * Client side of SIP digest authentication (RFC 3261 §22.2–§22.3, RFC 7616
 * §3.4, RFC 8760 §2.4): pick the strongest challenge we can answer and build
 * the Authorization / Proxy-Authorization value.
 */
import { randomBytes } from 'node:crypto';
import { computeDigestResponse, digestStrength, formatNonceCount, parseDigestAlgorithm } from './digest.js';
import type { DigestAlgorithm, DigestQop } from './digest.js';
import { formatDigestCredentials, parseDigestChallenges } from './digest-header.js';
import type { DigestChallenge } from './digest-header.js';

/** What {@link answerChallenge} needs besides the challenges. */
export interface DigestAnswerOptions {
  readonly username: string;
  readonly password: string;
  readonly method: string;
  /** The Request-URI of the request being authorized. */
  readonly uri: string;
  /** Request body, for `auth-int`. */
  readonly body?: Buffer | string;
  /** Client nonce; random when absent (tests pin it). */
  readonly cnonce?: string;
  /** Nonce count for this nonce, starting at 1 (default 1). */
  readonly nc?: number;
  /** Answer only challenges of this realm. */
  readonly realm?: string;
  /** Algorithms we are willing to use (default all we compute). */
  readonly algorithms?: readonly DigestAlgorithm[];
}

/** Outcome of {@link answerChallenge}: the header value, or why no challenge could be answered. */
export type DigestAnswer =
  | {
      readonly ok: true;
      readonly value: string;
      readonly challenge: DigestChallenge;
      readonly algorithm: DigestAlgorithm;
      readonly nc?: number;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * The challenge to answer: the strongest supported algorithm (RFC 8760 §2.4:
 * the client uses the topmost challenge it supports; servers list the
 * strongest first, and we also rank by strength so SHA-256 wins over MD5
 * whatever the order). Challenges whose qop we cannot satisfy are skipped.
 */
export function selectChallenge(
  challenges: readonly DigestChallenge[],
  allowed?: readonly DigestAlgorithm[],
): { challenge: DigestChallenge; algorithm: DigestAlgorithm } | undefined {
  let best: { challenge: DigestChallenge; algorithm: DigestAlgorithm } | undefined;
  for (const challenge of challenges) {
    const algorithm = parseDigestAlgorithm(challenge.algorithm);
    if (!algorithm || (allowed && !allowed.includes(algorithm))) continue;
    if (challenge.qop.length > 0 && pickQop(challenge) === undefined) continue;
    if (!best || digestStrength(algorithm) > digestStrength(best.algorithm)) best = { challenge, algorithm };
  }
  return best;
}

// RFC 7616 §3.4: prefer auth; auth-int only when it is all the server takes.
function pickQop(challenge: DigestChallenge): DigestQop | undefined {
  if (challenge.qop.includes('auth')) return 'auth';
  if (challenge.qop.includes('auth-int')) return 'auth-int';
  return undefined;
}

/** A fresh client nonce: 16 random bytes, base64url (safe inside a quoted-string). */
export function makeCnonce(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Answers a 401/407: given the WWW-Authenticate or Proxy-Authenticate values
 * (or already parsed challenges), returns the Authorization /
 * Proxy-Authorization value for the strongest challenge we support.
 */
export function answerChallenge(
  challenges: string | readonly string[] | readonly DigestChallenge[],
  options: DigestAnswerOptions,
): DigestAnswer {
  const list: readonly (string | DigestChallenge)[] = typeof challenges === 'string' ? [challenges] : challenges;
  const texts = list.filter((c): c is string => typeof c === 'string');
  let parsed = [
    ...list.filter((c): c is DigestChallenge => typeof c !== 'string'),
    ...parseDigestChallenges(texts).challenges,
  ];
  if (options.realm !== undefined) parsed = parsed.filter((c) => c.realm === options.realm);
  if (parsed.length === 0) return { ok: false, reason: 'no Digest challenge' };
  const chosen = selectChallenge(parsed, options.algorithms);
  if (!chosen) return { ok: false, reason: 'no challenge with a supported algorithm and qop' };
  return { ok: true, ...buildCredentials(chosen.challenge, chosen.algorithm, options) };
}

function buildCredentials(
  challenge: DigestChallenge,
  algorithm: DigestAlgorithm,
  options: DigestAnswerOptions,
): { value: string; challenge: DigestChallenge; algorithm: DigestAlgorithm; nc?: number } {
  const qop = challenge.qop.length > 0 ? pickQop(challenge) : undefined;
  // -sess needs a cnonce even in the RFC 2069 form.
  const cnonce = qop !== undefined || algorithm.endsWith('-sess') ? (options.cnonce ?? makeCnonce()) : undefined;
  const ncNumber = qop !== undefined ? (options.nc ?? 1) : undefined;
  const nc = ncNumber !== undefined ? formatNonceCount(ncNumber) : undefined;
  const response = computeDigestResponse({
    algorithm,
    username: options.username,
    realm: challenge.realm,
    password: options.password,
    nonce: challenge.nonce,
    method: options.method,
    uri: options.uri,
    qop,
    cnonce,
    nc,
    body: options.body,
  });
  const value = formatDigestCredentials({
    username: options.username,
    realm: challenge.realm,
    nonce: challenge.nonce,
    uri: options.uri,
    response,
    // Echo the token as the server spelled it; absent stays absent (means MD5).
    algorithm: challenge.algorithm,
    cnonce,
    opaque: challenge.opaque,
    qop,
    nc,
  });
  return ncNumber !== undefined ? { value, challenge, algorithm, nc: ncNumber } : { value, challenge, algorithm };
}
