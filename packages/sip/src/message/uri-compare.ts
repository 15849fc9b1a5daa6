import type { Params, SipUri } from './types.js';

/** URI parameters that must match when either URI has them (RFC 3261 §19.1.4). */
const MUST_MATCH = ['user', 'ttl', 'method', 'maddr', 'transport'];

function sameValue(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === b) return true;
  if (a == null || b == null) return false;
  return a.toLowerCase() === b.toLowerCase();
}

function paramsMatch(a: Params, b: Params): boolean {
  for (const name of MUST_MATCH) {
    if (a.has(name) !== b.has(name)) return false;
  }
  // Parameters present in both must agree; one present in only one is ignored (unless listed above).
  for (const [name, value] of a) if (b.has(name) && !sameValue(value, b.get(name))) return false;
  return true;
}

function headersMatch(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  const lower = new Map<string, string>();
  for (const [k, v] of b) lower.set(k.toLowerCase(), v);
  for (const [k, v] of a) {
    const other = lower.get(k.toLowerCase());
    if (other === undefined || other !== v) return false;
  }
  return true;
}

/** A tel number without visual separators (RFC 3966 §3, §4). */
function telNumber(n: string | undefined): string {
  return (n ?? '').replace(/[-.()]/g, '').toLowerCase();
}

/**
 * URI equivalence of RFC 3261 §19.1.4 (escapes already decoded): userinfo
 * case-sensitive, host case-insensitive, an absent port differs from an
 * explicit one, `user`/`ttl`/`method`/`maddr`/`transport` must match when
 * either has them, other parameters only when both have them, URI headers
 * all. `tel:` compares numbers without visual separators and all parameters
 * (RFC 3966 §4); other schemes compare as written, scheme case-insensitive.
 */
export function uriEquals(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  if (a.scheme === 'tel') {
    if (telNumber(a.user) !== telNumber(b.user) || a.params.size !== b.params.size) return false;
    for (const [name, value] of a.params)
      if (!b.params.has(name) || !sameValue(value, b.params.get(name))) return false;
    return true;
  }
  if (a.scheme !== 'sip' && a.scheme !== 'sips') {
    const colonA = a.raw.indexOf(':');
    const colonB = b.raw.indexOf(':');
    return a.raw.slice(colonA) === b.raw.slice(colonB);
  }
  return (
    a.user === b.user &&
    a.password === b.password &&
    a.host === b.host &&
    a.port === b.port &&
    paramsMatch(a.params, b.params) &&
    headersMatch(a.headers, b.headers)
  );
}
