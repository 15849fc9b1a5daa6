/**
 * The running subscriptions of one notifier and their indexes: by id, by
 * dialog — whose few members answer in-dialog SUBSCRIBEs by (event, id),
 * RFC 6665 §4.1.2, §7.2.1 — and by (event, resource) for NOTIFY fan-out.
 */
import { dialogKey } from '@herald/sip';
import type { Dialog, DialogId } from '@herald/sip';
import { ownString } from './compact.js';
import { type Live, type SharedDialog, newestDialog, resourceIndexKey } from './live.js';

/** Running subscriptions, indexed. */
export class LiveTable {
  private readonly byId = new Map<string, Live>();
  private readonly byResource = new Map<string, Set<Live>>();
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
    if (!shared) this.dialogs.set(ownString(key), (shared = { dialog, members: [] }));
    else shared.dialog = newestDialog(shared.dialog, dialog);
    return shared;
  }

  /** The subscription for (dialog, event, id): the most recently indexed one, as a newer one takes the key over. */
  inDialog(shared: SharedDialog, event: string, eventId: string | undefined): Live | undefined {
    const members = shared.members;
    for (let i = members.length - 1; i >= 0; i--) {
      const live = members[i];
      if (live.indexed && live.sub.event === event && live.sub.eventId === eventId) return live;
    }
    return undefined;
  }

  /** Running subscriptions to one resource for one event. */
  watching(event: string, resource: string): Live[] {
    const set = this.byResource.get(resourceIndexKey(event, resource));
    return set ? [...set] : [];
  }

  /** Adds a subscription by id and as a member of its dialog (not yet findable by dialog or resource). */
  add(live: Live): void {
    const shared = live.shared;
    // A literal holds exactly one: push on an empty array reserves room for 17.
    if (shared.members.length === 0) shared.members = [live];
    else shared.members.push(live);
    this.byId.set(live.sub.id, live);
  }

  /** Makes a subscription findable by in-dialog requests and state changes. */
  index(live: Live): void {
    const sub = live.sub;
    live.indexed = true;
    // Last in its dialog: the newest holder of a (dialog, event, id) key wins (see inDialog).
    const members = live.shared.members;
    const at = members.indexOf(live);
    if (at >= 0 && at !== members.length - 1) {
      members.splice(at, 1);
      members.push(live);
    }
    const rk = resourceIndexKey(sub.event, sub.resource);
    let set = this.byResource.get(rk);
    if (!set) this.byResource.set(ownString(rk), (set = new Set()));
    set.add(live);
  }

  /** Takes a subscription out of the dialog and resource indexes (it stays by id until {@link forget}). */
  unindex(live: Live): void {
    const sub = live.sub;
    live.indexed = false;
    const rk = resourceIndexKey(sub.event, sub.resource);
    const set = this.byResource.get(rk);
    set?.delete(live);
    if (set?.size === 0) this.byResource.delete(rk);
    const members = live.shared.members;
    const at = members.indexOf(live);
    if (at >= 0) members.splice(at, 1);
    if (members.length === 0) {
      const key = dialogKey(live.shared.dialog.id);
      if (this.dialogs.get(key) === live.shared) this.dialogs.delete(key);
    }
  }

  /** Drops a subscription entirely. */
  forget(live: Live): void {
    this.unindex(live);
    this.byId.delete(live.sub.id);
  }

  /** Another running subscription in the same dialog, if any. */
  sibling(live: Live): Live | undefined {
    for (const other of live.shared.members) if (other !== live && !other.removed) return other;
    return undefined;
  }

  clear(): void {
    this.byId.clear();
    this.byResource.clear();
    this.dialogs.clear();
  }
}
