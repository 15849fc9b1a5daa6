/**
 * The subscriber side of RFC 6665: sends SUBSCRIBEs for the embedding app
 * (the server subscribing to phones for DND, or to remote presentities) and
 * receives their NOTIFYs. It owns the host's NOTIFY handler and routes each
 * NOTIFY by Call-ID and To tag to its subscription; anything else gets 481.
 */
import type { IncomingRequest } from '@herald/sip';
import type { EventHost } from '../host.js';
import { ClientSubscription, type SubscriptionLink, notifyKey } from './client-subscription.js';
import type { SubscribeOptions, SubscriberOptions } from './options.js';
import { resolveTimings } from './options.js';

/** Options of {@link Subscriber.close}. */
export interface SubscriberCloseOptions {
  /** Unsubscribe every subscription and wait (up to each one's `waitForTerminalNotify`) instead of just stopping timers. */
  readonly unsubscribe?: boolean;
}

/** Outgoing subscriptions on one {@link EventHost}. */
export class Subscriber {
  private readonly byKey = new Map<string, ClientSubscription>();
  private readonly live = new Set<ClientSubscription>();
  private readonly random: () => number;
  private readonly link: SubscriptionLink;
  private closed = false;

  constructor(
    readonly host: EventHost,
    private readonly defaults: SubscriberOptions = {},
  ) {
    this.random = defaults.random ?? Math.random;
    this.link = {
      host,
      allowEvents: defaults.allowEvents ?? [],
      bind: (key, subscription) => void this.byKey.set(key, subscription),
      unbind: (key) => void this.byKey.delete(key),
    };
    // RFC 6665 §4.1.3: in-dialog NOTIFYs are matched against our own subscriptions, not the endpoint's dialogs.
    host.on('NOTIFY', (incoming) => this.onNotify(incoming), { dialogs: 'handler' });
  }

  /** Subscriptions not yet over. */
  get subscriptions(): ClientSubscription[] {
    return [...this.live];
  }

  /**
   * Starts a subscription: the initial SUBSCRIBE goes out at once, or after a
   * random delay below `maxSubscribeDelay` seconds. Throws RangeError for
   * nonsensical timings (programmer error).
   */
  subscribe(options: SubscribeOptions): ClientSubscription {
    if (this.closed) throw new Error('Subscriber is closed');
    const timings = resolveTimings(this.defaults, options);
    const subscription = new ClientSubscription(this.link, options, timings);
    this.live.add(subscription);
    void subscription.whenTerminated().then(() => this.live.delete(subscription));
    const delayMs = timings.maxSubscribeDelay > 0 ? Math.floor(this.random() * timings.maxSubscribeDelay * 1000) : 0;
    subscription.start(delayMs);
    return subscription;
  }

  /** Stops every subscription: cancels timers, or unsubscribes all first (`{ unsubscribe: true }`). */
  async close(options: SubscriberCloseOptions = {}): Promise<void> {
    this.closed = true;
    const all = [...this.live];
    if (options.unsubscribe) await Promise.all(all.map((s) => s.unsubscribe()));
    for (const subscription of all) subscription.close();
    this.live.clear();
  }

  private onNotify(incoming: IncomingRequest): void {
    const request = incoming.request;
    const callId = request.callId;
    const tag = request.to?.params.get('tag');
    const subscription =
      callId !== undefined && typeof tag === 'string' ? this.byKey.get(notifyKey(callId, tag)) : undefined;
    // RFC 6665 §4.1.3: a NOTIFY matching no subscription of ours MUST get 481.
    if (!subscription) {
      incoming.respond(481, 'Subscription Does Not Exist');
      return;
    }
    subscription.handleNotify(incoming);
  }
}
