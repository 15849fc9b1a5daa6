/**
 * Compact copies of what a subscription keeps for its whole life. Strings
 * taken from a parsed message are often V8 slices of the whole message text
 * (an Accept value or a Contact URI kept a 400-byte SUBSCRIBE alive per
 * subscription). {@link ownString} returns a copy that holds no parent, and
 * {@link sharedString} one copy per distinct value for the fields many
 * subscriptions repeat (addresses, event names, content types, the watched
 * resource and our side of its dialogs). Used only when a record is
 * created or replaced, never per NOTIFY.
 */
import type { Dialog, Flow } from '@herald/sip';
import { ImmutableRecord } from '../memory-store.js';
import type { StoredSubscription } from '../store.js';

/** V8 makes no slice or rope shorter than this: shorter strings are always flat copies. */
const MIN_SLICE = 13;

/** Any UTF-16 surrogate: a lone one would not survive a UTF-8 round trip. */
const SURROGATE = /[\ud800-\udfff]/;

/** `s` detached from any larger string it was sliced from (a new flat copy; short strings are already). */
export function ownString(s: string): string {
  if (s.length < MIN_SLICE) return s;
  // Decoding bytes makes a flat sequential string with no parent. (A slice of a concatenation, the
  // fallback, is itself a 32-byte sliced string over a flat copy one character longer.)
  return SURROGATE.test(s) ? (' ' + s).slice(1) : Buffer.from(s, 'utf8').toString('utf8');
}

const pool = new Map<string, string>();
const POOL_MAX = 4096;

/** One shared detached copy per distinct value (bounded: the pool starts over when full). */
export function sharedString(s: string): string {
  let v = pool.get(s);
  if (v === undefined) {
    if (pool.size >= POOL_MAX) pool.clear();
    v = ownString(s);
    pool.set(v, v);
  }
  return v;
}

const lists = new Map<string, readonly string[]>();

/** One shared frozen copy per distinct list of few-valued strings (Accept lists; bounded like the string pool). */
export function sharedList(values: readonly string[]): readonly string[] {
  // Header values hold no line breaks: the joined key is unambiguous.
  const key = values.join('\n');
  let list = lists.get(key);
  if (list === undefined || list.length !== values.length) {
    if (lists.size >= POOL_MAX) lists.clear();
    list = Object.freeze(values.map(sharedString));
    lists.set(sharedString(key), list);
  }
  return list;
}

function ownOptional(s: string | undefined): string | undefined {
  return s === undefined ? undefined : ownString(s);
}

const flows = new Map<string, Flow>();

/**
 * The flow with its addresses owned, frozen, one object per distinct flow
 * (every subscription over one TCP connection shares it; bounded like the
 * string pool): the memory store keeps a frozen part by reference instead of
 * copying it for every NOTIFY it stores.
 */
export function ownFlow(flow: Flow): Flow {
  // Transports hand out one flow object per remote (UDP's flow cache, a connection's flow): seen before,
  // its owned copy is found without building the key (checked field by field all the same).
  const seen = ownedOf.get(flow);
  if (seen !== undefined && sameFlow(seen, flow)) return seen;
  const { local, remote } = flow;
  const key = `${flow.transport} ${local.address} ${local.port} ${remote.address} ${remote.port} ${flow.connectionId ?? ''}`;
  let owned = flows.get(key);
  if (owned === undefined || !sameFlow(owned, flow)) {
    if (flows.size >= POOL_MAX) flows.clear();
    owned = Object.freeze({
      ...flow,
      local: Object.freeze({ address: sharedString(local.address), port: local.port }),
      remote: Object.freeze({ address: sharedString(remote.address), port: remote.port }),
    });
    flows.set(ownString(key), owned);
  }
  ownedOf.set(flow, owned);
  return owned;
}

/** Flow objects met → their owned copy (weak: a flow dropped by its transport goes). */
const ownedOf = new WeakMap<Flow, Flow>();

/** Same fields and values (a flow may carry fields beyond those in the key); flows are plain data. */
function sameFlow(a: Flow, b: Flow): boolean {
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  // for-in, not Object.keys: no arrays per check.
  for (const k in ra) {
    if (!(k in rb)) return false;
    if (k === 'local' || k === 'remote') {
      const x = ra[k] as Flow['local'];
      const y = rb[k] as Flow['local'];
      if (x.address !== y.address || x.port !== y.port) return false;
    } else if (ra[k] !== rb[k]) return false;
  }
  for (const k in rb) if (!(k in ra)) return false;
  return true;
}

/** The dialog with its strings owned; its id and route set frozen (they never change in a dialog's life). */
export function ownDialog(d: Dialog): Dialog {
  return {
    ...d,
    id: Object.freeze({
      callId: ownString(d.id.callId),
      localTag: ownString(d.id.localTag),
      remoteTag: ownString(d.id.remoteTag),
    }),
    local: sharedString(d.local),
    remote: ownString(d.remote),
    remoteTarget: ownString(d.remoteTarget),
    routeSet: d.routeSet.length === 0 ? EMPTY : Object.freeze(d.routeSet.map(ownString)),
  };
}

