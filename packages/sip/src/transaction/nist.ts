/** Non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8). */
import type { ServerEffect, TransactionTransition } from './effects.js';
import { statusClass } from './effects.js';
import type { TransactionContext } from './timers.js';

/** States of the non-INVITE server transaction. */
export type NistStateName = 'trying' | 'proceeding' | 'completed' | 'terminated';

/** The non-INVITE server transaction's state. */
export interface NistState {
  readonly name: NistStateName;
  readonly ctx: TransactionContext;
}

/** Inputs of the non-INVITE server transaction. */
export type NistInput =
  | { readonly type: 'tu_response'; readonly status: number }
  | { readonly type: 'request_retransmission' }
  | { readonly type: 'timer'; readonly name: 'J' }
  | { readonly type: 'transport_error' };

type T = TransactionTransition<NistState, ServerEffect>;

/** The four states of each context, shared: a state is only a name and the context (thousands wait in Completed). */
const shared = new WeakMap<TransactionContext, Record<NistStateName, NistState>>();

function at(ctx: TransactionContext, name: NistStateName): NistState {
  let states = shared.get(ctx);
  if (!states) {
    states = {
      trying: { name: 'trying', ctx },
      proceeding: { name: 'proceeding', ctx },
      completed: { name: 'completed', ctx },
      terminated: { name: 'terminated', ctx },
    };
    shared.set(ctx, states);
  }
  return states[name];
}

/** Enters Trying on a new request (RFC 3261 §17.2.2); nothing to send yet. */
export function nistStart(ctx: TransactionContext): T {
  return { state: at(ctx, 'trying'), effects: [] };
}

const stay = (state: NistState): T => ({ state, effects: [] });

function respond(state: NistState, status: number): T {
  if (statusClass(status) === 'provisional') {
    return { state: at(state.ctx, 'proceeding'), effects: [{ type: 'send_response' }] };
  }
  // RFC 3261 §17.2.2: Timer J = 64*T1 on unreliable transports, zero on reliable ones.
  if (state.ctx.reliable) {
    return { state: at(state.ctx, 'terminated'), effects: [{ type: 'send_response' }, { type: 'terminate' }] };
  }
  return {
    state: at(state.ctx, 'completed'),
    effects: [{ type: 'send_response' }, { type: 'start_timer', name: 'J', ms: 64 * state.ctx.timers.t1 }],
  };
}

const fail = (state: NistState): T => ({
  state: at(state.ctx, 'terminated'),
  effects: [{ type: 'stop_timer', name: 'J' }, { type: 'report_transport_error' }, { type: 'terminate' }],
});

/** The non-INVITE server transaction reducer. */
export function nistReduce(state: NistState, input: NistInput): T {
  switch (state.name) {
    case 'trying':
      // RFC 3261 §17.2.2: retransmissions in Trying are discarded (nothing to resend yet).
      if (input.type === 'tu_response') return respond(state, input.status);
      if (input.type === 'transport_error') return fail(state);
      return stay(state);
    case 'proceeding':
      switch (input.type) {
        case 'tu_response':
          return respond(state, input.status);
        case 'request_retransmission':
          return { state, effects: [{ type: 'send_last_response' }] };
        case 'transport_error':
          return fail(state);
        case 'timer':
          return stay(state);
      }
      break;
    case 'completed':
      switch (input.type) {
        case 'request_retransmission':
          return { state, effects: [{ type: 'send_last_response' }] };
        case 'timer':
          return { state: at(state.ctx, 'terminated'), effects: [{ type: 'terminate' }] };
        case 'transport_error':
          return fail(state);
        case 'tu_response':
          // RFC 3261 §17.2.2: further final responses from the TU are discarded.
          return stay(state);
      }
      break;
    case 'terminated':
      return stay(state);
  }
  return stay(state);
}
