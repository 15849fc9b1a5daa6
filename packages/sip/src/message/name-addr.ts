import { formatParams, readParams, readQuotedAt, scanned } from './params.js';
import { skipWs, trimWs } from './chars.js';
import { SipParseError } from './errors.js';
import { formatUri, parseUri } from './uri.js';
import type { NameAddr, Params, SipUri } from './types.js';

function bad(): never {
  throw new SipParseError('Malformed address', 400);
}

/**
 * Parses one name-addr or addr-spec with header parameters (RFC 3261 §20.10,
 * §25.1 `from-spec`, `contact-param`). In the addr-spec form, `;params` after
 * the URI belong to the header, not the URI (RFC 3261 §20). Throws SipParseError.
 */
export function parseNameAddr(s: string): NameAddr {
  let i = skipWs(s, 0);
  let displayName: string | undefined;
  let uriText: string;
  const c0 = s.charCodeAt(i);
  if (c0 === 34) {
    displayName = readQuotedAt(s, i);
    i = skipWs(s, scanned.end);
    if (s.charCodeAt(i) !== 60) bad();
  } else if (c0 !== 60) {
    const lt = s.indexOf('<', i);
    if (lt >= 0) {
      const dn = trimWs(s.slice(i, lt));
      if (dn.indexOf('"') >= 0) bad();
      if (dn !== '') displayName = dn;
      i = lt;
    }
  }
  if (i < s.length && s.charCodeAt(i) === 60) {
    const gt = s.indexOf('>', i + 1);
    if (gt < 0) bad();
    uriText = trimWs(s.slice(i + 1, gt));
    i = gt + 1;
  } else {
    const start = i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 59 || c === 32 || c === 9) break;
      i++;
    }
    uriText = s.slice(start, i);
  }
  if (uriText === '') bad();
  const uri: SipUri = parseUri(uriText);
  const params: Params = readParams(s, i);
  if (scanned.end !== s.length) bad();
  return { displayName, uri, params };
}

/** Quotes a display name (RFC 3261 §25.1 `quoted-string`), escaping `"` and `\`. */
export function quoteDisplayName(name: string): string {
  return '"' + name.replace(/["\\]/g, '\\$&') + '"';
}

/** Formats a NameAddr as `"Display" <uri>;params` (always with angle brackets). */
export function formatNameAddr(na: NameAddr): string {
  const addr = '<' + formatUri(na.uri) + '>' + formatParams(na.params);
  return na.displayName === undefined ? addr : quoteDisplayName(na.displayName) + ' ' + addr;
}
