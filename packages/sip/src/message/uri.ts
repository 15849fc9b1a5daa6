import { HCHAR, HOST, PARAMCHAR, PASSWORD, USER, escape, unescape } from './chars.js';
import { SipParseError } from './errors.js';
import { lowerName } from './names.js';
import type { ParamList } from './param-list.js';
import { GATHER_MAX, NO_HEADERS, NO_PARAMS, gatherParam, gatheredList } from './params.js';
import type { Params, SipUri } from './types.js';
import { sipUriUsual } from './uri-usual.js';

function bad(_raw?: string): never {
  throw new SipParseError('Malformed URI', 400);
}

/** True when `c` may appear in a URI scheme after its first letter (RFC 3986 §3.1). */
export function isSchemeChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}

/** Index of the `:` ending a valid scheme, or -1 (RFC 3261 §25.1 `scheme`). */
export function schemeEnd(s: string): number {
  const c0 = s.charCodeAt(0);
  if (!((c0 >= 97 && c0 <= 122) || (c0 >= 65 && c0 <= 90))) return -1;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) return i;
    if (!isSchemeChar(c)) return -1;
  }
  return -1;
}

/** Scans `[start, end)` for chars of table `t` or `%HH` escapes; false on anything else. */
function validEscaped(t: Uint8Array, s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) continue; // escapes are checked when decoded
    if (c >= 128 || t[c] === 0) return false;
  }
  return true;
}

/** Like {@link validEscaped}: -1 when invalid, 1 when the range holds a `%`, else 0. */
function scanEscaped(t: Uint8Array, s: string, start: number, end: number): number {
  let pct = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) pct = 1;
    else if (c >= 128 || t[c] === 0) return -1;
  }
  return pct;
}

function decode(s: string, raw: string): string {
  const d = unescape(s);
  return d === undefined ? bad(raw) : d;
}

/** Where {@link readUriParams} stopped (saves a tuple per call). */
let uriParamsEnd = 0;

/**
 * Parses `;name=value` URI parameters (RFC 3261 §19.1.1, escapes decoded,
 * names lower-cased, a repeated name in its first place with its last value)
 * from the `;` at `i` into a new list; {@link uriParamsEnd} is the stop index.
 */
function readUriParams(s: string, i: number, raw: string, end: number): Params {
  let n = 0;
  let list: ParamList | undefined;
  while (i < end && s.charCodeAt(i) === 59) {
    // One pass per parameter: find its end and `=`, and check every char.
    let j = i + 1;
    let eq = -1;
    let namePct = false;
    let valuePct = false;
    for (; j < end; j++) {
      const c = s.charCodeAt(j);
      if (c === 59 || c === 63) break;
      if (c === 61 && eq < 0) eq = j;
      else if (c === 37) {
        if (eq < 0) namePct = true;
        else valuePct = true;
      } else if (c >= 128 || PARAMCHAR[c] === 0) bad(raw);
    }
    const nameEnd = eq < 0 ? j : eq;
    if (nameEnd === i + 1) bad(raw);
    const name = namePct ? decode(s.slice(i + 1, nameEnd), raw).toLowerCase() : lowerName(s, i + 1, nameEnd);
    let value: string | null = null;
    if (eq >= 0) value = valuePct ? decode(s.slice(eq + 1, j), raw) : s.slice(eq + 1, j);
    if (list !== undefined) list.set(name, value);
    else if (n < GATHER_MAX) n = gatherParam(n, name, value);
    else list = gatheredList(n).set(name, value);
    i = j;
  }
  uriParamsEnd = i;
  return list ?? (n === 0 ? NO_PARAMS : gatheredList(n));
}

/** Parses `?h1=v1&h2=v2` URI headers from the `?` at `i` to the end. */
function parseUriHeaders(s: string, i: number, headers: Map<string, string>, raw: string, end: number): void {
  for (const part of s.slice(i + 1, end).split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || !validEscaped(HCHAR, part, 0, eq) || !validEscaped(HCHAR, part, eq + 1, part.length)) bad(raw);
    headers.set(decode(part.slice(0, eq), raw), decode(part.slice(eq + 1), raw));
  }
}

function isIpv6Char(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46;
}

