/** @herald/sip: the SIP core. */
export * from './clock.js';
export * from './message/index.js';
export * from './transport/index.js';
export * from './auth/index.js';
export * from './transaction/index.js';
export * from './dialog/index.js';
export * from './ids.js';
export * from './endpoint/index.js';
