/**
 * The `dialog` event package (RFC 4235) as one declarative
 * {@link EventPackage}, made by {@link createDialogPackage} together with the
 * dialog model it renders and the APIs that feed it.
 */
import type { EventPackage, PublishedDocument, RenderContext, RenderedBody, WatcherInfo } from '@herald/events';
import { systemClock, type Clock } from '@herald/sip';
import type { CallUpdate } from './forks.js';
import { DialogModel, type DialogStateSink } from './model.js';
import { parseDialogInfo } from './parse.js';
import { DEFAULT_DIALOG_PROFILE, DEFAULT_DIALOG_PROFILE_RULES, selectDialogProfile, shapeDialogs } from './profiles.js';
import type { DialogProfile, DialogProfileRule } from './profiles.js';
import { renderDialogInfoTemplate, type DialogInfoTemplate } from './render.js';
import { isHold } from './sdp-hold.js';
import {
  DIALOG_INFO_TYPE,
  type DialogDelta,
  type DialogInfo,
  type DialogInfoDocument,
  type DialogResourceState,
} from './types.js';

/** A call-tracking event as the server sends it: {@link CallUpdate} plus the SDP to read hold from. */
export interface CallTrackingUpdate extends CallUpdate {
  /** The latest offer or answer; `isHold(sdp)` sets `hold` when `hold` is not given. */
  readonly sdp?: string | Buffer;
}

/** Options of {@link createDialogPackage}. */
export interface DialogPackageOptions {
  /** Timers (early timeout) and durations; default the system clock. */
  readonly clock?: Clock;
  /** Where state changes go; also settable later with `attach` or `setSink`. */
  readonly onState?: DialogStateSink;
  /** User-Agent profile table, first match wins (default {@link DEFAULT_DIALOG_PROFILE_RULES}). */
  readonly profiles?: readonly DialogProfileRule[];
  /** The profile for unmatched User-Agents (default {@link DEFAULT_DIALOG_PROFILE}). */
  readonly defaultProfile?: DialogProfile;
  /** Per-watcher privacy: true hides local/remote identities and targets from this watcher. */
  readonly hideIdentity?: (watcher: WatcherInfo, resource: string) => boolean;
  /** See {@link DialogModelOptions.earlyTimeoutMs}. */
  readonly earlyTimeoutMs?: number;
  /** Cache rendered bodies per state object and shape (default true; off only to measure). */
  readonly cacheRenders?: boolean;
  readonly defaultExpires?: number;
  readonly minExpires?: number;
  readonly maxExpires?: number;
  /** Coalescing window in ms (default 0: a BLF lamp should follow the call at once). */
  readonly minNotifyInterval?: number;
  /** Accept PUBLISH of dialog-info from third parties (default true). */
  readonly acceptsPublish?: boolean;
}

/** Something with the engine's `setState` (an `EventEngine`). */
export interface DialogStateTarget {
  setState(event: string, resource: string, state: DialogResourceState | undefined, delta?: DialogDelta): void;
}

/** What {@link createDialogPackage} returns. */
export interface DialogPackage {
  /** Register with the engine: `new EventEngine({ packages: [dialog.package] })`. */
  readonly package: EventPackage<DialogResourceState, DialogDelta>;
  readonly model: DialogModel;
  /** Call tracking (issue 5's server): one event per fork branch and state change. */
  readonly calls: { update(resource: string, update: CallTrackingUpdate): void };
  /** The embedding API: replace the app-set dialogs of a presentity. */
  readonly dialogs: { set(resource: string, dialogs: readonly DialogInfo[]): void };
  /** Sends every change to `engine.setState('dialog', …)`. */
  attach(target: DialogStateTarget): void;
  setSink(sink: DialogStateSink | undefined): void;
  /** Cancels the model's timers. */
  close(): void;
}

/** Variant key: every flag that changes the bytes of a document for one state. */
function shapeKey(profile: DialogProfile, hide: boolean, settled: boolean, full: boolean): string {
  const f = (b: boolean): string => (b ? '1' : '0');
  return f(profile.singleDialog) + f(profile.dummyWhenIdle) + f(profile.suppressEarly) + f(hide) + f(settled) + f(full);
}

/** Last version of each dialog id in the deltas, in order of last change. */
function mergeDeltas(deltas: readonly DialogDelta[]): DialogInfo[] {
  const byId = new Map<string, DialogInfo>();
  for (const delta of deltas)
    for (const d of delta) {
      byId.delete(d.id);
      byId.set(d.id, d);
    }
  return [...byId.values()];
}

