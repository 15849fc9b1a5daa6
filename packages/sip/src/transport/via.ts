/**
 * The Via rules of the transport layer as pure functions: stamping sent-by
 * and `rport` on requests we send, `received`/`rport` on requests we receive
 * (RFC 3261 §18.2.1, RFC 3581 §4), checking sent-by on responses
 * (§18.1.2), and choosing where a response goes (§18.2.2, RFC 3581 §4).
 */
import { isIP } from 'node:net';
import { formatParams } from '../message/index.js';
import { formatParamValue } from '../message/params.js';
import { ParamList } from '../message/param-list.js';
import type { Params, Via } from '../message/types.js';
import type { Destination, Flow, HostPort, TransportProtocol } from './types.js';

/** Default port when a Via names none (RFC 3261 §18.2.2; 5061 for TLS, §26.2). */
export function defaultPort(transport: string): number {
  const t = transport.toLowerCase();
  return t === 'tls' || t === 'wss' ? 5061 : 5060;
}

/** Strips IPv6 brackets: `[::1]` → `::1`. */
export function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Adds IPv6 brackets for a sent-by host: `::1` → `[::1]`. */
export function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** A host or address as compared by {@link sameHost}: no brackets, lower case, no IPv4-mapped IPv6 prefix. */
function normHost(h: string): string {
  return unbracket(h)
    .toLowerCase()
    .replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

/** Compares two IP addresses or host names, ignoring brackets, case and the IPv4-mapped IPv6 prefix. */
export function sameHost(a: string, b: string): boolean {
  // The usual case (a literal compared with itself) needs no normalizing.
  return a === b || normHost(a) === normHost(b);
}

/** What to change in a Via value. A param set to `undefined` is removed; `null` is a flag. */
export interface ViaChanges {
  readonly transport?: string;
  readonly host?: string;
  /** `null` removes the port. */
  readonly port?: number | null;
  readonly params?: Readonly<Record<string, string | null | undefined>>;
}

/** Writes one Via value (`SIP/2.0/UDP host:port;branch=…`) with `changes` applied; keeps every other param in order. */
export function formatViaWith(via: Via, changes: ViaChanges = {}): string {
  const params: Params = new Map(via.params);
  // Accessor fields win over a params map that might not carry them.
  if (via.branch !== undefined && !params.has('branch')) params.set('branch', via.branch);
  for (const [k, v] of Object.entries(changes.params ?? {})) {
    if (v === undefined) params.delete(k);
    else params.set(k, v);
  }
  const host = bracket(changes.host ?? via.host);
  const port = changes.port === null ? undefined : (changes.port ?? via.port);
  // Values are stored unquoted; formatParams re-quotes the ones that need it.
  return `${via.protocol}/${(changes.transport ?? via.transport).toUpperCase()} ${host}${port !== undefined ? `:${port}` : ''}${formatParams(params)}`;
}

/**
 * The top Via of a received request after RFC 3261 §18.2.1 and RFC 3581 §4:
 * `received` when sent-by differs from the source address (or `rport` asked
 * for it), `rport` filled with the source port. Undefined when nothing changes.
 */
export function stampReceived(via: Via, source: HostPort): string | undefined {
  return stampVia(via, source)?.text;
}

/** {@link stampVia}'s result: the new top Via value and, when it could be built exactly, its parsed form. */
export interface StampedVia {
  readonly text: string;
  /** What parsing `text` gives, built without parsing; undefined when a value needed quoting (then parse `text`). */
  readonly via: Via | undefined;
}

/** {@link stampReceived} with the parsed result too, so the message need not parse the Via it just changed. */
export function stampVia(via: Via, source: HostPort): StampedVia | undefined {
  let rport: string | undefined;
  if (via.rport === true) {
    // RFC 3581 §4: fill rport, and add received even when the host matches.
    rport = String(source.port);
  } else if (sameHost(via.host, source.address)) {
    return undefined;
  }
  // Written directly (what formatViaWith does with these two changes, without copying the params).
  const received = source.address;
  const flat: Array<string | null> = [];
  let sawBranch = false;
  let sawRport = false;
  let sawReceived = false;
  // The parser's own list read by index: no iterator and no [name, value] pair per parameter.
  const given = via.params instanceof ParamList ? via.params.flat : [...via.params].flat();
  for (let i = 0; i < given.length; i += 2) {
    const k = given[i] as string;
    let value = given[i + 1] as string | null;
    if (k === 'branch') sawBranch = true;
    else if (k === 'received') {
      sawReceived = true;
      value = received;
    } else if (k === 'rport' && rport !== undefined) {
      sawRport = true;
      value = rport;
    }
    flat.push(k, value);
  }
  // Accessor fields win over a params map that might not carry them.
  if (!sawBranch && via.branch !== undefined) flat.push('branch', via.branch);
  if (rport !== undefined && !sawRport) flat.push('rport', rport);
  if (!sawReceived) flat.push('received', received);
  let params = '';
  // Every value written as it is: parsing the text gives back the same values.
  let verbatim = true;
  for (let i = 0; i < flat.length; i += 2) {
    const k = flat[i] as string;
    const value = flat[i + 1] as string | null;
    if (value === null) {
      params += ';' + k;
      continue;
    }
    const out = formatParamValue(value);
    if (out !== value) verbatim = false;
    params += ';' + k + '=' + out;
  }
  const port = via.port !== undefined ? ':' + via.port : '';
  const text = via.protocol + '/' + via.transport.toUpperCase() + ' ' + bracket(via.host) + port + params;
  if (!verbatim || via.host.includes(':') || via.transport !== via.transport.toUpperCase())
    return { text, via: undefined };
  return {
    text,
    via: {
      protocol: via.protocol,
      transport: via.transport,
      host: via.host,
      port: via.port,
      params: new ParamList(flat),
      branch: via.branch,
      received,
      rport: rport === undefined ? via.rport : source.port,
      maddr: via.maddr,
      ttl: via.ttl,
    },
  };
}

/** RFC 3261 §18.1.2: a response whose top Via sent-by is not one we insert is discarded. */
export function sentByIsOurs(via: Via, ours: ReadonlyArray<{ readonly host: string; readonly port: number }>): boolean {
  const port = via.port ?? defaultPort(via.transport);
  for (const o of ours) if (o.port === port && sameHost(o.host, via.host)) return true;
  return false;
}

/** Which RFC 3261 §18.2.2 / RFC 3581 rule picked a response's destination. */
export type ResponseRule = 'connection' | 'maddr' | 'rport' | 'received' | 'sent-by';

/** Where a response goes. */
export interface ResponseRoute {
  readonly rule: ResponseRule;
  /** Reliable transports: the request's connection, tried first. */
  readonly flow?: Flow;
  /** Where to send (unreliable), or where to open a new connection if `flow` is gone (reliable). */
  readonly destination: Destination;
  /** Unreliable: send from this local socket (the one the request arrived on, RFC 3581 §4). */
  readonly local?: HostPort;
}

/** Lower-cases a Via transport into a {@link TransportProtocol}, or undefined for one we never carry (SCTP, …). */
export function protocolOf(viaTransport: string): TransportProtocol | undefined {
  const t = viaTransport.toLowerCase();
  return t === 'udp' || t === 'tcp' || t === 'tls' || t === 'ws' || t === 'wss' ? t : undefined;
}

/** Applies RFC 3261 §18.2.2 and RFC 3581 §4 to the top Via of a response. */
export function responseRoute(via: Via, requestFlow?: Flow): ResponseRoute | undefined {
  const transport = protocolOf(via.transport);
  if (!transport) return undefined;
  const sentByPort = via.port ?? defaultPort(transport);
  const host = unbracket(via.host);
  const received = via.received !== undefined ? unbracket(via.received) : undefined;
  const local = requestFlow && requestFlow.transport === transport ? requestFlow.local : undefined;
  if (transport !== 'udp') {
    // §18.2.2: reliable — the same connection if still open, else a new one to received (or sent-by) and the sent-by port.
    const destination: Destination = { transport, address: received ?? host, port: sentByPort };
    if (requestFlow && requestFlow.transport === transport)
      return { rule: 'connection', flow: requestFlow, destination };
    return { rule: received ? 'received' : 'sent-by', destination };
  }
  if (via.maddr !== undefined) {
    return {
      rule: 'maddr',
      destination: { transport, address: unbracket(via.maddr), port: sentByPort },
      ...(local ? { local } : {}),
    };
  }
  if (via.rport !== undefined && (typeof via.rport === 'number' || requestFlow)) {
    // RFC 3581 §4: to the source IP and port of the request, from the socket it reached.
    const port = typeof via.rport === 'number' ? via.rport : (requestFlow as Flow).remote.port;
    const address = received ?? requestFlow?.remote.address ?? host;
    return { rule: 'rport', destination: { transport, address, port }, ...(local ? { local } : {}) };
  }
  if (received !== undefined)
    return {
      rule: 'received',
      destination: { transport, address: received, port: sentByPort },
      ...(local ? { local } : {}),
    };
  return { rule: 'sent-by', destination: { transport, address: host, port: sentByPort }, ...(local ? { local } : {}) };
}

/** True when `address` is an IPv6 literal (brackets allowed). */
export function isV6(address: string): boolean {
  return isIP(unbracket(address)) === 6;
}

/** True when `address` is an IP literal of either family. */
export function isIpLiteral(address: string): boolean {
  return isIP(unbracket(address)) !== 0;
}
