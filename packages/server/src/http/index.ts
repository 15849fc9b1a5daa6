/** The management HTTP API and the Prometheus metrics registry of @herald/server. */
export { HttpApi, parseHttpListen, tokenRequired, DEFAULT_HTTP_LISTEN, DEFAULT_MAX_BODY_BYTES } from './api.js';
export type { HttpApiOptions, HttpLogger } from './api.js';
export { Metrics, Counter, Gauge, METRICS_CONTENT_TYPE } from './metrics.js';
export type { Labels } from './metrics.js';
export { createServerMetrics } from './server-metrics.js';
export type { ServerMetrics } from './server-metrics.js';
export { resolveResource } from './validate.js';
export type { Checked, StatusBody, MailboxBody, PublishBody, SubscribeBody } from './validate.js';
