export * from './endpoint.js';
export * from './incoming-request.js';
export * from './target.js';
export * from './validate.js';
