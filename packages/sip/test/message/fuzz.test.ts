/**
 * Deterministic mutation fuzzing of the RFC 4475 corpus: whatever the bytes,
 * parsing and every accessor either succeed or throw SipParseError, and
 * whatever parses also serializes and parses again.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { SipParseError, parseMessage, serializeMessage, statelessErrorResponse } from '@herald/sip';
import type { SipMessage } from '@herald/sip';

const DIR = new URL('../../../../../shared/testdata/rfc4475/', import.meta.url);
const files = (JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as Array<{ file: string }>).map((e) =>
  readFileSync(new URL(e.file, DIR)),
);

/** xorshift32: the same sequence on every run. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const INTERESTING = Buffer.from(' \t\r\n:;,<>"\\%@=/?[]*0SIPsip');

function mutate(src: Buffer, rand: () => number): Buffer {
  const b = Buffer.from(src);
  const kind = Math.floor(rand() * 4);
  const at = Math.floor(rand() * b.length);
  switch (kind) {
    case 0: // overwrite a few bytes with interesting ones
      for (let k = 0; k < 1 + rand() * 4; k++)
        b[(at + k) % b.length] = INTERESTING[Math.floor(rand() * INTERESTING.length)] ?? 32;
      return b;
    case 1: // truncate
      return b.subarray(0, at);
    case 2: // delete a span
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(rand() * 20)))]);
    default: // duplicate a span
      return Buffer.concat([b.subarray(0, at), b.subarray(at, at + Math.floor(rand() * 40)), b.subarray(at)]);
  }
}

function readEverything(m: SipMessage): void {
  const reads: Array<() => unknown> = [
    () => m.via.map((v) => v.branch),
    () => m.topVia,
    () => m.from?.uri.host,
    () => m.to?.uri.params,
    () => {
      const c = m.contact;
      return c === '*' ? c : c?.map((x) => x.uri.user);
    },
    () => m.cseq,
    () => m.maxForwards,
    () => m.expires,
    () => m.event,
    () => m.subscriptionState,
    () => m.route.map((r) => r.uri.host),
    () => m.recordRoute.map((r) => r.uri.host),
    () => m.contentType,
    () => (m.kind === 'request' ? m.uri.host : m.status),
  ];
  for (const read of reads) {
    try {
      read();
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
    }
  }
}

t.test('mutated torture messages never crash the parser', (t) => {
  const rand = rng(0x5eed);
  let parsed = 0;
  let rejected = 0;
  for (let round = 0; round < 60; round++) {
    for (const src of files) {
      const data = mutate(src, rand);
      let msg: SipMessage;
      try {
        msg = parseMessage(data);
      } catch (e) {
        if (!(e instanceof SipParseError)) throw e;
        statelessErrorResponse(e);
        rejected++;
        continue;
      }
      parsed++;
      readEverything(msg);
      const again = parseMessage(serializeMessage(msg));
      if (again.headers.getAll('Via').length !== msg.headers.getAll('Via').length) t.fail('Via lost in round trip');
    }
  }
  t.ok(parsed > 100, `parsed ${parsed}`);
  t.ok(rejected > 100, `rejected ${rejected}`);
  t.end();
});
