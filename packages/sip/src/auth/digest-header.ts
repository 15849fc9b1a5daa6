/**
 * Typed `Digest` challenges and credentials on top of the generic
 * authentication-header codec (RFC 3261 §25.1 `digest-cln` / `dig-resp`,
 * RFC 7616 §3.3–§3.4, RFC 8760).
 */
import { formatAuthHeader, parseAuthHeader } from './auth-header.js';
import type { AuthItem, AuthParam, AuthParseResult } from './auth-header.js';

/** A `Digest` challenge from WWW-Authenticate or Proxy-Authenticate. */
export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  /** RFC 7616 §3.3: the nonce was stale, the credentials were fine. */
  readonly stale: boolean;
  /** The `algorithm` token as sent (absent means MD5). */
  readonly algorithm?: string;
  /** Offered qop values, lower-cased; empty when the challenge has no `qop` (RFC 2069 style). */
  readonly qop: readonly string[];
  readonly domain?: string;
  /** Every parameter, names lower-cased, for extensions. */
  readonly params: ReadonlyMap<string, string>;
}

/** `Digest` credentials from Authorization or Proxy-Authorization. */
export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  /** The `uri` parameter (the Request-URI the client hashed). */
  readonly uri: string;
  readonly response: string;
  /** The `algorithm` token as sent (absent means MD5). */
  readonly algorithm?: string;
  readonly cnonce?: string;
  readonly opaque?: string;
  /** Chosen qop, lower-cased (RFC 7616 §3.4: one token, not a list). */
  readonly qop?: string;
  /** Nonce count as sent (8 hex digits when well-formed). */
  readonly nc?: string;
  /** Every parameter, names lower-cased, for extensions. */
  readonly params: ReadonlyMap<string, string>;
}

const isDigest = (item: AuthItem): boolean => item.scheme.toLowerCase() === 'digest';

function singleDigest(value: string): AuthParseResult<AuthItem> {
  const parsed = parseAuthHeader(value);
  if (!parsed.ok) return parsed;
  if (parsed.value.length !== 1) return { ok: false, reason: 'expected exactly one Digest item' };
  const item = parsed.value[0];
  if (!isDigest(item)) return { ok: false, reason: `scheme '${item.scheme}' is not Digest` };
  return { ok: true, value: item };
}

function challengeFromItem(item: AuthItem): AuthParseResult<DigestChallenge> {
  const p = item.params;
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  if (realm === undefined) return { ok: false, reason: 'challenge without realm' };
  if (nonce === undefined) return { ok: false, reason: 'challenge without nonce' };
  const qop = p.get('qop');
  return {
    ok: true,
    value: {
      realm,
      nonce,
      opaque: p.get('opaque'),
      stale: p.get('stale')?.toLowerCase() === 'true',
      algorithm: p.get('algorithm'),
      // qop-options is a quoted comma list (RFC 3261 §25.1); tolerate it bare.
      qop:
        qop === undefined
          ? []
          : qop
              .split(',')
              .map((v) => v.trim().toLowerCase())
              .filter((v) => v !== ''),
      domain: p.get('domain'),
      params: p,
    },
  };
}

/** Parses one WWW-Authenticate / Proxy-Authenticate value holding one `Digest` challenge. */
export function parseDigestChallenge(value: string): AuthParseResult<DigestChallenge> {
  const item = singleDigest(value);
  return item.ok ? challengeFromItem(item.value) : item;
}

/**
 * Every well-formed `Digest` challenge in a list of header values (one per
 * value in SIP, RFC 3261 §20.44; several per value tolerated). Other schemes
 * are skipped; malformed values are reported in `errors`.
 */
export function parseDigestChallenges(values: readonly string[]): { challenges: DigestChallenge[]; errors: string[] } {
  const challenges: DigestChallenge[] = [];
  const errors: string[] = [];
  for (const value of values) {
    const parsed = parseAuthHeader(value);
    if (!parsed.ok) {
      errors.push(parsed.reason);
      continue;
    }
    for (const item of parsed.value) {
      if (!isDigest(item)) continue;
      const c = challengeFromItem(item);
      if (c.ok) challenges.push(c.value);
      else errors.push(c.reason);
    }
  }
  return { challenges, errors };
}

/** Parses one Authorization / Proxy-Authorization value holding `Digest` credentials (RFC 3261 §25.1 `dig-resp`). */
export function parseDigestCredentials(value: string): AuthParseResult<DigestCredentials> {
  const item = singleDigest(value);
  if (!item.ok) return item;
  const p = item.value.params;
  const required = ['username', 'realm', 'nonce', 'uri', 'response'] as const;
  for (const name of required) {
    if (p.get(name) === undefined) return { ok: false, reason: `credentials without ${name}` };
  }
  return {
    ok: true,
    value: {
      username: p.get('username') as string,
      realm: p.get('realm') as string,
      nonce: p.get('nonce') as string,
      uri: p.get('uri') as string,
      response: p.get('response') as string,
      algorithm: p.get('algorithm'),
      cnonce: p.get('cnonce'),
      opaque: p.get('opaque'),
      qop: p.get('qop')?.toLowerCase(),
      nc: p.get('nc'),
      params: p,
    },
  };
}

/** What {@link formatDigestChallenge} writes. */
export interface DigestChallengeInit {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  readonly stale?: boolean;
  readonly algorithm?: string;
  readonly qop?: readonly string[];
  readonly domain?: string;
}

/** Formats a `Digest` challenge: quoted realm, nonce, opaque, qop list; bare algorithm and stale (RFC 7616 §3.3). */
export function formatDigestChallenge(c: DigestChallengeInit): string {
  const params: AuthParam[] = [['realm', c.realm, true]];
  if (c.domain !== undefined) params.push(['domain', c.domain, true]);
  params.push(['nonce', c.nonce, true]);
  if (c.opaque !== undefined) params.push(['opaque', c.opaque, true]);
  if (c.stale) params.push(['stale', 'true', false]);
  if (c.algorithm !== undefined) params.push(['algorithm', c.algorithm, false]);
  if (c.qop !== undefined && c.qop.length > 0) params.push(['qop', c.qop.join(','), true]);
  return formatAuthHeader('Digest', params);
}

/** What {@link formatDigestCredentials} writes. */
export interface DigestCredentialsInit {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  readonly algorithm?: string;
  readonly cnonce?: string;
  readonly opaque?: string;
  readonly qop?: string;
  readonly nc?: string;
}

/** Formats `Digest` credentials: bare algorithm, qop and nc, everything else quoted (RFC 7616 §3.4). */
export function formatDigestCredentials(c: DigestCredentialsInit): string {
  const params: AuthParam[] = [
    ['username', c.username, true],
    ['realm', c.realm, true],
    ['nonce', c.nonce, true],
    ['uri', c.uri, true],
    ['response', c.response, true],
  ];
  if (c.algorithm !== undefined) params.push(['algorithm', c.algorithm, false]);
  if (c.cnonce !== undefined) params.push(['cnonce', c.cnonce, true]);
  if (c.opaque !== undefined) params.push(['opaque', c.opaque, true]);
  if (c.qop !== undefined) params.push(['qop', c.qop, false]);
  if (c.nc !== undefined) params.push(['nc', c.nc, false]);
  return formatAuthHeader('Digest', params);
}
