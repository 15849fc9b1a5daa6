import { HOST, OCTET, O_DIGIT, O_HOST, O_TOKEN, O_VALUE, TOKEN, charClass, skipOctets, skipWsTo } from './chars.js';
import { SipParseError } from './errors.js';
import { ParamList } from './param-list.js';
import { GATHER_MAX, NO_PARAMS, formatParams, gatherParam, gatheredList, readParams, scanned } from './params.js';
import { lowerName, lowerNameOctets } from './names.js';
import type { Params, Via } from './types.js';

function bad(): never {
  throw new SipParseError('Malformed Via header', 400);
}

function readToken(s: string, i: number, end: number): number {
  const start = i;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] === 0) break;
    i++;
  }
  if (i === start) bad();
  return i;
}

function expectSlash(s: string, i: number, end: number): number {
  i = skipWsTo(s, i, end);
  if (i >= end || s.charCodeAt(i) !== 47) bad();
  return skipWsTo(s, i + 1, end);
}

function readNumber(v: string | null, max: number): number {
  if (v === null || v.length === 0 || v.length > 10) bad();
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) bad();
    n = n * 10 + (c - 48);
  }
  if (n > max) bad();
  return n;
}

/** The upper-case transport name of `s[i, j)`, shared for the usual ones (no slice, no case change). */
function transportName(s: string, i: number, j: number): string {
  const len = j - i;
  const c0 = s.charCodeAt(i) & 0xdf;
  const c1 = s.charCodeAt(i + 1) & 0xdf;
  const c2 = s.charCodeAt(i + 2) & 0xdf;
  if (len === 3 && c2 === 80) {
    if (c0 === 85 && c1 === 68) return 'UDP';
    if (c0 === 84 && c1 === 67) return 'TCP';
  }
  if (len === 3 && c0 === 84 && c1 === 76 && c2 === 83) return 'TLS';
  return s.slice(i, j).toUpperCase();
}

/**
 * Parses one Via value (RFC 3261 §20.42, §25.1 `via-parm`; LWS allowed around
 * `/` and `:`; `rport` of RFC 3581). Throws SipParseError.
 */
export function parseVia(s: string): Via {
  return parseViaIn(s, 0, s.length);
}

/**
 * {@link parseVia} of the value `s[start, end)` (inside a larger text, read in
 * place). `bytes`, when given, holds the same text as octets: `s.charCodeAt(i)`
 * is `bytes[base + i]` for every i in [start, end) (an ASCII datagram decoded
 * as latin1), so the usual shape is read from it in one pass.
 */
export function parseViaIn(s: string, start: number, end: number, bytes?: Uint8Array, base = 0): Via {
  return (
    (bytes !== undefined ? viaOctets(s, bytes, base, start, end) : viaUsual(s, start, end)) ??
    parseViaGeneral(s, start, end)
  );
}

/**
 * The Via a fast reader ({@link viaOctets}, {@link viaUsual}) read: its `count`
 * parameters gathered, the known ones picked out. rport and ttl are checked
 * now, once every parameter is read, as the general reader does.
 */
function usualVia(
  transport: string,
  host: string,
  port: number | undefined,
  count: number,
  branch: string | undefined,
  received: string | undefined,
  rportValue: string | null | undefined,
  maddr: string | undefined,
  ttlValue: string | null | undefined,
): Via {
  const rport = rportValue === undefined ? undefined : rportValue === null ? true : readNumber(rportValue, 65535);
  const ttl = ttlValue === undefined ? undefined : readNumber(ttlValue, 255);
  const params: Params = count === 0 ? NO_PARAMS : gatheredList(count);
  // One object shape for every Via (absent parts are undefined), the same as the general reader's.
  return { protocol: 'SIP/2.0', transport, host, port, params, branch, received, rport, maddr, ttl };
}

/**
 * The usual shape of {@link USUAL_VIA} (parameter names in any case) exactly
 * filling `s[start, end)`, read in one pass over the octets `b` (`b[d + i]`
 * is `s.charCodeAt(i)`): each octet is checked against {@link OCTET} once and
 * the parts are sliced as it goes. The same value the general reader gives;
 * undefined for any other text (and a repeated parameter name), which the
 * general reader then decides.
 */
