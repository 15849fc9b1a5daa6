/**
 * The `presence.winfo` event package (RFC 3857 template applied to presence,
 * RFC 3858 bodies). Its state is the watcher list of one presentity, taken
 * from the notifier; each watcher change is a delta for partial NOTIFYs.
 */
import type {
  AuthorizeHook,
  EventPackage,
  Notifier,
  RenderContext,
  RenderedBody,
  ResourceStates,
  WatcherChange,
  WatcherRecord,
} from '@herald/events';
import { systemClock, type Clock } from '@herald/sip';
import { createWinfoAuthorize, type WinfoAuthorizeOptions } from './authorize.js';
import { VERSION_MARKER, renderWithVersion, splitAtVersion, watcherAt } from './render.js';
import {
  WATCHERINFO_TYPE,
  type WatcherinfoDocument,
  type WinfoEntry,
  type WinfoState,
  type WinfoStatus,
} from './types.js';

/** The parts of the notifier winfo reads. */
export type WatcherSource = Pick<Notifier, 'watchers' | 'onWatcherChange'>;

/** Options of {@link createWinfoPackage}. */
export interface WinfoPackageOptions {
  /** The package whose watchers are reported (default `presence`); the event is `<watched>.winfo`. */
  readonly watchedEvent?: string;
  /** Clock for `duration-subscribed` (default the system clock; pass the engine's). */
  readonly clock?: Clock;
  /** Cache rendered bodies per state (default true; off for the benchmark's comparison). */
  readonly cache?: boolean;
  /** Expiry bounds in seconds (defaults 3600, 60, 86400). */
  readonly defaultExpires?: number;
  readonly minExpires?: number;
  readonly maxExpires?: number;
  /** Coalescing window in ms (default 0: an owner deciding on a pending watcher wants it at once). */
  readonly minNotifyInterval?: number;
}

/** What {@link createWinfoPackage} returns. */
export interface WinfoPackage {
  readonly package: EventPackage<WinfoState, WinfoEntry>;
  /** Follows the notifier's watcher changes into `states`; returns the function that stops it. */
  attach(notifier: WatcherSource, states: ResourceStates): () => void;
  /** Recomputes one presentity's full watcher list (e.g. after a restart); no-op before `attach`. */
  resync(resource: string): void;
  /** Owner-only authorization hook for the notifier (see {@link createWinfoAuthorize}). */
  authorize(options?: WinfoAuthorizeOptions): AuthorizeHook;
}

interface CachedBody {
  readonly second: number;
  readonly parts: readonly [string, string];
}

const NEUTRAL_CACHE_LIMIT = 10_000;

/** The entry of a watcher record, with the status RFC 3857 §3.2.4 gives it. */
function entryOf(record: WatcherRecord, status: WinfoStatus = record.status): WinfoEntry {
  return {
    id: record.subscriptionId,
    uri: record.watcher,
    status,
    event: record.event,
    ...(record.displayName !== undefined ? { displayName: record.displayName } : {}),
    createdAt: record.createdAt,
  };
}