const EMPTY: readonly string[] = Object.freeze([]);

/** A dialog updated by an in-dialog request: a changed remote target (RFC 3261 §12.2.2 target refresh) is owned. */
export function ownUpdatedDialog(before: Dialog, after: Dialog): Dialog {
  return after.remoteTarget === before.remoteTarget ? after : { ...after, remoteTarget: ownString(after.remoteTarget) };
}

/** A new subscription record with every string it keeps owned (the dialog: see {@link ownDialog}). */
export function ownSubscription(s: StoredSubscription): StoredSubscription {
  return new SubscriptionRecord(
    {
      ...s,
      id: ownString(s.id),
      event: sharedString(s.event),
      eventId: ownOptional(s.eventId),
      resource: sharedString(s.resource),
      watcher: ownString(s.watcher),
      watcherDisplayName: ownOptional(s.watcherDisplayName),
      userAgent: ownOptional(s.userAgent),
      accept: sharedList(s.accept),
      contentType: sharedString(s.contentType),
      flow: ownFlow(s.flow),
    },
    NO_CHANGE,
  );
}

/** The fields of a subscription record that change over its life. */
export interface RecordChange {
  readonly dialog?: Dialog;
  readonly version?: number;
  readonly flow?: StoredSubscription['flow'];
  readonly status?: StoredSubscription['status'];
  readonly expiresAt?: number;
}

const NO_CHANGE: RecordChange = Object.freeze({});

/**
 * A subscription record as the notifier makes it: never changed once made
 * (the notifier replaces records, and the dialogs, flows and Accept lists
 * they reach), so the memory store keeps it by reference (see
 * {@link ImmutableRecord}). Written out field by field: object spread of this
 * record cost about 1 µs per NOTIFY or refresh, a literal about 0.05 µs.
 */
class SubscriptionRecord extends ImmutableRecord implements StoredSubscription {
  readonly id: string;
  readonly event: string;
  readonly eventId: string | undefined;
  readonly resource: string;
  readonly watcher: string;
  readonly watcherDisplayName: string | undefined;
  readonly userAgent: string | undefined;
  readonly accept: readonly string[];
  readonly contentType: string;
  readonly dialog: Dialog;
  readonly flow: StoredSubscription['flow'];
  readonly status: StoredSubscription['status'];
  readonly expiresAt: number;
  readonly version: number;
  readonly createdAt: number;
  readonly blocked: boolean | undefined;

  constructor(sub: StoredSubscription, change: RecordChange) {
    super();
    this.id = sub.id;
    this.event = sub.event;
    this.eventId = sub.eventId;
    this.resource = sub.resource;
    this.watcher = sub.watcher;
    this.watcherDisplayName = sub.watcherDisplayName;
    this.userAgent = sub.userAgent;
    this.accept = sub.accept;
    this.contentType = sub.contentType;
    this.dialog = change.dialog ?? sub.dialog;
    this.flow = change.flow ?? sub.flow;
    this.status = change.status ?? sub.status;
    this.expiresAt = change.expiresAt ?? sub.expiresAt;
    this.version = change.version ?? sub.version;
    this.createdAt = sub.createdAt;
    this.blocked = sub.blocked;
  }
}

/** `sub` with `change` applied, as a new record. */
export function changedRecord(sub: StoredSubscription, change: RecordChange): StoredSubscription {
  return new SubscriptionRecord(sub, change);
}

/**
 * The record as written to the store, with `dialog`: one the notifier made
 * (a {@link SubscriptionRecord}, never changed, reaching a frozen dialog id
 * and route set, flow and Accept list), so the memory store keeps this very
 * object instead of a copy and the notifier holds one record per
 * subscription, not two.
 */
export function storedRecord(sub: StoredSubscription, dialog: Dialog): StoredSubscription {
  if (!Object.isFrozen(dialog.id)) Object.freeze(dialog.id);
  if (!Object.isFrozen(dialog.routeSet)) Object.freeze(dialog.routeSet);
  const flow = sub.flow;
  const frozenFlow = Object.isFrozen(flow) && Object.isFrozen(flow.local) && Object.isFrozen(flow.remote);
  const frozenAccept = Object.isFrozen(sub.accept);
  // The notifier's records are its own and never changed in place: one already right is kept, not copied
  // (a NOTIFY's record, made with the dialog it advanced, would otherwise be copied once more to be stored).
  if (sub instanceof SubscriptionRecord && sub.dialog === dialog && frozenFlow && frozenAccept) return sub;
  return new SubscriptionRecord(frozenAccept ? sub : { ...sub, accept: Object.freeze([...sub.accept]) }, {
    flow: frozenFlow ? flow : ownFlow(flow),
    dialog,
  });
}
