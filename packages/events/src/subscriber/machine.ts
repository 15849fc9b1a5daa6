/**
 * The subscriber's lifecycle as a reducer (STYLE.md: state machines are
 * data): `(state, input, context) → { state, effects }`. The shell
 * ({@link ClientSubscription}) turns SIP messages and timer firings into
 * inputs and performs the effects (sending, timers, events). Dialog
 * bookkeeping stays in the shell; this file decides only *when* to
 * subscribe, refresh, retry and give up (RFC 6665 §4.1).
 */
import type { ResolvedTimings } from './options.js';

/** Where the subscription's lifecycle is. */
export type Phase =
  /** Created, not started. */
  | 'idle'
  /** Waiting out the random start delay (`maxSubscribeDelay`). */
  | 'delayed'
  /** Initial SUBSCRIBE sent, no 2xx yet (a NOTIFY may already have arrived, RFC 6665 §4.1.2.4). */
  | 'subscribing'
  /** Dialog established; refresh and expiry timers running. */
  | 'subscribed'
  /** The last attempt ended; a new initial SUBSCRIBE waits for its timer. */
  | 'retrying'
  /** `Expires: 0` sent; waiting for the terminated NOTIFY (RFC 6665 §4.1.2.3). */
  | 'unsubscribing'
  /** Over for good. */
  | 'terminated';

/** Timers the machine asks for; setting one replaces the running one of the same name. */
export type TimerName = 'resubscribe' | 'refresh' | 'expiry' | 'terminal';

/** What a SUBSCRIBE is for: a new dialog, a refresh in it, or the unsubscribe. */
export type Purpose = 'initial' | 'refresh' | 'unsubscribe';

/** Machine state: plain data. */
export interface MachineState {
  readonly phase: Phase;
  /** Subscription-State of the last NOTIFY of this attempt (undefined before the first). */
  readonly status: 'pending' | 'active' | undefined;
  /** Expires (s) to ask for; raised by a 423's Min-Expires. */
  readonly expires: number;
  /** Clock ms at which the subscription lapses (from the 2xx or a NOTIFY's expires). */
  readonly expiresAt: number | undefined;
  /** Clock ms of the last SUBSCRIBE of any kind. */
  readonly lastSentAt: number | undefined;
  /** Clock ms of the last initial SUBSCRIBE (the resubscribe storm guard measures from it). */
  readonly lastInitialAt: number | undefined;
  /** A refresh transaction is in flight. */
  readonly refreshing: boolean;
  /** `unsubscribe()` was called before the 2xx: unsubscribe as soon as the dialog exists. */
  readonly unsubscribeWanted: boolean;
}

/** How an attempt or the whole subscription ended. */
export interface Termination {
  /** The NOTIFY's reason (`deactivated`, `rejected`, …), or `unsubscribed`, `expired`, `failed` (a failure response), `closed`, `terminated` (NOTIFY without reason). */
  readonly reason: string;
  /** True when a new initial SUBSCRIBE follows (the same ClientSubscription goes on); false when it is final. */
  readonly retry: boolean;
  /** Status of the failure response, when a response ended it (489, 405, 403, 481, 408, …). */
  readonly status?: number;
  /** Seconds to wait before the new attempt (a NOTIFY's retry-after or a response's Retry-After). */
  readonly retryAfter?: number;
}

/** Inputs of {@link reduceSubscription}. */
export type MachineInput =
  | { readonly type: 'start'; readonly delayMs: number }
  | { readonly type: 'timer'; readonly name: TimerName }
  | {
      readonly type: 'response';
      readonly purpose: Purpose;
      readonly status: number;
      /** A 408/503 the endpoint made up after a timeout or transport error. */
      readonly local: boolean;
      readonly expires?: number;
      readonly minExpires?: number;
      readonly retryAfter?: number;
      /** A 2xx that could not create the dialog (no To tag, no Contact). */
      readonly dialogError?: string;
    }
  | {
      readonly type: 'notify';
      readonly state: string;
      readonly reason?: string;
      readonly expires?: number;
      readonly retryAfter?: number;
    }
  | { readonly type: 'refresh' }
  | { readonly type: 'unsubscribe' }
  | { readonly type: 'close' };

/** Effects for the shell to perform, in order. */
export type MachineEffect =
  | { readonly type: 'send'; readonly purpose: Purpose; readonly expires: number }
  | { readonly type: 'setTimer'; readonly name: TimerName; readonly ms: number }
  | { readonly type: 'cancelTimer'; readonly name: TimerName }
  /** The attempt ended (drop the dialog); `retry: false` means the subscription is over. */
  | { readonly type: 'terminated'; readonly termination: Termination }
  /** A failure that did not end the subscription (a refresh answered 503, …). */
  | { readonly type: 'error'; readonly message: string; readonly status?: number };

