/**
 * The binding update of one REGISTER as a reducer (RFC 3261 §10.3 steps 6–8):
 * `(current bindings of the AoR, update) → next bindings + what changed`, or
 * a refusal. All or nothing: a refusal leaves the bindings as they were
 * ("binding updates MUST be committed ... if and only if all binding updates
 * and additions succeed").
 */
import { parseUri, uriEquals, type Flow, type SipUri } from '@herald/sip';
import type { ContactUpdate, Refused, RegisterUpdate } from './register-request.js';
import type { StoredBinding } from './store.js';

/** Facts about the REGISTER being applied. */
export interface RegisterContext {
  readonly aor: string;
  readonly now: number;
  readonly callId: string;
  readonly cseq: number;
  readonly flow: Flow;
  readonly userAgent?: string;
  /** Most bindings one AoR may hold (0 or absent: no limit). */
  readonly maxContacts?: number;
}

/** The bindings after a REGISTER and what changed. */
export interface BindingChanges {
  readonly ok: true;
  /** Every live binding of the AoR afterwards. */
  readonly bindings: readonly StoredBinding[];
  readonly added: readonly StoredBinding[];
  readonly refreshed: readonly StoredBinding[];
  /** Removed by the REGISTER (expires=0 or `*`). */
  readonly removed: readonly StoredBinding[];
  /** Had already expired (their timer had not fired yet). */
  readonly expired: readonly StoredBinding[];
}

/** Outcome of {@link applyRegister}. */
export type ApplyResult = BindingChanges | Refused;

/** RFC 3261 §10.3 step 7: same Call-ID with a CSeq not higher than the binding's aborts the request. */
function outOfOrder(b: StoredBinding, ctx: RegisterContext): boolean {
  return b.callId === ctx.callId && ctx.cseq <= b.cseq;
}

/** The empty list of every change set that has none (never mutated). */
const NONE: readonly StoredBinding[] = Object.freeze([]);

const ABORT: Refused = { ok: false, status: 500, reason: 'Out Of Order CSeq For Binding' };

function contactUri(b: StoredBinding): SipUri | undefined {
  try {
    return parseUri(b.contact);
  } catch {
    return undefined;
  }
}

/** The existing binding a Contact designates: by instance (+reg-id) when present, else by URI (§10.3 step 7, RFC 5626 §6). */
function findBinding(list: readonly StoredBinding[], c: ContactUpdate): number {
  if (c.instanceId !== undefined) return list.findIndex((b) => b.key === c.key);
  return list.findIndex((b) => {
    if (b.instanceId !== undefined) return false;
    // The same text is the same URI: no parse for the usual refresh or removal.
    if (b.contact === c.contact) return true;
    const uri = contactUri(b);
    return uri !== undefined && uriEquals(uri, c.uri);
  });
}

function bindingFrom(c: ContactUpdate, ctx: RegisterContext, previous?: StoredBinding): StoredBinding {
  // Optional fields assigned only when present (absent, not undefined), without a spread's temporary object each.
  const b: { -readonly [K in keyof StoredBinding]: StoredBinding[K] } = {
    aor: ctx.aor,
    key: previous?.key ?? c.key,
    contact: c.contact,
    params: c.params,
    expiresAt: ctx.now + c.expires * 1000,
    callId: ctx.callId,
    cseq: ctx.cseq,
    flow: ctx.flow,
    createdAt: previous?.createdAt ?? ctx.now,
    updatedAt: ctx.now,
  };
  if (c.q !== undefined) b.q = c.q;
  if (c.instanceId !== undefined) b.instanceId = c.instanceId;
  if (c.regId !== undefined) b.regId = c.regId;
  if (ctx.userAgent !== undefined) b.userAgent = ctx.userAgent;
  return b;
}

/** Applies one REGISTER's update to the AoR's bindings. */
export function applyRegister(
  current: readonly StoredBinding[],
  update: RegisterUpdate,
  ctx: RegisterContext,
): ApplyResult {
  // Nothing expired (the usual case): no copies of the list.
  const anyExpired = current.some((b) => b.expiresAt <= ctx.now);
  const expired = anyExpired ? current.filter((b) => b.expiresAt <= ctx.now) : NONE;
  const live = anyExpired ? current.filter((b) => b.expiresAt > ctx.now) : current;
  const none = NONE;
  switch (update.kind) {
    case 'query':
      return { ok: true, bindings: live, added: none, refreshed: none, removed: none, expired };
    case 'star':
      // §10.3 step 6: each binding is removed only if the CSeq is higher for the same Call-ID.
      if (live.some((b) => outOfOrder(b, ctx))) return ABORT;
      return { ok: true, bindings: none, added: none, refreshed: none, removed: live, expired };
    case 'contacts':
      return applyContacts(live, expired, update.contacts, ctx);
  }
}

function applyContacts(
  live: readonly StoredBinding[],
  expired: readonly StoredBinding[],
  contacts: readonly ContactUpdate[],
  ctx: RegisterContext,
): ApplyResult {
  const next = [...live];
  const added: StoredBinding[] = [];
  const refreshed: StoredBinding[] = [];
  const removed: StoredBinding[] = [];
  for (const c of contacts) {
    const i = findBinding(next, c);
    if (i < 0) {
      if (c.expires === 0) continue; // removing what is not there: nothing to do
      const b = bindingFrom(c, ctx);
      // The same contact twice in one REGISTER: the later one wins (it is found above next time).
      next.push(b);
      added.push(b);
      continue;
    }
    const old = next[i];
    // The same REGISTER may list a contact twice; only earlier REGISTERs are ordered against.
    const fromThisRequest = added.includes(old) || refreshed.includes(old);
    if (!fromThisRequest && outOfOrder(old, ctx)) return ABORT;
    if (c.expires === 0) {
      next.splice(i, 1);
      if (added.includes(old)) added.splice(added.indexOf(old), 1);
      else {
        if (refreshed.includes(old)) refreshed.splice(refreshed.indexOf(old), 1);
        removed.push(live.find((b) => b.key === old.key) ?? old);
      }
      continue;
    }
    const b = bindingFrom(c, ctx, old);
    next[i] = b;
    if (added.includes(old)) added[added.indexOf(old)] = b;
    else if (refreshed.includes(old)) refreshed[refreshed.indexOf(old)] = b;
    else refreshed.push(b);
  }
  if (ctx.maxContacts && next.length > ctx.maxContacts && added.length > 0) {
    return { ok: false, status: 403, reason: 'Too Many Registered Contacts' };
  }
  return { ok: true, bindings: next, added, refreshed, removed, expired };
}

/** Bindings in lookup order: highest `q` first (absent = 1.0), then the most recently refreshed. */
export function sortByQ(bindings: readonly StoredBinding[]): StoredBinding[] {
  return [...bindings].sort((a, b) => (b.q ?? 1) - (a.q ?? 1) || b.updatedAt - a.updatedAt);
}
