export * from './token-bucket.js';
export * from './rate-limited-transport.js';
export * from './subscriptions.js';
export * from './publish-log.js';
export * from './overload.js';
export * from './udp-queue.js';
