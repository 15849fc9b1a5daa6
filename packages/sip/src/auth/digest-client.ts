/**
 * A small stateful digest client: answers 401/407 responses for one set of
 * credentials, counts `nc` per realm and nonce so every reuse of a nonce
 * increments it (RFC 7616 §3.4), and remembers the last challenge of each
 * realm so later requests can carry credentials up front (RFC 3261 §22.3:
 * a UAC SHOULD cache credentials) without another round trip.
 */
import type { SipHeaders } from '../message/types.js';
import { answerChallenge, makeCnonce, selectChallenge } from './client.js';
import type { DigestAlgorithm } from './digest.js';
import { parseDigestChallenges } from './digest-header.js';
import type { DigestChallenge } from './digest-header.js';

/** The request being (re)sent, as the client sees it. */
export interface DigestClientRequest {
  readonly method: string;
  readonly requestUri: string;
  readonly body?: Buffer | string;
}

/** Header and values to put on the retried request, or why there are none. */
export type DigestClientAnswer =
  | { readonly ok: true; readonly header: 'Authorization' | 'Proxy-Authorization'; readonly values: string[] }
  | { readonly ok: false; readonly reason: string };

/** Options for {@link DigestClient}. */
export interface DigestClientOptions {
  /** Algorithms we accept (default all we compute). */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** Most nonces whose count is remembered (default 32; the oldest is forgotten first). */
  readonly maxNonces?: number;
  /** Client-nonce source (tests pin it). */
  readonly cnonce?: () => string;
}

interface RealmState {
  readonly challenge: DigestChallenge;
  readonly proxy: boolean;
}

/** Answers digest challenges for one user and tracks nonce counts. */
export class DigestClient {
  private readonly counts = new Map<string, number>();
  private readonly realms = new Map<string, RealmState>();
  private readonly maxNonces: number;
  private readonly cnonce: () => string;
  private readonly credentials: { readonly username: string; readonly password: string };
  private readonly options: DigestClientOptions;

  constructor(
    credentials: { readonly username: string; readonly password: string },
    options: DigestClientOptions = {},
  ) {
    this.credentials = credentials;
    this.options = options;
    this.maxNonces = Math.max(1, options.maxNonces ?? 32);
    this.cnonce = options.cnonce ?? makeCnonce;
  }

  /**
   * Answers a 401 (WWW-Authenticate → Authorization) or 407
   * (Proxy-Authenticate → Proxy-Authorization): one value per challenging
   * realm (RFC 3261 §22.3, a forked request may collect several). Replace any
   * earlier values of that header on the retried request.
   */
  answer(
    response: { readonly status: number; readonly headers: Pick<SipHeaders, 'getAll'> },
    request: DigestClientRequest,
  ): DigestClientAnswer {
    const proxy = response.status === 407;
    if (!proxy && response.status !== 401) return { ok: false, reason: `status ${response.status} is no challenge` };
    const values = response.headers.getAll(proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate');
    const answered = this.answerChallenges(values, request, proxy);
    return answered.ok
      ? { ok: true, header: proxy ? 'Proxy-Authorization' : 'Authorization', values: answered.values }
      : answered;
  }

  /** Like {@link DigestClient.answer}, from raw challenge values. */
  answerChallenges(
    challengeValues: readonly string[],
    request: DigestClientRequest,
    proxy = false,
  ): { ok: true; values: string[] } | { ok: false; reason: string } {
    const { challenges } = parseDigestChallenges(challengeValues);
    if (challenges.length === 0) return { ok: false, reason: 'no Digest challenge' };
    const byRealm = new Map<string, DigestChallenge[]>();
    for (const c of challenges) byRealm.set(c.realm, [...(byRealm.get(c.realm) ?? []), c]);
    const values: string[] = [];
    for (const group of byRealm.values()) {
      const chosen = selectChallenge(group, this.options.algorithms);
      if (!chosen) continue;
      this.realms.set(chosen.challenge.realm, { challenge: chosen.challenge, proxy });
      const value = this.answerOne(chosen.challenge, request);
      if (value !== undefined) values.push(value);
    }
    if (values.length === 0) return { ok: false, reason: 'no challenge with a supported algorithm and qop' };
    return { ok: true, values };
  }

  /**
   * Credentials for a new request from the cached challenges, next `nc` for
   * each cached nonce; empty when nothing is cached. Grouped by header.
   */
  authorize(request: DigestClientRequest): { header: 'Authorization' | 'Proxy-Authorization'; value: string }[] {
    const out: { header: 'Authorization' | 'Proxy-Authorization'; value: string }[] = [];
    for (const state of this.realms.values()) {
      const value = this.answerOne(state.challenge, request);
      if (value !== undefined) out.push({ header: state.proxy ? 'Proxy-Authorization' : 'Authorization', value });
    }
    return out;
  }

  /** Forgets a realm's cached challenge (e.g. after it answered 401 to cached credentials). */
  forget(realm: string): void {
    this.realms.delete(realm);
  }

  private answerOne(challenge: DigestChallenge, request: DigestClientRequest): string | undefined {
    const key = `${challenge.realm}\n${challenge.nonce}`;
    const nc = (this.counts.get(key) ?? 0) + 1;
    const answer = answerChallenge([challenge], {
      ...this.credentials,
      method: request.method,
      uri: request.requestUri,
      body: request.body,
      cnonce: this.cnonce(),
      nc,
      algorithms: this.options.algorithms,
    });
    if (!answer.ok) return undefined;
    // Re-insert so the map's order is least recently used first.
    this.counts.delete(key);
    this.counts.set(key, nc);
    while (this.counts.size > this.maxNonces) {
      const oldest = this.counts.keys().next().value;
      if (oldest === undefined) break;
      this.counts.delete(oldest);
    }
    return answer.value;
  }
}
