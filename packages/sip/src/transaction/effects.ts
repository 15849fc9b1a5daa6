import type { TimerName } from './timers.js';

/** Starts (or restarts) a named timer. */
export interface StartTimer {
  readonly type: 'start_timer';
  readonly name: TimerName;
  readonly ms: number;
}

/** Stops a named timer if it runs. */
export interface StopTimer {
  readonly type: 'stop_timer';
  readonly name: TimerName;
}

/** Effects shared by every machine. */
export type CommonEffect =
  | StartTimer
  | StopTimer
  /** Tell the TU the transaction timed out (B, F, H). */
  | { readonly type: 'report_timeout' }
  /** Tell the TU the transport failed. */
  | { readonly type: 'report_transport_error' }
  /** The machine reached Terminated: the shell drops it and cancels its timers. */
  | { readonly type: 'terminate' };

/** Effects of the client machines (ICT, NICT). */
export type ClientEffect =
  | CommonEffect
  /** (Re)transmit the request. */
  | { readonly type: 'send_request' }
  /** Send (or resend) the ACK for the non-2xx final response in the input (RFC 3261 §17.1.1.3). */
  | { readonly type: 'send_ack' }
  /** Hand the response in the input to the TU. */
  | { readonly type: 'pass_response' };

/** Effects of the server machines (IST, NIST). */
export type ServerEffect =
  | CommonEffect
  /** Send the response the TU just handed over and remember it as the last response. */
  | { readonly type: 'send_response' }
  /** Resend the last response (request retransmission, Timer G). */
  | { readonly type: 'send_last_response' }
  /** Send 100 Trying on the TU's behalf (RFC 3261 §17.2.1). */
  | { readonly type: 'send_trying' }
  /** Hand the ACK in the input to the TU (RFC 6026 §8.7, Accepted state). */
  | { readonly type: 'pass_ack' };

/** What a reducer returns. */
export interface TransactionTransition<S, E> {
  readonly state: S;
  readonly effects: readonly E[];
}

/** Classifies a status code for the machines. */
export function statusClass(status: number): 'provisional' | 'success' | 'final' {
  if (status < 200) return 'provisional';
  if (status < 300) return 'success';
  return 'final';
}
