/**
 * Properties of the header value parsers (RFC 3261 §19.1, §20, §25; RFC 6665
 * §8.2; RFC 7616/8760 digest headers): each returns or throws SipParseError
 * (the digest parsers return a failure value and never throw), and what the
 * URI, name-addr and Via parsers accept, their formatters write back to a
 * string that parses to the same value.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  formatNameAddr,
  formatUri,
  formatVia,
  hasTag,
  parseAuthHeader,
  parseCSeq,
  parseDigestChallenge,
  parseDigestCredentials,
  parseEvent,
  parseNameAddr,
  parseSubscriptionState,
  parseUri,
  parseVia,
} from '@herald/sip';
import type { NameAddr, SipUri, Via } from '@herald/sip';
import { PropertyViolation, check, contents, timed } from './guard.js';
import { describe, read } from './prop-parser.js';

/** The fields of a URI that carry meaning (`raw` is how it was written). */
function uriFields(u: SipUri): unknown[] {
  return [u.scheme, u.user, u.password, u.host, u.port, contents(u.params), contents(u.headers)];
}

/** A Via's meaning: numeric parameters (rport, ttl) by value, as formatVia writes them from the typed fields. */
function viaFields(v: Via): unknown[] {
  const params = new Map(v.params);
  params.delete('rport');
  params.delete('ttl');
  return [v.protocol, v.transport, v.host, v.port, v.branch, v.received, v.rport, v.maddr, v.ttl, params];
}

function nameAddrFields(n: NameAddr): unknown[] {
  return [n.displayName, uriFields(n.uri), contents(n.params)];
}

/** Parses, formats, parses again: the second value must equal the first. */
function roundTrip<T>(
  what: string,
  s: string,
  parse: (s: string) => T,
  format: (v: T) => string,
  fields: (v: T) => unknown,
): void {
  const first = read(what, () => parse(s));
  if (!first.ok) return;
  const written = read(`format ${what}`, () => format(first.value as T));
  check(written.ok, `formatting a parsed ${what} threw SipParseError`);
  const again = read(`${what} (formatted)`, () => parse(written.value as string));
  check(again.ok, `${what} ${JSON.stringify(s)} formats to ${JSON.stringify(written.value)}, which does not parse`);
  const a = fields(first.value as T);
  const b = fields(again.value as T);
  check(isDeepStrictEqual(a, b), `${what} ${JSON.stringify(s)} → ${JSON.stringify(written.value)} changed its value`);
}

/** Value parsers that may only return or throw SipParseError. */
const THROWING: ReadonlyArray<readonly [string, (s: string) => unknown]> = [
  ['parseCSeq', parseCSeq],
  ['parseEvent', parseEvent],
  ['parseSubscriptionState', parseSubscriptionState],
  ['hasTag', hasTag],
];

/** Parsers whose failures are values: any throw is a crash. */
const TOTAL: ReadonlyArray<readonly [string, (s: string) => unknown]> = [
  ['parseAuthHeader', parseAuthHeader],
  ['parseDigestChallenge', parseDigestChallenge],
  ['parseDigestCredentials', parseDigestCredentials],
];

/** Every value parser on one string. */
export function checkHeaderValue(s: string): void {
  roundTrip('parseUri', s, parseUri, formatUri, uriFields);
  roundTrip('parseNameAddr', s, parseNameAddr, formatNameAddr, nameAddrFields);
  roundTrip<Via>('parseVia', s, parseVia, formatVia, viaFields);
  for (const [name, f] of THROWING) read(name, () => f(s));
  for (const [name, f] of TOTAL) {
    try {
      timed(name, () => f(s));
    } catch (e) {
      if (e instanceof PropertyViolation) throw e;
      throw new PropertyViolation(`${name} threw (failures must be values): ${describe(e)}`);
    }
  }
}
