/**
 * Subscription caps (issue 6): how many subscriptions one watcher may hold
 * and how many may watch one user, all event packages together. Counted from
 * the notifier's watcher changes; consulted before an initial SUBSCRIBE
 * reaches the engine (RFC 6665 §4.2.1.1 leaves the acceptance policy to the
 * notifier). Refreshes and un-SUBSCRIBEs are in-dialog and never refused.
 */
import { resourceKey } from '@herald/events';
import type { SipRequest } from '@herald/sip';
import type { Limits } from '../config/types.js';

/** A subscription as the counter sees it (a `WatcherRecord` fits); the same watcher and user from start to end. */
export interface CountedSubscription {
  readonly subscriptionId: string;
  /** The watched user (engine resource key). */
  readonly resource: string;
  /** The watcher (normalized From). */
  readonly watcher: string;
  readonly status: string;
}

/** Options of {@link SubscriptionLimits}: the two config limits. */
export type SubscriptionLimitOptions = Pick<Limits, 'subscriptionsPerWatcher' | 'subscriptionsPerUser'>;

/** A refusal of an initial SUBSCRIBE. */
export interface SubscriptionRefusal {
  readonly status: 403;
  readonly reason: string;
  /** Which limit, and its value (for the log line). */
  readonly limit: 'subscriptionsPerWatcher' | 'subscriptionsPerUser';
  readonly max: number;
}

/**
 * Live subscription counts per watcher and per user, and the admission check.
 * The ids counted are kept in a Set, not with their watcher and user: the
 * change that ends a subscription names both again (issue 7: one object and
 * a Map entry less per subscription).
 */
export class SubscriptionLimits {
  private readonly live = new Set<string>();
  private readonly byWatcher = new Map<string, number>();
  private readonly byUser = new Map<string, number>();

  constructor(private readonly options: SubscriptionLimitOptions) {}

  /** Follows one watcher change: a terminated subscription stops counting, any other counts once. */
  follow(sub: CountedSubscription): void {
    if (sub.status === 'terminated') {
      if (!this.live.delete(sub.subscriptionId)) return;
      decrement(this.byWatcher, sub.watcher);
      decrement(this.byUser, sub.resource);
      return;
    }
    if (this.live.has(sub.subscriptionId)) return;
    this.live.add(sub.subscriptionId);
    increment(this.byWatcher, sub.watcher);
    increment(this.byUser, sub.resource);
  }

  /** Subscriptions counted for a watcher. */
  watcherCount(watcher: string): number {
    return this.byWatcher.get(watcher) ?? 0;
  }

  /** Subscriptions counted for a watched user. */
  userCount(resource: string): number {
    return this.byUser.get(resource) ?? 0;
  }

  /**
   * Whether an initial SUBSCRIBE may create one more subscription: undefined
   * to go on, else a 403 naming the limit. In-dialog requests (To tag) and
   * fetches (`Expires: 0`, RFC 6665 §4.4.3: nothing stays) always pass.
   */
  check(request: SipRequest): SubscriptionRefusal | undefined {
    if (request.method !== 'SUBSCRIBE' || request.to?.params.has('tag')) return undefined;
    if (request.headers.get('Expires')?.trim() === '0') return undefined;
    const from = request.from?.uri;
    if (from && this.watcherCount(resourceKey(from)) >= this.options.subscriptionsPerWatcher) {
      return {
        status: 403,
        reason: 'Too Many Subscriptions From Watcher',
        limit: 'subscriptionsPerWatcher',
        max: this.options.subscriptionsPerWatcher,
      };
    }
    if (this.userCount(resourceKey(request.uri)) >= this.options.subscriptionsPerUser) {
      return {
        status: 403,
        reason: 'Too Many Subscriptions To User',
        limit: 'subscriptionsPerUser',
        max: this.options.subscriptionsPerUser,
      };
    }
    return undefined;
  }
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}
