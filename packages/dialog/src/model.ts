/**
 * The dialog state of every presentity, fed by three sources: call tracking
 * from the server (aggregated over forks), PUBLISHed dialog-info from third
 * parties, and the embedding app. Every change is announced through the sink
 * with the dialogs that changed (the partial-notification delta). Terminated
 * dialogs appear in the snapshot of the change that ended them, and in no
 * later one.
 */
import type { Clock } from '@herald/sip';
import {
  aggregateCall,
  applyCallUpdate,
  callEnded,
  callKey,
  expireCall,
  type CallRecord,
  type CallUpdate,
} from './forks.js';
import type { DialogDelta, DialogInfo, DialogResourceState } from './types.js';

/** Where state changes go (the server calls `engine.setState('dialog', resource, state, delta)`). */
export type DialogStateSink = (resource: string, state: DialogResourceState, delta: DialogDelta) => void;

/** Options of {@link DialogModel}. */
export interface DialogModelOptions {
  readonly clock: Clock;
  /**
   * A call with no answer and no news for this long ends with event
   * `timeout` (no sticky "early"; RFC 3261 Timer C is over 3 minutes). Default 200 s; 0 = never.
   */
  readonly earlyTimeoutMs?: number;
  readonly onState?: DialogStateSink;
}

interface Presentity {
  readonly calls: Map<string, CallRecord>;
  readonly timers: Map<string, () => void>;
  /** Dialogs set by the embedding app, by id. */
  app: ReadonlyMap<string, DialogInfo>;
  /** Dialogs composed from live publications. */
  published: readonly DialogInfo[];
}

const DEFAULT_EARLY_TIMEOUT_MS = 200_000;

/** Dedup key: the same dialog from two sources is shown once. */
function sameDialogKey(d: DialogInfo): string | undefined {
  return d.callId !== undefined ? `${d.direction ?? ''}\n${d.callId}\n${d.localTag ?? ''}` : undefined;
}

/** The per-presentity dialog model; {@link createDialogPackage} owns one. */
export class DialogModel {
  private readonly presentities = new Map<string, Presentity>();
  private readonly earlyTimeoutMs: number;
  private sink: DialogStateSink | undefined;

  constructor(private readonly options: DialogModelOptions) {
    this.earlyTimeoutMs = options.earlyTimeoutMs ?? DEFAULT_EARLY_TIMEOUT_MS;
    this.sink = options.onState;
  }

  /** Sets (or replaces) where changes are announced. */
  setSink(sink: DialogStateSink | undefined): void {
    this.sink = sink;
  }

  private entry(resource: string): Presentity {
    let p = this.presentities.get(resource);
    if (!p) {
      p = { calls: new Map(), timers: new Map(), app: new Map(), published: [] };
      this.presentities.set(resource, p);
    }
    return p;
  }

  /** Applies a call-tracking event for one fork branch and announces the aggregated dialog if it changed. */
  updateCall(resource: string, update: CallUpdate): void {
    const p = this.entry(resource);
    const key = callKey(update.callId, update.direction);
    const before = p.calls.get(key);
    const beforeView = before ? aggregateCall(before, this.options.clock.now()) : undefined;
    const call = applyCallUpdate(before, update, this.options.clock.now());
    this.settle(resource, p, key, call, beforeView);
  }

  private settle(resource: string, p: Presentity, key: string, call: CallRecord, beforeView?: DialogInfo): void {
    const view = aggregateCall(call, this.options.clock.now());
    p.timers.get(key)?.();
    p.timers.delete(key);
    if (callEnded(call)) {
      p.calls.delete(key);
      // A call that ends before anyone saw it (nothing announced) still reports its end once.
      this.emit(resource, p, [view]);
      this.prune(resource, p);
      return;
    }
    p.calls.set(key, call);
    if (view.state !== 'confirmed' && this.earlyTimeoutMs > 0) {
      p.timers.set(
        key,
        this.options.clock.setTimer(this.earlyTimeoutMs, () => {
          p.timers.delete(key);
          const current = p.calls.get(key);
          if (current) this.settle(resource, p, key, expireCall(current));
        }),
      );
    }
    if (!beforeView || !sameView(beforeView, view)) this.emit(resource, p, [view]);
  }