/** Creates the watcher-info package for one watched event. */
export function createWinfoPackage(options: WinfoPackageOptions = {}): WinfoPackage {
  const watched = (options.watchedEvent ?? 'presence').toLowerCase();
  const event = `${watched}.winfo`;
  const clock = options.clock ?? systemClock;
  const caching = options.cache !== false;
  const byState = new WeakMap<object, CachedBody>();
  const neutral = new Map<string, CachedBody>();
  let attached: { notifier: WatcherSource; states: ResourceStates } | undefined;
  // Last status seen per watched subscription: a pending one that times out becomes `waiting`.
  const lastStatus = new Map<string, WinfoStatus>();

  const cached = (
    key: object | undefined,
    second: number,
    build: () => Omit<WatcherinfoDocument, 'version'>,
  ): readonly [string, string] => {
    const hit = key ? byState.get(key) : undefined;
    if (hit && hit.second === second) return hit.parts;
    const parts = splitAtVersion(renderWithVersion(build(), VERSION_MARKER));
    if (key && caching) byState.set(key, { second, parts });
    return parts;
  };

  const render = (state: WinfoState | undefined, ctx: RenderContext<WinfoEntry>): string => {
    const now = clock.now();
    const second = Math.floor(now / 1000);
    let parts: readonly [string, string];
    if (!ctx.full && ctx.delta && ctx.delta.length > 0) {
      // RFC 3858 §4: a partial document lists only the watchers that changed (last change per id).
      const delta = ctx.delta;
      parts = cached(delta.length === 1 ? delta[0] : undefined, second, () => {
        const last = new Map<string, WinfoEntry>();
        for (const d of delta) last.set(d.id, d);
        const watchers = [...last.values()].map((e) => watcherAt(e, now));
        return { state: 'partial', lists: [{ resource: ctx.resource, package: watched, watchers }] };
      });
    } else if (state) {
      parts = cached(state, second, () => ({
        state: 'full',
        lists: [
          { resource: state.resource, package: state.package, watchers: state.watchers.map((e) => watcherAt(e, now)) },
        ],
      }));
    } else {
      // Nothing known (or a pending/blocked winfo watcher): a full document with an empty list.
      let hit = caching ? neutral.get(ctx.resource) : undefined;
      if (!hit) {
        hit = {
          second: 0,
          parts: splitAtVersion(
            renderWithVersion(
              { state: 'full', lists: [{ resource: ctx.resource, package: watched, watchers: [] }] },
              VERSION_MARKER,
            ),
          ),
        };
        if (caching) {
          if (neutral.size >= NEUTRAL_CACHE_LIMIT) neutral.clear();
          neutral.set(ctx.resource, hit);
        }
      }
      parts = hit.parts;
    }
    return `${parts[0]}${ctx.version}${parts[1]}`;
  };

  const pkg: EventPackage<WinfoState, WinfoEntry> = {
    event,
    contentTypes: [WATCHERINFO_TYPE],
    defaultExpires: options.defaultExpires ?? 3600,
    minExpires: options.minExpires ?? 60,
    maxExpires: options.maxExpires ?? 86400,
    minNotifyInterval: options.minNotifyInterval ?? 0,
    acceptsPublish: false,
    partialNotify: true,
    render(state, _type, ctx): RenderedBody {
      return { body: render(state, ctx) };
    },
  };

  const stateOf = (notifier: WatcherSource, resource: string): WinfoState => ({
    resource,
    package: watched,
    watchers: notifier.watchers(watched, resource).map((r) => entryOf(r)),
  });

  /** Presentities whose stored watcher list missed changes while it had no winfo watcher. */
  const stale = new Set<string>();

  const onChange = (change: WatcherChange): void => {
    if (!attached) return;
    const record = change.watcher;
    if (record.package === event && change.event === 'subscribe') {
      // A new winfo watcher of a presentity whose watchers were never announced (e.g. resumed after a
      // restart): seed the list so it is not shown empty. Only then, as the set costs an extra NOTIFY.
      // A list left stale while nobody watched it (below) is brought up to date the same way.
      const unknown = attached.states.get(event, record.resource) === undefined;
      if (stale.delete(record.resource)) resync(record.resource);
      else if (unknown && attached.notifier.watchers(watched, record.resource).length > 0) resync(record.resource);
      return;
    }
    if (record.package !== watched) return;
    let status: WinfoStatus = record.status;
    if (record.status === 'terminated') {
      // RFC 3857 §3.2.4: a pending subscription that times out moves to waiting.
      if (lastStatus.get(record.subscriptionId) === 'pending' && change.event === 'timeout') status = 'waiting';
      lastStatus.delete(record.subscriptionId);
    } else lastStatus.set(record.subscriptionId, record.status);
    // Nobody watches this presentity's watchers: building its full list (O(watchers) per change, O(n²)
    // while a BLF mesh boots) would feed no NOTIFY. Mark it stale; a new winfo watcher resyncs it.
    if (attached.notifier.watchers(event, record.resource).length === 0) {
      if (attached.states.get(event, record.resource) !== undefined) stale.add(record.resource);
      return;
    }
    const delta = entryOf({ ...record, event: change.event }, status);
    attached.states.set(event, record.resource, stateOf(attached.notifier, record.resource), delta);
  };

  const resync = (resource: string): void => {
    if (!attached) return;
    stale.delete(resource);
    attached.states.set(event, resource, stateOf(attached.notifier, resource));
  };

  return {
    package: pkg,
    attach(notifier, states) {
      attached = { notifier, states };
      const stop = notifier.onWatcherChange(onChange);
      return () => {
        stop();
        attached = undefined;
      };
    },
    resync,
    authorize: (authorizeOptions) => createWinfoAuthorize(authorizeOptions),
  };
}
