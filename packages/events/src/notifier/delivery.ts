/**
 * NOTIFY pacing for one subscription as a reducer (STYLE.md: state machines
 * are data): at most one NOTIFY transaction outstanding, coalescing of
 * changes inside the package's `minNotifyInterval` (RFC 6665 §4.2.2, RFC 3856
 * §6.4), retry with back-off on 408 and transport errors, and a terminal
 * NOTIFY that is never dropped or delayed by coalescing.
 *
 * With `pipeline` (coalescing switched off: the notifier's interval override
 * is 0) a change while a NOTIFY is outstanding sends the next one at once, up
 * to {@link MAX_NOTIFIES_IN_FLIGHT}; the dialog's local CSeq orders them
 * (RFC 3261 §12.2.1.1). Only the newest NOTIFY's outcome drives the policy: an
 * older one failing (the watcher may have refused it as out of order,
 * RFC 3261 §12.2.2) only makes the next NOTIFY carry full state, sent as soon
 * as the newest has completed. The terminal NOTIFY waits until every older
 * one has completed.
 */

/** What a NOTIFY carries: the current state, or the terminal one with its reason. */
export type NotifyKind = { readonly kind: 'state' } | { readonly kind: 'final'; readonly reason: string };

/** How the NOTIFY transaction ended, as the policy sees it. */
export type NotifyOutcome = 'ok' | 'retry' | 'end';

/** Pipelined NOTIFY transactions one subscription may have outstanding; beyond it changes merge. */
export const MAX_NOTIFIES_IN_FLIGHT = 16;

/**
 * How a subscription's NOTIFYs are paced and retried: fixed for its life, so
 * one object serves every subscription of a package (issue 7: four fields
 * less in each of 100,000 states).
 */
export interface DeliveryPolicy {
  /** Coalescing window in ms. */
  readonly interval: number;
  /** Retries after the first 408 / transport failure before delivery gives up. */
  readonly attempts: number;
  /** Wait before the first retry in ms, doubling for each further one. */
  readonly backoffMs: number;
  /** Coalescing off: send each change at once, even while NOTIFYs are outstanding. */
  readonly pipeline?: boolean;
}

