/** Digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): codec, computation, server and client. */
export * from './auth-header.js';
export * from './digest.js';
export * from './digest-header.js';
export * from './nonce.js';
export * from './nonce-counts.js';
export * from './server.js';
export * from './client.js';
export * from './digest-client.js';
