export * from './dialog.js';
export * from './request.js';
export * from './route.js';
export * from './table.js';
