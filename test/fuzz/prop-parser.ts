/**
 * Properties of the SIP message layer under arbitrary input (RFC 3261 §7,
 * §25; RFC 4475): parseMessage either returns a message or throws
 * SipParseError; every typed accessor of a parsed message either returns or
 * throws SipParseError; what parsed serializes, parses again and reads the
 * same; the stateless error answer and a createResponse answer always
 * serialize; stream framing does not depend on how the bytes are chunked.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  SipParseError,
  StreamFramer,
  createResponse,
  framingErrorResponse,
  parseIncoming,
  parseMessage,
  serializeMessage,
  statelessErrorResponse,
} from '@herald/sip';
import type { FrameEvent, ParseOptions, SipMessage } from '@herald/sip';
import { PropertyViolation, check, contents, timed } from './guard.js';

/** What an accessor gave: a value, or the reason of a SipParseError. */
export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

/** Describes an unexpected error for a counterexample report. */
export function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}\n${e.stack ?? ''}`;
  return String(e);
}

/** Runs `fn`; a SipParseError is an outcome, anything else a property violation. */
export function read(label: string, fn: () => unknown): Outcome {
  try {
    return { ok: true, value: timed(label, fn) };
  } catch (e) {
    if (e instanceof SipParseError) return { ok: false, reason: e.reason };
    if (e instanceof PropertyViolation) throw e;
    throw new PropertyViolation(`${label} threw something other than SipParseError: ${describe(e)}`);
  }
}

/** Every typed accessor of the message model (types.ts), by name. */
export const ACCESSORS: ReadonlyArray<readonly [string, (m: SipMessage) => unknown]> = [
  ['via', (m) => m.via],
  ['topVia', (m) => m.topVia],
  ['from', (m) => m.from],
  ['to', (m) => m.to],
  ['callId', (m) => m.callId],
  ['cseq', (m) => m.cseq],
  ['contact', (m) => m.contact],
  ['maxForwards', (m) => m.maxForwards],
  ['expires', (m) => m.expires],
  ['event', (m) => m.event],
  ['subscriptionState', (m) => m.subscriptionState],
  ['contentType', (m) => m.contentType],
  ['route', (m) => m.route],
  ['recordRoute', (m) => m.recordRoute],
  ['uri', (m) => (m.kind === 'request' ? m.uri : undefined)],
];

interface Snapshot {
  readonly start: readonly unknown[];
  readonly entries: ReadonlyArray<[string, string]>;
  readonly body: Buffer;
  readonly accessors: readonly Outcome[];
}

function snapshot(m: SipMessage): Snapshot {
  const start =
    m.kind === 'request' ? [m.kind, m.method, m.requestUri, m.version] : [m.kind, m.status, m.reason, m.version];
  // Content-Length is rewritten from the body by the serializer (RFC 3261 §20.14): compare without it.
  const entries = [...m.headers.entries()].filter(([n]) => n.toLowerCase() !== 'content-length');
  return { start, entries, body: m.body, accessors: ACCESSORS.map(([name, f]) => read(name, () => contents(f(m)))) };
}

function firstDifference(a: Snapshot, b: Snapshot): string | undefined {
  if (!isDeepStrictEqual(a.start, b.start)) return `start line ${JSON.stringify(a.start)} → ${JSON.stringify(b.start)}`;
  if (!isDeepStrictEqual(a.entries, b.entries))
    return `headers ${JSON.stringify(a.entries)} → ${JSON.stringify(b.entries)}`;
  if (!a.body.equals(b.body)) return 'body';
  for (let i = 0; i < ACCESSORS.length; i++) {
    if (!isDeepStrictEqual(a.accessors[i], b.accessors[i])) return `accessor ${ACCESSORS[i]?.[0]}`;
  }
  return undefined;
}

/** Serializes a message we built and checks the octets parse back (or fail only with SipParseError). */
function serializesCleanly(label: string, m: SipMessage, mustParse: boolean): void {
  const wire = read(`serializeMessage(${label})`, () => serializeMessage(m));
  check(wire.ok, `serializeMessage(${label}) threw SipParseError`);
  const again = read(`parseMessage(serialized ${label})`, () =>
    parseMessage(wire.value as Buffer, { maxSize: 1 << 30 }),
  );
  if (mustParse) check(again.ok, `${label} does not parse back: ${again.ok ? '' : again.reason}`);
}

/** The parser property for one input; returns whether it parsed (for statistics). */
export function checkMessage(data: Buffer, opts?: ParseOptions): 'parsed' | 'rejected' {
  // What the transports call: total, never throws.
  const incoming = read('parseIncoming', () => parseIncoming(data, opts));
  check(incoming.ok, 'parseIncoming threw SipParseError');
  let m: SipMessage;
  try {
    m = timed('parseMessage', () => parseMessage(data, opts));
  } catch (e) {
    if (e instanceof PropertyViolation) throw e;
    if (!(e instanceof SipParseError)) throw new PropertyViolation(`parseMessage threw ${describe(e)}`);
    check([400, 413, 505].includes(e.status), `SipParseError status ${e.status}`);
    check(e.reason.length > 0 && !/[\r\n]/.test(e.reason), `unfit reason phrase ${JSON.stringify(e.reason)}`);
    const res = read('statelessErrorResponse', () => statelessErrorResponse(e));
    if (res.ok && res.value !== undefined) serializesCleanly('stateless answer', res.value as SipMessage, false);
    return 'rejected';
  }
  // Whatever parsed can be set back (HeaderList.set refuses CR/LF) and written out line by line.
  for (const [name, value] of m.headers.entries()) {
    check(!/[\r\n]/.test(value), `${name} value holds CR or LF: ${JSON.stringify(value)}`);
  }
  const startText = m.kind === 'request' ? m.method + ' ' + m.requestUri : m.reason;
  check(!/[\r\n]/.test(startText), `start line holds CR or LF: ${JSON.stringify(startText)}`);
  const before = snapshot(m);
  const wire = read('serializeMessage', () => serializeMessage(m));
  check(wire.ok, 'serializeMessage threw SipParseError');
  const bytes = wire.value as Buffer;
  let m2: SipMessage;
  try {
    // Without the caps: serializing may add a Content-Length line and spell compact names out.
    m2 = timed('re-parse', () => parseMessage(bytes, { maxSize: 1 << 30, maxHeaders: 1 << 20, datagram: true }));
  } catch (e) {
    throw new PropertyViolation(`a parsed message does not parse again after serialization: ${describe(e)}`);
  }
  const diff = firstDifference(before, snapshot(m2));
  check(diff === undefined, `round trip changed the message: ${diff}`);
  check(m2.headers.get('Content-Length') === String(m2.body.length), 'Content-Length does not match the body');
  const wire2 = serializeMessage(m2);
  check(wire2.equals(bytes), 'serialize(parse(serialize(m))) differs from serialize(m)');
  if (m.kind === 'request' && m.method !== 'ACK') {
    const res = read('createResponse', () => createResponse(m as never, 200, 'OK', { toTag: 'fz1' }));
    if (res.ok) serializesCleanly('createResponse 200', res.value as SipMessage, true);
  }
  return 'parsed';
}

function summary(events: readonly FrameEvent[]): string[] {
  return events.map((e) => (e.type === 'message' ? 'message:' + e.data.toString('latin1') : e.type));
}

/**
 * Stream framing (RFC 3261 §18.3) of `stream` gives the same events whether
 * the bytes come at once or in the given chunk sizes; every framed message
 * satisfies {@link checkMessage} as a stream message.
 */
export function checkFraming(stream: Buffer, cuts: readonly number[], maxBuffered = 1 << 20): void {
  const whole = new StreamFramer({ maxBuffered });
  const all = timed('StreamFramer.push', () => whole.push(stream));
  const chunked = new StreamFramer({ maxBuffered });
  const got: FrameEvent[] = [];
  let pos = 0;
  for (const c of cuts) {
    const next = Math.min(stream.length, pos + c);
    got.push(...timed('StreamFramer.push', () => chunked.push(stream.subarray(pos, next))));
    pos = next;
  }
  got.push(...chunked.push(stream.subarray(pos)));
  // An error ends framing; a chunked feed may only stop earlier when the error is a size cap.
  const a = summary(all);
  const b = summary(got);
  check(isDeepStrictEqual(a, b), `framing depends on chunking: ${a.length} vs ${b.length} events`);
  for (const e of all) {
    if (e.type === 'message') checkMessage(e.data, { datagram: false });
    // RFC 3261 §18.3: an unframable stream message is answered 400/413 when its head allows it.
    if (e.type === 'error' && e.head !== undefined) {
      const head = e.head;
      const res = read('framingErrorResponse', () => framingErrorResponse(head, e.status, e.reason));
      check(res.ok, 'framingErrorResponse threw SipParseError');
      if (res.value !== undefined) serializesCleanly('framing error answer', res.value as SipMessage, false);
    }
  }
}
