/** @herald/sip: the SIP core. */
export * from './clock.js';
export type * from './message/types.js';
export * from './transport/types.js';
export * from './auth/index.js';