/** Delivery state of one subscription. */
export interface DeliveryState {
  /** `draining`: the terminal NOTIFY waits for older pipelined NOTIFYs to complete. */
  readonly phase: 'idle' | 'coalescing' | 'in-flight' | 'backoff' | 'draining' | 'done';
  /** The NOTIFY wanted next (only the newest state is ever sent, so one slot is enough). */
  readonly queued: NotifyKind | undefined;
  /** The queued NOTIFY must not wait for the coalescing window (refresh, approve, full-state request). */
  readonly urgent: boolean;
  /** The newest NOTIFY, in flight or waiting for its retry. */
  readonly sending: NotifyKind | undefined;
  /** Clock ms the last NOTIFY went out. */
  readonly lastSentAt: number | undefined;
  /** Consecutive 408 / transport failures. */
  readonly failures: number;
  /** Shared, by reference (see {@link initialDelivery}). */
  readonly policy: DeliveryPolicy;
  /** NOTIFYs sent so far: the newest one's sequence number, echoed in its `response`. */
  readonly sent: number;
  /** Pipelined NOTIFYs older than the newest still outstanding. */
  readonly older: number;
  /** An older NOTIFY failed: the next one must carry full state. */
  readonly stale: boolean;
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
  /**
   * A NOTIFY transaction completed; `seq` is the state's `sent` when it was
   * sent (omitted: the newest).
   */
  | { readonly type: 'response'; readonly outcome: NotifyOutcome; readonly now: number; readonly seq?: number };

/** Why delivery ended. */
export type DeliveryEnd = 'terminated' | 'failed' | 'gave-up';

/** Effects the shell performs. */
export type DeliveryEffect =
  /** Send a NOTIFY (its sequence number is the new state's `sent`); `full`: it must carry full state. */
  | { readonly type: 'send'; readonly notify: NotifyKind; readonly full?: true }
  | { readonly type: 'arm'; readonly ms: number }
  | { readonly type: 'disarm' }
  | { readonly type: 'end'; readonly reason: DeliveryEnd };

/** A reducer step's result. */
export interface DeliveryStep {
  readonly state: DeliveryState;
  readonly effects: readonly DeliveryEffect[];
}

const STATE: NotifyKind = { kind: 'state' };

/** The initial delivery state; it keeps `policy` itself: pass one object for many subscriptions. */
export function initialDelivery(policy: DeliveryPolicy): DeliveryState {
  return {
    phase: 'idle',
    queued: undefined,
    urgent: false,
    sending: undefined,
    lastSentAt: undefined,
    failures: 0,
    policy,
    sent: 0,
    older: 0,
    stale: false,
  };
}

/**
 * `s` with `p` applied, written out as one literal in the order of
 * {@link initialDelivery}: every state then shares one object shape, where
 * object spread of this state cost about a microsecond per step.
 */
function next(s: DeliveryState, p: Partial<DeliveryState>): DeliveryState {
  return {
    phase: p.phase ?? s.phase,
    queued: 'queued' in p ? p.queued : s.queued,
    urgent: p.urgent ?? s.urgent,
    sending: 'sending' in p ? p.sending : s.sending,
    lastSentAt: 'lastSentAt' in p ? p.lastSentAt : s.lastSentAt,
    failures: p.failures ?? s.failures,
    policy: s.policy,
    sent: p.sent ?? s.sent,
    older: p.older ?? s.older,
    stale: p.stale ?? s.stale,
  };
}

/** A terminal NOTIFY wins over a state one; the first terminal reason stays. */
function merge(queued: NotifyKind | undefined, wanted: NotifyKind): NotifyKind {
  if (queued?.kind === 'final') return queued;
  return wanted;
}

function send(s: DeliveryState, notify: NotifyKind, now: number, extra: DeliveryEffect[] = []): DeliveryStep {
  if (notify.kind === 'final' && s.older > 0) {
    // The terminal NOTIFY goes after everything else: it waits for the older pipelined ones.
    return { state: next(s, { phase: 'draining', queued: notify, urgent: false, sending: undefined }), effects: extra };
  }
  const effect: DeliveryEffect = s.stale ? { type: 'send', notify, full: true } : { type: 'send', notify };
  return {
    state: next(s, {
      phase: 'in-flight',
      sending: notify,
      queued: undefined,
      urgent: false,
      lastSentAt: now,
      sent: s.sent + 1,
      stale: false,
    }),
    effects: extra.length === 0 ? [effect] : [...extra, effect],
  };
}

/** Sends now if the window since the last NOTIFY is over, else waits for its end. */
function paced(s: DeliveryState, notify: NotifyKind, now: number): DeliveryStep {
  const interval = s.policy.interval;
  if (s.lastSentAt === undefined || now - s.lastSentAt >= interval) return send(s, notify, now);
  return {
    state: next(s, { phase: 'coalescing', queued: notify, urgent: false, sending: undefined }),
    effects: [{ type: 'arm', ms: s.lastSentAt + interval - now }],
  };
}

/**
 * Coalescing off: a state NOTIFY while the newest is outstanding goes at
 * once, unless a terminal one is on its way or queued, or the limit is reached.
 */
function pipelined(s: DeliveryState, now: number): DeliveryStep | undefined {
  if (s.policy.pipeline !== true || s.phase !== 'in-flight') return undefined;
  if (s.sending?.kind === 'final' || s.queued?.kind === 'final') return undefined;
  if (s.older + 1 >= MAX_NOTIFIES_IN_FLIGHT) return undefined;
  return send(next(s, { older: s.older + 1 }), STATE, now);
}

const same = (state: DeliveryState): DeliveryStep => ({ state, effects: [] });

/** One step of the delivery machine. */
export function reduceDelivery(s: DeliveryState, input: DeliveryInput): DeliveryStep {
  if (s.phase === 'done') return same(s);
  switch (input.type) {
    case 'change':
      if (s.phase === 'idle') return paced(s, STATE, input.now);
      return pipelined(s, input.now) ?? same(next(s, { queued: merge(s.queued, STATE) }));
    case 'immediate':
      if (s.phase === 'idle') return send(s, STATE, input.now);
      if (s.phase === 'coalescing' || s.phase === 'backoff') {
        // A refresh or approval proves the watcher is there: no reason to wait.
        return send(s, merge(s.queued, STATE), input.now, [{ type: 'disarm' }]);
      }
      return pipelined(s, input.now) ?? same(next(s, { queued: merge(s.queued, STATE), urgent: true }));
    case 'terminate': {
      const final: NotifyKind = { kind: 'final', reason: input.reason };
      if (s.phase === 'idle') return send(s, final, input.now);
      if (s.phase === 'coalescing' || s.phase === 'backoff')
        return send(s, merge(s.queued, final), input.now, [{ type: 'disarm' }]);
      return same(next(s, { queued: merge(s.queued, final) }));
    }
    case 'hold':
      // A hold is a coalescing window with nothing queued yet: changes queue, refresh/terminate cut it short.
      if (s.phase !== 'idle') return same(s);
      // Even 0 ms arms a timer: what the boot changes right after the resume merges into one NOTIFY.
      return {
        state: next(s, { phase: 'coalescing', queued: input.resync ? STATE : undefined, urgent: false }),
        effects: [{ type: 'arm', ms: Math.max(0, input.ms) }],
      };
    case 'timer':
      if (s.phase === 'coalescing') return s.queued ? send(s, s.queued, input.now) : same(next(s, { phase: 'idle' }));
      if (s.phase === 'backoff') return send(s, s.queued ?? s.sending ?? STATE, input.now);
      return same(s);
    case 'response':
      if (input.seq !== undefined && input.seq !== s.sent) return respondOlder(s, input.outcome, input.now);
      return respond(s, input.outcome, input.now);
  }
}

/** An older pipelined NOTIFY completed: a failure only forces full state next. */
function respondOlder(s: DeliveryState, outcome: NotifyOutcome, now: number): DeliveryStep {
  if (s.older === 0) return same(s);
  const after = next(s, { older: s.older - 1, stale: s.stale || outcome !== 'ok' });
  if (after.phase === 'draining' && after.older === 0) return send(after, after.queued ?? STATE, now);
  // The newest has completed: close the gap the failed one may have left at once.
  if (after.phase === 'idle' && after.stale) return send(after, STATE, now);
  // A slot freed up: what merged while the limit was reached goes now.
  if (after.queued !== undefined) return pipelined(after, now) ?? same(after);
  return same(after);
}

function respond(s: DeliveryState, outcome: NotifyOutcome, now: number): DeliveryStep {
  if (s.phase !== 'in-flight') return same(s);
  const wasFinal = s.sending?.kind === 'final';
  if (outcome === 'end') {
    // RFC 6665 §4.2.2: 481 and other failures end the subscription.
    return {
      state: next(s, { phase: 'done', queued: undefined }),
      effects: [{ type: 'end', reason: wasFinal ? 'terminated' : 'failed' }],
    };
  }
  if (outcome === 'retry') {
    const failures = s.failures + 1;
    if (failures > s.policy.attempts) {
      return {
        state: next(s, { phase: 'done', queued: undefined, failures }),
        effects: [{ type: 'end', reason: 'gave-up' }],
      };
    }
    return {
      state: next(s, { phase: 'backoff', failures }),
      effects: [{ type: 'arm', ms: s.policy.backoffMs * 2 ** (failures - 1) }],
    };
  }
  const ok = next(s, { phase: 'idle', sending: undefined, failures: 0 });
  if (wasFinal) return { state: next(ok, { phase: 'done' }), effects: [{ type: 'end', reason: 'terminated' }] };
  if (!s.queued) return s.stale ? send(ok, STATE, now) : same(ok);
  if (s.queued.kind === 'final' || s.urgent) return send(ok, s.queued, now);
  return paced(ok, s.queued, now);
}
