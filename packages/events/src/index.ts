/** @herald/events: the RFC 6665 event engine and RFC 3903 publication state. */
export type * from './package.js';
export type * from './store.js';
export type * from './host.js';
export * from './resource-states.js';
export * from './resource-key.js';
export * from './memory-store.js';
export * from './subscriber/index.js';
export * from './publication/index.js';
export * from './notifier/index.js';
export * from './engine.js';
export * from './xml.js';
export * from './xml-write.js';
