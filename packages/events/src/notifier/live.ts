/**
 * The in-memory side of one server subscription: the stored record plus what
 * only a running notifier needs (delivery state, timers, pending deltas), and
 * the dialog it shares with other subscriptions of the same dialog
 * (RFC 6665 §4.5.2: one dialog may carry several subscriptions, with one CSeq space).
 */
import type { CancelTimer, Dialog } from '@herald/sip';
import type { EventPackage, WatcherInfo } from '../package.js';
import type { StoredSubscription } from '../store.js';
import type { DeliveryState } from './delivery.js';
import type { WatcherEvent, WatcherRecord } from './types.js';

/** A dialog and the subscriptions living in it. */
export interface SharedDialog {
  /** The authoritative dialog: local CSeq across all its NOTIFYs, remote CSeq across all SUBSCRIBEs. */
  dialog: Dialog;
  /**
   * Its subscriptions from creation to the end, the most recently indexed
   * last: most dialogs carry one, held as is (no array); several in an array.
   */
  members: Live | Live[] | undefined;
}

/** One running subscription. */
export interface Live {
  sub: StoredSubscription;
  readonly pkg: EventPackage;
  readonly shared: SharedDialog;
  delivery: DeliveryState;
  timer: CancelTimer | undefined;
  /** Its place in the notifier's expiry queue (`ExpiryScheduler`), -1 when none. */
  expirySlot: number;
  lastEvent: WatcherEvent;
  /** Deltas announced since the last NOTIFY (partial-notify packages). */
  deltas: unknown[];
  /** False once a change without a delta arrived: the next NOTIFY must be full. */
  deltasComplete: boolean;
  /** The next NOTIFY carries full state (after subscribe, refresh, retry, or on request). */
  forceFull: boolean;
  /** Findable by in-dialog requests and state changes (from the 2xx to the end). */
  indexed: boolean;
  /** Terminated: out of the store and the indexes; only its final NOTIFY may still be on its way. */
  removed: boolean;
  /** It was still pending when it ended (its final NOTIFY stays neutral). */
  endedPending: boolean;
  /** A fetch (RFC 6665 §4.4.3): never stored or indexed. */
  readonly ephemeral: boolean;
  /** Serializes this subscription's store writes: the last one under way, undefined when none is. */
  saving: Promise<unknown> | undefined;
}

const DELTAS_COMPLETE = 1;
const FORCE_FULL = 2;
const INDEXED = 4;
const REMOVED = 8;
const ENDED_PENDING = 16;
const EPHEMERAL = 32;

/**
 * {@link Live} as the notifier makes it, small for the 100,000 mostly idle
 * subscriptions a server holds (issue 7): the six flags share one small
 * integer, and the deltas array exists only while deltas wait for a NOTIFY.
 */
export class LiveState implements Live {
  timer: CancelTimer | undefined = undefined;
  expirySlot = -1;
  lastEvent: WatcherEvent = 'subscribe';
  saving: Promise<unknown> | undefined = undefined;
  private bits: number;
  private pending: unknown[] | undefined = undefined;

  constructor(
    public sub: StoredSubscription,
    readonly pkg: EventPackage,
    readonly shared: SharedDialog,
    public delivery: DeliveryState,
    ephemeral: boolean,
  ) {
    this.bits = DELTAS_COMPLETE | FORCE_FULL | (ephemeral ? EPHEMERAL : 0);
  }

  get deltas(): unknown[] {
    return (this.pending ??= []);
  }
  set deltas(deltas: unknown[]) {
    this.pending = deltas.length === 0 ? undefined : deltas;
  }
  get deltasComplete(): boolean {
    return this.flag(DELTAS_COMPLETE);
  }
  set deltasComplete(on: boolean) {
    this.set(DELTAS_COMPLETE, on);
  }
  get forceFull(): boolean {
    return this.flag(FORCE_FULL);
  }
  set forceFull(on: boolean) {
    this.set(FORCE_FULL, on);
  }
  get indexed(): boolean {
    return this.flag(INDEXED);
  }
  set indexed(on: boolean) {
    this.set(INDEXED, on);
  }
  get removed(): boolean {
    return this.flag(REMOVED);
  }
  set removed(on: boolean) {
    this.set(REMOVED, on);
  }
  get endedPending(): boolean {
    return this.flag(ENDED_PENDING);
  }
  set endedPending(on: boolean) {
    this.set(ENDED_PENDING, on);
  }
  get ephemeral(): boolean {
    return this.flag(EPHEMERAL);
  }

  private flag(bit: number): boolean {
    return (this.bits & bit) !== 0;
  }

  private set(bit: number, on: boolean): void {
    this.bits = on ? this.bits | bit : this.bits & ~bit;
  }
}

/** Key of a subscription inside its dialog: RFC 6665 §4.1.2 and §7.2.1 — dialog, event and `id`. */
export function subscriptionKey(dialogKey: string, event: string, eventId: string | undefined): string {
  return `${dialogKey}\n${event}\n${eventId ?? ''}`;
}

/** The watcher as packages see it when rendering. */
export function watcherInfoOf(sub: StoredSubscription): WatcherInfo {
  return {
    subscriptionId: sub.id,
    uri: sub.watcher,
    displayName: sub.watcherDisplayName,
    userAgent: sub.userAgent,
    accept: sub.accept,
  };
}

/** The watcher record for `presence.winfo`. */
export function watcherRecordOf(live: Live, now: number): WatcherRecord {
  const sub = live.sub;
  return {
    subscriptionId: sub.id,
    package: sub.event,
    resource: sub.resource,
    watcher: sub.watcher,
    displayName: sub.watcherDisplayName,
    status: sub.status,
    event: live.lastEvent,
    blocked: sub.blocked === true,
    createdAt: sub.createdAt,
    duration: Math.max(0, Math.floor((now - sub.createdAt) / 1000)),
    expiresAt: sub.expiresAt,
  };
}

/** Of two stored copies of one dialog, the one to continue with: highest sequences win (never backwards). */
export function newestDialog(a: Dialog, b: Dialog): Dialog {
  const localSeq = Math.max(a.localSeq ?? -1, b.localSeq ?? -1);
  const remoteSeq = Math.max(a.remoteSeq ?? -1, b.remoteSeq ?? -1);
  const base = (b.localSeq ?? -1) > (a.localSeq ?? -1) ? b : a;
  return {
    ...base,
    localSeq: localSeq < 0 ? undefined : localSeq,
    remoteSeq: remoteSeq < 0 ? undefined : remoteSeq,
  };
}
