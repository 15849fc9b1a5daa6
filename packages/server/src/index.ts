/** @herald/server: the mini registrar + presence server. */
export type * from './contracts.js';
