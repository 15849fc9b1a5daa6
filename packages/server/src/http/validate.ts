/**
 * Validation of the management API's JSON bodies and path parameters.
 * Expected failures are values: each check returns the value or the error
 * and the name of the offending field (the API answers 400 with both).
 */
import type { CallTrackingUpdate } from '@herald/dialog';
import { resourceKey } from '@herald/events';
import { parseUri } from '@herald/sip';

/** A checked value, or why not and which field (`$` is the body as a whole). */
export type Checked<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string; readonly field: string };

type Obj = Readonly<Record<string, unknown>>;

/** `PUT /presentities/:user/status` (babble `presence.status.out`). */
export interface StatusBody {
  status?: 'open' | 'closed';
  note?: string;
  dnd?: boolean;
  onThePhone?: boolean;
}

/** `PUT /mailboxes/:user` (babble `presence.voicemail.out`). */
export interface MailboxBody {
  newMessages: number;
  oldMessages: number;
  urgentNew?: number;
  urgentOld?: number;
}

/** `POST /publish` (pua_mi `pua_publish`); `resource` is already resolved to a resource key. */
export interface PublishBody {
  event: string;
  resource: string;
  contentType: string;
  body: string;
  expires: number;
}

/** `POST /subscribe` (pua_mi `pua_subscribe`); `target` is a SIP URI. */
export interface SubscribeBody {
  target: string;
  event: string;
  expires: number;
}

const fail = (field: string, error: string): Checked<never> => ({ ok: false, error, field });
const ok = <T>(value: T): Checked<T> => ({ ok: true, value });

/** RFC 3261 §25.1 `token` (event packages, media types). */
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
/** RFC 3261 §25.1 `user` characters once `%` escapes are decoded (no `@`, `:` or `/`). */
const USER = /^[A-Za-z0-9\-_.!~*'()&=+$,;?]+$/;
/** `type/subtype` with optional parameters (RFC 3261 §20.15). */
const MEDIA_TYPE = /^[A-Za-z0-9\-.!%*_+`'~]+\/[A-Za-z0-9\-.!%*_+`'~]+(\s*;.*)?$/;
/** Characters XML 1.0 cannot carry (a note ends up in a PIDF body). */
const XML_INVALID = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
/** RFC 3261 §25.1 delta-seconds fit 32 bits. */
const MAX_DELTA_SECONDS = 4294967295;
const MAX_COUNT = 4294967295;

/**
 * A `:user` path segment (already URL-decoded) as a resource key: a bare user
 * name means `sip:user@<domain>`; a `sip:`/`sips:` URI names any presentity
 * and is normalized with `resourceKey` (scheme, user, lower-cased host).
 */
export function resolveResource(segment: string, domain: string, field = 'user'): Checked<string> {
  if (segment === '') return fail(field, 'user is empty');
  if (/^sips?:/i.test(segment)) {
    try {
      return ok(resourceKey(parseUri(segment)));
    } catch {
      return fail(field, 'not a valid SIP URI');
    }
  }
  if (!USER.test(segment)) return fail(field, 'not a valid user name (or a sip: URI)');
  return ok(`sip:${segment}@${domain.toLowerCase()}`);
}

/** The body must be one JSON object whose keys are all in `allowed`. */
function object(body: unknown, allowed: readonly string[]): Checked<Obj> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail('$', 'request body must be a JSON object');
  }
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) return fail(key, 'unknown field');
  }
  return ok(body as Obj);
}

function text(o: Obj, field: string, required: boolean, max = 4096): Checked<string | undefined> {
  const v = o[field];
  if (v === undefined) return required ? fail(field, 'is required') : ok(undefined);
  if (typeof v !== 'string') return fail(field, 'must be a string');
  if (v.length > max) return fail(field, `must be at most ${max} characters`);
  if (XML_INVALID.test(v)) return fail(field, 'contains control characters');
  return ok(v);
}

function flag(o: Obj, field: string): Checked<boolean | undefined> {
  const v = o[field];
  if (v === undefined || typeof v === 'boolean') return ok(v);
  return fail(field, 'must be true or false');
}

function count(o: Obj, field: string, required: boolean, max = MAX_COUNT): Checked<number | undefined> {
  const v = o[field];
  if (v === undefined) return required ? fail(field, 'is required') : ok(undefined);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    return fail(field, `must be an integer from 0 to ${max}`);
  }
  return ok(v);
}

function oneOf<T extends string>(
  o: Obj,
  field: string,
  values: readonly T[],
  required: boolean,
): Checked<T | undefined> {
  const v = o[field];
  if (v === undefined) return required ? fail(field, 'is required') : ok(undefined);
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    return fail(field, `must be one of ${values.join(', ')}`);
  }
  return ok(v as T);
}

function eventName(o: Obj): Checked<string> {
  const e = text(o, 'event', true, 64);
  if (!e.ok) return e;
  if (!TOKEN.test(e.value as string)) return fail('event', 'must be an event package token (RFC 6665 §8.2.1)');
  return ok(e.value as string);
}

/** Collects checks in order; the first failure wins. */
class Fields {
  failure: Checked<never> | undefined;
  readonly out: Record<string, unknown> = {};

  take<T>(field: string, c: Checked<T>): void {
    if (this.failure !== undefined) return;
    if (!c.ok) this.failure = c;
    else if (c.value !== undefined) this.out[field] = c.value;
  }

  result<T>(): Checked<T> {
    return this.failure ?? ok(this.out as T);
  }
}

