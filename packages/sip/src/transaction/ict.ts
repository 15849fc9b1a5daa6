/**
 * INVITE client transaction (RFC 3261 §17.1.1, Figure 5, as updated by
 * RFC 6026 §8.4: a 2xx moves to Accepted, where Timer M absorbs 2xx
 * retransmissions and hands them to the TU).
 */
import type { ClientEffect, TransactionTransition } from './effects.js';
import { statusClass } from './effects.js';
import type { TransactionContext } from './timers.js';

/** States of the INVITE client transaction. */
export type IctStateName = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

/** The INVITE client transaction's state: its name, context and the current Timer A interval. */
export interface IctState {
  readonly name: IctStateName;
  readonly ctx: TransactionContext;
  /** Current Timer A interval (doubles on every firing, RFC 3261 §17.1.1.2). */
  readonly interval: number;
}

/** Inputs of the INVITE client transaction. */
export type IctInput =
  | { readonly type: 'response'; readonly status: number }
  | { readonly type: 'timer'; readonly name: 'A' | 'B' | 'D' | 'M' }
  | { readonly type: 'transport_error' }
  /** The first send went over a reliable flow after all (e.g. the transport moved a large request to TCP). */
  | { readonly type: 'reliable_flow' };

type T = TransactionTransition<IctState, ClientEffect>;

/** Enters Calling: send the INVITE, start Timer A (unreliable only) and Timer B (RFC 3261 §17.1.1.2). */
export function ictStart(ctx: TransactionContext): T {
  const { t1 } = ctx.timers;
  const effects: ClientEffect[] = [{ type: 'send_request' }];
  if (!ctx.reliable) effects.push({ type: 'start_timer', name: 'A', ms: t1 });
  effects.push({ type: 'start_timer', name: 'B', ms: 64 * t1 });
  return { state: { name: 'calling', ctx, interval: t1 }, effects };
}

function to(state: IctState, name: IctStateName, effects: ClientEffect[]): T {
  return { state: { ...state, name }, effects };
}

const stay = (state: IctState): T => ({ state, effects: [] });

/** Final 300–699: ACK it, hand it up, wait Timer D (32 s unreliable, 0 reliable) for retransmissions. */
function complete(state: IctState, stops: ClientEffect[]): T {
  const effects: ClientEffect[] = [...stops, { type: 'pass_response' }, { type: 'send_ack' }];
  // RFC 3261 §17.1.1.2: Timer D ≥ 32 s for unreliable transports, zero for reliable ones.
  if (state.ctx.reliable) {
    effects.push({ type: 'terminate' });
    return to(state, 'terminated', effects);
  }
  effects.push({ type: 'start_timer', name: 'D', ms: Math.max(32000, 64 * state.ctx.timers.t1) });
  return to(state, 'completed', effects);
}

/** 2xx: hand it up and move to Accepted for Timer M = 64*T1 (RFC 6026 §8.4). */
function accept(state: IctState, stops: ClientEffect[]): T {
  return to(state, 'accepted', [
    ...stops,
    { type: 'pass_response' },
    { type: 'start_timer', name: 'M', ms: 64 * state.ctx.timers.t1 },
  ]);
}

function failTransport(state: IctState): T {
  return to(state, 'terminated', [{ type: 'report_transport_error' }, { type: 'terminate' }]);
}

const stopCallingTimers: ClientEffect[] = [
  { type: 'stop_timer', name: 'A' },
  { type: 'stop_timer', name: 'B' },
];

/** The INVITE client transaction reducer. */
export function ictReduce(state: IctState, input: IctInput): T {
  switch (state.name) {
    case 'calling':
      switch (input.type) {
        case 'timer':
          if (input.name === 'A') {
            // RFC 3261 §17.1.1.2: retransmit and double Timer A.
            const interval = state.interval * 2;
            return {
              state: { ...state, interval },
              effects: [{ type: 'send_request' }, { type: 'start_timer', name: 'A', ms: interval }],
            };
          }
          if (input.name === 'B') {
            return to(state, 'terminated', [{ type: 'report_timeout' }, { type: 'terminate' }]);
          }
          return stay(state);
        case 'response': {
          const cls = statusClass(input.status);
          if (cls === 'provisional') {
            // Timer B applies only in Calling: a provisional response ends the wait (RFC 3261 §17.1.1.2).
            return to(state, 'proceeding', [...stopCallingTimers, { type: 'pass_response' }]);
          }
          if (cls === 'success') return accept(state, stopCallingTimers);
          return complete(state, stopCallingTimers);
        }
        case 'transport_error':
          return failTransport(state);
        case 'reliable_flow':
          return {
            state: { ...state, ctx: { ...state.ctx, reliable: true } },
            effects: [{ type: 'stop_timer', name: 'A' }],
          };
      }
      break;
    case 'proceeding':
      switch (input.type) {
        case 'response': {
          const cls = statusClass(input.status);
          if (cls === 'provisional') return { state, effects: [{ type: 'pass_response' }] };
          if (cls === 'success') return accept(state, []);
          return complete(state, []);
        }
        case 'transport_error':
          return failTransport(state);
        case 'reliable_flow':
          return { state: { ...state, ctx: { ...state.ctx, reliable: true } }, effects: [] };
        case 'timer':
          return stay(state);
      }
      break;
    case 'completed':
      switch (input.type) {
        case 'response':
          // RFC 3261 §17.1.1.2: a retransmitted final response gets the ACK again, not the TU.
          if (statusClass(input.status) === 'final') return { state, effects: [{ type: 'send_ack' }] };
          return stay(state);
        case 'timer':
          if (input.name === 'D') return to(state, 'terminated', [{ type: 'terminate' }]);
          return stay(state);
        case 'transport_error':
          return failTransport(state);
        case 'reliable_flow':
          return stay(state);
      }
      break;
    case 'accepted':
      switch (input.type) {
        case 'response':
          // RFC 6026 §8.4: retransmitted (or forked) 2xx go to the TU; anything else is absorbed.
          if (statusClass(input.status) === 'success') return { state, effects: [{ type: 'pass_response' }] };
          return stay(state);
        case 'timer':
          if (input.name === 'M') return to(state, 'terminated', [{ type: 'terminate' }]);
          return stay(state);
        case 'transport_error':
        case 'reliable_flow':
          // The transaction sends nothing in Accepted (the TU sends ACKs for 2xx).
          return stay(state);
      }
      break;
    case 'terminated':
      return stay(state);
  }
  return stay(state);
}
