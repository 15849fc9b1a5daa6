/**
 * Reading a REGISTER's Contact set as a value (RFC 3261 §10.2, §10.3 steps
 * 6–7; RFC 5626 §6): which contacts, for how long, with which `q`, instance
 * and reg-id. Pure: no state, no time; failures are values with the status to
 * answer.
 */
import type { NameAddr, SipRequest, SipUri } from '@herald/sip';

/** Expiry bounds and default, in seconds. */
export interface ExpiryLimits {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

/** One Contact of a REGISTER, with its expiry resolved. */
export interface ContactUpdate {
  readonly uri: SipUri;
  /** The Contact URI as sent. */
  readonly contact: string;
  /** Seconds, already clamped to the maximum; 0 removes. */
  readonly expires: number;
  readonly q?: number;
  readonly params: ReadonlyArray<readonly [string, string | null]>;
  readonly instanceId?: string;
  readonly regId?: number;
  /** Binding identity for a new binding (see {@link StoredBinding.key}). */
  readonly key: string;
}

/** What a REGISTER asks for. */
export type RegisterUpdate =
  /** No Contact: a query for the current bindings (RFC 3261 §10.2.3). */
  | { readonly kind: 'query' }
  /** `Contact: *` with `Expires: 0`: remove every binding (§10.2.2). */
  | { readonly kind: 'star' }
  | { readonly kind: 'contacts'; readonly contacts: readonly ContactUpdate[] };

/** A refusal: the status, reason and extra headers to answer with. */
export interface Refused {
  readonly ok: false;
  readonly status: number;
  readonly reason: string;
  readonly headers?: Array<[string, string]>;
}

/** Outcome of {@link readRegister}. */
export type ReadRegisterResult = { readonly ok: true; readonly update: RegisterUpdate } | Refused;

const DIGITS = /^\d{1,10}$/;
const QVALUE = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/;
const MAX_REG_ID = 2 ** 31 - 1;

const refuse = (status: number, reason: string, headers?: Array<[string, string]>): Refused =>
  headers ? { ok: false, status, reason, headers } : { ok: false, status, reason };

/** The identity of a binding: instance (+ reg-id) when present, else the Contact URI (RFC 5626 §6). */
export function bindingKey(contact: string, instanceId?: string, regId?: number): string {
  if (instanceId === undefined) return contact;
  return regId === undefined ? instanceId : `${instanceId};reg-id=${regId}`;
}

/**
 * Reads the Contact set of a REGISTER. Expiry per contact: its `expires`
 * parameter, else the `Expires` header, else the default (§10.3 step 7);
 * non-zero and below the minimum → 423 with `Min-Expires` (§10.3 step 7,
 * §20.23); above the maximum → shortened. `*` only alone and with
 * `Expires: 0`, else 400 (§10.3 step 6). Malformed header values throw
 * SipParseError from the message accessors (the endpoint answers 400).
 */
export function readRegister(request: SipRequest, limits: ExpiryLimits): ReadRegisterResult {
  const raw = request.headers.getAll('Contact');
  if (raw.length > 1 && raw.some((v) => v.trim() === '*')) return refuse(400, 'Contact * Must Be Alone');
  const contact = request.contact;
  if (contact === undefined) return { ok: true, update: { kind: 'query' } };
  const headerExpires = request.expires;
  if (contact === '*') {
    // RFC 3261 §10.3 step 6: "*" is only valid alone and with Expires: 0.
    if (headerExpires !== 0) return refuse(400, 'Contact * Requires Expires: 0');
    return { ok: true, update: { kind: 'star' } };
  }
  const contacts: ContactUpdate[] = [];
  let withRegId = 0;
  for (const na of contact) {
    const read = readContact(na, headerExpires, limits);
    if (!read.ok) return read;
    if (read.value.regId !== undefined) withRegId++;
    contacts.push(read.value);
  }
  // RFC 5626 §6: more than one Contact with reg-id in one REGISTER is refused.
  if (withRegId > 1) return refuse(400, 'Multiple Contacts With reg-id');
  const tooShort = contacts.some((c) => c.expires > 0 && c.expires < limits.min);
  if (tooShort) return refuse(423, 'Interval Too Brief', [['Min-Expires', String(limits.min)]]);
  return { ok: true, update: { kind: 'contacts', contacts } };
}

function readContact(
  na: NameAddr,
  headerExpires: number | undefined,
  limits: ExpiryLimits,
): { ok: true; value: ContactUpdate } | Refused {
  let expires = headerExpires ?? limits.default;
  let q: number | undefined;
  let instanceId: string | undefined;
  let regIdRaw: string | undefined;
  const params: Array<readonly [string, string | null]> = [];
  for (const [name, value] of na.params) {
    switch (name) {
      case 'expires':
        if (value === null || !DIGITS.test(value)) return refuse(400, 'Bad Contact expires');
        expires = Number(value);
        break;
      case 'q':
        if (value === null || !QVALUE.test(value)) return refuse(400, 'Bad Contact q');
        q = Number(value);
        break;
      default:
        if (name === '+sip.instance' && value !== null) instanceId = value;
        if (name === 'reg-id') regIdRaw = value ?? '';
        params.push([name, value]);
    }
  }
  let regId: number | undefined;
  if (regIdRaw !== undefined) {
    regId = DIGITS.test(regIdRaw) ? Number(regIdRaw) : NaN;
    if (!(regId >= 1 && regId <= MAX_REG_ID)) return refuse(400, 'Bad reg-id');
    // RFC 5626 §6: reg-id without +sip.instance gets plain RFC 3261 treatment.
    if (instanceId === undefined) regId = undefined;
  }
  expires = Math.min(expires, limits.max);
  const contact = na.uri.raw;
  // Optional fields only when present (absent, not undefined), without a spread's temporary object each.
  const value: { -readonly [K in keyof ContactUpdate]: ContactUpdate[K] } = {
    uri: na.uri,
    contact,
    expires,
    params,
    key: bindingKey(contact, instanceId, regId),
  };
  if (q !== undefined) value.q = q;
  if (instanceId !== undefined) value.instanceId = instanceId;
  if (regId !== undefined) value.regId = regId;
  return { ok: true, value };
}
