/**
 * The checks of an incoming SUBSCRIBE that need no state: Event, Expires and
 * Accept (RFC 6665 §4.2.1.1, §4.1.2). Expected failures are values carrying
 * the status, reason and headers to answer with.
 */
import type { SipRequest } from '@herald/sip';
import type { EventPackage } from '../package.js';
import { ownString } from './compact.js';

/** A SUBSCRIBE check's outcome. */
export type Negotiated<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly status: number;
      readonly reason: string;
      readonly headers?: Array<[string, string]>;
    };

/**
 * Finds the package for the request's Event header. RFC 6665 §4.2.1.1: an
 * unknown or missing event gets 489 with `Allow-Events` listing what we serve.
 */
export function negotiateEvent(
  packages: ReadonlyMap<string, EventPackage>,
  request: SipRequest,
): Negotiated<{ pkg: EventPackage; eventId: string | undefined }> {
  const event = request.event;
  const pkg = event ? packages.get(event.event) : undefined;
  if (!event || !pkg) {
    return {
      ok: false,
      status: 489,
      reason: 'Bad Event',
      headers: [['Allow-Events', [...packages.keys()].join(', ')]],
    };
  }
  return { ok: true, value: { pkg, eventId: event.id } };
}

/**
 * The granted duration in seconds. Absent → the package default; 0 stays 0
 * (fetch or unsubscribe); RFC 6665 §4.2.1.1: shorter than the minimum → 423
 * with `Min-Expires`; longer than the maximum → clamped.
 */
export function negotiateExpires(pkg: EventPackage, requested: number | undefined): Negotiated<number> {
  if (requested === undefined) return { ok: true, value: Math.min(pkg.defaultExpires, pkg.maxExpires) };
  if (requested === 0) return { ok: true, value: 0 };
  if (pkg.minExpires > 0 && requested < pkg.minExpires) {
    return { ok: false, status: 423, reason: 'Interval Too Brief', headers: [['Min-Expires', String(pkg.minExpires)]] };
  }
  return { ok: true, value: Math.min(requested, pkg.maxExpires) };
}

interface AcceptRange {
  readonly type: string;
  readonly q: number;
}

/** Parses Accept values (`type/sub;q=0.5`) lower-cased; unparsable q counts as 1. */
function acceptRanges(values: readonly string[]): AcceptRange[] {
  const out: AcceptRange[] = [];
  for (const raw of values) {
    const [type, ...params] = raw.split(';').map((s) => s.trim().toLowerCase());
    if (!type) continue;
    let q = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([0-9.]+)$/.exec(p);
      if (m) q = Number.isFinite(Number(m[1])) ? Number(m[1]) : 1;
    }
    out.push({ type, q });
  }
  return out;
}

/** The q of the most specific range matching `type` (RFC 7231 §5.3.2 precedence), or undefined. */
function qualityOf(type: string, ranges: readonly AcceptRange[]): number | undefined {
  const [major] = type.split('/');
  let best: { specificity: number; q: number } | undefined;
  for (const r of ranges) {
    let specificity = -1;
    if (r.type === type) specificity = 2;
    else if (r.type === `${major}/*`) specificity = 1;
    else if (r.type === '*/*') specificity = 0;
    if (specificity >= 0 && (!best || specificity > best.specificity)) best = { specificity, q: r.q };
  }
  return best?.q;
}

/** Bound of the Accept memos below (each starts over when full). */
const MEMO_MAX = 4096;
const NO_VALUES: readonly string[] = Object.freeze([]);
/** Accept header values as received (lines joined) → the frozen lower-cased list: phones send few distinct ones. */
const acceptLists = new Map<string, readonly string[]>();

/** The SUBSCRIBE's Accept values lower-cased (empty when absent or empty); frozen, shared by equal headers. */
export function acceptValues(request: SipRequest): readonly string[] {
  const raw = request.headers.getAll('Accept');
  if (raw.length === 0) return NO_VALUES;
  // Header values hold no line breaks: the joined key is unambiguous.
  const key = raw.length === 1 ? raw[0] : raw.join('\n');
  let list = acceptLists.get(key);
  if (list === undefined) {
    if (acceptLists.size >= MEMO_MAX) acceptLists.clear();
    list = Object.freeze(raw.map((v) => v.trim().toLowerCase()).filter((v) => v.length > 0));
    // The key is often a slice of the whole SUBSCRIBE: kept as a copy, not holding the message.
    acceptLists.set(ownString(key), list);
  }
  return list;
}

/**
 * The body type for NOTIFYs. No Accept → the package default (RFC 6665
 * §4.1.2). An `Accept:` header that is present but empty is treated like an
 * absent one: RFC 3261 §20.1 reads it as "nothing acceptable", but a watcher
 * that subscribes and accepts nothing is a broken phone, not a request for no
 * bodies, so we serve the default instead of a 406. Otherwise the package
 * type with the highest q wins, ties going to the package's preference; none
 * acceptable → 406 with `Accept` listing what we can render.
 */
export function negotiateAccept(pkg: EventPackage, values: readonly string[]): Negotiated<string> {
  if (values.length === 0) return { ok: true, value: pkg.defaultContentType ?? pkg.contentTypes[0] };
  // A frozen list (acceptValues') never changes: its outcome is remembered per package, the agreements only.
  if (!Object.isFrozen(values)) return negotiate(pkg, values);
  let memo = agreed.get(pkg);
  if (memo === undefined) agreed.set(pkg, (memo = new Map()));
  let found = memo.get(values);
  if (found === undefined) {
    const outcome = negotiate(pkg, values);
    if (!outcome.ok) return outcome;
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(values, (found = outcome));
  }
  return found;
}

/** Per package: frozen Accept lists → the type they agreed on. */
const agreed = new WeakMap<EventPackage, Map<readonly string[], Negotiated<string>>>();

function negotiate(pkg: EventPackage, values: readonly string[]): Negotiated<string> {
  const ranges = acceptRanges(values);
  let chosen: { type: string; q: number } | undefined;
  for (const type of pkg.contentTypes) {
    const q = qualityOf(type.toLowerCase(), ranges);
    if (q !== undefined && q > 0 && (!chosen || q > chosen.q)) chosen = { type, q };
  }
  if (!chosen)
    return { ok: false, status: 406, reason: 'Not Acceptable', headers: [['Accept', pkg.contentTypes.join(', ')]] };
  return { ok: true, value: chosen.type };
}
