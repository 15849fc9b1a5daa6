/** @herald/presence: presence and presence.winfo event packages: PIDF, RPID, XPIDF, composition, watcher info. */
export type * from './model.js';
export type * from './sources.js';
export * from './namespaces.js';
export * from './rpid.js';
export * from './pidf-parse.js';
export * from './pidf-render.js';
export * from './xpidf.js';
export * from './compose.js';
export * from './profiles.js';
export * from './presence-package.js';
export * from './winfo/index.js';
