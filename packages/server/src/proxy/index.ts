/** The call-routing proxy with dialog tracking (RFC 3261 §16). */
export { Proxy, PROXIED_METHODS } from './proxy.js';
export type { ProxyBinding, ProxyOptions } from './proxy.js';
export { CallTracker } from './call-tracker.js';
export type { CallParties } from './call-tracker.js';
export { chooseBest } from './best-response.js';
export { TIMER_C_MS } from './response-context.js';
