/** Non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6). */
import type { ClientEffect, TransactionTransition } from './effects.js';
import { statusClass } from './effects.js';
import type { TransactionContext } from './timers.js';

/** States of the non-INVITE client transaction. */
export type NictStateName = 'trying' | 'proceeding' | 'completed' | 'terminated';

/** The non-INVITE client transaction's state: its name, context and the current Timer E interval. */
export interface NictState {
  readonly name: NictStateName;
  readonly ctx: TransactionContext;
  /** Current Timer E interval: doubles up to T2 in Trying, T2 in Proceeding (RFC 3261 §17.1.2.2). */
  readonly interval: number;
}

/** Inputs of the non-INVITE client transaction. */
export type NictInput =
  | { readonly type: 'response'; readonly status: number }
  | { readonly type: 'timer'; readonly name: 'E' | 'F' | 'K' }
  | { readonly type: 'transport_error' }
  /** The first send went over a reliable flow after all: stop retransmitting. */
  | { readonly type: 'reliable_flow' };

type T = TransactionTransition<NictState, ClientEffect>;

/** Enters Trying: send the request, start Timer E (unreliable only) and Timer F (RFC 3261 §17.1.2.2). */
export function nictStart(ctx: TransactionContext): T {
  const { t1 } = ctx.timers;
  const effects: ClientEffect[] = [{ type: 'send_request' }];
  if (!ctx.reliable) effects.push({ type: 'start_timer', name: 'E', ms: t1 });
  effects.push({ type: 'start_timer', name: 'F', ms: 64 * t1 });
  return { state: { name: 'trying', ctx, interval: t1 }, effects };
}

const stay = (state: NictState): T => ({ state, effects: [] });

/** A final response: hand it up, wait Timer K (T4 unreliable, 0 reliable) to absorb retransmissions. */
function complete(state: NictState): T {
  const effects: ClientEffect[] = [
    { type: 'stop_timer', name: 'E' },
    { type: 'stop_timer', name: 'F' },
    { type: 'pass_response' },
  ];
  if (state.ctx.reliable) {
    effects.push({ type: 'terminate' });
    return { state: { ...state, name: 'terminated' }, effects };
  }
  effects.push({ type: 'start_timer', name: 'K', ms: state.ctx.timers.t4 });
  return { state: { ...state, name: 'completed' }, effects };
}

/** Trying and Proceeding behave alike but for the Timer E interval. */
function active(state: NictState, input: NictInput): T {
  switch (input.type) {
    case 'timer': {
      if (input.name === 'E') {
        // RFC 3261 §17.1.2.2: Trying doubles E up to T2; Proceeding resets it to T2.
        const interval =
          state.name === 'trying' ? Math.min(2 * state.interval, state.ctx.timers.t2) : state.ctx.timers.t2;
        return {
          state: { ...state, interval },
          effects: [{ type: 'send_request' }, { type: 'start_timer', name: 'E', ms: interval }],
        };
      }
      if (input.name === 'F') {
        return {
          state: { ...state, name: 'terminated' },
          effects: [{ type: 'report_timeout' }, { type: 'terminate' }],
        };
      }
      return stay(state);
    }
    case 'response':
      if (statusClass(input.status) === 'provisional') {
        return { state: { ...state, name: 'proceeding' }, effects: [{ type: 'pass_response' }] };
      }
      return complete(state);
    case 'transport_error':
      return {
        state: { ...state, name: 'terminated' },
        effects: [{ type: 'report_transport_error' }, { type: 'terminate' }],
      };
    case 'reliable_flow':
      return {
        state: { ...state, ctx: { ...state.ctx, reliable: true } },
        effects: [{ type: 'stop_timer', name: 'E' }],
      };
  }
}

/** The non-INVITE client transaction reducer. */
export function nictReduce(state: NictState, input: NictInput): T {
  switch (state.name) {
    case 'trying':
    case 'proceeding':
      return active(state, input);
    case 'completed':
      // RFC 3261 §17.1.2.2: retransmitted responses are absorbed; Timer K ends the wait.
      if (input.type === 'timer' && input.name === 'K') {
        return { state: { ...state, name: 'terminated' }, effects: [{ type: 'terminate' }] };
      }
      return stay(state);
    case 'terminated':
      return stay(state);
  }
}
