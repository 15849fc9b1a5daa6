/**
 * In-memory stores (DESIGN.md: the default; SQLite arrives in issue 6). Both
 * copy values on the way in and on the way out, so a caller mutating an
 * object it put or got (a Buffer body, a Dialog's route set) cannot change
 * what is stored (frozen parts, which nobody can change, are shared; a
 * subscription frozen or marked immutable through and through is kept and
 * handed out as is).
 * Results of list methods come in insertion order, which the contract does
 * not promise.
 */
import type { Dialog, Flow } from '@herald/sip';
import type { PublicationStore, StoredPublication, StoredSubscription, SubscriptionStore } from './store.js';

// Frozen parts (the notifier freezes what it owns: flows, dialog ids, route sets, Accept lists) cannot be
// changed by anyone, and a record marked immutable (what the notifier persists) is never changed by its
// maker, nor anything it reaches, so both are kept by reference; anything else is copied.
const immutable = new WeakSet<object>();

/**
 * Marks an object its maker will never change again, nor anything reachable
 * from it (nor hand it to code that would): the memory store keeps and
 * returns it by reference instead of copying it. A WeakSet rather than
 * `Object.freeze`: frozen records each got a hidden class of their own in V8
 * (~200 bytes per subscription); one mark per record, not per part, keeps the
 * set's table small.
 */
export function markImmutable<T extends object>(value: T): T {
  immutable.add(value);
  return value;
}

/**
 * Base of subscription records whose maker never changes them, nor anything
 * they reach (like {@link markImmutable}d ones): the memory store keeps and
 * returns them by reference. The class is the mark, so a record needs no
 * WeakSet entry (the notifier makes a record per NOTIFY: ~0.5 µs per entry
 * and ephemeron work for the garbage collector); a spread copy of one is a
 * plain object again, unmarked.
 */
export abstract class ImmutableRecord {}

const fixed = (value: object): boolean => Object.isFrozen(value) || immutable.has(value);

const fixedFlow = (flow: Flow): boolean => fixed(flow) && fixed(flow.local) && fixed(flow.remote);

const fixedDialog = (dialog: Dialog): boolean => fixed(dialog) && fixed(dialog.id) && fixed(dialog.routeSet);

function copyFlow(flow: Flow): Flow {
  if (fixedFlow(flow)) return flow;
  return { ...flow, local: { ...flow.local }, remote: { ...flow.remote } };
}

function copyDialog(dialog: Dialog): Dialog {
  if (fixedDialog(dialog)) return dialog;
  return {
    ...dialog,
    id: fixed(dialog.id) ? dialog.id : { ...dialog.id },
    routeSet: fixed(dialog.routeSet) ? dialog.routeSet : [...dialog.routeSet],
  };
}

function copySubscription(s: StoredSubscription): StoredSubscription {
  // Nobody can change it: one object serves the notifier and the store.
  if (
    s instanceof ImmutableRecord ||
    immutable.has(s) ||
    (Object.isFrozen(s) && fixed(s.accept) && fixedDialog(s.dialog) && fixedFlow(s.flow))
  )
    return s;
  return {
    ...s,
    accept: fixed(s.accept) ? s.accept : [...s.accept],
    dialog: copyDialog(s.dialog),
    flow: copyFlow(s.flow),
  };
}

function copyPublication(p: StoredPublication): StoredPublication {
  return { ...p, body: Buffer.from(p.body) };
}

/**
 * An index from a key to ids. A key with one id holds the id itself, not a
 * Set: many resources have one subscription, and a Set
 * per subscription was a large part of its memory at 100,000.
 */
type Index = Map<string, string | Set<string>>;

/** Adds `id` under `key`. */
function addIndex(index: Index, key: string, id: string): void {
  const ids = index.get(key);
  if (ids === undefined) index.set(key, id);
  else if (typeof ids === 'string') {
    if (ids !== id) index.set(key, new Set([ids, id]));
  } else ids.add(id);
}

/** Removes `id` from under `key`, dropping the key when none is left. */
function removeIndex(index: Index, key: string, id: string): void {
  const ids = index.get(key);
  if (ids === undefined) return;
  if (typeof ids === 'string') {
    if (ids === id) index.delete(key);
    return;
  }
  ids.delete(id);
  if (ids.size === 1) index.set(key, ids.values().next().value as string);
}

const pairKey = (event: string, resource: string): string => `${event}\n${resource}`;

