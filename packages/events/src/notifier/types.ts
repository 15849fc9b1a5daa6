/**
 * Public shapes of the notifier: construction options, the authorization
 * hook, watcher records for `presence.winfo` (RFC 3857 §3.2.4).
 */
import type { DigestClient, Flow, SipRequest } from '@herald/sip';
import type { EventHost } from '../host.js';
import type { EventPackage } from '../package.js';
import type { ResourceStates } from '../resource-states.js';
import type { StoredSubscription, SubscriptionStatus, SubscriptionStore } from '../store.js';

/** What the authorization hook is told about a new subscription. */
export interface AuthorizeInfo {
  /** Event package name. */
  readonly event: string;
  /** The resource, normalized (`sip:user@host`). */
  readonly resource: string;
  /** The watcher, normalized (From URI). */
  readonly watcher: string;
  readonly request: SipRequest;
}

/**
 * The authorization decision (RFC 6665 §4.2.1.1, RFC 5079 polite blocking):
 * `accept` → active; `pending` → pending until {@link Notifier.approve};
 * `reject` → 403 or 603; `polite-block` → active with a neutral body forever;
 * `{ status: 404 }` → the resource does not exist.
 */
export type AuthorizeDecision =
  | 'accept'
  | 'pending'
  | 'polite-block'
  | { readonly reject: 403 | 603; readonly reason?: string }
  | { readonly status: 404; readonly reason: string };

/** The authorization hook; may be async. */
export type AuthorizeHook = (info: AuthorizeInfo) => AuthorizeDecision | Promise<AuthorizeDecision>;

/** NOTIFY retry policy for 408 and transport errors (DESIGN.md: retry, then end). */
export interface RetryPolicy {
  /** Retries after the first failure before the subscription ends (default 2). */
  readonly attempts: number;
  /** Wait before the first retry in ms, doubling for each further one (default 2000). */
  readonly backoffMs: number;
}

/** How {@link Notifier.resume} brings stored subscriptions back after a restart (issue 6). */
export interface ResumeOptions {
  /**
   * Spread the NOTIFY work the restart causes over this many ms instead of a
   * burst: each resumed subscription holds its NOTIFYs (changes queue) until
   * a random moment in (0, jitterMs], and each terminated-while-down NOTIFY
   * goes at one. 0: at the next timer tick (state set right after the resume
   * still merges into one NOTIFY). Absent (default): no hold at all.
   */
  readonly jitterMs?: number;
  /**
   * Send every resumed subscription one full-state NOTIFY (at its jittered
   * moment), so watchers converge on state that changed while down; default
   * false: only changes after the resume are sent (held for the jitter).
   */
  readonly resync?: boolean;
  /** Random numbers in [0, 1) for the jitter; default `Math.random`. */
  readonly random?: () => number;
  /** Whether a subscription that expired while down gets its `terminated;reason=timeout` NOTIFY (default: none does). */
  readonly notifyExpired?: (subscription: StoredSubscription) => boolean;
  /** The flow a resumed subscription's NOTIFYs use from now on (e.g. its TCP connection is gone); default the stored one. */
  readonly flowOf?: (subscription: StoredSubscription) => Flow;
}

/** A minimal logger (Herald's transport logger fits). */
export interface NotifierLogger {
  warn(message: string, detail?: Readonly<Record<string, unknown>>): void;
}

/** Construction options of {@link Notifier}. */
export interface NotifierOptions {
  readonly host: EventHost;
  readonly store: SubscriptionStore;
  readonly states: ResourceStates;
  /** The event packages served (their methods are bivariant, so any `EventPackage<S, D>` fits). */
  readonly packages: readonly EventPackage[];
  /** Our Contact (URI or name-addr) for 2xx and NOTIFY; default built from the flow's local address. */
  readonly contact?: string;
  readonly authorize?: AuthorizeHook;
  /** Compatibility switch: answer new subscriptions 202 instead of 200 (RFC 6665 §8.3.1 deprecates 202). */
  readonly respondWith202?: boolean;
  /** Overrides every package's `minNotifyInterval` (server config `notifyInterval`; 0 = one NOTIFY per change). */
  readonly notifyIntervalOverride?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Credentials for a 401/407 to a NOTIFY, per subscription (RFC 3261 §22.2). */
  readonly credentials?: (subscription: StoredSubscription) => DigestClient | undefined;
  /** Subscription ids; default random UUIDs. */
  readonly idGenerator?: () => string;
  /**
   * Called by {@link Notifier.resume} for each subscription that expired
   * while the notifier was down (already dropped from the store); whether its
   * terminated NOTIFY is sent is {@link ResumeOptions.notifyExpired}'s call.
   */
  readonly onExpiredWhileDown?: (subscription: StoredSubscription) => void;
  readonly logger?: NotifierLogger;
}

/**
 * Watcher state-change events as RFC 3857 §3.2.4 names them. Herald uses
 * `timeout` for expiry and unsubscribe, `deactivated` when NOTIFY delivery
 * failed (481, other errors, retries exhausted), `rejected` for
 * {@link Notifier.reject}.
 */
export type WatcherEvent =
  'subscribe' | 'approved' | 'deactivated' | 'probation' | 'rejected' | 'timeout' | 'giveup' | 'noresource';

/** One watcher of a resource, for `presence.winfo`. */
export interface WatcherRecord {
  readonly subscriptionId: string;
  /** Event package watched (`presence`, …). */
  readonly package: string;
  readonly resource: string;
  /** The watcher, normalized `sip:user@host`. */
  readonly watcher: string;
  readonly displayName?: string;
  readonly status: SubscriptionStatus;
  /** The event of the watcher's last state change (RFC 3857 §3.2.4). */
  readonly event: WatcherEvent;
  /** True when the watcher is politely blocked (it sees `active` and a neutral body). */
  readonly blocked: boolean;
  /** Clock ms of creation. */
  readonly createdAt: number;
  /** Seconds since creation (RFC 3858 `duration-subscribed`). */
  readonly duration: number;
  readonly expiresAt: number;
}

/** A watcher change as emitted by {@link Notifier.onWatcherChange}. */
export interface WatcherChange {
  readonly watcher: WatcherRecord;
  readonly event: WatcherEvent;
}
