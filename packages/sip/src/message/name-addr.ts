import {
  GATHER_MAX,
  NO_PARAMS,
  formatParams,
  gatherParam,
  gatheredList,
  readParams,
  readQuotedAt,
  scanned,
} from './params.js';
import {
  OCTET,
  O_DISPLAY,
  O_QUOTED,
  O_TOKEN,
  O_VALUE,
  TOKEN,
  charClass,
  skipOctets,
  skipWsTo,
  trimWs,
} from './chars.js';
import { SipParseError } from './errors.js';
import { lowerName, lowerNameOctets } from './names.js';
import { formatUri, parseUriIn } from './uri.js';
import { USUAL_SIP_URI_SOURCE, readUsualSipUri, uriOctets, usualSipUriOctets } from './uri-usual.js';
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

/**
 * {@link parseNameAddr} of the value `s[start, end)` (inside a larger text,
 * read in place). `bytes`, when given, holds the same text as octets:
 * `s.charCodeAt(i)` is `bytes[base + i]` for every i in [start, end) (an ASCII
 * datagram decoded as latin1), so the usual shape is read from it in one pass.
 */
export function parseNameAddrIn(s: string, start: number, end: number, bytes?: Uint8Array, base = 0): NameAddr {
  return (
    (bytes !== undefined ? nameAddrOctets(s, bytes, base, start, end) : nameAddrUsual(s, start, end)) ??
    parseNameAddrGeneral(s, start, end)
  );
}

/**
 * The usual shape of {@link USUAL_NAME_ADDR} exactly filling `s[start, end)`,
 * read in one pass over the octets `b` (`b[d + i]` is `s.charCodeAt(i)`):
 * each octet is checked against {@link OCTET} once and the parts are sliced
 * as it goes. The same value the general reader gives; undefined for any other
 * text, which the general reader then decides.
 */
function nameAddrOctets(s: string, b: Uint8Array, d: number, start: number, end: number): NameAddr | undefined {
  let i = start + d;
  const pe = end + d;
  if (i >= pe) return undefined;
  let displayName: string | undefined;
  let c = b[i] as number;
  if (c === 34) {
    const q0 = ++i;
    while (i < pe && (OCTET[b[i] as number] & O_QUOTED) !== 0) i++;
    if (i >= pe || b[i] !== 34) return undefined;
    displayName = s.slice(q0 - d, i - d);
    i++;
    while (i < pe && ((c = b[i] as number) === 32 || c === 9)) i++;
  } else if (c !== 60) {
    const a = i;
    while (i < pe && (OCTET[b[i] as number] & O_DISPLAY) !== 0) i++;
    // Trimmed of SP/HTAB at both ends, as the general reader trims it.
    let a2 = a;
    let z = i;
    while (a2 < z && ((c = b[a2] as number) === 32 || c === 9)) a2++;
    while (z > a2 && ((c = b[z - 1] as number) === 32 || c === 9)) z--;
    if (z > a2) displayName = s.slice(a2 - d, z - d);
  }
  if (i >= pe || b[i] !== 60) return undefined;
  const uri = usualSipUriOctets(s, b, d, i + 1, pe);
  if (uri === undefined) return undefined;
  i = uriOctets.end;
  if (i >= pe || b[i] !== 62) return undefined;
  i++;
  let params: Params = NO_PARAMS;
  if (i < pe) {
    let n = 0;
    // Each parameter: ';' token ['=' value] ('=' and ';' are in neither class).
    do {
      if (b[i] !== 59) return undefined;
      const n0 = ++i;
      while (i < pe && (OCTET[b[i] as number] & O_TOKEN) !== 0) i++;
      if (i === n0) return undefined;
      const name = lowerNameOctets(s, b, d, n0, i);
      let value: string | null = null;
      if (i < pe && b[i] === 61) {
        const v0 = ++i;
        i = skipOctets(b, i, pe, O_VALUE);
        if (i === v0) return undefined;
        value = s.slice(v0 - d, i - d);
      }
      if (n === GATHER_MAX) return undefined;
      n = gatherParam(n, name, value);
    } while (i < pe);
    params = gatheredList(n);
  }
  return { displayName, uri, params };
}

/** Chars of an unquoted display name in the usual shape: token chars, SP, HTAB. */
const DISPLAY = new Uint8Array(TOKEN);
DISPLAY[32] = 1;
DISPLAY[9] = 1;

/**
 * The usual name-addr, checked in one native pass: an optional display name
 * (quoted without escapes, or token chars and spaces), the usual URI in angle
 * brackets with nothing around it inside, then `;name[=value]` header
 * parameters with unquoted values and no whitespace. Sticky: `lastIndex` is
 * where the shape stopped.
 */
const USUAL_NAME_ADDR = new RegExp(
  '(?:"[^"\\\\\\r\\n]*"[ \\t]*|' +
    charClass(DISPLAY) +
    '+)?<' +
    USUAL_SIP_URI_SOURCE +
    '>(?:;' +
    charClass(TOKEN) +
    '+(?:=[^;,\\s"<>]+)?)*',
  'y',
);

/**
 * {@link USUAL_NAME_ADDR} exactly filling `s[start, end)`, read without
 * checking a char again: the same value the general reader gives. Undefined
 * for any other text, which the general reader then decides.
 */
function nameAddrUsual(s: string, start: number, end: number): NameAddr | undefined {
  USUAL_NAME_ADDR.lastIndex = start;
  if (!USUAL_NAME_ADDR.test(s) || USUAL_NAME_ADDR.lastIndex !== end) return undefined;
  let displayName: string | undefined;
  let lt = start;
  const c0 = s.charCodeAt(start);
  if (c0 === 34) {
    const q = s.indexOf('"', start + 1);
    displayName = s.slice(start + 1, q);
    lt = s.indexOf('<', q + 1);
  } else if (c0 !== 60) {
    lt = s.indexOf('<', start);
    let a = start;
    let b = lt;
    while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
    while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
    if (b > a) displayName = s.slice(a, b);
  }
  const gt = s.indexOf('>', lt + 1);
  const uri = readUsualSipUri(s, lt + 1, gt);
  if (uri === undefined) return undefined;
  let params: Params = NO_PARAMS;
  let i = gt + 1;
  if (i < end) {
    let n = 0;
    let c = 0;
    // Each parameter starts at a ';' and holds at most one '=' (neither is a token char nor in a value).
    while (i < end) {
      const nameStart = ++i;
      while (i < end) {
        c = s.charCodeAt(i);
        if (c === 61 || c === 59) break;
        i++;
      }
      const name = lowerName(s, nameStart, i);
      let value: string | null = null;
      if (i < end && c === 61) {
        const vStart = ++i;
        while (i < end && s.charCodeAt(i) !== 59) i++;
        value = s.slice(vStart, i);
      }
      if (n === GATHER_MAX) return undefined;
      n = gatherParam(n, name, value);
    }
    params = gatheredList(n);
  }
  return { displayName, uri, params };
}

function parseNameAddrGeneral(s: string, start: number, end: number): NameAddr {
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
