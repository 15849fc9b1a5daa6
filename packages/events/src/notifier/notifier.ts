/**
 * The RFC 6665 notifier: answers SUBSCRIBE (new, refresh, unsubscribe,
 * fetch), keeps subscriptions in a {@link SubscriptionStore}, and sends
 * NOTIFYs when resource state changes, paced by the delivery machine.
 */
import { createUasDialog, dialogIdOfIncomingRequest, receiveInDialogRequest } from '@herald/sip';
import type { Dialog, IncomingRequest } from '@herald/sip';
import { randomUUID } from 'node:crypto';
import type { EventPackage } from '../package.js';
import { resourceKey } from '../resource-key.js';
import type { ResourceChange, ResourceStates } from '../resource-states.js';
import type { StoredSubscription, SubscriptionStore } from '../store.js';
import { changedRecord, ownDialog, ownFlow, ownSubscription, ownUpdatedDialog } from './compact.js';
import { ExpiryScheduler } from './expiry.js';
import { type DeliveryPolicy, initialDelivery } from './delivery.js';
import { type Live, LiveState, type SharedDialog, watcherRecordOf } from './live.js';
import { LiveTable } from './live-table.js';
import { acceptValues, negotiateAccept, negotiateEvent, negotiateExpires } from './negotiate.js';
import { contactValue } from './notify-request.js';
import { NotifySender } from './sender.js';
import { SubscriptionWriter } from './writer.js';
import type { CancelTimer } from '@herald/sip';
import type {
  AuthorizeDecision,
  NotifierOptions,
  ResumeOptions,
  WatcherChange,
  WatcherEvent,
  WatcherRecord,
} from './types.js';

/** What {@link Notifier.resume} did. */
export interface ResumeResult {
  /** Subscriptions running again. */
  readonly resumed: number;
  /** Those subscriptions, as resumed (with the flow they continue on). */
  readonly subscriptions: readonly StoredSubscription[];
  /** Subscriptions that expired while the notifier was down (dropped from the store). */
  readonly expired: readonly StoredSubscription[];
  /** Of those, the ones whose terminated NOTIFY is scheduled ({@link ResumeOptions.notifyExpired}). */
  readonly notified: number;
}

/** The server side of RFC 6665 subscriptions for a set of event packages. */
export class Notifier {
  private readonly host: NotifierOptions['host'];
  private readonly store: SubscriptionStore;
  private readonly states: ResourceStates;
  private readonly packages = new Map<string, EventPackage>();
  private readonly options: NotifierOptions;
  private readonly sender: NotifySender;
  private readonly writer: SubscriptionWriter;
  private readonly table = new LiveTable();
  private readonly listeners = new Set<(change: WatcherChange) => void>();
  private readonly stopListening: () => void;
  private readonly newId: () => string;
  /** Jittered terminated-while-down NOTIFYs not sent yet (cancelled by close). */
  private readonly resumeTimers = new Set<CancelTimer>();
  /** Every subscription's expiry on one timer. */
  private readonly expiries: ExpiryScheduler<Live>;
  /** One delivery policy per package, shared by its subscriptions' delivery states. */
  private readonly policies = new Map<EventPackage, DeliveryPolicy>();
  private closed = false;

  constructor(options: NotifierOptions) {
    this.options = options;
    this.host = options.host;
    this.store = options.store;
    this.states = options.states;
    this.writer = new SubscriptionWriter(options.store, this.table, options.logger);
    for (const pkg of options.packages) this.packages.set(pkg.event.toLowerCase(), pkg);
    this.newId = options.idGenerator ?? randomUUID;
    // RFC 6665 §4.2.2: expiry sends a final NOTIFY, reason timeout.
    this.expiries = new ExpiryScheduler(this.host.clock, (live) => {
      if (!this.closed) this.terminate(live, 'timeout', 'timeout');
    });
    this.sender = new NotifySender({
      host: options.host,
      states: options.states,
      contact: options.contact,
      credentials: options.credentials,
      logger: options.logger,
      persist: (live) => this.writer.persist(live),
      ended: (live, reason) => this.delivered(live, reason),
      isClosed: () => this.closed,
    });
    this.host.on('SUBSCRIBE', (incoming) => this.onSubscribe(incoming), { dialogs: 'handler' });
    this.stopListening = this.states.onChange((change) => this.onStateChange(change));
  }

