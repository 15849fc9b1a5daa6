import type { SipRequest, SipUri } from '../message/types.js';
import { formatNameAddr } from '../message/index.js';

/**
 * Route preprocessing at an element that record-routes (RFC 3261 §16.4):
 * 1. if the Request-URI is one of our own Record-Route URIs, a strict router
 *    sent the request (§16.12 interworking): the last Route value is the real
 *    target, so it becomes the Request-URI and leaves the Route list;
 * 2. if the top Route names us, it is removed.
 * `isOwnRecordRoute` says whether a URI is a value we put in Record-Route
 * (ours carry `lr`, no user part, our host and port). Mutates `request`.
 * Returns whether each step applied.
 */
export function preprocessRoute(
  request: SipRequest,
  isOwnRecordRoute: (uri: SipUri) => boolean,
): { strictRewritten: boolean; topRouteRemoved: boolean } {
  let routes = request.route;
  let strictRewritten = false;
  if (routes.length > 0 && isOwnRecordRoute(request.uri)) {
    const last = routes[routes.length - 1];
    request.requestUri = last.uri.raw;
    routes = routes.slice(0, -1);
    strictRewritten = true;
  }
  let topRouteRemoved = false;
  if (routes.length > 0 && isOwnRecordRoute(routes[0].uri)) {
    routes = routes.slice(1);
    topRouteRemoved = true;
  }
  if (strictRewritten || topRouteRemoved) {
    if (routes.length > 0)
      request.headers.set(
        'Route',
        routes.map((r) => formatNameAddr(r)),
      );
    else request.headers.delete('Route');
  }
  return { strictRewritten, topRouteRemoved };
}
