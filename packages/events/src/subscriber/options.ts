/**
 * Options of the subscriber (outgoing SUBSCRIBE). Names and defaults mirror
 * what operators of drachtio-style presence servers already know: expiry,
 * refresh margin, retry times, all in seconds.
 */
import type { Destination, DigestClient, Flow } from '@herald/sip';

/** Timing defaults shared by every subscription of one {@link Subscriber}; each may be overridden per subscription. */
export interface SubscriptionTimings {
  /** Expires asked for in the SUBSCRIBE when `expires` is not given (s, default 3600). */
  readonly defaultExpires?: number;
  /** Refresh this many seconds before expiry (default 30). */
  readonly resubscribeDelta?: number;
  /** Never refresh or resubscribe sooner than this many seconds after the last SUBSCRIBE (default 30). */
  readonly minResubscribeTime?: number;
  /** After a failure that allows a retry (408, 480, 5xx, timeout, transport error), try again after this many seconds (default 120). */
  readonly onErrorRetryTime?: number;
  /** After unsubscribing, wait this many seconds for the terminated NOTIFY before giving up (default 30). */
  readonly waitForTerminalNotify?: number;
  /** Start each subscription after a random delay in [0, maxSubscribeDelay) seconds (default 0: at once). */
  readonly maxSubscribeDelay?: number;
}

/** Construction options of a {@link Subscriber}. */
export interface SubscriberOptions extends SubscriptionTimings {
  /** Random source in [0, 1) for `maxSubscribeDelay` (tests seed it; default `Math.random`). */
  readonly random?: () => number;
  /** Events announced in `Allow-Events` on our SUBSCRIBEs (optional, RFC 6665 §8.2.2). */
  readonly allowEvents?: readonly string[];
}

/** What to subscribe to and how ({@link Subscriber.subscribe}). */
export interface SubscribeOptions extends SubscriptionTimings {
  /** Request-URI of the initial SUBSCRIBE (the resource or the phone). */
  readonly target: string;
  /** Event package, e.g. `presence`, `dialog`, `message-summary`. */
  readonly event: string;
  /** Event header `id` parameter (RFC 6665 §7.2.1), when several subscriptions share a dialog. */
  readonly eventId?: string;
  /** Our identity as a name-addr (`"Herald" <sip:herald@example.test>`); a tag is added. */
  readonly from: string;
  /** To as a name-addr; default `<target>`. */
  readonly to?: string;
  /** Our Contact URI, where NOTIFYs come to (`sip:herald@192.0.2.1:5060`). */
  readonly contact: string;
  /** Expires to ask for in seconds (default `defaultExpires`). */
  readonly expires?: number;
  /** Accept values, in order of preference (RFC 6665 §4.1.2: absent means the package default). */
  readonly accept?: readonly string[];
  /** Extra headers on every SUBSCRIBE of this subscription. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  /** Route header values of the initial SUBSCRIBE (a pre-loaded route / outbound proxy, `<sip:proxy.example.test;lr>`). */
  readonly route?: readonly string[];
  /** Where to send every SUBSCRIBE (an outbound proxy's address or a stored flow); default resolved from Route / Request-URI. */
  readonly destination?: Destination | Flow;
  /** Credentials for 401/407 challenges (one round per request, RFC 3261 §22.2). */
  readonly credentials?: DigestClient;
}

/** Timings with every default filled in, in seconds. */
export interface ResolvedTimings {
  readonly expires: number;
  readonly resubscribeDelta: number;
  readonly minResubscribeTime: number;
  readonly onErrorRetryTime: number;
  readonly waitForTerminalNotify: number;
  readonly maxSubscribeDelay: number;
}

/** The operator defaults (issue 3): 3600 / 30 / 30 / 120 / 30 / 0 seconds. */
export const DEFAULT_TIMINGS: Required<SubscriptionTimings> = {
  defaultExpires: 3600,
  resubscribeDelta: 30,
  minResubscribeTime: 30,
  onErrorRetryTime: 120,
  waitForTerminalNotify: 30,
  maxSubscribeDelay: 0,
};

/** Merges per-subscription options over subscriber defaults over {@link DEFAULT_TIMINGS}. */
export function resolveTimings(defaults: SubscriptionTimings, options: SubscribeOptions): ResolvedTimings {
  const pick = <K extends keyof SubscriptionTimings>(key: K): number => {
    const value = options[key] ?? defaults[key] ?? DEFAULT_TIMINGS[key];
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${key} must be a non-negative number of seconds`);
    return value;
  };
  const defaultExpires = pick('defaultExpires');
  const expires = options.expires ?? defaultExpires;
  if (!Number.isInteger(expires) || expires <= 0)
    throw new RangeError('expires must be a positive whole number of seconds');
  return {
    expires,
    resubscribeDelta: pick('resubscribeDelta'),
    minResubscribeTime: pick('minResubscribeTime'),
    onErrorRetryTime: pick('onErrorRetryTime'),
    waitForTerminalNotify: pick('waitForTerminalNotify'),
    maxSubscribeDelay: pick('maxSubscribeDelay'),
  };
}
