/** @herald/server: the mini registrar + presence server. */
export type * from './contracts.js';
export * from './config/index.js';
export * from './logger.js';
export * from './embedding.js';
export * from './event-auth.js';
export * from './back-subscribe.js';
export * from './addresses.js';
export * from './server.js';
export * from './proxy/index.js';
export * from './http/index.js';
export * from './storage/index.js';
export * from './limits/index.js';
