import { formatParams, readParams, readQuotedAt, scanned } from './params.js';
import { skipWsTo, trimWs } from './chars.js';
import { SipParseError } from './errors.js';
import { formatUri, parseUriIn } from './uri.js';
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
  return parseNameAddrIn(s, 0, s.length);
}

/** {@link parseNameAddr} of the value `s[start, end)` (inside a larger text, read in place). */
export function parseNameAddrIn(s: string, start: number, end: number): NameAddr {
  let i = skipWsTo(s, start, end);
  let displayName: string | undefined;
  const c0 = i < end ? s.charCodeAt(i) : -1;
  if (c0 === 34) {
    displayName = readQuotedAt(s, i, end);
    i = skipWsTo(s, scanned.end, end);
    if (i >= end || s.charCodeAt(i) !== 60) bad();
  } else if (c0 !== 60) {
    const lt = s.indexOf('<', i);
    if (lt >= 0 && lt < end) {
      const dn = trimWs(s.slice(i, lt));
      if (dn.indexOf('"') >= 0) bad();
      if (dn !== '') displayName = dn;
      i = lt;
    }
  }
  let uriStart: number;
  let uriEnd: number;
  if (i < end && s.charCodeAt(i) === 60) {
    const gt = s.indexOf('>', i + 1);
    if (gt < 0 || gt >= end) bad();
    uriStart = skipWsTo(s, i + 1, gt);
    uriEnd = gt;
    while (uriEnd > uriStart && (s.charCodeAt(uriEnd - 1) === 32 || s.charCodeAt(uriEnd - 1) === 9)) uriEnd--;
    i = gt + 1;
  } else {
    uriStart = i;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c === 59 || c === 32 || c === 9) break;
      i++;
    }
    uriEnd = i;
  }
  if (uriEnd === uriStart) bad();
  const uri: SipUri = parseUriIn(s, uriStart, uriEnd);
  const params: Params = readParams(s, i, end);
  if (scanned.end !== end) bad();
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
