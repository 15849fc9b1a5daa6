/** @herald/registrar: SIP registrar (RFC 3261 §10), location service and registration events. */
export type * from './store.js';
export * from './memory-store.js';
export * from './aor.js';
export * from './register-request.js';
export * from './bindings.js';
export * from './response.js';
export * from './events.js';
export * from './registrar.js';
