/**
 * NOTIFY pacing for one subscription as a reducer (STYLE.md: state machines
 * are data): at most one NOTIFY transaction outstanding, coalescing of
 * changes inside the package's `minNotifyInterval` (RFC 6665 §4.2.2, RFC 3856
 * §6.4), retry with back-off on 408 and transport errors, and a terminal
 * NOTIFY that is never dropped or delayed by coalescing.
 */

/** What a NOTIFY carries: the current state, or the terminal one with its reason. */
export type NotifyKind = { readonly kind: 'state' } | { readonly kind: 'final'; readonly reason: string };

/** How the NOTIFY transaction ended, as the policy sees it. */
export type NotifyOutcome = 'ok' | 'retry' | 'end';

/** Delivery state of one subscription. */
export interface DeliveryState {
  readonly phase: 'idle' | 'coalescing' | 'in-flight' | 'backoff' | 'done';
  /** The NOTIFY wanted next (only the newest state is ever sent, so one slot is enough). */
  readonly queued: NotifyKind | undefined;
  /** The queued NOTIFY must not wait for the coalescing window (refresh, approve, full-state request). */
  readonly urgent: boolean;
  /** The NOTIFY in flight, or the one that failed and waits for its retry. */
  readonly sending: NotifyKind | undefined;
  /** Clock ms the last NOTIFY went out. */
  readonly lastSentAt: number | undefined;
  /** Consecutive 408 / transport failures. */
  readonly failures: number;
  /** Coalescing window in ms. */
  readonly interval: number;
  readonly attempts: number;
  readonly backoffMs: number;
}

/** Inputs of {@link reduceDelivery}. */
export type DeliveryInput =
  /** The resource state changed. */
  | { readonly type: 'change'; readonly now: number }
  /** A NOTIFY is due at once (initial, refresh, approve, full-state request). */
  | { readonly type: 'immediate'; readonly now: number }
  /** The subscription ends: send the terminal NOTIFY. */
  | { readonly type: 'terminate'; readonly reason: string; readonly now: number }
  /** The armed timer fired (end of the coalescing window, a back-off or a hold). */
  | { readonly type: 'timer'; readonly now: number }
  /**
   * Resumed after a restart: send nothing for `ms` (jitter); then a full-state
   * NOTIFY when `resync`, else only if something changed meanwhile.
   */
  | { readonly type: 'hold'; readonly ms: number; readonly resync: boolean; readonly now: number }
  /** The outstanding NOTIFY transaction completed. */
  | { readonly type: 'response'; readonly outcome: NotifyOutcome; readonly now: number };

/** Why delivery ended. */
export type DeliveryEnd = 'terminated' | 'failed' | 'gave-up';

/** Effects the shell performs. */
export type DeliveryEffect =
  | { readonly type: 'send'; readonly notify: NotifyKind }
  | { readonly type: 'arm'; readonly ms: number }
  | { readonly type: 'disarm' }
  | { readonly type: 'end'; readonly reason: DeliveryEnd };

/** A reducer step's result. */
export interface DeliveryStep {
  readonly state: DeliveryState;
  readonly effects: readonly DeliveryEffect[];
}

const STATE: NotifyKind = { kind: 'state' };

/** The initial delivery state. */
export function initialDelivery(config: { interval: number; attempts: number; backoffMs: number }): DeliveryState {
  return {
    phase: 'idle',
    queued: undefined,
    urgent: false,
    sending: undefined,
    lastSentAt: undefined,
    failures: 0,
    ...config,
  };
}

/** A terminal NOTIFY wins over a state one; the first terminal reason stays. */
function merge(queued: NotifyKind | undefined, next: NotifyKind): NotifyKind {
  if (queued?.kind === 'final') return queued;
  return next;
}

function send(s: DeliveryState, notify: NotifyKind, now: number, extra: DeliveryEffect[] = []): DeliveryStep {
  return {
    state: { ...s, phase: 'in-flight', sending: notify, queued: undefined, urgent: false, lastSentAt: now },
    effects: [...extra, { type: 'send', notify }],
  };
}

