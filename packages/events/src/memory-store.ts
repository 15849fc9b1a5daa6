/**
 * In-memory stores (DESIGN.md: the default; SQLite arrives in issue 6). Both
 * copy values on the way in and on the way out, so a caller mutating an
 * object it put or got (a Buffer body, a Dialog's route set) cannot change
 * what is stored. Results of list methods come in insertion order, which the
 * contract does not promise.
 */
import type { Dialog, Flow } from '@herald/sip';
import type { PublicationStore, StoredPublication, StoredSubscription, SubscriptionStore } from './store.js';

function copyFlow(flow: Flow): Flow {
  return { ...flow, local: { ...flow.local }, remote: { ...flow.remote } };
}

function copyDialog(dialog: Dialog): Dialog {
  return { ...dialog, id: { ...dialog.id }, routeSet: [...dialog.routeSet] };
}

function copySubscription(s: StoredSubscription): StoredSubscription {
  return { ...s, accept: [...s.accept], dialog: copyDialog(s.dialog), flow: copyFlow(s.flow) };
}

function copyPublication(p: StoredPublication): StoredPublication {
  return { ...p, body: Buffer.from(p.body) };
}

/** Adds `id` to the set under `key`. */
function addIndex(index: Map<string, Set<string>>, key: string, id: string): void {
  let ids = index.get(key);
  if (!ids) {
    ids = new Set();
    index.set(key, ids);
  }
  ids.add(id);
}

/** Removes `id` from the set under `key`, dropping empty sets. */
function removeIndex(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key);
}

const pairKey = (event: string, resource: string): string => `${event}\n${resource}`;

/** {@link SubscriptionStore} in a Map, indexed by (event, resource) and by watcher. */
export class MemorySubscriptionStore implements SubscriptionStore {
  private readonly byId = new Map<string, StoredSubscription>();
  private readonly resourceIndex = new Map<string, Set<string>>();
  private readonly watcherIndex = new Map<string, Set<string>>();

  async put(subscription: StoredSubscription): Promise<void> {
    this.remove(subscription.id);
    const copy = copySubscription(subscription);
    this.byId.set(copy.id, copy);
    addIndex(this.resourceIndex, pairKey(copy.event, copy.resource), copy.id);
    addIndex(this.watcherIndex, copy.watcher, copy.id);
  }

  async get(id: string): Promise<StoredSubscription | undefined> {
    const s = this.byId.get(id);
    return s && copySubscription(s);
  }

  async delete(id: string): Promise<boolean> {
    return this.remove(id);
  }

  async byResource(event: string, resource: string): Promise<StoredSubscription[]> {
    return this.collect(this.resourceIndex.get(pairKey(event, resource)));
  }

  async byWatcher(watcher: string): Promise<StoredSubscription[]> {
    return this.collect(this.watcherIndex.get(watcher));
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
    removeIndex(this.resourceIndex, pairKey(old.event, old.resource), id);
    removeIndex(this.watcherIndex, old.watcher, id);
    return true;
  }

  private collect(ids: Set<string> | undefined): StoredSubscription[] {
    const out: StoredSubscription[] = [];
    for (const id of ids ?? []) {
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
