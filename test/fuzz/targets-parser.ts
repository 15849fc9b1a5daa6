/** Fuzz targets of the SIP parser group: messages, header values, stream framing. */
import fc from 'fast-check';
import { assemble, messageParts, nameAddrString, rfc4475Seeds, uriString, viaString } from './gen-sip.js';
import { mutated, mutatedString, valueSoup } from './mutate.js';
import { checkConsumers } from './prop-consumers.js';
import { checkDigest, digestCase } from './prop-digest.js';
import { checkFraming, checkMessage } from './prop-parser.js';
import { checkHeaderValue } from './prop-values.js';
import { target } from './target.js';
import type { FuzzTarget } from './target.js';
import type { ParseOptions } from '@herald/sip';

/** Parse options worth varying: datagram or stream framing, tight size and header caps. */
const parseOptions: fc.Arbitrary<ParseOptions | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  fc.record({
    datagram: fc.boolean(),
    maxSize: fc.constantFrom(65536, 1300, 200, 1),
    maxHeaders: fc.constantFrom(256, 8, 1),
  }),
);

const structured = mutated(messageParts.map((p) => assemble(p)));
const seeds = rfc4475Seeds.length > 0 ? fc.constantFrom(...rfc4475Seeds) : fc.constant(Buffer.from(''));
const fromCorpus = mutated(seeds, 6);
const SIPISH = Buffer.from('SUBSCRIBE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n');
const rawBytes = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.concat([SIPISH, Buffer.from(a), Buffer.from('\r\n\r\n')])),
  fc
    .string({ unit: fc.constantFrom(...' \r\n:;,<>"SIP/2.0 INVITE sip:@vtfim0123456789'), maxLength: 300 })
    .map((s) => Buffer.from(s, 'latin1')),
);

const headerValue = fc.oneof(
  uriString,
  nameAddrString,
  viaString,
  valueSoup,
  mutatedString(fc.oneof(uriString, nameAddrString, viaString)),
  mutatedString(
    fc.constantFrom(
      'Digest username="alice", realm="example.com", nonce="abc", uri="sip:example.com", response="0a", qop=auth, nc=00000001, cnonce="x"',
      'Digest realm="example.com", nonce="n", algorithm=SHA-256, qop="auth,auth-int", stale=TRUE',
      '1 INVITE',
      'terminated;reason=timeout;retry-after=10',
      'presence;id=a;x="q"',
    ),
  ),
);

/** Several (mutated) messages back to back, with the cut points of a chunked feed. */
const stream = fc.tuple(
  fc.array(fc.oneof(structured, fromCorpus, fc.constantFrom(Buffer.from('\r\n\r\n'), Buffer.from('\r\n'))), {
    minLength: 1,
    maxLength: 3,
  }),
  fc.array(fc.integer({ min: 1, max: 80 }), { maxLength: 12 }),
  // The framer's buffer cap: roomy, or small enough that the 413 paths run.
  fc.constantFrom(1 << 20, 2000, 300),
);

/** The parser group. */
export const parserTargets: readonly FuzzTarget[] = [
  target('parser/structured', 'parser', 200, fc.tuple(structured, parseOptions), ([data, opts]) => {
    checkMessage(data, opts);
  }),
  target('parser/rfc4475-mutated', 'parser', 300, fc.tuple(fromCorpus, parseOptions), ([data, opts]) => {
    checkMessage(data, opts);
  }),
  target('parser/raw-bytes', 'parser', 300, rawBytes, (data) => {
    checkMessage(data);
  }),
  target('parser/header-values', 'parser', 600, headerValue, checkHeaderValue),
  target('parser/digest', 'parser', 150, digestCase, checkDigest, true),
  target('parser/consumers', 'parser', 200, fc.oneof(structured, fromCorpus), checkConsumers),
  target('parser/stream-framing', 'parser', 100, stream, ([messages, cuts, cap]) => {
    checkFraming(Buffer.concat(messages), cuts, cap);
  }),
];