/** Check a status body: `{status?: "open"|"closed", note?, dnd?, onThePhone?}`. */
export function checkStatus(body: unknown): Checked<StatusBody> {
  const o = object(body, ['status', 'note', 'dnd', 'onThePhone']);
  if (!o.ok) return o;
  const f = new Fields();
  f.take('status', oneOf(o.value, 'status', ['open', 'closed'] as const, false));
  f.take('note', text(o.value, 'note', false, 1024));
  f.take('dnd', flag(o.value, 'dnd'));
  f.take('onThePhone', flag(o.value, 'onThePhone'));
  return f.result<StatusBody>();
}

/** Check mailbox counts: non-negative integers (RFC 3842 §5.2 `msg-summary-line`). */
export function checkMailbox(body: unknown): Checked<MailboxBody> {
  const o = object(body, ['newMessages', 'oldMessages', 'urgentNew', 'urgentOld']);
  if (!o.ok) return o;
  const f = new Fields();
  f.take('newMessages', count(o.value, 'newMessages', true));
  f.take('oldMessages', count(o.value, 'oldMessages', true));
  f.take('urgentNew', count(o.value, 'urgentNew', false));
  f.take('urgentOld', count(o.value, 'urgentOld', false));
  return f.result<MailboxBody>();
}

const DIRECTIONS = ['initiator', 'recipient'] as const;
const STATES = ['trying', 'proceeding', 'early', 'confirmed', 'terminated'] as const;
const EVENTS = ['cancelled', 'rejected', 'replaced', 'local-bye', 'remote-bye', 'error', 'timeout'] as const;

/** An identity is a name-addr string or `{uri, display?}` (RFC 4235 §4.1.6.1). */
function identity(o: Obj, field: string): Checked<string | { uri: string; display?: string } | undefined> {
  const v = o[field];
  if (v === undefined || typeof v === 'string') return text(o, field, false);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return fail(field, 'must be a string or {"uri", "display"}');
  }
  const inner = v as Obj;
  for (const key of Object.keys(inner)) {
    if (key !== 'uri' && key !== 'display') return fail(`${field}.${key}`, 'unknown field');
  }
  const uri = text(inner, 'uri', true);
  if (!uri.ok) return fail(`${field}.uri`, uri.error);
  const display = text(inner, 'display', false);
  if (!display.ok) return fail(`${field}.display`, display.error);
  return ok(
    display.value === undefined ? { uri: uri.value as string } : { uri: uri.value as string, display: display.value },
  );
}

/** Check a dialog state push: the dialog package's `CallTrackingUpdate` as JSON (RFC 4235 §4.1). */
export function checkDialog(body: unknown): Checked<CallTrackingUpdate> {
  const o = object(body, [
    'callId',
    'localTag',
    'remoteTag',
    'direction',
    'state',
    'localIdentity',
    'remoteIdentity',
    'localTarget',
    'remoteTarget',
    'hold',
    'code',
    'event',
    'sdp',
  ]);
  if (!o.ok) return o;
  const f = new Fields();
  f.take('callId', text(o.value, 'callId', true, 256));
  f.take('localTag', text(o.value, 'localTag', false, 256));
  f.take('remoteTag', text(o.value, 'remoteTag', false, 256));
  f.take('direction', oneOf(o.value, 'direction', DIRECTIONS, true));
  f.take('state', oneOf(o.value, 'state', STATES, true));
  f.take('localIdentity', identity(o.value, 'localIdentity'));
  f.take('remoteIdentity', identity(o.value, 'remoteIdentity'));
  f.take('localTarget', text(o.value, 'localTarget', false));
  f.take('remoteTarget', text(o.value, 'remoteTarget', false));
  f.take('hold', flag(o.value, 'hold'));
  f.take('code', count(o.value, 'code', false, 699));
  f.take('event', oneOf(o.value, 'event', EVENTS, false));
  f.take('sdp', text(o.value, 'sdp', false, 32768));
  const out = f.result<CallTrackingUpdate>();
  if (out.ok && out.value.code !== undefined && out.value.code < 100) return fail('code', 'must be a SIP status code');
  return out;
}

/** Check a raw publication; `resource` is a user name or a SIP URI, resolved against `domain`. */
export function checkPublish(body: unknown, domain: string): Checked<PublishBody> {
  const o = object(body, ['event', 'resource', 'contentType', 'body', 'expires']);
  if (!o.ok) return o;
  const f = new Fields();
  f.take('event', eventName(o.value));
  const resource = text(o.value, 'resource', true, 512);
  f.take('resource', resource.ok ? resolveResource(resource.value as string, domain, 'resource') : resource);
  const type = text(o.value, 'contentType', true, 256);
  f.take(
    'contentType',
    type.ok && !MEDIA_TYPE.test(type.value as string) ? fail('contentType', 'must be type/subtype') : type,
  );
  const doc = o.value['body'];
  f.take('body', doc === undefined || typeof doc === 'string' ? ok(doc ?? '') : fail('body', 'must be a string'));
  f.take('expires', count(o.value, 'expires', true, MAX_DELTA_SECONDS));
  return f.result<PublishBody>();
}

/** Check a subscribe command; `target` is a user name (local domain) or a SIP URI kept as written. */
export function checkSubscribe(body: unknown, domain: string): Checked<SubscribeBody> {
  const o = object(body, ['target', 'event', 'expires']);
  if (!o.ok) return o;
  const f = new Fields();
  const target = text(o.value, 'target', true, 512);
  if (target.ok && /^sips?:/i.test(target.value as string)) {
    const uri = resolveResource(target.value as string, domain, 'target');
    f.take('target', uri.ok ? target : uri);
  } else {
    f.take('target', target.ok ? resolveResource(target.value as string, domain, 'target') : target);
  }
  f.take('event', eventName(o.value));
  f.take('expires', count(o.value, 'expires', true, MAX_DELTA_SECONDS));
  return f.result<SubscribeBody>();
}
