/**
 * The shell around the delivery reducer: renders and sends NOTIFYs, arms the
 * pacing and back-off timers, and classifies NOTIFY responses
 * (RFC 6665 §4.2.2).
 */
import { isLocalResponse } from '@herald/sip';
import type { DigestClient, SipRequest, SipResponse } from '@herald/sip';
import type { EventHost } from '../host.js';
import type { ResourceStates } from '../resource-states.js';
import type { StoredSubscription } from '../store.js';
import {
  type DeliveryEnd,
  type DeliveryInput,
  type NotifyKind,
  type NotifyOutcome,
  reduceDelivery,
} from './delivery.js';
import { changedRecord } from './compact.js';
import { type Live, watcherInfoOf } from './live.js';
import { buildNotify, contactValue, subscriptionStateValue } from './notify-request.js';
import type { NotifierLogger } from './types.js';

/** What the sender needs from the notifier. */
export interface NotifySenderOptions {
  readonly host: EventHost;
  readonly states: ResourceStates;
  readonly contact: string | undefined;
  readonly credentials: ((subscription: StoredSubscription) => DigestClient | undefined) | undefined;
  readonly logger: NotifierLogger | undefined;
  /** Writes the subscription (dialog CSeq, version) to the store; awaited before each NOTIFY leaves. */
  persist(live: Live): Promise<void>;
  /** Delivery is over for this subscription. */
  ended(live: Live, reason: DeliveryEnd): void;
  isClosed(): boolean;
}

/**
 * How a NOTIFY's final response steers delivery: 2xx fine; 408 (remote or
 * the local one after Timer F) and a local 503 (transport error) are retried
 * per policy; 481 and everything else end the subscription (RFC 6665 §4.2.2).
 * 401/407 reach here only when no credentials were given or they failed.
 */
export function classifyNotifyResponse(response: SipResponse): NotifyOutcome {
  if (response.status >= 200 && response.status < 300) return 'ok';
  if (response.status === 408) return 'retry';
  if (response.status === 503 && isLocalResponse(response)) return 'retry';
  return 'end';
}

/** Runs the delivery machine of each subscription. */
export class NotifySender {
  constructor(private readonly options: NotifySenderOptions) {}

  /** Feeds one input to a subscription's delivery machine and performs the effects. */
  step(live: Live, input: DeliveryInput): void {
    if (this.options.isClosed()) return;
    const { state, effects } = reduceDelivery(live.delivery, input);
    live.delivery = state;
    for (const effect of effects) {
      switch (effect.type) {
        case 'send':
          if (effect.full) live.forceFull = true;
          void this.send(live, effect.notify, state.sent);
          break;
        case 'arm':
          live.timer?.();
          live.timer = this.options.host.clock.setTimer(effect.ms, () => {
            live.timer = undefined;
            this.step(live, { type: 'timer', now: this.options.host.clock.now() });
          });
          break;
        case 'disarm':
          live.timer?.();
          live.timer = undefined;
          break;
        case 'end':
          this.options.ended(live, effect.reason);
          break;
      }
    }
  }

  /** `seq`: the delivery machine's number for this NOTIFY, echoed with its outcome. */
  private async send(live: Live, kind: NotifyKind, seq: number): Promise<void> {
    const host = this.options.host;
    let outcome: NotifyOutcome;
    try {
      const request = this.build(live, kind);
      // DESIGN.md: CSeq and version are stored before the NOTIFY leaves, so a restart never reuses them.
      await this.options.persist(live);
      if (this.options.isClosed()) return;
      const auth = this.options.credentials?.(live.sub);
      const response = await host.request(request, { to: live.sub.flow, auth });
      this.adoptCSeq(live, response);
      outcome = classifyNotifyResponse(response);
      // An older pipelined NOTIFY refused (e.g. out of order) only forces full state next: not worth a warning.
      if (outcome === 'end' && response.status !== 481 && seq === live.delivery.sent) {
        this.options.logger?.warn('notifier: NOTIFY failed', {
          id: live.sub.id,
          status: response.status,
          reason: response.reason,
        });
      }
    } catch (err) {
      this.options.logger?.warn('notifier: NOTIFY could not be sent', { id: live.sub.id, error: String(err) });
      outcome = 'end';
    }
    // The watcher may have missed what failed: the retry carries full state.
    if (outcome === 'retry' && seq === live.delivery.sent) live.forceFull = true;
    this.step(live, { type: 'response', outcome, now: host.clock.now(), seq });
  }

  /**
   * An answered 401/407 re-sends the NOTIFY with CSeq + 1 (RFC 3261 §22.2):
   * the dialog's local sequence must move past it, or the next NOTIFY would
   * repeat that CSeq and the watcher would refuse it (§12.2.2).
   */
  private adoptCSeq(live: Live, response: SipResponse): void {
    const seq = response.cseq?.seq;
    if (seq === undefined || seq <= (live.shared.dialog.localSeq ?? -1)) return;
    live.shared.dialog = { ...live.shared.dialog, localSeq: seq };
    live.sub = changedRecord(live.sub, { dialog: live.shared.dialog });
    this.options.persist(live).catch(() => undefined);
  }

  /** Renders the body and builds the NOTIFY, advancing the dialog CSeq and the body version. */
  private build(live: Live, kind: NotifyKind): SipRequest {
    const sub = live.sub;
    const now = this.options.host.clock.now();
    // Pending, politely blocked and rejected watchers get the package's neutral document.
    const neutral =
      sub.status === 'pending' ||
      live.endedPending ||
      sub.blocked === true ||
      (kind.kind === 'final' && kind.reason === 'rejected');
    const partial =
      live.pkg.partialNotify === true && !neutral && !live.forceFull && live.deltasComplete && live.deltas.length > 0;
    const version = sub.version + 1;
    const body = live.pkg.render(
      neutral ? undefined : this.options.states.get(sub.event, sub.resource),
      sub.contentType,
      {
        resource: sub.resource,
        watcher: watcherInfoOf(sub),
        full: !partial,
        version,
        delta: partial ? [...live.deltas] : undefined,
      },
    );
    live.deltas = [];
    live.deltasComplete = true;
    live.forceFull = false;
    const status = kind.kind === 'final' ? 'terminated' : sub.status;
    const { request, dialog } = buildNotify({
      dialog: live.shared.dialog,
      event: sub.event,
      eventId: sub.eventId,
      subscriptionState: subscriptionStateValue(status, kind, sub.expiresAt, now),
      contact: contactValue(sub.flow, this.options.contact),
      body,
      contentType: sub.contentType,
    });
    live.shared.dialog = dialog;
    live.sub = changedRecord(sub, { dialog, version });
    return request;
  }
}
