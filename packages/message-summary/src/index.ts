/** @herald/message-summary: message-summary event package (RFC 3842) for message-waiting. */
export * from './types.js';
export * from './parse.js';
export * from './render.js';
export * from './package.js';
