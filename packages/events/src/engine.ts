/**
 * The event engine in one object: state table, notifier (SUBSCRIBE/NOTIFY),
 * publication service (PUBLISH) and subscriber (our own SUBSCRIBEs), wired
 * on one host with one set of packages. Embedding apps use this; the parts
 * stay usable alone.
 */
import type { EventHost } from './host.js';
import { MemoryPublicationStore, MemorySubscriptionStore } from './memory-store.js';
import { Notifier, type ResumeResult } from './notifier/notifier.js';
import type { NotifierOptions, ResumeOptions } from './notifier/types.js';
import type { EventPackage } from './package.js';
import { PublicationService, type PublicationServiceOptions } from './publication/service.js';
import { ResourceStates } from './resource-states.js';
import type { PublicationStore, SubscriptionStore } from './store.js';
import type { SubscriberOptions } from './subscriber/options.js';
import { Subscriber } from './subscriber/subscriber.js';

/** Options of {@link EventEngine}. */
export interface EventEngineOptions {
  readonly host: EventHost;
  readonly packages: readonly EventPackage[];
  /** Default: in memory (nothing survives a restart). */
  readonly subscriptionStore?: SubscriptionStore;
  readonly publicationStore?: PublicationStore;
  /** Notifier settings (authorization hook, 202 switch, notify interval override, retry policy, …). */
  readonly notifier?: Omit<NotifierOptions, 'host' | 'store' | 'states' | 'packages'>;
  /** Publication settings (limits, authorization hook, …). */
  readonly publications?: Omit<PublicationServiceOptions, 'host' | 'store' | 'states' | 'packages'>;
  /** Defaults for outgoing subscriptions; `false` registers no NOTIFY handler. */
  readonly subscriber?: SubscriberOptions | false;
}

/** Notifier, publications and subscriber over one state table. */
export class EventEngine {
  readonly states = new ResourceStates();
  readonly notifier: Notifier;
  readonly publications: PublicationService;
  readonly subscriber: Subscriber | undefined;

  constructor(options: EventEngineOptions) {
    const common = { host: options.host, states: this.states, packages: options.packages };
    this.notifier = new Notifier({
      ...options.notifier,
      ...common,
      store: options.subscriptionStore ?? new MemorySubscriptionStore(),
    });
    this.publications = new PublicationService({
      ...options.publications,
      ...common,
      store: options.publicationStore ?? new MemoryPublicationStore(),
    });
    this.subscriber = options.subscriber === false ? undefined : new Subscriber(options.host, options.subscriber ?? {});
  }

  /**
   * Sets a resource's state from the app (not from PUBLISH) and notifies its
   * watchers; `delta` feeds partial notifications.
   */
  setState<S, D = unknown>(event: string, resource: string, state: S | undefined, delta?: D): void {
    this.states.set(event, resource, state, delta);
  }

  /**
   * Reloads stored publications and subscriptions after a restart
   * (publications first: their state is what resumed NOTIFYs render);
   * `options` steer the notifier's part (jitter, expired-while-down NOTIFYs, flows).
   */
  async resume(options: ResumeOptions = {}): Promise<ResumeResult> {
    await this.publications.resume();
    return this.notifier.resume(options);
  }

  /** Stops every timer; sends nothing (subscriptions survive a restart). */
  async close(): Promise<void> {
    this.notifier.close();
    this.publications.close();
    await this.subscriber?.close();
  }
}
