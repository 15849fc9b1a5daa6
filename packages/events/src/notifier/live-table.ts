/**
 * The running subscriptions of one notifier and their indexes: by id, by
 * (dialog, event, id) for in-dialog SUBSCRIBEs (RFC 6665 §4.1.2, §7.2.1), by
 * (event, resource) for NOTIFY fan-out, and the dialogs they share.
 */
import { dialogKey } from '@herald/sip';
import type { Dialog, DialogId } from '@herald/sip';
import { ownString } from './compact.js';
import { type Live, type SharedDialog, newestDialog, resourceIndexKey, subscriptionKey } from './live.js';

/** Running subscriptions, indexed. */
export class LiveTable {
  private readonly byId = new Map<string, Live>();
  private readonly byKey = new Map<string, string>();
  private readonly byResource = new Map<string, Set<string>>();
  private readonly dialogs = new Map<string, SharedDialog>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Live | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<Live> {
    return this.byId.values();
  }

  /** The dialog with this id, if a subscription lives in it. */
  dialog(id: DialogId): SharedDialog | undefined {
    return this.dialogs.get(dialogKey(id));
  }

  /**
   * The shared record for a dialog, created on first use; a stored copy
   * merges in with the highest CSeqs winning (resume).
   */
  share(dialog: Dialog): SharedDialog {
    const key = dialogKey(dialog.id);
    let shared = this.dialogs.get(key);
    // Keys kept for a subscription's life are flattened: a template key is a chain of rope nodes otherwise.
    if (!shared) this.dialogs.set(ownString(key), (shared = { dialog, members: new Set() }));
    else shared.dialog = newestDialog(shared.dialog, dialog);
    return shared;
  }

  /** The subscription for (dialog, event, id). */
  inDialog(shared: SharedDialog, event: string, eventId: string | undefined): Live | undefined {
    const id = this.byKey.get(subscriptionKey(dialogKey(shared.dialog.id), event, eventId));
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** Running subscriptions to one resource for one event. */
  watching(event: string, resource: string): Live[] {
    const ids = this.byResource.get(resourceIndexKey(event, resource));
    if (!ids) return [];
    const out: Live[] = [];
    for (const id of ids) {
      const live = this.byId.get(id);
      if (live) out.push(live);
    }
    return out;
  }

  /** Adds a subscription by id and as a member of its dialog (not yet findable by dialog or resource). */
  add(live: Live): void {
    live.shared.members.add(live.sub.id);
    this.byId.set(live.sub.id, live);
  }

  /** Makes a subscription findable by in-dialog requests and state changes. */
  index(live: Live): void {
    const sub = live.sub;
    this.byKey.set(ownString(subscriptionKey(dialogKey(live.shared.dialog.id), sub.event, sub.eventId)), sub.id);
    const rk = resourceIndexKey(sub.event, sub.resource);
    let ids = this.byResource.get(rk);
    if (!ids) this.byResource.set(rk, (ids = new Set()));
    ids.add(sub.id);
  }

  /** Takes a subscription out of the dialog and resource indexes (it stays by id until {@link forget}). */
  unindex(live: Live): void {
    const sub = live.sub;
    const key = dialogKey(live.shared.dialog.id);
    const sk = subscriptionKey(key, sub.event, sub.eventId);
    // A newer subscription may hold the same key by now (same dialog, event and id): leave it alone.
    if (this.byKey.get(sk) === sub.id) this.byKey.delete(sk);
    const rk = resourceIndexKey(sub.event, sub.resource);
    const ids = this.byResource.get(rk);
    ids?.delete(sub.id);
    if (ids?.size === 0) this.byResource.delete(rk);
    live.shared.members.delete(sub.id);
    if (live.shared.members.size === 0 && this.dialogs.get(key) === live.shared) this.dialogs.delete(key);
  }

  /** Drops a subscription entirely. */
  forget(live: Live): void {
    this.unindex(live);
    this.byId.delete(live.sub.id);
  }

  /** Another running subscription in the same dialog, if any. */
  sibling(live: Live): Live | undefined {
    for (const id of live.shared.members) {
      const other = this.byId.get(id);
      if (other && other !== live && !other.removed) return other;
    }
    return undefined;
  }

  clear(): void {
    this.byId.clear();
    this.byKey.clear();
    this.byResource.clear();
    this.dialogs.clear();
  }
}