/** What the reducer reads besides state and input. */
export interface MachineContext {
  readonly now: number;
  readonly timings: ResolvedTimings;
}

/** The state of a new subscription asking for `expires` seconds. */
export function initialMachineState(expires: number): MachineState {
  return {
    phase: 'idle',
    status: undefined,
    expires,
    expiresAt: undefined,
    lastSentAt: undefined,
    lastInitialAt: undefined,
    refreshing: false,
    unsubscribeWanted: false,
  };
}

/**
 * RFC 6665 §4.1.3: terminated with `rejected` (policy refused it),
 * `noresource` (the resource is gone) or `invariant` (it will never change)
 * must not be retried. Every other reason — `deactivated`, `timeout`,
 * `probation`, `giveup`, none or an unknown one — may be (after retry-after).
 */
const FINAL_REASONS: ReadonlySet<string> = new Set(['rejected', 'noresource', 'invariant']);

/** Failures worth retrying after `onErrorRetryTime`: timeouts, transport errors, temporary unavailability, server errors. */
function isRetryable(status: number, local: boolean): boolean {
  return local || status === 408 || status === 480 || status === 500 || status === 503 || status === 504;
}

const ms = (seconds: number): number => seconds * 1000;

/**
 * When the next refresh goes out, as a delay from `now`: `resubscribeDelta`
 * seconds before expiry, but never sooner than `minResubscribeTime` after the
 * last SUBSCRIBE. When the two collide (the notifier granted less than
 * `resubscribeDelta + minResubscribeTime`), halfway between the last
 * SUBSCRIBE and expiry, so the subscription never lapses by our own rule.
 */
export function refreshDelayMs(now: number, expiresAt: number, lastSentAt: number, timings: ResolvedTimings): number {
  let at = Math.max(expiresAt - ms(timings.resubscribeDelta), lastSentAt + ms(timings.minResubscribeTime));
  if (at >= expiresAt) at = lastSentAt + Math.floor((expiresAt - lastSentAt) / 2);
  return Math.max(0, at - now);
}

const ALL_TIMERS: readonly TimerName[] = ['resubscribe', 'refresh', 'expiry', 'terminal'];

function cancelAll(fx: MachineEffect[]): void {
  for (const name of ALL_TIMERS) fx.push({ type: 'cancelTimer', name });
}

function sendInitial(state: MachineState, ctx: MachineContext, fx: MachineEffect[]): MachineState {
  cancelAll(fx);
  fx.push({ type: 'send', purpose: 'initial', expires: state.expires });
  return {
    ...state,
    phase: 'subscribing',
    status: undefined,
    expiresAt: undefined,
    lastSentAt: ctx.now,
    lastInitialAt: ctx.now,
    refreshing: false,
  };
}

function sendRefresh(state: MachineState, ctx: MachineContext, fx: MachineEffect[]): MachineState {
  fx.push({ type: 'cancelTimer', name: 'refresh' });
  fx.push({ type: 'send', purpose: 'refresh', expires: state.expires });
  return { ...state, refreshing: true, lastSentAt: ctx.now };
}

/** RFC 6665 §4.1.2.3: unsubscribing is a SUBSCRIBE with Expires 0; a terminated NOTIFY follows. */
function sendUnsubscribe(state: MachineState, ctx: MachineContext, fx: MachineEffect[]): MachineState {
  cancelAll(fx);
  fx.push({ type: 'send', purpose: 'unsubscribe', expires: 0 });
  fx.push({ type: 'setTimer', name: 'terminal', ms: ms(ctx.timings.waitForTerminalNotify) });
  return { ...state, phase: 'unsubscribing', lastSentAt: ctx.now, refreshing: false };
}

function finish(state: MachineState, fx: MachineEffect[], termination: Omit<Termination, 'retry'>): MachineState {
  cancelAll(fx);
  fx.push({ type: 'terminated', termination: { ...termination, retry: false } });
  return { ...state, phase: 'terminated', refreshing: false };
}

/** Ends this attempt and starts a new one after `waitMs` (at once when 0). */
function newAttempt(
  state: MachineState,
  ctx: MachineContext,
  fx: MachineEffect[],
  termination: Omit<Termination, 'retry'>,
  waitMs: number,
): MachineState {
  cancelAll(fx);
  fx.push({ type: 'terminated', termination: { ...termination, retry: true } });
  const ended: MachineState = {
    ...state,
    phase: 'retrying',
    status: undefined,
    expiresAt: undefined,
    refreshing: false,
  };
  if (waitMs <= 0) return sendInitial(ended, ctx, fx);
  fx.push({ type: 'setTimer', name: 'resubscribe', ms: waitMs });
  return ended;
}

