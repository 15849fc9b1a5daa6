/** Server configuration: types, validation, loading (file, flags, environment, first run). */
export type * from './types.js';
export * from './validate.js';
export * from './load.js';