/**
 * {@link SubscriptionStore} in a Map, indexed by (event, resource). Not by
 * watcher: `byWatcher` scans (nothing on a server's path asks by watcher,
 * and an index entry per subscription cost ~40 B of each one at 100,000,
 * issue 7).
 */
export class MemorySubscriptionStore implements SubscriptionStore {
  private readonly byId = new Map<string, StoredSubscription>();
  /** By event, then resource: the record's own strings, no key string made per write. */
  private readonly resourceIndex = new Map<string, Index>();

  async put(subscription: StoredSubscription): Promise<void> {
    const old = this.byId.get(subscription.id);
    const copy = copySubscription(subscription);
    if (old && old.event === copy.event && old.resource === copy.resource) {
      // The common rewrite (every NOTIFY stores its CSeq and version): same index keys, nothing to re-index.
      this.byId.set(copy.id, copy);
      return;
    }
    if (old) this.remove(subscription.id);
    this.byId.set(copy.id, copy);
    let index = this.resourceIndex.get(copy.event);
    if (index === undefined) this.resourceIndex.set(copy.event, (index = new Map()));
    addIndex(index, copy.resource, copy.id);
  }

  async get(id: string): Promise<StoredSubscription | undefined> {
    const s = this.byId.get(id);
    return s && copySubscription(s);
  }

  async delete(id: string): Promise<boolean> {
    return this.remove(id);
  }

  async byResource(event: string, resource: string): Promise<StoredSubscription[]> {
    return this.collect(this.resourceIndex.get(event)?.get(resource));
  }

  async byWatcher(watcher: string): Promise<StoredSubscription[]> {
    const out: StoredSubscription[] = [];
    for (const s of this.byId.values()) if (s.watcher === watcher) out.push(copySubscription(s));
    return out;
  }

  async all(): Promise<StoredSubscription[]> {
    return [...this.byId.values()].map(copySubscription);
  }

  async count(): Promise<number> {
    return this.byId.size;
  }

  private remove(id: string): boolean {
    const old = this.byId.get(id);
    if (!old) return false;
    this.byId.delete(id);
    const index = this.resourceIndex.get(old.event);
    if (index !== undefined) removeIndex(index, old.resource, id);
    return true;
  }

  private collect(ids: string | Set<string> | undefined): StoredSubscription[] {
    const out: StoredSubscription[] = [];
    if (ids === undefined) return out;
    for (const id of typeof ids === 'string' ? [ids] : ids) {
      const s = this.byId.get(id);
      if (s) out.push(copySubscription(s));
    }
    return out;
  }
}

/** {@link PublicationStore} in nested Maps: (event, resource) → etag → publication. */
export class MemoryPublicationStore implements PublicationStore {
  private readonly byResourceKey = new Map<string, Map<string, StoredPublication>>();
  private size = 0;

  async put(publication: StoredPublication): Promise<void> {
    this.set(copyPublication(publication));
  }

  async get(event: string, resource: string, etag: string): Promise<StoredPublication | undefined> {
    const p = this.byResourceKey.get(pairKey(event, resource))?.get(etag);
    return p && copyPublication(p);
  }

  async delete(event: string, resource: string, etag: string): Promise<boolean> {
    return this.remove(event, resource, etag);
  }

  async replace(oldEtag: string, next: StoredPublication): Promise<boolean> {
    // Synchronous check-and-swap: nothing can interleave between them (atomic per the contract).
    if (!this.remove(next.event, next.resource, oldEtag)) return false;
    this.set(copyPublication(next));
    return true;
  }

  async byResource(event: string, resource: string): Promise<StoredPublication[]> {
    return [...(this.byResourceKey.get(pairKey(event, resource))?.values() ?? [])].map(copyPublication);
  }

  async all(): Promise<StoredPublication[]> {
    const out: StoredPublication[] = [];
    for (const pubs of this.byResourceKey.values()) for (const p of pubs.values()) out.push(copyPublication(p));
    return out;
  }

  async count(): Promise<number> {
    return this.size;
  }

  private set(p: StoredPublication): void {
    const key = pairKey(p.event, p.resource);
    let pubs = this.byResourceKey.get(key);
    if (!pubs) {
      pubs = new Map();
      this.byResourceKey.set(key, pubs);
    }
    if (!pubs.has(p.etag)) this.size++;
    pubs.set(p.etag, p);
  }

  private remove(event: string, resource: string, etag: string): boolean {
    const key = pairKey(event, resource);
    const pubs = this.byResourceKey.get(key);
    if (!pubs?.delete(etag)) return false;
    this.size--;
    if (pubs.size === 0) this.byResourceKey.delete(key);
    return true;
  }
}
