/** `presence.winfo`: RFC 3857 watcher information with RFC 3858 bodies. */
export * from './types.js';
export { renderWatcherinfo } from './render.js';
export * from './parse.js';
export * from './authorize.js';
export * from './package.js';