function viaOctets(s: string, b: Uint8Array, d: number, start: number, end: number): Via | undefined {
  let i = start + d;
  const pe = end + d;
  // 'SIP/2.0/'
  if (
    pe - i < 11 ||
    b[i] !== 83 ||
    b[i + 1] !== 73 ||
    b[i + 2] !== 80 ||
    b[i + 3] !== 47 ||
    b[i + 4] !== 50 ||
    b[i + 5] !== 46 ||
    b[i + 6] !== 48 ||
    b[i + 7] !== 47
  ) {
    return undefined;
  }
  i += 8;
  const t0 = i;
  while (i < pe && (OCTET[b[i] as number] & O_TOKEN) !== 0) i++;
  if (i === t0 || i >= pe || b[i] !== 32) return undefined;
  const transport = transportName(s, t0 - d, i - d);
  const h0 = ++i;
  i = skipOctets(b, i, pe, O_HOST);
  if (i === h0) return undefined;
  const host = s.slice(h0 - d, i - d);
  let port: number | undefined;
  let c = 0;
  if (i < pe && b[i] === 58) {
    const p0 = ++i;
    let n = 0;
    while (i < pe && ((c = b[i] as number), (OCTET[c] & O_DIGIT) !== 0)) {
      n = n * 10 + (c - 48);
      i++;
    }
    if (i === p0 || i - p0 > 10 || n > 65535) return undefined;
    port = n;
  }
  let branch: string | undefined;
  let received: string | undefined;
  let rportValue: string | null | undefined;
  let maddr: string | undefined;
  let ttlValue: string | null | undefined;
  let count = 0;
  // Each parameter: ';' token ['=' value] ('=' and ';' are in neither class).
  while (i < pe) {
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
    if (count === GATHER_MAX) return undefined;
    const n = gatherParam(count, name, value);
    if (n === count) return undefined; // a repeated name: left to the general reader
    count = n;
    // The names lowerName shares are the constants below, so these compare by identity.
    if (name === 'branch') branch = value || undefined;
    else if (name === 'rport') rportValue = value;
    else if (name === 'received') received = value || undefined;
    else if (name === 'maddr') maddr = value || undefined;
    else if (name === 'ttl') ttlValue = value;
  }
  return usualVia(transport, host, port, count, branch, received, rportValue, maddr, ttlValue);
}

/**
 * The usual Via shape, checked in one native pass (about half the time per
 * char of a charCodeAt loop): `SIP/2.0/` transport, one SP, a lower-case host
 * name or IPv4 address, a port of at most 10 digits, then `;name[=value]`
 * parameters with lower-case token names and unquoted values, no whitespace.
 * Sticky: `lastIndex` is where the shape stopped.
 */
const USUAL_VIA = new RegExp(
  'SIP/2\\.0/' +
    charClass(TOKEN) +
    '+ [0-9a-z.\\-]+(?::[0-9]{1,10})?(?:;' +
    charClass(TOKEN.map((v, c) => (c >= 65 && c <= 90 ? 0 : v))) +
    '+(?:=[^;,\\s"<>]+)?)*',
  'y',
);

/**
 * {@link USUAL_VIA} exactly filling `s[start, end)`, read without checking a
 * char again: the same value the general reader gives. Undefined for any other
 * text (and for a repeated parameter name), which the general reader then
 * decides.
 */
function viaUsual(s: string, start: number, end: number): Via | undefined {
  USUAL_VIA.lastIndex = start;
  if (!USUAL_VIA.test(s) || USUAL_VIA.lastIndex !== end) return undefined;
  let i = start + 8;
  const tStart = i;
  while (s.charCodeAt(i) !== 32) i++;
  const transport = transportName(s, tStart, i);
  const hStart = ++i;
  // The host ends at the port's ':' or the first ';' (a value may hold a ':'). Builtin
  // searches: every header line has a ':', so they stop soon after `end` at worst.
  let colon = s.indexOf(':', i);
  if (colon < 0 || colon > end) colon = end;
  let semi = s.indexOf(';', i);
  if (semi < 0 || semi > end) semi = end;
  i = colon < semi ? colon : semi;
  const host = s.slice(hStart, i);
  let port: number | undefined;
  let c = 0;
  if (i < end && i === colon) {
    let n = 0;
    while (++i < end) {
      c = s.charCodeAt(i);
      if (c === 59) break;
      n = n * 10 + (c - 48);
    }
    if (n > 65535) return undefined;
    port = n;
  }
  let branch: string | undefined;
  let received: string | undefined;
  let rportValue: string | null | undefined;
  let maddr: string | undefined;
  let ttlValue: string | null | undefined;
  let count = 0;
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
      const vStart = i + 1;
      // A builtin search for the value's end: branch values are long.
      i = s.indexOf(';', vStart);
      if (i < 0 || i > end) i = end;
      value = s.slice(vStart, i);
    }
    if (count === GATHER_MAX) return undefined;
    const n = gatherParam(count, name, value);
    if (n === count) return undefined; // a repeated name: left to the general reader
    count = n;
    // The names lowerName shares are the constants below, so these compare by identity.
    if (name === 'branch') branch = value || undefined;
    else if (name === 'rport') rportValue = value;
    else if (name === 'received') received = value || undefined;
    else if (name === 'maddr') maddr = value || undefined;
    else if (name === 'ttl') ttlValue = value;
  }
  return usualVia(transport, host, port, count, branch, received, rportValue, maddr, ttlValue);
}

