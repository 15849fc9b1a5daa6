/**
 * INVITE server transaction (RFC 3261 §17.2.1, Figure 7, as updated by
 * RFC 6026 §8.5–8.7: a 2xx from the TU moves to Accepted, where Timer L keeps
 * the transaction alive to absorb INVITE retransmissions; the TU
 * retransmits the 2xx itself).
 */
import type { ServerEffect, TransactionTransition } from './effects.js';
import { statusClass } from './effects.js';
import type { TransactionContext } from './timers.js';
import { TRYING_DELAY_MS } from './timers.js';

/** States of the INVITE server transaction. */
export type IstStateName = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

/** The INVITE server transaction's state. */
export interface IstState {
  readonly name: IstStateName;
  readonly ctx: TransactionContext;
  /** Current Timer G interval (doubles up to T2, RFC 3261 §17.2.1). */
  readonly interval: number;
  /** Whether a response was sent (then request retransmissions get it again). */
  readonly responded: boolean;
}

/** Inputs of the INVITE server transaction. */
export type IstInput =
  | { readonly type: 'tu_response'; readonly status: number }
  | { readonly type: 'request_retransmission' }
  | { readonly type: 'ack' }
  | { readonly type: 'timer'; readonly name: 'G' | 'H' | 'I' | 'L' | 'Trying' }
  | { readonly type: 'transport_error' };

type T = TransactionTransition<IstState, ServerEffect>;

/** Enters Proceeding on a new INVITE: arm the 200 ms 100 Trying timer (RFC 3261 §17.2.1). */
export function istStart(ctx: TransactionContext): T {
  return {
    state: { name: 'proceeding', ctx, interval: ctx.timers.t1, responded: false },
    effects: [{ type: 'start_timer', name: 'Trying', ms: TRYING_DELAY_MS }],
  };
}

const stay = (state: IstState): T => ({ state, effects: [] });

const terminated = (state: IstState, effects: ServerEffect[]): T => ({
  state: { ...state, name: 'terminated' },
  effects: [...effects, { type: 'terminate' }],
});

function proceeding(state: IstState, input: IstInput): T {
  switch (input.type) {
    case 'tu_response': {
      const cls = statusClass(input.status);
      const sent: ServerEffect[] = [{ type: 'stop_timer', name: 'Trying' }, { type: 'send_response' }];
      const next = { ...state, responded: true };
      if (cls === 'provisional') return { state: next, effects: sent };
      if (cls === 'success') {
        // RFC 6026 §8.5: 2xx → Accepted with Timer L = 64*T1.
        return {
          state: { ...next, name: 'accepted' },
          effects: [...sent, { type: 'start_timer', name: 'L', ms: 64 * state.ctx.timers.t1 }],
        };
      }
      // RFC 3261 §17.2.1: 300–699 → Completed; Timer G (unreliable only) and Timer H = 64*T1.
      const effects: ServerEffect[] = [...sent];
      if (!state.ctx.reliable) effects.push({ type: 'start_timer', name: 'G', ms: state.ctx.timers.t1 });
      effects.push({ type: 'start_timer', name: 'H', ms: 64 * state.ctx.timers.t1 });
      return { state: { ...next, name: 'completed' }, effects };
    }
    case 'request_retransmission':
      // RFC 3261 §17.2.1: resend the most recent provisional response, if any.
      return { state, effects: state.responded ? [{ type: 'send_last_response' }] : [] };
    case 'timer':
      if (input.name === 'Trying' && !state.responded) {
        return { state: { ...state, responded: true }, effects: [{ type: 'send_trying' }] };
      }
      return stay(state);
    case 'transport_error':
      return terminated(state, [{ type: 'report_transport_error' }]);
    case 'ack':
      return stay(state);
  }
}

function completed(state: IstState, input: IstInput): T {
  switch (input.type) {
    case 'request_retransmission':
      return { state, effects: [{ type: 'send_last_response' }] };
    case 'timer':
      if (input.name === 'G') {
        const interval = Math.min(2 * state.interval, state.ctx.timers.t2);
        return {
          state: { ...state, interval },
          effects: [{ type: 'send_last_response' }, { type: 'start_timer', name: 'G', ms: interval }],
        };
      }
      // RFC 3261 §17.2.1: Timer H means the ACK never came: a transaction failure for the TU.
      if (input.name === 'H') return terminated(state, [{ type: 'report_timeout' }]);
      return stay(state);
    case 'ack': {
      const effects: ServerEffect[] = [
        { type: 'stop_timer', name: 'G' },
        { type: 'stop_timer', name: 'H' },
      ];
      // RFC 3261 §17.2.1: Timer I = T4 absorbs further ACKs; zero on reliable transports.
      if (state.ctx.reliable) return terminated(state, effects);
      effects.push({ type: 'start_timer', name: 'I', ms: state.ctx.timers.t4 });
      return { state: { ...state, name: 'confirmed' }, effects };
    }
    case 'transport_error':
      return terminated(state, [
        { type: 'stop_timer', name: 'G' },
        { type: 'stop_timer', name: 'H' },
        { type: 'report_transport_error' },
      ]);
    case 'tu_response':
      return stay(state);
  }
}

/** The INVITE server transaction reducer. */
export function istReduce(state: IstState, input: IstInput): T {
  switch (state.name) {
    case 'proceeding':
      return proceeding(state, input);
    case 'completed':
      return completed(state, input);
    case 'confirmed':
      // RFC 3261 §17.2.1: ACKs and INVITE retransmissions are absorbed until Timer I.
      if (input.type === 'timer' && input.name === 'I') return terminated(state, []);
      return stay(state);
    case 'accepted':
      switch (input.type) {
        case 'tu_response':
          // RFC 6026 §8.7: the TU's 2xx retransmissions go out through the transaction.
          return statusClass(input.status) === 'success'
            ? { state, effects: [{ type: 'send_response' }] }
            : stay(state);
        case 'ack':
          // RFC 6026 §8.7: an ACK matching the transaction in Accepted goes to the TU.
          return { state, effects: [{ type: 'pass_ack' }] };
        case 'timer':
          return input.name === 'L' ? terminated(state, []) : stay(state);
        case 'transport_error':
          // The 2xx is the TU's to retransmit: report, but keep absorbing INVITEs until Timer L.
          return { state, effects: [{ type: 'report_transport_error' }] };
        case 'request_retransmission':
          // RFC 6026 §8.7: INVITE retransmissions are absorbed.
          return stay(state);
      }
      break;
    case 'terminated':
      return stay(state);
  }
  return stay(state);
}
