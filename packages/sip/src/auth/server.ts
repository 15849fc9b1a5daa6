/**
 * Server side of SIP digest authentication (RFC 3261 §22.2–§22.4, RFC 7616,
 * RFC 8760): issue challenges, verify credentials. Stateless nonces
 * ({@link mintNonce}); the only state is the bounded nonce-count tracker.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { SipHeaders } from '../message/types.js';
import {
  computeDigestResponse,
  digestEquals,
  digestHashOf,
  isSessionAlgorithm,
  parseDigestAlgorithm,
} from './digest.js';
import type { DigestAlgorithm, DigestHashName, DigestQop } from './digest.js';
import { formatDigestChallenge, parseDigestCredentials } from './digest-header.js';
import type { DigestCredentials } from './digest-header.js';
import { checkNonce, mintNonce } from './nonce.js';
import type { NonceKey } from './nonce.js';
import { NonceCountTracker } from './nonce-counts.js';

/** The parts of a request digest authentication reads; every `SipRequest` fits. */
export interface AuthRequest {
  readonly method: string;
  readonly requestUri: string;
  readonly headers: Pick<SipHeaders, 'get' | 'getAll'>;
  readonly body?: Buffer;
}

/** A user's secret: the password, or HA1 = H(username:realm:password) for every offered hash (RFC 7616 §3.4.2); a missing hash fails like a wrong password. */
export type DigestSecret = { readonly password: string } | { readonly ha1: Partial<Record<DigestHashName, string>> };

/** Finds a user's secret; `undefined` when the user is unknown. */
export type DigestLookup = (
  username: string,
  realm: string,
) => DigestSecret | undefined | Promise<DigestSecret | undefined>;

/** Options for {@link DigestServer}. */
export interface DigestServerOptions {
  readonly realm: string;
  /**
   * HMAC key for nonces; random per process when absent. Configure it so a
   * restart (or another node) still recognises our nonces: they then come
   * back `stale` (one silent round trip) instead of unknown. Nonce ages use
   * `clock`, so a clock whose epoch differs per process (`systemClock`) makes
   * such nonces stale, never wrongly fresh.
   */
  readonly secret?: string | Buffer;
  /**
   * Nonce lifetime; default 300 s. That sits above the short refresh
   * intervals phones behind NAT use (60–300 s REGISTER/SUBSCRIBE), so a phone
   * that reuses its nonce on the next refresh usually finds it fresh; when it
   * has expired, correct credentials get `stale=true` and the phone retries
   * silently with a new nonce instead of failing (DESIGN.md: "nonce expires
   * before the subscription refresh, refresh gets 401 forever").
   */
  readonly nonceLifetimeMs?: number;
  /** Algorithms offered, one challenge each, in order (RFC 8760 §2.4); default SHA-256 then MD5. */
  readonly algorithms?: readonly DigestAlgorithm[];
  readonly clock: Clock;
  readonly lookup: DigestLookup;
  /** Sent as `opaque` and then required back unchanged (RFC 7616 §3.3); none by default. */
  readonly opaque?: string;
  /**
   * Accept MD5 credentials without qop (RFC 2069 form). Off by default: such
   * requests carry no nonce count, so they can be replayed for the nonce's
   * whole lifetime, and every client since RFC 2617 answers our `qop="auth"`.
   */
  readonly allowNoQop?: boolean;
  /** Bound on nonces tracked for nc replay protection (default 10 000). */
  readonly maxTrackedNonces?: number;
}

/** Which challenge to send: header name, status and one value per algorithm. */
export interface DigestChallengeSet {
  readonly status: 401 | 407;
  readonly header: 'WWW-Authenticate' | 'Proxy-Authenticate';
  readonly values: string[];
}

/**
 * Outcome of {@link DigestServer.verify}. A 401/407 failure means "answer with
 * a challenge" (`stale` says with `stale=true`); 400 means the credentials are
 * malformed. Wrong passwords and unknown users both give 401/407 — a retry
 * with other credentials can succeed, which 403 would deny (RFC 3261 §21.4.4:
 * "Authorization will not help") — and the same reason, so users cannot be
 * enumerated. `verify` never returns 403; it is in the union for callers that
 * refuse an authenticated user (e.g. From not matching the username).
 */