/** Where {@link readHostPort} and {@link scanHostPort} leave their results (no tuple allocated per URI). */
const hp = { host: '', port: undefined as number | undefined };

/**
 * Reads host [":" port] from `i` (RFC 3261 §25.1 `hostport`; IPv6 references
 * in brackets) into `hp` (host lower-cased) and returns the stop index.
 */
function readHostPort(s: string, i: number, raw: string, end: number): number {
  if (i < end && s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0 || close >= end) bad(raw);
    for (let k = i + 1; k < close; k++) if (!isIpv6Char(s.charCodeAt(k))) bad(raw);
    if (close === i + 1) bad(raw);
    hp.host = s.slice(i, close + 1).toLowerCase();
    i = scanPort(s, close + 1, end, 5);
  } else i = scanHostPort(s, i, end, 5);
  if (i < 0) bad(raw);
  return i;
}

/**
 * Reads a host name or IPv4 address (no brackets) [":" port] from `i` into
 * `hp` (host lower-cased, port of at most `maxPortDigits` digits and ≤ 65535);
 * returns the stop index, or -1 when there is no host or the port is bad.
 */
function scanHostPort(s: string, i: number, end: number, maxPortDigits: number): number {
  const start = i;
  let upper = false;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 128 || HOST[c] === 0) break;
    if (c <= 90 && c >= 65) upper = true;
    i++;
  }
  if (i === start) return -1;
  hp.host = upper ? s.slice(start, i).toLowerCase() : s.slice(start, i);
  return scanPort(s, i, end, maxPortDigits);
}

/** Reads an optional `:port` at `i` into `hp.port`; returns the stop index, or -1 for a bad port. */
function scanPort(s: string, i: number, end: number, maxDigits: number): number {
  hp.port = undefined;
  if (i < end && s.charCodeAt(i) === 58) {
    const pStart = ++i;
    let n = 0;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      i++;
    }
    if (i === pStart || i - pStart > maxDigits || n > 65535) return -1;
    hp.port = n;
  }
  return i;
}

/** Parses the `sip:`/`sips:` URI `s[start, end)` whose scheme ends at `colon`. */
function parseSip(s: string, start: number, colon: number, end: number, scheme: string): SipUri {
  const raw = start === 0 && end === s.length ? s : s.slice(start, end);
  let i = colon + 1;
  let user: string | undefined;
  let password: string | undefined;
  const at = s.indexOf('@', i);
  if (at >= 0 && at < end) {
    const pw = s.indexOf(':', i);
    const userEnd = pw >= 0 && pw < at ? pw : at;
    const u = userEnd === i ? -1 : scanEscaped(USER, s, i, userEnd);
    if (u < 0) bad(raw);
    user = u === 0 ? s.slice(i, userEnd) : decode(s.slice(i, userEnd), raw);
    if (userEnd < at) {
      const p = scanEscaped(PASSWORD, s, userEnd + 1, at);
      if (p < 0) bad(raw);
      password = p === 0 ? s.slice(userEnd + 1, at) : decode(s.slice(userEnd + 1, at), raw);
    }
    i = at + 1;
  }
  const hEnd = readHostPort(s, i, raw, end);
  const host = hp.host;
  const port = hp.port;
  let params: Params = NO_PARAMS;
  let headers: Map<string, string> = NO_HEADERS;
  i = hEnd;
  if (i < end && s.charCodeAt(i) === 59) {
    params = readUriParams(s, hEnd, raw, end);
    i = uriParamsEnd;
  }
  if (i < end) {
    if (s.charCodeAt(i) !== 63) bad(raw);
    headers = new Map();
    parseUriHeaders(s, i, headers, raw, end);
  }
  // One object shape for every URI (absent parts are undefined), so code reading them stays monomorphic.
  return { scheme, user, password, host, port, params, headers, raw };
}

const TEL = new Uint8Array(128);
for (const ch of '0123456789ABCDEFabcdef*#+-.()pPwW') TEL[ch.charCodeAt(0)] = 1;

function parseTel(s: string, colon: number): SipUri {
  let i = colon + 1;
  const start = i;
  while (i < s.length && s.charCodeAt(i) !== 59) i++;
  if (i === start || !validEscaped(TEL, s, start, i)) bad(s);
  const params: Params = i < s.length ? readUriParams(s, i, s, s.length) : NO_PARAMS;
  if (i < s.length && uriParamsEnd !== s.length) bad(s);
  const user = decode(s.slice(start, i), s);
  return { scheme: 'tel', user, password: undefined, host: '', port: undefined, params, headers: NO_HEADERS, raw: s };
}

