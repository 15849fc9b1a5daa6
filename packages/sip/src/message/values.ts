import { TOKEN, allIn, skipWs, trimWs } from './chars.js';
import { SipParseError } from './errors.js';
import { parseNameAddr } from './name-addr.js';
import { readParams, scanned } from './params.js';
import type { CSeq, ContactValue, EventHeader, Params, SubscriptionState } from './types.js';

/** RFC 3261 §8.1.1.5: the CSeq sequence number MUST be less than 2**31. */
export const MAX_CSEQ = 2 ** 31 - 1;
/** RFC 3261 §20.19 / §20.43: delta-seconds values are at most 2**32-1. */
export const MAX_DELTA = 2 ** 32 - 1;

/**
 * Reads a decimal number from the whole of `s` (after trimming). Returns -1
 * when it is not 1*DIGIT, and `clamp` for a number above `max` when
 * clamping is asked for (else -2).
 */
export function readDecimal(s: string, max: number, clamp = false): number {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  if (a === b) return -1;
  let n = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  if (n > max) return clamp ? max : -2;
  return n;
}

/**
 * Parses a CSeq value `1*DIGIT LWS Method` (RFC 3261 §20.16). Throws SipParseError.
 * `known`: a method already checked as a token (the request's); when the CSeq
 * method is the same, that string is shared instead of sliced and checked again.
 */
export function parseCSeq(v: string, known = ''): CSeq {
  let i = skipWs(v, 0);
  const start = i;
  let seq = 0;
  while (i < v.length) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) break;
    seq = seq * 10 + (c - 48);
    i++;
  }
  const j = skipWs(v, i);
  if (i === start || j === i || seq > MAX_CSEQ) throw new SipParseError('Malformed CSeq header');
  let end = v.length;
  while (end > j && (v.charCodeAt(end - 1) === 32 || v.charCodeAt(end - 1) === 9)) end--;
  if (known !== '' && end - j === known.length && v.startsWith(known, j)) return { seq, method: known };
  if (!allIn(TOKEN, v, j, end)) throw new SipParseError('Malformed CSeq header');
  return { seq, method: v.slice(j, end) };
}

/** Parses the Contact header values: `*` or a list of addresses (RFC 3261 §20.10). */
export function parseContact(values: string[]): ContactValue {
  if (values.length === 1 && values[0] === '*') return '*';
  return values.map(parseNameAddr);
}

/** Where {@link readTokenAndParams} leaves the lower-cased token (no tuple per call). */
const token = { value: '' };

/** Reads `token *( SEMI generic-param )`: the token (lower-cased) into {@link token}, returns the params (shared empty map when none). */
function readTokenAndParams(v: string, what: string): Params {
  let i = skipWs(v, 0);
  const start = i;
  let upper = false;
  while (i < v.length) {
    const c = v.charCodeAt(i);
    if (c >= 128 || TOKEN[c] === 0) break;
    if (c <= 90 && c >= 65) upper = true;
    i++;
  }
  if (i === start) throw new SipParseError('Malformed ' + what + ' header');
  const params = readParams(v, i);
  if (scanned.end !== v.length) throw new SipParseError('Malformed ' + what + ' header');
  const t = v.slice(start, i);
  token.value = upper ? t.toLowerCase() : t;
  return params;
}

/** Parses an Event value `event-type *( SEMI event-param )` (RFC 6665 §8.4). */
export function parseEvent(v: string): EventHeader {
  const params = readTokenAndParams(v, 'Event');
  const event = token.value;
  const id = params.size === 0 ? undefined : params.get('id');
  return id ? { event, id, params } : { event, params };
}

/** Parses a Subscription-State value (RFC 6665 §8.4 `Subscription-State`). */
export function parseSubscriptionState(v: string): SubscriptionState {
  const params = readTokenAndParams(v, 'Subscription-State');
  const out: { -readonly [K in keyof SubscriptionState]: SubscriptionState[K] } = { state: token.value, params };
  const reason = params.get('reason');
  if (reason) out.reason = reason.toLowerCase();
  const expires = params.get('expires');
  if (expires != null) out.expires = deltaSeconds(expires, 'Subscription-State');
  const retry = params.get('retry-after');
  if (retry != null) out.retryAfter = deltaSeconds(retry, 'Subscription-State');
  return out;
}

/**
 * Reads delta-seconds; values above 2**32-1 are clamped to it (RFC 4475
 * §3.1.2.4 lets an element treat them as a default, and every consumer
 * clamps to its own maximum anyway). Throws SipParseError when not digits.
 */
export function deltaSeconds(v: string, what: string): number {
  const n = readDecimal(v, MAX_DELTA, true);
  if (n < 0) throw new SipParseError('Malformed ' + what + ' header');
  return n;
}

/** The media type of a Content-Type value, lower-cased and without parameters. */
export function mediaType(v: string): string {
  const semi = v.indexOf(';');
  return trimWs(semi < 0 ? v : v.slice(0, semi)).toLowerCase();
}

/**
 * Cheap structural check of a From/To value: balanced quotes (with escapes)
 * and at most one `<…>` pair. The full parse stays lazy. Uses indexOf for the
 * common shapes (`<uri>;p`, `"Name" <uri>;p`), a char loop otherwise.
 */
export function addressShapeOk(v: string): boolean {
  let from = 0;
  const q = v.indexOf('"');
  if (q >= 0) {
    if (skipWs(v, 0) !== q) return addressShapeLoop(v);
    let j = q + 1;
    for (;;) {
      const end = v.indexOf('"', j);
      if (end < 0) return false; // unterminated quoted string (RFC 4475 quotbal)
      const esc = v.indexOf('\\', j);
      if (esc >= 0 && esc < end) {
        j = esc + 2;
        continue;
      }
      from = end + 1;
      break;
    }
    if (v.indexOf('"', from) >= 0) return addressShapeLoop(v);
  }
  const lt = v.indexOf('<', from);
  const gt = v.indexOf('>', from);
  if (lt < 0) return gt < 0;
  return gt > lt && v.indexOf('<', lt + 1) < 0 && v.indexOf('>', gt + 1) < 0;
}

function addressShapeLoop(v: string): boolean {
  let quoted = false;
  let angles = 0;
  let open = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (quoted) {
      if (c === 92) i++;
      else if (c === 34) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 60) {
      if (open) return false;
      open = true;
      angles++;
    } else if (c === 62) {
      if (!open) return false;
      open = false;
    }
  }
  return !quoted && !open && angles <= 1;
}