/**
 * Resubscribes after the subscription ended on the notifier's side (RFC 6665
 * §4.1.3): after retry-after if given, and never sooner than
 * `minResubscribeTime` after the last initial SUBSCRIBE, so a notifier that
 * terminates every new subscription at once cannot drive a SUBSCRIBE storm.
 */
function resubscribe(
  state: MachineState,
  ctx: MachineContext,
  fx: MachineEffect[],
  termination: Omit<Termination, 'retry'>,
): MachineState {
  const afterRetry = termination.retryAfter !== undefined ? ms(termination.retryAfter) : 0;
  const afterLast =
    state.lastInitialAt !== undefined ? state.lastInitialAt + ms(ctx.timings.minResubscribeTime) - ctx.now : 0;
  return newAttempt(state, ctx, fx, termination, Math.max(afterRetry, afterLast));
}

/** Arms the refresh and expiry timers for `state.expiresAt`. */
function schedule(state: MachineState, ctx: MachineContext, fx: MachineEffect[]): MachineState {
  const expiresAt = state.expiresAt ?? ctx.now;
  const lastSentAt = state.lastSentAt ?? ctx.now;
  fx.push({ type: 'setTimer', name: 'refresh', ms: refreshDelayMs(ctx.now, expiresAt, lastSentAt, ctx.timings) });
  fx.push({ type: 'setTimer', name: 'expiry', ms: Math.max(0, expiresAt - ctx.now) });
  return state;
}

type ResponseInput = Extract<MachineInput, { type: 'response' }>;
type NotifyInput = Extract<MachineInput, { type: 'notify' }>;

function onInitialResponse(
  state: MachineState,
  input: ResponseInput,
  ctx: MachineContext,
  fx: MachineEffect[],
): MachineState {
  if (state.phase !== 'subscribing') return state;
  const { status } = input;
  if (status >= 200 && status < 300 && input.dialogError === undefined) {
    // RFC 6665 §4.1.2.1: the 2xx's Expires is the granted duration (it may be shorter than asked).
    const granted = input.expires ?? state.expires;
    const subscribed: MachineState = { ...state, phase: 'subscribed', expiresAt: ctx.now + ms(granted) };
    if (state.unsubscribeWanted) return sendUnsubscribe(subscribed, ctx, fx);
    if (granted === 0) return finish(subscribed, fx, { reason: 'expired', status });
    return schedule(subscribed, ctx, fx);
  }
  // RFC 6665 §4.1.2.1 / RFC 3261 §21.4.17: 423 carries Min-Expires; ask again with it.
  if (status === 423 && input.minExpires !== undefined && input.minExpires > state.expires) {
    return sendInitial({ ...state, expires: input.minExpires }, ctx, fx);
  }
  const retryable = input.dialogError !== undefined || isRetryable(status, input.local);
  if (retryable && !state.unsubscribeWanted) {
    const wait = input.retryAfter !== undefined ? ms(input.retryAfter) : ms(ctx.timings.onErrorRetryTime);
    return newAttempt(state, ctx, fx, { reason: 'failed', status, retryAfter: input.retryAfter }, wait);
  }
  // 489 / 405 / 403 / 404 / 603, a challenge we could not answer, …: over, and the status says why.
  return finish(state, fx, { reason: state.unsubscribeWanted ? 'unsubscribed' : 'failed', status });
}

function onRefreshResponse(
  state: MachineState,
  input: ResponseInput,
  ctx: MachineContext,
  fx: MachineEffect[],
): MachineState {
  if (state.phase !== 'subscribed') return state;
  const { status } = input;
  if (status >= 200 && status < 300) {
    const granted = input.expires ?? state.expires;
    const refreshed: MachineState = { ...state, refreshing: false, expiresAt: ctx.now + ms(granted) };
    if (granted === 0) return finish(refreshed, fx, { reason: 'expired', status });
    return schedule(refreshed, ctx, fx);
  }
  // RFC 6665 §4.1.2.2: a refresh answered 481 means the subscription is gone: start afresh.
  if (status === 481) return resubscribe(state, ctx, fx, { reason: 'failed', status });
  if (status === 423 && input.minExpires !== undefined && input.minExpires > state.expires) {
    return sendRefresh({ ...state, expires: input.minExpires }, ctx, fx);
  }
  if (isRetryable(status, input.local)) {
    // RFC 6665 §4.1.2.2: other failures leave the subscription valid until it expires; retry the
    // refresh meanwhile (the expiry timer starts afresh if it lapses first).
    fx.push({ type: 'error', message: `refresh failed with ${status}`, status });
    const wait = input.retryAfter !== undefined ? ms(input.retryAfter) : ms(ctx.timings.onErrorRetryTime);
    fx.push({ type: 'setTimer', name: 'refresh', ms: wait });
    return { ...state, refreshing: false };
  }
  return finish(state, fx, { reason: 'failed', status });
}

