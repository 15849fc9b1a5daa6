/** RFC 3261 §17.1.1.1 / Table 4 base timer values, in milliseconds. */
export interface TransactionTimers {
  /** RTT estimate; default 500 ms. */
  readonly t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses; default 4 s. */
  readonly t2: number;
  /** Maximum duration a message remains in the network; default 5 s. */
  readonly t4: number;
}

/** The RFC 3261 Table 4 defaults: T1 500 ms, T2 4 s, T4 5 s. */
export const defaultTransactionTimers: TransactionTimers = { t1: 500, t2: 4000, t4: 5000 };

/**
 * Timer names: RFC 3261 Table 4 (A–K), RFC 6026 (L, M), and `Trying`, the
 * 200 ms after which an INVITE server transaction sends 100 Trying itself (§17.2.1).
 */
export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M' | 'Trying';

/** Delay before an INVITE server transaction answers 100 Trying on the TU's behalf (RFC 3261 §17.2.1). */
export const TRYING_DELAY_MS = 200;

/** Settings every machine carries in its state: the base timers and whether the transport is reliable. */
export interface TransactionContext {
  readonly timers: TransactionTimers;
  /** RFC 3261 §17.1.1.2: reliable transports get no retransmissions and zero wait timers D, I, J, K. */
  readonly reliable: boolean;
}

/** Fills unspecified timer values with the defaults. */
export function resolveTimers(partial?: Partial<TransactionTimers>): TransactionTimers {
  return { ...defaultTransactionTimers, ...partial };
}