/** Sends now if the window since the last NOTIFY is over, else waits for its end. */
function paced(s: DeliveryState, notify: NotifyKind, now: number): DeliveryStep {
  if (s.lastSentAt === undefined || now - s.lastSentAt >= s.interval) return send(s, notify, now);
  return {
    state: { ...s, phase: 'coalescing', queued: notify, urgent: false, sending: undefined },
    effects: [{ type: 'arm', ms: s.lastSentAt + s.interval - now }],
  };
}

const same = (state: DeliveryState): DeliveryStep => ({ state, effects: [] });

/** One step of the delivery machine. */
export function reduceDelivery(s: DeliveryState, input: DeliveryInput): DeliveryStep {
  if (s.phase === 'done') return same(s);
  switch (input.type) {
    case 'change':
      if (s.phase === 'idle') return paced(s, STATE, input.now);
      return same({ ...s, queued: merge(s.queued, STATE) });
    case 'immediate':
      if (s.phase === 'idle') return send(s, STATE, input.now);
      if (s.phase === 'coalescing' || s.phase === 'backoff') {
        // A refresh or approval proves the watcher is there: no reason to wait.
        return send(s, merge(s.queued, STATE), input.now, [{ type: 'disarm' }]);
      }
      return same({ ...s, queued: merge(s.queued, STATE), urgent: true });
    case 'terminate': {
      const final: NotifyKind = { kind: 'final', reason: input.reason };
      if (s.phase === 'idle') return send(s, final, input.now);
      if (s.phase === 'coalescing' || s.phase === 'backoff')
        return send(s, merge(s.queued, final), input.now, [{ type: 'disarm' }]);
      return same({ ...s, queued: merge(s.queued, final) });
    }
    case 'hold':
      // A hold is a coalescing window with nothing queued yet: changes queue, refresh/terminate cut it short.
      if (s.phase !== 'idle') return same(s);
      // Even 0 ms arms a timer: what the boot changes right after the resume merges into one NOTIFY.
      return {
        state: { ...s, phase: 'coalescing', queued: input.resync ? STATE : undefined, urgent: false },
        effects: [{ type: 'arm', ms: Math.max(0, input.ms) }],
      };
    case 'timer':
      if (s.phase === 'coalescing') return s.queued ? send(s, s.queued, input.now) : same({ ...s, phase: 'idle' });
      if (s.phase === 'backoff') return send(s, s.queued ?? s.sending ?? STATE, input.now);
      return same(s);
    case 'response':
      return respond(s, input.outcome, input.now);
  }
}

function respond(s: DeliveryState, outcome: NotifyOutcome, now: number): DeliveryStep {
  if (s.phase !== 'in-flight') return same(s);
  const wasFinal = s.sending?.kind === 'final';
  if (outcome === 'end') {
    // RFC 6665 §4.2.2: 481 and other failures end the subscription.
    return {
      state: { ...s, phase: 'done', queued: undefined },
      effects: [{ type: 'end', reason: wasFinal ? 'terminated' : 'failed' }],
    };
  }
  if (outcome === 'retry') {
    const failures = s.failures + 1;
    if (failures > s.attempts) {
      return {
        state: { ...s, phase: 'done', queued: undefined, failures },
        effects: [{ type: 'end', reason: 'gave-up' }],
      };
    }
    return {
      state: { ...s, phase: 'backoff', failures },
      effects: [{ type: 'arm', ms: s.backoffMs * 2 ** (failures - 1) }],
    };
  }
  const ok: DeliveryState = { ...s, phase: 'idle', sending: undefined, failures: 0 };
  if (wasFinal) return { state: { ...ok, phase: 'done' }, effects: [{ type: 'end', reason: 'terminated' }] };
  if (!s.queued) return same(ok);
  if (s.queued.kind === 'final' || s.urgent) return send(ok, s.queued, now);
  return paced(ok, s.queued, now);
}