export type DigestVerdict =
  | { readonly ok: true; readonly username: string; readonly realm: string; readonly algorithm: DigestAlgorithm }
  | { readonly ok: false; readonly status: 400 | 401 | 403 | 407; readonly reason: string; readonly stale?: boolean };

/** RFC 3261 §22.1: ACK and CANCEL cannot be challenged (no response to ACK; CANCEL is hop-by-hop). */
export function isChallengeable(request: Pick<AuthRequest, 'method'>): boolean {
  return request.method !== 'ACK' && request.method !== 'CANCEL';
}

const WRONG = 'wrong credentials';
const NC = /^[0-9a-fA-F]{8}$/;

/** Issues digest challenges and verifies credentials for one realm. */
export class DigestServer {
  readonly realm: string;
  readonly algorithms: readonly DigestAlgorithm[];
  readonly nonceLifetimeMs: number;
  private readonly key: NonceKey;
  private readonly clock: Clock;
  private readonly lookup: DigestLookup;
  private readonly opaque: string | undefined;
  private readonly allowNoQop: boolean;
  private readonly counts: NonceCountTracker;

  constructor(options: DigestServerOptions) {
    this.realm = options.realm;
    this.algorithms = options.algorithms ?? ['SHA-256', 'MD5'];
    if (this.algorithms.length === 0) throw new RangeError('DigestServer needs at least one algorithm');
    this.nonceLifetimeMs = options.nonceLifetimeMs ?? 300_000;
    const secret =
      options.secret === undefined
        ? randomBytes(32)
        : typeof options.secret === 'string'
          ? Buffer.from(options.secret, 'utf8')
          : options.secret;
    this.key = { secret, realm: options.realm };
    this.clock = options.clock;
    this.lookup = options.lookup;
    this.opaque = options.opaque;
    this.allowNoQop = options.allowNoQop ?? false;
    this.counts = new NonceCountTracker({ lifetimeMs: this.nonceLifetimeMs, maxEntries: options.maxTrackedNonces });
  }

  /** A fresh nonce (exposed for tests and for `Authentication-Info` nextnonce). */
  mintNonce(): string {
    return mintNonce(this.key, this.clock.now());
  }

  /**
   * The challenge for a 401 (or 407 with `proxy`): one header value per
   * offered algorithm sharing one fresh nonce, `qop="auth"` (RFC 8760 §2.4).
   * Throws for ACK and CANCEL, which cannot be challenged (RFC 3261 §22.1).
   */
  challenge(
    request: Pick<AuthRequest, 'method'>,
    options: { stale?: boolean; proxy?: boolean } = {},
  ): DigestChallengeSet {
    if (!isChallengeable(request)) throw new TypeError(`${request.method} cannot be challenged (RFC 3261 §22.1)`);
    const nonce = this.mintNonce();
    const values = this.algorithms.map((algorithm) =>
      formatDigestChallenge({
        realm: this.realm,
        nonce,
        opaque: this.opaque,
        stale: options.stale === true,
        algorithm,
        qop: ['auth'],
      }),
    );
    return options.proxy
      ? { status: 407, header: 'Proxy-Authenticate', values }
      : { status: 401, header: 'WWW-Authenticate', values };
  }

