import { HOST, TOKEN, skipWs } from './chars.js';
import { SipParseError } from './errors.js';
import { formatParams, parseParams } from './params.js';
import type { Params, Via } from './types.js';

function bad(): never {
  throw new SipParseError('Malformed Via header', 400);
}

function readToken(s: string, i: number): number {
  const start = i;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] === 0) break;
    i++;
  }
  if (i === start) bad();
  return i;
}

function expectSlash(s: string, i: number): number {
  i = skipWs(s, i);
  if (s.charCodeAt(i) !== 47) bad();
  return skipWs(s, i + 1);
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

/**
 * Parses one Via value (RFC 3261 §20.42, §25.1 `via-parm`; LWS allowed around
 * `/` and `:`; `rport` of RFC 3581). Throws SipParseError.
 */
export function parseVia(s: string): Via {
  let i = skipWs(s, 0);
  let j: number;
  let protocol: string;
  if (s.startsWith('SIP/2.0/', i)) {
    // The usual spelling, without LWS around the slashes.
    protocol = 'SIP/2.0';
    i += 8;
  } else {
    j = readToken(s, i);
    const name = s.slice(i, j).toUpperCase();
    i = expectSlash(s, j);
    j = readToken(s, i);
    protocol = name + '/' + s.slice(i, j);
    i = expectSlash(s, j);
  }
  j = readToken(s, i);
  const transport = s.slice(i, j).toUpperCase();
  i = skipWs(s, j);
  if (i === j) bad();
  const hStart = i;
  if (s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0) bad();
    i = close + 1;
  } else {
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c >= 128 || HOST[c] === 0) break;
      i++;
    }
  }
  if (i === hStart) bad();
  const host = s.slice(hStart, i).toLowerCase();
  let port: number | undefined;
  const k = skipWs(s, i);
  if (s.charCodeAt(k) === 58) {
    const pStart = skipWs(s, k + 1);
    let p = pStart;
    while (p < s.length && s.charCodeAt(p) >= 48 && s.charCodeAt(p) <= 57) p++;
    port = readNumber(s.slice(pStart, p), 65535);
    i = p;
  }
  const params: Params = new Map();
  if (parseParams(s, i, params) !== s.length) bad();
  const rport = params.get('rport');
  const ttl = params.get('ttl');
  // One object shape for every Via (absent parts are undefined).
  const via: Via = {
    protocol,
    transport,
    host,
    port,
    params,
    branch: params.get('branch') || undefined,
    received: params.get('received') || undefined,
    rport: rport === undefined ? undefined : rport === null ? true : readNumber(rport, 65535),
    maddr: params.get('maddr') || undefined,
    ttl: ttl === undefined ? undefined : readNumber(ttl, 255),
  };
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
