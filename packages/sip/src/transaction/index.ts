/** The RFC 3261 §17 transaction layer: four reducers, their shells, and the matching layer. */
export * from './timers.js';
export type * from './effects.js';
export { statusClass } from './effects.js';
export * from './ict.js';
export * from './nict.js';
export * from './ist.js';
export * from './nist.js';
export { MAGIC_COOKIE, generateBranch, isRfc3261Branch } from './branch.js';
export { createAck, createCancel } from './requests.js';
export { ClientTransaction } from './client-transaction.js';
export type { ClientTransactionUser } from './client-transaction.js';
export { ServerTransaction } from './server-transaction.js';
export { TransactionLayer } from './layer.js';
export type { TransactionLayerOptions } from './layer.js';
