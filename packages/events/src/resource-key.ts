import type { SipUri } from '@herald/sip';

/**
 * The normalized name of a resource or watcher: `sip:user@host` with the
 * scheme `sip` (sips folds into it), the user as decoded, the host
 * lower-cased, no port or parameters. Subscriptions, publications and state
 * are keyed by it, so `sip:Alice@Example.test:5060;transport=tcp` and
 * `sip:Alice@example.test` are one presentity. Users are case-sensitive
 * (RFC 3261 §19.1.4).
 */
export function resourceKey(uri: SipUri): string {
  if (uri.scheme === 'tel') return `tel:${uri.user ?? uri.host}`;
  const host = uri.host.toLowerCase();
  return uri.user !== undefined ? `sip:${uri.user}@${host}` : `sip:${host}`;
}
