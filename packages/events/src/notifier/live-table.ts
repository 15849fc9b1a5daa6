/**
 * The running subscriptions of one notifier and their indexes: by id, by
 * dialog — whose few members answer in-dialog SUBSCRIBEs by (event, id),
 * RFC 6665 §4.1.2, §7.2.1 — and by (event, resource) for NOTIFY fan-out.
 */
import type { Dialog, DialogId } from '@herald/sip';
import { type Live, type SharedDialog, newestDialog } from './live.js';

/** Running subscriptions, indexed. */
export class LiveTable {
  private readonly byId = new Map<string, Live>();
  /** By event, then resource (the record's own strings: no key string made per lookup or kept per resource). */
  private readonly byResource = new Map<string, Map<string, Set<Live>>>();
  /** By Call-ID (the dialog id's own string: no key string per dialog), then tags; rarely more than one. */
  private readonly dialogs = new Map<string, SharedDialog | SharedDialog[]>();

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
    const found = this.dialogs.get(id.callId);
    if (found === undefined) return undefined;
    if (!Array.isArray(found)) return sameId(found.dialog.id, id) ? found : undefined;
    return found.find((shared) => sameId(shared.dialog.id, id));
  }

  /**
   * The shared record for a dialog, created on first use; a stored copy
   * merges in with the highest CSeqs winning (resume).
   */
  share(dialog: Dialog): SharedDialog {
    let shared = this.dialog(dialog.id);
    if (shared) {
      shared.dialog = newestDialog(shared.dialog, dialog);
      return shared;
    }
    shared = { dialog, members: undefined };
    const key = dialog.id.callId;
    const found = this.dialogs.get(key);
    if (found === undefined) this.dialogs.set(key, shared);
    else if (Array.isArray(found)) found.push(shared);
    else this.dialogs.set(key, [found, shared]);
    return shared;
  }

  /** The subscription for (dialog, event, id): the most recently indexed one, as a newer one takes the key over. */
  inDialog(shared: SharedDialog, event: string, eventId: string | undefined): Live | undefined {
    const members = shared.members;
    if (!Array.isArray(members)) return members && holds(members, event, eventId) ? members : undefined;
    for (let i = members.length - 1; i >= 0; i--) if (holds(members[i], event, eventId)) return members[i];
    return undefined;
  }

  /** Running subscriptions to one resource for one event. */
  watching(event: string, resource: string): Live[] {
    const set = this.byResource.get(event)?.get(resource);
    return set ? [...set] : [];
  }

  /** Adds a subscription by id and as a member of its dialog (not yet findable by dialog or resource). */
  add(live: Live): void {
    const shared = live.shared;
    const members = shared.members;
    if (members === undefined || (Array.isArray(members) && members.length === 0)) shared.members = live;
    else if (Array.isArray(members)) members.push(live);
    else shared.members = [members, live];
    this.byId.set(live.sub.id, live);
  }

  /** Makes a subscription findable by in-dialog requests and state changes. */
  index(live: Live): void {
    const sub = live.sub;
    live.indexed = true;
    // Last in its dialog: the newest holder of a (dialog, event, id) key wins (see inDialog).
    const members = live.shared.members;
    const at = Array.isArray(members) ? members.indexOf(live) : -1;
    if (Array.isArray(members) && at >= 0 && at !== members.length - 1) {
      members.splice(at, 1);
      members.push(live);
    }
    let resources = this.byResource.get(sub.event);
    if (!resources) this.byResource.set(sub.event, (resources = new Map()));
    let set = resources.get(sub.resource);
    if (!set) resources.set(sub.resource, (set = new Set()));
    set.add(live);
  }

  /** Takes a subscription out of the dialog and resource indexes (it stays by id until {@link forget}). */
  unindex(live: Live): void {
    const sub = live.sub;
    live.indexed = false;
    const resources = this.byResource.get(sub.event);
    const set = resources?.get(sub.resource);
    if (set?.delete(live) && set.size === 0) resources?.delete(sub.resource);
    const shared = live.shared;
    const members = shared.members;
    if (members === live) shared.members = undefined;
    else if (Array.isArray(members)) {
      const at = members.indexOf(live);
      if (at >= 0) members.splice(at, 1);
      if (members.length <= 1) shared.members = members[0];
    }
    if (shared.members === undefined) this.dropDialog(shared);
  }

  /** Forgets a dialog left without subscriptions (only that very record: a newer one may hold its id by now). */
  private dropDialog(shared: SharedDialog): void {
    const key = shared.dialog.id.callId;
    const found = this.dialogs.get(key);
    if (found === shared) this.dialogs.delete(key);
    else if (Array.isArray(found)) {
      const at = found.indexOf(shared);
      if (at >= 0) found.splice(at, 1);
      if (found.length === 1) this.dialogs.set(key, found[0]);
    }
  }

  /** Drops a subscription entirely. */
  forget(live: Live): void {
    this.unindex(live);
    this.byId.delete(live.sub.id);
  }

  /** Another running subscription in the same dialog, if any. */
  sibling(live: Live): Live | undefined {
    const members = live.shared.members;
    if (!Array.isArray(members)) return members && members !== live && !members.removed ? members : undefined;
    for (const other of members) if (other !== live && !other.removed) return other;
    return undefined;
  }

  clear(): void {
    this.byId.clear();
    this.byResource.clear();
    this.dialogs.clear();
  }
}

/** The subscription holds (event, id) in its dialog, RFC 6665 §4.1.2. */
function holds(live: Live, event: string, eventId: string | undefined): boolean {
  return live.indexed && live.sub.event === event && live.sub.eventId === eventId;
}

function sameId(a: DialogId, b: DialogId): boolean {
  return a.callId === b.callId && a.localTag === b.localTag && a.remoteTag === b.remoteTag;
}
