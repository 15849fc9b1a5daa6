import { headerDef } from './header-names.js';
import type { HeaderDef } from './header-names.js';
import type { HeaderLine } from './headers.js';
import { Request, Response } from './message.js';
import { reasonPhrase } from './reason.js';
import type { SipRequest, SipResponse } from './types.js';

function toBody(body: Buffer | string | undefined): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

function toLines(headers: Array<[string, string]> | undefined): HeaderLine[] {
  const lines: HeaderLine[] = [];
  for (const [name, value] of headers ?? []) {
    if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) throw new TypeError('header value contains CR or LF');
    lines.push({ def: headerDef(name), value, parts: undefined, start: -1, end: -1 });
  }
  return lines;
}

/** What {@link createRequest} needs. */
export interface SipRequestInit {
  method: string;
  uri: string;
  headers?: Array<[string, string]>;
  body?: Buffer | string;
}

/** Builds a request from parts; headers are kept in the given order (Content-Length is written by the serializer). */
export function createRequest(init: SipRequestInit): SipRequest {
  return new Request(init.method, init.uri, toLines(init.headers), toBody(init.body));
}

/** Options of {@link createResponse}. */
export interface SipResponseOptions {
  /** Added to To when the request's To has no tag (RFC 3261 §8.2.6.2). */
  toTag?: string;
  /** Extra headers, after the copied ones. */
  headers?: Array<[string, string]>;
  body?: Buffer | string;
}

const COPIED = new Set(['via', 'from', 'to', 'call-id', 'cseq']);

/** True when a raw To/From value carries a `tag` header parameter (outside quotes and `<>`). */
export function hasTag(value: string): boolean {
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === 92) i++;
      else if (c === 34) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 60) angle = true;
    else if (c === 62) angle = false;
    else if (c === 59 && !angle) {
      let j = i + 1;
      while (value.charCodeAt(j) === 32 || value.charCodeAt(j) === 9) j++;
      const name = value.slice(j, j + 3).toLowerCase();
      const k = j + 3;
      const next = value.charCodeAt(k);
      if (name === 'tag' && (k === value.length || next === 61 || next === 32 || next === 9 || next === 59))
        return true;
    }
  }
  return false;
}

/**
 * Builds a response to `request` (RFC 3261 §8.2.6): copies every Via (in
 * order), From, To (adding `toTag` when To has none), Call-ID and CSeq, and
 * Timestamp into a 100 (§8.2.6.1). Record-Route is not copied: a caller that
 * creates a dialog adds it.
 */
export function createResponse(
  request: SipRequest,
  status: number,
  reason?: string,
  opts?: SipResponseOptions,
): SipResponse {
  const lines = copiedLines(request, status, opts?.toTag);
  for (const line of toLines(opts?.headers)) lines.push(line);
  const res = new Response(status, reason ?? reasonPhrase(status), lines, toBody(opts?.body));
  // Copied headers go back out as the same octets, even from a request that was not UTF-8.
  if (request instanceof Request) {
    res.headerEncoding = request.headerEncoding;
    // Every Via is copied as it is (§8.2.6.2): the response's top Via is the request's, parsed once
    // (parsed values are never changed in place, so sharing it is safe).
    res.cTopVia = request.cTopVia;
  }
  return res;
}

/** Whether a header of `key` goes into a response of `status` (§8.2.6: Via, From, To, Call-ID, CSeq; Timestamp into a 100). */
function copied(key: string, status: number): boolean {
  return COPIED.has(key) || (status === 100 && key === 'timestamp');
}

/** The request's lines a response copies, To with `toTag` added when it has none. */
function copiedLines(request: SipRequest, status: number, toTag: string | undefined): HeaderLine[] {
  const lines: HeaderLine[] = [];
  if (request instanceof Request) {
    // Our own message: its lines as stored, without a tuple per line.
    const own = request.headers.lines;
    for (let i = 0; i < own.length; i++) {
      const line = own[i] as HeaderLine;
      if (copied(line.def.key, status)) lines.push(copyLine(line.def, line.value, toTag));
    }
  } else {
    for (const [name, value] of request.headers.entries()) {
      const def = headerDef(name);
      if (copied(def.key, status)) lines.push(copyLine(def, value, toTag));
    }
  }
  return lines;
}

/** A copied line; To gets `toTag` when it has no tag yet (§8.2.6.2). */
function copyLine(def: HeaderDef, value: string, toTag: string | undefined): HeaderLine {
  const v = def.key === 'to' && toTag !== undefined && !hasTag(value) ? value + ';tag=' + toTag : value;
  return { def, value: v, parts: undefined, start: -1, end: -1 };
}
