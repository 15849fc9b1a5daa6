/**
 * Storage contracts (DESIGN.md): async so SQLite and Redis fit later. The
 * memory implementations live in `memory-store.ts`; every implementation must
 * pass the conformance suites in `test/store-conformance.ts`.
 */
import type { Dialog, Flow } from '@herald/sip';

/** Subscription states (RFC 6665 §4.1.3, §8.2.3). */
export type SubscriptionStatus = 'pending' | 'active' | 'terminated';

/** Everything needed to resume a server subscription after a restart. */
export interface StoredSubscription {
  /** Unique id (engine-generated). */
  readonly id: string;
  /** Event package name (lower-case). */
  readonly event: string;
  /** Event header `id` parameter (RFC 6665 §7.2.1), if any. */
  readonly eventId?: string;
  /** The resource watched, normalized `sip:user@domain`. */
  readonly resource: string;
  /** The watcher, normalized `sip:user@domain` (From URI). */
  readonly watcher: string;
  readonly watcherDisplayName?: string;
  readonly userAgent?: string;
  /** Accept values of the SUBSCRIBE (lower-case). */
  readonly accept: readonly string[];
  /** Negotiated body type. */
  readonly contentType: string;
  /** Dialog state, with localSeq = last NOTIFY CSeq sent. */
  readonly dialog: Dialog;
  /** The flow the SUBSCRIBE came on; NOTIFYs go back along it. */
  readonly flow: Flow;
  readonly status: SubscriptionStatus;
  /** Clock ms at which the subscription expires. */
  readonly expiresAt: number;
  /** Last body version sent (partial-notify packages); never goes backwards. */
  readonly version: number;
  /** Clock ms of creation. */
  readonly createdAt: number;
  /** Politely blocked (RFC 5079 §3): the watcher sees `active` and a neutral body forever. Absent = false. */
  readonly blocked?: boolean;
}

/** Server subscriptions. */
export interface SubscriptionStore {
  /** Inserts or replaces by id. */
  put(subscription: StoredSubscription): Promise<void>;
  get(id: string): Promise<StoredSubscription | undefined>;
  /** Removes by id; resolves false when absent. */
  delete(id: string): Promise<boolean>;
  /** Subscriptions to one resource for one event. */
  byResource(event: string, resource: string): Promise<StoredSubscription[]>;
  /** Subscriptions of one watcher (any event). */
  byWatcher(watcher: string): Promise<StoredSubscription[]>;
  /** Every subscription (boot). */
  all(): Promise<StoredSubscription[]>;
  count(): Promise<number>;
}

/** One RFC 3903 publication. */
export interface StoredPublication {
  readonly event: string;
  /** The resource published for, normalized `sip:user@domain`. */
  readonly resource: string;
  /** Current entity-tag (changes on every refresh and modify). */
  readonly etag: string;
  readonly contentType: string;
  readonly body: Buffer;
  readonly expiresAt: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** The publisher (From URI), for limits and the management API. */
  readonly publisher?: string;
}

/** Publications. */
export interface PublicationStore {
  /** Inserts or replaces by (event, resource, etag). */
  put(publication: StoredPublication): Promise<void>;
  get(event: string, resource: string, etag: string): Promise<StoredPublication | undefined>;
  /** Removes by (event, resource, etag); resolves false when absent. */
  delete(event: string, resource: string, etag: string): Promise<boolean>;
  /** Atomically replaces `oldEtag` by `next` (refresh/modify): false when `oldEtag` is gone. */
  replace(oldEtag: string, next: StoredPublication): Promise<boolean>;
  byResource(event: string, resource: string): Promise<StoredPublication[]>;
  all(): Promise<StoredPublication[]>;
  count(): Promise<number>;
}
