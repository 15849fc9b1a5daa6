/** The RFC 3261 §17 transaction layer: four reducers, their shells, and the matching layer. */
export { defaultTransactionTimers, TRYING_DELAY_MS } from './timers.js';
export type { TransactionTimers, TimerName, TransactionContext } from './timers.js';
export type { ClientEffect, ServerEffect, CommonEffect, TransactionTransition } from './effects.js';
export { ictReduce, ictStart } from './ict.js';
export type { IctInput, IctState, IctStateName } from './ict.js';
export { nictReduce, nictStart } from './nict.js';
export type { NictInput, NictState, NictStateName } from './nict.js';
export { istReduce, istStart } from './ist.js';
export type { IstInput, IstState, IstStateName } from './ist.js';
export { nistReduce, nistStart } from './nist.js';
export type { NistInput, NistState, NistStateName } from './nist.js';
export { MAGIC_COOKIE, generateBranch, isRfc3261Branch } from './branch.js';
export { createAck, createCancel } from './requests.js';
export { ClientTransaction } from './client-transaction.js';
export type { ClientTransactionUser } from './client-transaction.js';
export { ServerTransaction } from './server-transaction.js';
export { TransactionLayer } from './layer.js';
export type { TransactionLayerOptions } from './layer.js';