  /**
   * Verifies the request's Authorization (or Proxy-Authorization with
   * `proxy`) for this realm (RFC 3261 §22.4, RFC 7616 §3.4). ACK and CANCEL
   * reuse the INVITE's credentials (§22.1), so their nc is not replay-checked.
   */
  async verify(request: AuthRequest, options: { proxy?: boolean } = {}): Promise<DigestVerdict> {
    const challengeStatus = options.proxy ? 407 : 401;
    const fail = (status: 400 | 401 | 407, reason: string, stale?: boolean): DigestVerdict =>
      stale ? { ok: false, status, reason, stale } : { ok: false, status, reason };
    const found = this.findCredentials(request.headers.getAll(options.proxy ? 'Proxy-Authorization' : 'Authorization'));
    if (found.kind === 'malformed') return fail(400, `malformed credentials: ${found.reason}`);
    if (found.kind === 'none') return fail(challengeStatus, found.reason);
    const cred = found.credentials;

    const algorithm = parseDigestAlgorithm(cred.algorithm);
    if (!algorithm || !this.algorithms.includes(algorithm)) {
      return fail(challengeStatus, `algorithm ${cred.algorithm ?? 'MD5'} not offered`);
    }
    // RFC 2617 §3.2.2.5: the uri parameter must name the Request-URI, else 400.
    if (!sameRequestUri(cred.uri, request.requestUri)) return fail(400, 'uri parameter does not match Request-URI');

    let qop: DigestQop | undefined;
    let nc: number | undefined;
    if (cred.qop !== undefined) {
      if (cred.qop !== 'auth' && cred.qop !== 'auth-int') return fail(challengeStatus, `qop ${cred.qop} not offered`);
      if (cred.cnonce === undefined || cred.nc === undefined) return fail(400, 'qop without cnonce or nc');
      nc = NC.test(cred.nc) ? parseInt(cred.nc, 16) : 0;
      if (nc === 0) return fail(400, 'malformed nc');
      qop = cred.qop;
    } else {
      if (!this.allowNoQop || algorithm !== 'MD5') return fail(challengeStatus, 'qop required');
    }
    if (isSessionAlgorithm(algorithm) && cred.cnonce === undefined) return fail(400, `${algorithm} without cnonce`);
    if (this.opaque !== undefined && cred.opaque !== this.opaque) return fail(challengeStatus, 'opaque mismatch');

    const now = this.clock.now();
    const nonce = checkNonce(cred.nonce, this.key, now, this.nonceLifetimeMs);
    // A nonce we never issued (forged, or a restart with a random secret): a fresh challenge, not stale.
    if (nonce.status === 'invalid') return fail(challengeStatus, nonce.reason);

    const secret = await this.lookup(cred.username, this.realm);
    const hash = digestHashOf(algorithm);
    const ha1 = secret && 'ha1' in secret ? secret.ha1[hash] : undefined;
    const password = secret && 'password' in secret ? secret.password : undefined;
    // Unknown users cost the same hashing and get the same answer as wrong passwords.
    const known = password !== undefined || ha1 !== undefined;
    const expected = computeDigestResponse({
      algorithm,
      username: cred.username,
      realm: this.realm,
      password: known ? password : '',
      ha1,
      nonce: cred.nonce,
      method: request.method,
      uri: cred.uri,
      qop,
      cnonce: cred.cnonce,
      nc: cred.nc,
      body: request.body,
    });
    if (!digestEquals(expected, cred.response) || !known) return fail(challengeStatus, WRONG);

    // RFC 7616 §3.3: correct credentials on an expired nonce → stale=true, no re-prompt.
    if (nonce.status === 'stale') return fail(challengeStatus, 'nonce expired', true);
    if (nc !== undefined && isChallengeable(request) && !this.counts.accept(cred.nonce, nonce.issuedAt, nc, now)) {
      // A replayed count: a fresh nonce lets an honest (reordered) client recover.
      return fail(challengeStatus, 'nonce count reused', true);
    }
    return { ok: true, username: cred.username, realm: this.realm, algorithm };
  }

  private findCredentials(
    values: readonly string[],
  ):
    | { kind: 'found'; credentials: DigestCredentials }
    | { kind: 'none'; reason: string }
    | { kind: 'malformed'; reason: string } {
    let malformed: string | undefined;
    let digestSeen = false;
    for (const value of values) {
      if (!/^\s*digest(\s|$)/i.test(value)) continue;
      digestSeen = true;
      const parsed = parseDigestCredentials(value);
      if (!parsed.ok) malformed ??= parsed.reason;
      // RFC 3261 §22.3: credentials for other realms belong to other servers.
      else if (parsed.value.realm === this.realm) return { kind: 'found', credentials: parsed.value };
    }
    if (malformed !== undefined) return { kind: 'malformed', reason: malformed };
    return { kind: 'none', reason: digestSeen ? `no credentials for realm ${this.realm}` : 'credentials missing' };
  }
}

/**
 * Whether the `uri` parameter names the Request-URI: equal as strings, or
 * equal once scheme and host (case-insensitive by RFC 3261 §19.1.4) are
 * lower-cased. Nothing cleverer: the hash covers the string the client sent.
 */
export function sameRequestUri(param: string, requestUri: string): boolean {
  if (param === requestUri) return true;
  const norm = (u: string): string =>
    u.replace(
      /^([A-Za-z][A-Za-z0-9+.-]*:)([^@;?]*@)?([^;?]*)/,
      (_m, scheme: string, user: string | undefined, host: string) =>
        `${scheme.toLowerCase()}${user ?? ''}${host.toLowerCase()}`,
    );
  return norm(param) === norm(requestUri);
}
