import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { SipRequest, SipUri } from '../message/types.js';
import type { Destination, TransportProtocol } from '../transport/types.js';

const PROTOCOLS: Record<string, TransportProtocol> = { udp: 'udp', tcp: 'tcp', tls: 'tls', ws: 'ws', wss: 'wss' };

/** Resolves a host name to an address; injectable so tests and embedders can avoid DNS. */
export type HostResolver = (host: string) => Promise<string>;

/** `dns.lookup` (the system resolver, honouring /etc/hosts). */
export const systemResolver: HostResolver = async (host) => (await lookup(host)).address;

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Where a request goes next (RFC 3261 §8.1.2, a subset of RFC 3263): the
 * first Route if there is one (loose routing), else the Request-URI; `maddr`
 * overrides the host; transport from the `transport` parameter (TLS for
 * sips), port from the URI or the transport's default. NAPTR/SRV lookups are
 * not done: names resolve through `resolve` (A/AAAA).
 */
export async function resolveDestination(
  request: SipRequest,
  resolve: HostResolver = systemResolver,
): Promise<Destination> {
  const route = request.route;
  const uri: SipUri = route.length > 0 ? route[0].uri : request.uri;
  return resolveUri(uri, resolve);
}

/** Destination for one SIP URI (see {@link resolveDestination}). */
export async function resolveUri(uri: SipUri, resolve: HostResolver = systemResolver): Promise<Destination> {
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') throw new TypeError(`cannot route to a ${uri.scheme}: URI`);
  const param = uri.params.get('transport')?.toLowerCase();
  const transport: TransportProtocol =
    param && PROTOCOLS[param] ? PROTOCOLS[param] : uri.scheme === 'sips' ? 'tls' : 'udp';
  const host = stripBrackets(uri.params.get('maddr') ?? uri.host);
  const address = isIP(host) ? host : await resolve(host);
  const port = uri.port ?? (transport === 'tls' || transport === 'wss' ? 5061 : 5060);
  return { transport, address, port };
}