function onNotify(state: MachineState, input: NotifyInput, ctx: MachineContext, fx: MachineEffect[]): MachineState {
  if (state.phase !== 'subscribing' && state.phase !== 'subscribed' && state.phase !== 'unsubscribing') return state;
  if (input.state !== 'terminated') {
    // Extension states are taken as pending: the subscription exists but says nothing yet.
    let next: MachineState = { ...state, status: input.state === 'active' ? 'active' : 'pending' };
    // RFC 6665 §4.1.3: the expires parameter is the authoritative duration; adjust the refresh to it.
    if (input.expires !== undefined && state.phase === 'subscribed') {
      next = schedule({ ...next, expiresAt: ctx.now + ms(input.expires) }, ctx, fx);
    }
    return next;
  }
  if (state.phase === 'unsubscribing' || state.unsubscribeWanted) return finish(state, fx, { reason: 'unsubscribed' });
  const reason = input.reason ?? 'terminated';
  if (FINAL_REASONS.has(reason)) return finish(state, fx, { reason, retryAfter: input.retryAfter });
  return resubscribe(state, ctx, fx, { reason, retryAfter: input.retryAfter });
}

function onTimer(state: MachineState, name: TimerName, ctx: MachineContext, fx: MachineEffect[]): MachineState {
  switch (name) {
    case 'resubscribe':
      return state.phase === 'delayed' || state.phase === 'retrying' ? sendInitial(state, ctx, fx) : state;
    case 'refresh':
      return state.phase === 'subscribed' && !state.refreshing ? sendRefresh(state, ctx, fx) : state;
    case 'expiry':
      // RFC 6665 §4.1.2.2: no successful refresh in time: the notifier has dropped us.
      if (state.phase === 'subscribed') return resubscribe(state, ctx, fx, { reason: 'expired' });
      return state.phase === 'unsubscribing' ? finish(state, fx, { reason: 'unsubscribed' }) : state;
    case 'terminal':
      return state.phase === 'unsubscribing' ? finish(state, fx, { reason: 'unsubscribed' }) : state;
  }
}

function step(state: MachineState, input: MachineInput, ctx: MachineContext, fx: MachineEffect[]): MachineState {
  if (state.phase === 'terminated') return state;
  switch (input.type) {
    case 'start':
      if (state.phase !== 'idle') return state;
      if (input.delayMs > 0) {
        fx.push({ type: 'setTimer', name: 'resubscribe', ms: input.delayMs });
        return { ...state, phase: 'delayed' };
      }
      return sendInitial(state, ctx, fx);
    case 'timer':
      return onTimer(state, input.name, ctx, fx);
    case 'response':
      if (input.purpose === 'initial') return onInitialResponse(state, input, ctx, fx);
      if (input.purpose === 'refresh') return onRefreshResponse(state, input, ctx, fx);
      if (state.phase !== 'unsubscribing' || (input.status >= 200 && input.status < 300)) return state;
      // The unsubscribe failed (481: already gone): nothing more will come.
      return finish(state, fx, { reason: 'unsubscribed', status: input.status });
    case 'notify':
      return onNotify(state, input, ctx, fx);
    case 'refresh':
      return state.phase === 'subscribed' && !state.refreshing ? sendRefresh(state, ctx, fx) : state;
    case 'unsubscribe':
      switch (state.phase) {
        case 'idle':
        case 'delayed':
        case 'retrying':
          return finish(state, fx, { reason: 'unsubscribed' });
        case 'subscribing':
          return { ...state, unsubscribeWanted: true };
        case 'subscribed':
          return sendUnsubscribe(state, ctx, fx);
        case 'unsubscribing':
          return state;
      }
      return state;
    case 'close':
      return finish(state, fx, { reason: 'closed' });
  }
}

/** The subscriber reducer: the next state and the effects to perform, in order. */
export function reduceSubscription(
  state: MachineState,
  input: MachineInput,
  ctx: MachineContext,
): { state: MachineState; effects: MachineEffect[] } {
  const effects: MachineEffect[] = [];
  const next = step(state, input, ctx, effects);
  return { state: next, effects };
}