function parseViaGeneral(s: string, start: number, end: number): Via {
  let i = skipWsTo(s, start, end);
  let j: number;
  let protocol: string;
  if (i + 8 <= end && s.startsWith('SIP/2.0/', i)) {
    // The usual spelling, without LWS around the slashes.
    protocol = 'SIP/2.0';
    i += 8;
  } else {
    j = readToken(s, i, end);
    const name = s.slice(i, j).toUpperCase();
    i = expectSlash(s, j, end);
    j = readToken(s, i, end);
    protocol = name + '/' + s.slice(i, j);
    i = expectSlash(s, j, end);
  }
  j = readToken(s, i, end);
  const transport = transportName(s, i, j);
  i = skipWsTo(s, j, end);
  if (i === j) bad();
  const hStart = i;
  let upper = false;
  if (i < end && s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0 || close >= end) bad();
    i = close + 1;
    upper = true;
  } else {
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c >= 128 || HOST[c] === 0) break;
      if (c <= 90 && c >= 65) upper = true;
      i++;
    }
  }
  if (i === hStart) bad();
  const host = upper ? s.slice(hStart, i).toLowerCase() : s.slice(hStart, i);
  let port: number | undefined;
  const k = skipWsTo(s, i, end);
  if (k < end && s.charCodeAt(k) === 58) {
    const pStart = skipWsTo(s, k + 1, end);
    let p = pStart;
    let n = 0;
    while (p < end) {
      const c = s.charCodeAt(p);
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      p++;
    }
    if (p === pStart || p - pStart > 10 || n > 65535) bad();
    port = n;
    i = p;
  }
  const params = readParams(s, i, end);
  if (scanned.end !== end) bad();
  let branch: string | undefined;
  let received: string | undefined;
  let rport: number | true | undefined;
  let maddr: string | undefined;
  let ttl: number | undefined;
  if (params instanceof ParamList) {
    // One pass over the fresh list (names are unique and lower-cased; the usual ones are shared strings).
    const a = params.flat;
    for (let k = 0; k < a.length; k += 2) {
      const name = a[k];
      const v = a[k + 1] as string | null;
      if (name === 'branch') branch = v || undefined;
      else if (name === 'rport') rport = v === null ? true : readNumber(v, 65535);
      else if (name === 'received') received = v || undefined;
      else if (name === 'maddr') maddr = v || undefined;
      else if (name === 'ttl') ttl = readNumber(v, 255);
    }
  }
  // One object shape for every Via (absent parts are undefined).
  const via: Via = { protocol, transport, host, port, params, branch, received, rport, maddr, ttl };
  return via;
}

/** Fields to build a Via value with {@link createVia}. */
export interface ViaInit {
  transport: string;
  host: string;
  port?: number;
  branch?: string;
  /** `true` adds a bare `;rport` (RFC 3581 §3). */
  rport?: number | true;
  received?: string;
  params?: Params;
}

/** Builds a `SIP/2.0` Via value; `params` holds every parameter, including branch/rport/received. */
export function createVia(init: ViaInit): Via {
  const params: Params = new Map(init.params ?? []);
  if (init.branch !== undefined) params.set('branch', init.branch);
  if (init.received !== undefined) params.set('received', init.received);
  if (init.rport !== undefined) params.set('rport', init.rport === true ? null : String(init.rport));
  return {
    protocol: 'SIP/2.0',
    transport: init.transport.toUpperCase(),
    host: init.host,
    port: init.port,
    params,
    branch: init.branch,
    received: init.received,
    rport: init.rport,
    maddr: undefined,
    ttl: undefined,
  };
}

/** Formats a Via value; the typed fields (branch, received, rport, maddr, ttl) win over `params`. */
export function formatVia(via: Via): string {
  const params: Params = new Map(via.params);
  if (via.branch !== undefined) params.set('branch', via.branch);
  if (via.received !== undefined) params.set('received', via.received);
  if (via.rport !== undefined) params.set('rport', via.rport === true ? null : String(via.rport));
  if (via.maddr !== undefined) params.set('maddr', via.maddr);
  if (via.ttl !== undefined) params.set('ttl', String(via.ttl));
  const host = via.port === undefined ? via.host : via.host + ':' + via.port;
  return via.protocol + '/' + via.transport + ' ' + host + formatParams(params);
}
