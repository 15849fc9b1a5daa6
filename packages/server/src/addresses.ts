/**
 * Which addresses are ours: the configured domain, the listening addresses,
 * and every interface address when bound to a wildcard (the bench sends
 * `sip:user@IP`); and the address phones should send in-dialog requests to.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { HeraldConfig } from './config/types.js';

/** A listening socket, with the port actually bound (port 0 in the config picks one). */
export interface ListeningSocket {
  readonly transport: 'udp' | 'tcp';
  readonly host: string;
  readonly port: number;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** Host parts that name us: the domain, the listening addresses, and every interface address when bound to a wildcard. */
export function ourHosts(config: HeraldConfig): string[] {
  const hosts = new Set<string>([config.domain]);
  for (const spec of config.listen) {
    if (!WILDCARDS.has(spec.host)) {
      hosts.add(spec.host);
      continue;
    }
    hosts.add('localhost');
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) if (spec.host === '::' || a.family === 'IPv4') hosts.add(a.address);
    }
  }
  return [...hosts];
}

/** An address phones can send in-dialog requests to when we listen on a wildcard: the domain if it is an IP, else the first external IPv4. */
export function reachableAddress(domain: string): string {
  if (isIP(domain) !== 0) return domain;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return domain;
}

/** Our Record-Route URI (RFC 3261 §16.6 step 4): the first socket's address, reachable even when bound to a wildcard. */
export function recordRouteUri(ports: readonly ListeningSocket[], domain: string): string {
  const first = ports[0];
  let host = first?.host ?? domain;
  if (WILDCARDS.has(host)) host = reachableAddress(domain);
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const transport = first?.transport === 'tcp' ? ';transport=tcp' : '';
  return `sip:${hostPart}:${first?.port ?? 5060}${transport};lr`;
}