/**
 * Parses a URI (RFC 3261 §19.1, RFC 3966 for `tel:`): `sip`/`sips`/`tel` in
 * full, any other scheme as opaque (`raw` only). Throws SipParseError.
 */
export function parseUri(s: string): SipUri {
  // The usual schemes without a slice: `sip:` / `sips:` in any case.
  return parseUriIn(s, 0, s.length);
}

/** {@link parseUri} of `s[start, end)` (inside a larger text: `sip:`/`sips:` read in place). */
export function parseUriIn(s: string, start: number, end: number): SipUri {
  const fast = sipUriUsual(s, start, end);
  if (fast !== undefined) return fast;
  if (
    (s.charCodeAt(start) | 0x20) === 115 &&
    (s.charCodeAt(start + 1) | 0x20) === 105 &&
    (s.charCodeAt(start + 2) | 0x20) === 112
  ) {
    const c3 = s.charCodeAt(start + 3);
    if (c3 === 58 && start + 3 < end) return parseSip(s, start, start + 3, end, 'sip');
    if ((c3 | 0x20) === 115 && s.charCodeAt(start + 4) === 58 && start + 4 < end) {
      return parseSip(s, start, start + 4, end, 'sips');
    }
  }
  return parseOther(start === 0 && end === s.length ? s : s.slice(start, end));
}

/** The schemes other than `sip`/`sips`: `tel` in full, any other as opaque. */
function parseOther(s: string): SipUri {
  const colon = schemeEnd(s);
  if (colon < 0) bad(s);
  const scheme = s.slice(0, colon).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSip(s, 0, colon, s.length, scheme);
  if (scheme === 'tel') return parseTel(s, colon);
  for (let i = colon + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 60 || c === 62 || c === 34 || c === 127) bad(s);
  }
  return {
    scheme,
    user: undefined,
    password: undefined,
    host: '',
    port: undefined,
    params: NO_PARAMS,
    headers: NO_HEADERS,
    raw: s,
  };
}

function formatUriParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += ';' + escape(k, PARAMCHAR) + (v === null ? '' : '=' + escape(v, PARAMCHAR));
  return out;
}

/** Formats a URI from its fields (escaping as RFC 3261 §19.1.2 requires); opaque schemes give `raw`. */
export function formatUri(uri: SipUri): string {
  if (uri.scheme === 'tel') return 'tel:' + escape(uri.user ?? '', TEL) + formatUriParams(uri.params);
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') return uri.raw;
  let out = uri.scheme + ':';
  if (uri.user !== undefined) {
    out += escape(uri.user, USER);
    if (uri.password !== undefined) out += ':' + escape(uri.password, PASSWORD);
    out += '@';
  }
  out += uri.host;
  if (uri.port !== undefined) out += ':' + uri.port;
  out += formatUriParams(uri.params);
  let sep = '?';
  for (const [k, v] of uri.headers) {
    out += sep + escape(k, HCHAR) + '=' + escape(v, HCHAR);
    sep = '&';
  }
  return out;
}

/** Fields to build a URI with {@link createUri}. */
export interface UriInit {
  scheme?: string;
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params?: Params | Record<string, string | null>;
  headers?: Map<string, string> | Record<string, string>;
}

/** Builds a SipUri from fields (default scheme `sip`), with `raw` formatted. */
export function createUri(init: UriInit): SipUri {
  const params: Params = init.params instanceof Map ? new Map(init.params) : new Map(Object.entries(init.params ?? {}));
  const headers = init.headers instanceof Map ? new Map(init.headers) : new Map(Object.entries(init.headers ?? {}));
  const uri: { -readonly [K in keyof SipUri]: SipUri[K] } = {
    scheme: (init.scheme ?? 'sip').toLowerCase(),
    user: init.user,
    password: init.password,
    host: init.host.toLowerCase(),
    port: init.port,
    params,
    headers,
    raw: '',
  };
  uri.raw = formatUri(uri);
  return uri;
}