  /** Number of running subscriptions. */
  get size(): number {
    return this.table.size;
  }

  /** A running subscription's stored record. */
  subscription(id: string): StoredSubscription | undefined {
    return this.table.get(id)?.sub;
  }

  /** Pending → active, then a NOTIFY with full state (RFC 6665 §4.2.1.1). False when not pending. */
  approve(subscriptionId: string): boolean {
    const live = this.table.get(subscriptionId);
    if (!live || live.removed || live.sub.status !== 'pending') return false;
    live.sub = changedRecord(live.sub, { status: 'active' });
    this.emit(live, 'approved');
    live.forceFull = true;
    this.sender.step(live, { type: 'immediate', now: this.host.clock.now() });
    return true;
  }

  /** Ends a subscription with `terminated;reason=rejected` (RFC 6665 §4.2.2). False when unknown. */
  reject(subscriptionId: string): boolean {
    const live = this.table.get(subscriptionId);
    if (!live || live.removed) return false;
    this.terminate(live, 'rejected', 'rejected');
    return true;
  }

  /** Makes the next NOTIFY carry full state and sends it at once. False when unknown. */
  requestFullState(subscriptionId: string): boolean {
    const live = this.table.get(subscriptionId);
    if (!live || live.removed) return false;
    live.forceFull = true;
    this.sender.step(live, { type: 'immediate', now: this.host.clock.now() });
    return true;
  }

  /** Watchers of one resource for one event, for `presence.winfo`. */
  watchers(event: string, resource: string): WatcherRecord[] {
    const now = this.host.clock.now();
    return this.table.watching(event, resource).map((live) => watcherRecordOf(live, now));
  }

  /**
   * Every running subscription's watcher record, from its 2xx (or resume) to
   * its end, for the management API: computed on demand, so a server keeps
   * no second table of 100,000 records beside the notifier's (issue 7).
   */
  allWatchers(): WatcherRecord[] {
    const now = this.host.clock.now();
    const out: WatcherRecord[] = [];
    for (const live of this.table.values()) if (live.indexed) out.push(watcherRecordOf(live, now));
    return out;
  }