  /**
   * The embedding API (babble's `presence.dialog.out`): replaces the app's
   * dialogs for a presentity. Dialogs that vanish from the set are reported
   * terminated once; terminated ones in the set are reported once and dropped.
   */
  setDialogs(resource: string, dialogs: readonly DialogInfo[]): void {
    const p = this.entry(resource);
    const next = new Map<string, DialogInfo>();
    const changed: DialogInfo[] = [];
    for (const d of dialogs) {
      const old = p.app.get(d.id);
      if (!old || !sameView(old, d)) changed.push(d);
      if (d.state !== 'terminated') next.set(d.id, d);
    }
    for (const [id, old] of p.app) {
      if (!dialogs.some((d) => d.id === id)) changed.push({ ...old, state: 'terminated' });
    }
    p.app = next;
    if (changed.length > 0) this.emit(resource, p, changed);
    this.prune(resource, p);
  }

  /**
   * Takes the dialogs of a presentity's live publications (the engine's
   * `compose`) and returns the merged state without announcing it: the
   * engine sets it itself. Terminated published dialogs appear in this
   * snapshot only.
   */
  setPublished(resource: string, dialogs: readonly DialogInfo[]): DialogResourceState {
    const p = this.entry(resource);
    p.published = dialogs.filter((d) => d.state !== 'terminated');
    const state = this.snapshot(
      resource,
      p,
      dialogs.filter((d) => d.state === 'terminated'),
    );
    this.prune(resource, p);
    return state;
  }

  /** The current state of a presentity (no terminated dialogs). */
  state(resource: string): DialogResourceState {
    const p = this.presentities.get(resource);
    return p ? this.snapshot(resource, p, []) : { entity: resource, dialogs: [] };
  }

  /** Presentities with live dialogs. */
  resources(): string[] {
    return [...this.presentities.keys()];
  }

  /** Cancels every timer (calls stay as they are). */
  close(): void {
    for (const p of this.presentities.values()) {
      for (const cancel of p.timers.values()) cancel();
      p.timers.clear();
    }
  }

  private emit(resource: string, p: Presentity, changed: readonly DialogInfo[]): void {
    const ended = changed.filter((d) => d.state === 'terminated');
    const state = this.snapshot(resource, p, ended);
    this.sink?.(resource, state, changed);
  }

  /** App dialogs, then tracked calls, then published ones; a dialog known to an earlier source is not repeated. */
  private snapshot(resource: string, p: Presentity, ended: readonly DialogInfo[]): DialogResourceState {
    const now = this.options.clock.now();
    const ids = new Set<string>();
    const keys = new Set<string>();
    const dialogs: DialogInfo[] = [];
    const add = (d: DialogInfo): void => {
      const k = sameDialogKey(d);
      if (ids.has(d.id) || (k !== undefined && keys.has(k))) return;
      ids.add(d.id);
      if (k !== undefined) keys.add(k);
      dialogs.push(d);
    };
    for (const d of p.app.values()) add(d);
    for (const call of p.calls.values()) add(aggregateCall(call, now));
    for (const d of p.published) add(d);
    for (const d of ended) add(d);
    return { entity: resource, dialogs };
  }

  private prune(resource: string, p: Presentity): void {
    if (p.calls.size === 0 && p.app.size === 0 && p.published.length === 0) this.presentities.delete(resource);
  }
}

/** Equal as watchers would see them, ignoring `duration` (which grows with time). */
function sameView(a: DialogInfo, b: DialogInfo): boolean {
  return JSON.stringify({ ...a, duration: 0 }) === JSON.stringify({ ...b, duration: 0 });
}