/** Creates the `dialog` package, its model, and the feeding APIs. */
export function createDialogPackage(options: DialogPackageOptions = {}): DialogPackage {
  const clock = options.clock ?? systemClock;
  const model = new DialogModel({ clock, earlyTimeoutMs: options.earlyTimeoutMs, onState: options.onState });
  const rules = options.profiles ?? DEFAULT_DIALOG_PROFILE_RULES;
  const base = options.defaultProfile ?? DEFAULT_DIALOG_PROFILE;
  const cacheOn = options.cacheRenders !== false;
  const profileByAgent = new Map<string, DialogProfile>();
  const fullCache = new WeakMap<object, Map<string, DialogInfoTemplate>>();
  const partialCache = new WeakMap<object, Map<string, DialogInfoTemplate>>();
  // Subscriptions that already saw a state's terminated dialogs: later full NOTIFYs of it leave them out.
  const reported = new WeakMap<DialogResourceState, Set<string>>();

  const profileOf = (userAgent: string | undefined): DialogProfile => {
    if (userAgent === undefined) return base;
    let p = profileByAgent.get(userAgent);
    if (!p) {
      p = selectDialogProfile(userAgent, rules, base);
      if (profileByAgent.size > 1000) profileByAgent.clear();
      profileByAgent.set(userAgent, p);
    }
    return p;
  };

  const cached = (
    cache: WeakMap<object, Map<string, DialogInfoTemplate>>,
    owner: object,
    key: string,
    make: () => DialogInfoTemplate,
  ): DialogInfoTemplate => {
    if (!cacheOn) return make();
    let byShape = cache.get(owner);
    if (!byShape) cache.set(owner, (byShape = new Map()));
    let t = byShape.get(key);
    if (!t) byShape.set(key, (t = make()));
    return t;
  };

  const render = (
    state: DialogResourceState | undefined,
    _contentType: string,
    ctx: RenderContext<DialogDelta>,
  ): RenderedBody => {
    const profile = profileOf(ctx.watcher.userAgent);
    const hide = profile.hideIdentity || (options.hideIdentity?.(ctx.watcher, ctx.resource) ?? false);
    const entity = state?.entity ?? ctx.resource;
    let template: DialogInfoTemplate;
    const deltas = ctx.delta;
    // A single-dialog phone must see the most important dialog of the whole state, not of the changes.
    if (!ctx.full && deltas && deltas.length > 0 && profile.partial && !profile.singleDialog && state) {
      // RFC 4235 §4.3: a partial document lists the dialogs that changed since the last one.
      const make = (): DialogInfoTemplate =>
        renderDialogInfoTemplate(entity, 'partial', shapeDialogs(mergeDeltas(deltas), profile, false), {
          hideIdentity: hide,
        });
      const key = shapeKey(profile, hide, false, false);
      template = deltas.length === 1 ? cached(partialCache, deltas[0], key, make) : make();
    } else if (!state) {
      // Nothing known: a valid idle document (DESIGN.md: never an empty first NOTIFY).
      template = renderDialogInfoTemplate(entity, 'full', shapeDialogs([], profile, true), { hideIdentity: hide });
    } else {
      const seen = reported.get(state);
      const settled = seen?.has(ctx.watcher.subscriptionId) === true;
      const make = (): DialogInfoTemplate => {
        const dialogs = settled ? state.dialogs.filter((d) => d.state !== 'terminated') : state.dialogs;
        return renderDialogInfoTemplate(entity, 'full', shapeDialogs(dialogs, profile, true), { hideIdentity: hide });
      };
      template = cached(fullCache, state, shapeKey(profile, hide, settled, true), make);
    }
    if (state && state.dialogs.some((d) => d.state === 'terminated')) {
      let seen = reported.get(state);
      if (!seen) reported.set(state, (seen = new Set()));
      seen.add(ctx.watcher.subscriptionId);
    }
    // RFC 4235 §4.1: the version counts the documents sent to this subscription.
    return { body: template.head + String(ctx.version) + template.tail };
  };

  const validatePublish = (body: Buffer, contentType: string) => {
    if (contentType.split(';')[0].trim().toLowerCase() !== DIALOG_INFO_TYPE)
      return { ok: false as const, status: 415, reason: 'Unsupported Media Type' };
    return parseDialogInfo(body);
  };

  const compose = (publications: readonly PublishedDocument[], resource: string): DialogResourceState => {
    // Each publication carries its publisher's whole view; the newest wins a dialog id both list.
    const byId = new Map<string, DialogInfo>();
    for (const pub of [...publications].sort((a, b) => a.updatedAt - b.updatedAt)) {
      const doc = pub.parsed as DialogInfoDocument | undefined;
      for (const d of doc?.dialogs ?? []) byId.set(d.id, d);
    }
    return model.setPublished(resource, [...byId.values()]);
  };

  const pkg: EventPackage<DialogResourceState, DialogDelta> = {
    event: 'dialog',
    contentTypes: [DIALOG_INFO_TYPE],
    defaultExpires: options.defaultExpires ?? 3600,
    minExpires: options.minExpires ?? 60,
    maxExpires: options.maxExpires ?? 7200,
    minNotifyInterval: options.minNotifyInterval ?? 0,
    acceptsPublish: options.acceptsPublish ?? true,
    partialNotify: true,
    validatePublish,
    compose,
    render,
  };

  return {
    package: pkg,
    model,
    calls: {
      update(resource, update) {
        const hold = update.hold ?? (update.sdp !== undefined ? isHold(update.sdp) : undefined);
        model.updateCall(resource, hold === undefined ? update : { ...update, hold });
      },
    },
    dialogs: { set: (resource, dialogs) => model.setDialogs(resource, dialogs) },
    attach(target) {
      model.setSink((resource, state, delta) => target.setState('dialog', resource, state, delta));
    },
    setSink: (sink) => model.setSink(sink),
    close: () => model.close(),
  };
}