  /** Running subscriptions (as {@link allWatchers} lists them) per event package. */
  countByEvent(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const live of this.table.values()) {
      if (live.indexed) counts.set(live.sub.event, (counts.get(live.sub.event) ?? 0) + 1);
    }
    return counts;
  }

  /** Listens to watcher changes (subscribe, approve, end); returns the unsubscribe function. */
  onWatcherChange(listener: (change: WatcherChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Loads every stored subscription after a restart: drops those that
   * expired while down (handing each to `onExpiredWhileDown`, and sending its
   * terminated NOTIFY when `notifyExpired` says so), re-arms expiry timers,
   * holds NOTIFYs for the jitter, and continues CSeq and version from the
   * stored values (DESIGN.md).
   */
  async resume(options: ResumeOptions = {}): Promise<ResumeResult> {
    const now = this.host.clock.now();
    const jitter = options.jitterMs ?? 0;
    const random = options.random ?? Math.random;
    // In (0, jitter]: with a jitter, nothing goes at the very moment of the restart.
    const delay = (): number => (jitter > 0 ? Math.min(jitter, 1 + Math.floor(random() * jitter)) : 0);
    const expired: Array<{ sub: StoredSubscription; pkg: EventPackage }> = [];
    const resumed: StoredSubscription[] = [];
    for (const stored of await this.store.all()) {
      if (this.table.get(stored.id)) continue;
      const pkg = this.packages.get(stored.event);
      if (!pkg) {
        this.options.logger?.warn('notifier: stored subscription for an unknown event left alone', {
          id: stored.id,
          event: stored.event,
        });
        continue;
      }
      if (stored.expiresAt <= now) {
        await this.store.delete(stored.id);
        expired.push({ sub: stored, pkg });
        this.options.onExpiredWhileDown?.(stored);
        continue;
      }
      const sub = options.flowOf ? { ...stored, flow: options.flowOf(stored) } : stored;
      const live = this.makeLive(sub, pkg, this.table.share(sub.dialog), false);
      live.lastEvent = sub.status === 'pending' ? 'subscribe' : 'approved';
      this.table.index(live);
      this.armExpiry(live);
      if (options.jitterMs !== undefined || options.resync) {
        this.sender.step(live, { type: 'hold', ms: delay(), resync: options.resync === true, now });
      }
      resumed.push(sub);
    }
    let notified = 0;
    // After the live ones: a dialog shared with a resumed subscription keeps one CSeq space.
    for (const { sub, pkg } of expired) {
      if (!options.notifyExpired?.(sub)) continue;
      notified++;
      this.endExpired(sub, pkg, delay());
    }
    return { resumed: resumed.length, subscriptions: resumed, expired: expired.map((e) => e.sub), notified };
  }

  /** RFC 6665 §4.2.2: the final NOTIFY (reason timeout) of a subscription that expired while we were down. */
  private endExpired(sub: StoredSubscription, pkg: EventPackage, ms: number): void {
    const shared = this.table.dialog(sub.dialog.id) ?? { dialog: sub.dialog, members: [] };
    const live = this.makeLive(sub, pkg, shared, true);
    live.removed = true;
    live.endedPending = sub.status === 'pending';
    const fire = (): void =>
      this.sender.step(live, { type: 'terminate', reason: 'timeout', now: this.host.clock.now() });
    if (ms <= 0) return fire();
    const cancel = this.host.clock.setTimer(ms, () => {
      this.resumeTimers.delete(cancel);
      fire();
    });
    this.resumeTimers.add(cancel);
  }

  /** Stops listening and cancels every timer; sends nothing (subscriptions survive restarts). */
  close(): void {
    this.closed = true;
    this.stopListening();
    for (const cancel of this.resumeTimers) cancel();
    this.resumeTimers.clear();
    for (const live of this.table.values()) live.timer?.();
    this.expiries.clear();
    this.table.clear();
  }

  // ---- SUBSCRIBE ----

  private async onSubscribe(incoming: IncomingRequest): Promise<void> {
    if (this.closed) {
      incoming.respond(503, 'Service Unavailable');
      return;
    }
    const request = incoming.request;
    const ev = negotiateEvent(this.packages, request);
    if (!ev.ok) return void incoming.respond(ev.status, ev.reason, { headers: ev.headers });
    const { pkg, eventId } = ev.value;
    if (!request.to?.params.has('tag')) return this.newSubscription(incoming, pkg, eventId, undefined);

    // RFC 3261 §12.2.2: a request naming a dialog we do not have gets 481.
    const id = dialogIdOfIncomingRequest(request);
    const shared = id ? this.table.dialog(id) : undefined;
    if (!shared) return void incoming.respond(481, 'Subscription Does Not Exist');
    const checked = receiveInDialogRequest(shared.dialog, request);
    if (!checked.ok) return void incoming.respond(checked.status, checked.reason);
    shared.dialog = ownUpdatedDialog(shared.dialog, checked.dialog);

    const live = this.table.inDialog(shared, pkg.event, eventId);
    if (!live) {
      // RFC 6665 §4.2.1.4: unsubscribing from nothing is 481; a new event or id in the dialog is a new subscription.
      if (request.expires === 0) return void incoming.respond(481, 'Subscription Does Not Exist');
      return this.newSubscription(incoming, pkg, eventId, shared);
    }
    return this.refresh(incoming, live);
  }

  /** RFC 6665 §4.2.1.2 refresh and §4.2.1.4 unsubscribe. */
  private async refresh(incoming: IncomingRequest, live: Live): Promise<void> {
    const expires = negotiateExpires(live.pkg, incoming.request.expires);
    if (!expires.ok) return void incoming.respond(expires.status, expires.reason, { headers: expires.headers });
    const now = this.host.clock.now();
    live.sub = changedRecord(live.sub, { flow: ownFlow(incoming.flow), expiresAt: now + expires.value * 1000 });
    // Stored before the 2xx, like a new subscription: a crash after it must not lose the new expiry.
    await this.writer.persist(live);
    if (this.closed) return void incoming.respond(503, 'Service Unavailable');
    if (live.removed) return void incoming.respond(481, 'Subscription Does Not Exist');
    this.respondOk(incoming, expires.value, 200);
    if (expires.value === 0) {
      // RFC 6665 §4.2.1.4: the final NOTIFY carries the state, reason timeout.
      this.terminate(live, 'timeout', 'timeout');
      return;
    }
    this.armExpiry(live);
    live.forceFull = true;
    this.sender.step(live, { type: 'immediate', now });
  }

  private async newSubscription(
    incoming: IncomingRequest,
    pkg: EventPackage,
    eventId: string | undefined,
    existing: SharedDialog | undefined,
  ): Promise<void> {
    const request = incoming.request;
    const expires = negotiateExpires(pkg, request.expires);
    if (!expires.ok) return void incoming.respond(expires.status, expires.reason, { headers: expires.headers });
    const accept = acceptValues(request);
    const type = negotiateAccept(pkg, accept);
    if (!type.ok) return void incoming.respond(type.status, type.reason, { headers: type.headers });
    let dialog: Dialog;
    if (existing) dialog = existing.dialog;
    else {
      const created = createUasDialog(request, incoming.toTag);
      if (!created.ok) return void incoming.respond(created.status, created.reason);
      // Kept for the subscription's life: detached from the SUBSCRIBE's text.
      dialog = ownDialog(created.dialog);
    }
    const from = request.from;
    if (!from) return void incoming.respond(400, 'Missing From');
    const resource = resourceKey(request.uri);
    const watcher = resourceKey(from.uri);

    const decision: AuthorizeDecision = this.options.authorize
      ? await this.options.authorize({ event: pkg.event, resource, watcher, request })
      : 'accept';
    if (this.closed) return void incoming.respond(503, 'Service Unavailable');
    if (typeof decision === 'object' && 'reject' in decision) {
      const reason = decision.reason ?? (decision.reject === 403 ? 'Forbidden' : 'Decline');
      return void incoming.respond(decision.reject, reason);
    }
    if (typeof decision === 'object') return void incoming.respond(decision.status, decision.reason);

    const now = this.host.clock.now();
    const sub: StoredSubscription = ownSubscription({
      id: this.newId(),
      event: pkg.event,
      eventId,
      resource,
      watcher,
      watcherDisplayName: from.displayName,
      userAgent: request.headers.get('User-Agent'),
      accept,
      contentType: type.value,
      dialog,
      flow: incoming.flow,
      status: decision === 'pending' ? 'pending' : 'active',
      expiresAt: now + expires.value * 1000,
      version: -1,
      createdAt: now,
      blocked: decision === 'polite-block' ? true : undefined,
    });

    if (expires.value === 0) {
      // RFC 6665 §4.4.3 fetch: 200, one NOTIFY with the state and reason timeout, nothing kept.
      const live = this.makeLive(sub, pkg, { dialog, members: [] }, true);
      this.respondOk(incoming, 0, this.options.respondWith202 ? 202 : 200);
      live.removed = true;
      this.sender.step(live, { type: 'terminate', reason: 'timeout', now });
      return;
    }

    const shared = existing ?? this.table.share(dialog);
    const live = this.makeLive(sub, pkg, shared, false);
    // Stored before the 2xx: a subscription we acknowledged must survive a crash.
    try {
      await this.writer.persist(live);
    } catch (err) {
      this.table.forget(live);
      throw err;
    }
    if (this.closed) return void incoming.respond(503, 'Service Unavailable');
    this.respondOk(incoming, expires.value, this.options.respondWith202 ? 202 : 200);
    this.table.index(live);
    this.emit(live, 'subscribe');
    this.armExpiry(live);
    // RFC 6665 §4.2.1.1: the initial NOTIFY goes out at once, after the 2xx.
    this.sender.step(live, { type: 'immediate', now: this.host.clock.now() });
  }

  private respondOk(incoming: IncomingRequest, expires: number, status: 200 | 202): void {
    incoming.respond(status, status === 200 ? 'OK' : 'Accepted', {
      headers: [
        ['Expires', String(expires)],
        ['Contact', contactValue(incoming.flow, this.options.contact)],
      ],
    });
  }

  // ---- state and lifecycle ----

  private onStateChange(change: ResourceChange): void {
    const now = this.host.clock.now();
    for (const live of this.table.watching(change.event, change.resource)) {
      if (live.removed) continue;
      if (change.delta === undefined) live.deltasComplete = false;
      else live.deltas.push(change.delta);
      // Pending and politely blocked watchers see a neutral body that no change alters.
      if (live.sub.status !== 'active' || live.sub.blocked) continue;
      this.sender.step(live, { type: 'change', now });
    }
  }

  /** Ends a subscription: out of the store and indexes, watcher change, terminal NOTIFY. */
  private terminate(live: Live, reason: string, event: WatcherEvent): void {
    if (live.removed) return;
    this.remove(live, event);
    this.sender.step(live, { type: 'terminate', reason, now: this.host.clock.now() });
  }

  /** The delivery machine finished: the terminal NOTIFY went (or failed), or delivery failed for good. */
  private delivered(live: Live, reason: 'terminated' | 'failed' | 'gave-up'): void {
    live.timer?.();
    if (!live.removed) {
      // RFC 6665 §4.2.2: a NOTIFY answered 481 (or failing for good) ends the subscription.
      this.options.logger?.warn('notifier: NOTIFY delivery failed, subscription ended', { id: live.sub.id, reason });
      this.remove(live, 'deactivated');
    }
    if (!live.ephemeral) this.table.forget(live);
  }

  private remove(live: Live, event: WatcherEvent): void {
    live.removed = true;
    live.endedPending = live.sub.status === 'pending';
    this.expiries.cancel(live);
    if (!live.ephemeral) this.table.unindex(live);
    live.sub = changedRecord(live.sub, { status: 'terminated' });
    if (!live.ephemeral) {
      this.writer.delete(live);
      this.emit(live, event);
    }
  }

  private armExpiry(live: Live): void {
    this.expiries.schedule(live, live.sub.expiresAt);
  }

  // ---- bookkeeping ----

  private makeLive(sub: StoredSubscription, pkg: EventPackage, shared: SharedDialog, ephemeral: boolean): Live {
    let policy = this.policies.get(pkg);
    if (policy === undefined) {
      const retry = this.options.retry ?? {};
      policy = {
        interval: this.options.notifyIntervalOverride ?? pkg.minNotifyInterval,
        attempts: retry.attempts ?? 2,
        backoffMs: retry.backoffMs ?? 2000,
        // Coalescing switched off (server `notifyInterval: 0`): one NOTIFY per change, pipelined. Not with
        // NOTIFY credentials: a 401 retry takes CSeq + 1 (RFC 3261 §22.2), which a pipelined NOTIFY may hold.
        pipeline: this.options.notifyIntervalOverride === 0 && this.options.credentials === undefined,
      };
      this.policies.set(pkg, policy);
    }
    const delivery = initialDelivery(policy);
    const live: Live = new LiveState(sub, pkg, shared, delivery, ephemeral);
    if (!ephemeral) this.table.add(live);
    return live;
  }

  private emit(live: Live, event: WatcherEvent): void {
    live.lastEvent = event;
    if (this.listeners.size === 0) return;
    const change: WatcherChange = { watcher: watcherRecordOf(live, this.host.clock.now()), event };
    for (const listener of this.listeners) listener(change);
  }
}
