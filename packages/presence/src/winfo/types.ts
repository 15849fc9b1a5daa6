/**
 * The RFC 3858 watcher information model (`application/watcherinfo+xml`)
 * and the state the `presence.winfo` package renders.
 */

/** RFC 3858 namespace. */
export const NS_WATCHERINFO = 'urn:ietf:params:xml:ns:watcherinfo';
/** RFC 3858 content type (sent exactly, without parameters). */
export const WATCHERINFO_TYPE = 'application/watcherinfo+xml';

/** Subscription status of a watcher (RFC 3857 §3.2.4). */
export type WinfoStatus = 'pending' | 'active' | 'waiting' | 'terminated';

/** The event that moved a watcher into its status (RFC 3857 §3.2.4). */
export type WinfoEvent =
  'subscribe' | 'approved' | 'deactivated' | 'probation' | 'rejected' | 'timeout' | 'giveup' | 'noresource';

/** Every {@link WinfoStatus}. */
export const WINFO_STATUSES: readonly WinfoStatus[] = ['pending', 'active', 'waiting', 'terminated'];
/** Every {@link WinfoEvent}. */
export const WINFO_EVENTS: readonly WinfoEvent[] = [
  'subscribe',
  'approved',
  'deactivated',
  'probation',
  'rejected',
  'timeout',
  'giveup',
  'noresource',
];

/** One `<watcher>` as written in a document (RFC 3858 §3). */
export interface WinfoWatcher {
  /** Unique id of the subscription (required). */
  readonly id: string;
  /** The watcher's URI (element content). */
  readonly uri: string;
  readonly status: WinfoStatus;
  readonly event: WinfoEvent;
  readonly displayName?: string;
  /** Seconds since the subscription was created. */
  readonly durationSubscribed?: number;
  /** Seconds until the subscription expires. */
  readonly expiration?: number;
  /** `xml:lang` of the display name. */
  readonly lang?: string;
}

/** One `<watcher-list>`: the watchers of one resource for one package. */
export interface WinfoWatcherList {
  readonly resource: string;
  readonly package: string;
  readonly watchers: readonly WinfoWatcher[];
}

/** A whole `<watcherinfo>` document. */
export interface WatcherinfoDocument {
  readonly version: number;
  readonly state: 'full' | 'partial';
  readonly lists: readonly WinfoWatcherList[];
}

/**
 * One watcher in the package state: times are clock ms, so
 * `duration-subscribed` is computed when a body is rendered.
 */
export interface WinfoEntry {
  readonly id: string;
  readonly uri: string;
  readonly status: WinfoStatus;
  readonly event: WinfoEvent;
  readonly displayName?: string;
  readonly createdAt: number;
}

/** The `presence.winfo` state of one presentity: its watchers (live subscriptions only). */
export interface WinfoState {
  readonly resource: string;
  /** The watched package (`presence`). */
  readonly package: string;
  readonly watchers: readonly WinfoEntry[];
}
