/**
 * Byte and line mutations for the fuzz harness, as data (so fast-check can
 * shrink a failing case to the fewest, smallest mutations): flips,
 * truncation, spans deleted or duplicated, header lines duplicated or
 * swapped, huge values, odd whitespace and folding, NULs, non-UTF-8 octets,
 * random Content-Length.
 */
import fc from 'fast-check';

/** One mutation; positions are taken modulo the input length when applied. */
export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly byte: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly kind: 'dupLine'; readonly line: number }
  | { readonly kind: 'swapLines'; readonly a: number; readonly b: number }
  | { readonly kind: 'fold'; readonly line: number; readonly at: number; readonly ws: string }
  | { readonly kind: 'huge'; readonly line: number; readonly times: number }
  | { readonly kind: 'contentLength'; readonly value: string }
  | { readonly kind: 'leading'; readonly text: string }
  | { readonly kind: 'lineEnds'; readonly to: string };

/** Octets that tend to matter to a SIP parser. */
const INTERESTING = [
  0, 9, 10, 13, 32, 34, 37, 44, 47, 58, 59, 60, 61, 62, 63, 64, 91, 92, 93, 0x7f, 0x80, 0xc0, 0xc3, 0xe2, 0xff,
];

const at = fc.nat();
const interestingByte = fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: 0, max: 255 }));

/** An arbitrary mutation. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at, byte: interestingByte }),
  fc.record({
    kind: fc.constant('insert' as const),
    at,
    bytes: fc.array(interestingByte, { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at }),
  fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at, length: fc.integer({ min: 1, max: 60 }) }),
  fc.record({ kind: fc.constant('dupLine' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({
    kind: fc.constant('fold' as const),
    line: fc.nat(),
    at: fc.nat(),
    ws: fc.constantFrom('\r\n ', '\r\n\t', '\r\n   \t', ' \t ', '\r\n', '\n '),
  }),
  fc.record({ kind: fc.constant('huge' as const), line: fc.nat(), times: fc.constantFrom(10, 100, 1000, 5000) }),
  fc.record({
    kind: fc.constant('contentLength' as const),
    value: fc.oneof(
      fc.nat({ max: 5000 }).map(String),
      fc.constantFrom('-1', '', ' 5', '1e3', '0x10', '99999999999', '00000000000000000000001', '4294967296'),
    ),
  }),
  fc.record({ kind: fc.constant('leading' as const), text: fc.constantFrom('\r\n', '\r\n\r\n', ' ', '\n', '\0') }),
  fc.record({ kind: fc.constant('lineEnds' as const), to: fc.constantFrom('\n', '\r', '\r\r\n', '\n\r') }),
);

/** Index of the CRLFCRLF ending the header section, or the length when there is none. */
function headEnd(b: Buffer): number {
  const i = b.indexOf('\r\n\r\n');
  return i < 0 ? b.length : i;
}

/** Header section split into lines (start line first) and the rest (from the blank line on). */
function lines(b: Buffer): { lines: Buffer[]; rest: Buffer } {
  const end = headEnd(b);
  const out: Buffer[] = [];
  let pos = 0;
  while (pos <= end) {
    const eol = b.indexOf('\r\n', pos);
    const stop = eol < 0 || eol > end ? end : eol;
    out.push(b.subarray(pos, stop));
    pos = stop + 2;
    if (stop === end) break;
  }
  return { lines: out, rest: b.subarray(end) };
}

function join(ls: readonly Buffer[], rest: Buffer): Buffer {
  const parts: Buffer[] = [];
  ls.forEach((l, i) => {
    if (i > 0) parts.push(Buffer.from('\r\n'));
    parts.push(l);
  });
  parts.push(rest);
  return Buffer.concat(parts);
}

/** Applies one mutation (never throws; an empty input stays mostly empty). */
export function applyMutation(b: Buffer, m: Mutation): Buffer {
  const n = b.length;
  const pos = (x: number): number => (n === 0 ? 0 : x % n);
  switch (m.kind) {
    case 'flip': {
      if (n === 0) return b;
      const c = Buffer.from(b);
      c[pos(m.at)] ^= 1 << m.bit;
      return c;
    }
    case 'set': {
      if (n === 0) return b;
      const c = Buffer.from(b);
      c[pos(m.at)] = m.byte;
      return c;
    }
    case 'insert':
      return Buffer.concat([b.subarray(0, pos(m.at)), Buffer.from(m.bytes), b.subarray(pos(m.at))]);
    case 'truncate':
      return b.subarray(0, pos(m.at));
    case 'delete':
      return Buffer.concat([b.subarray(0, pos(m.at)), b.subarray(Math.min(n, pos(m.at) + m.length))]);
    case 'duplicate': {
      const s = b.subarray(pos(m.at), pos(m.at) + m.length);
      return Buffer.concat([b.subarray(0, pos(m.at) + s.length), s, b.subarray(pos(m.at) + s.length)]);
    }
    case 'dupLine': {
      const { lines: ls, rest } = lines(b);
      if (ls.length < 2) return b;
      const i = 1 + (m.line % (ls.length - 1));
      const l = ls[i] ?? Buffer.alloc(0);
      return join([...ls.slice(0, i + 1), l, ...ls.slice(i + 1)], rest);
    }
    case 'swapLines': {
      const { lines: ls, rest } = lines(b);
      if (ls.length < 2) return b;
      const c = [...ls];
      const i = m.a % c.length;
      const j = m.b % c.length;
      [c[i], c[j]] = [c[j] ?? Buffer.alloc(0), c[i] ?? Buffer.alloc(0)];
      return join(c, rest);
    }
    case 'fold': {
      const { lines: ls, rest } = lines(b);
      if (ls.length < 2) return b;
      const i = 1 + (m.line % (ls.length - 1));
      const l = ls[i] ?? Buffer.alloc(0);
      const k = l.length === 0 ? 0 : m.at % l.length;
      const c = [...ls];
      c[i] = Buffer.concat([l.subarray(0, k), Buffer.from(m.ws), l.subarray(k)]);
      return join(c, rest);
    }
    case 'huge': {
      const { lines: ls, rest } = lines(b);
      if (ls.length < 2) return b;
      const i = 1 + (m.line % (ls.length - 1));
      const l = ls[i] ?? Buffer.alloc(0);
      const colon = l.indexOf(':');
      const value = colon < 0 ? l : l.subarray(colon + 1);
      const piece = value.length === 0 ? Buffer.from('x') : value;
      // Bounded: a few mutations in a row must not grow a message past ~200 KB.
      const times = Math.min(m.times, Math.ceil(70000 / piece.length));
      if (b.length > 140000) return b;
      const c = [...ls];
      c[i] = Buffer.concat([l, ...Array.from({ length: times }, () => piece)]);
      return join(c, rest);
    }
    case 'contentLength': {
      const { lines: ls, rest } = lines(b);
      const c = ls.filter((l) => !/^(content-length|l)\s*:/i.test(l.toString('latin1')));
      c.push(Buffer.from('Content-Length: ' + m.value));
      return join(c, rest);
    }
    case 'leading':
      return Buffer.concat([Buffer.from(m.text), b]);
    case 'lineEnds': {
      const end = headEnd(b);
      const head = b.subarray(0, end).toString('latin1').split('\r\n').join(m.to);
      return Buffer.concat([Buffer.from(head, 'latin1'), b.subarray(end)]);
    }
  }
}

/** Applies mutations in order. */
export function applyMutations(b: Buffer, ms: readonly Mutation[]): Buffer {
  return ms.reduce(applyMutation, b);
}

/** `base` with up to `max` mutations applied. */
export function mutated(base: fc.Arbitrary<Buffer>, max = 4): fc.Arbitrary<Buffer> {
  return fc.tuple(base, fc.array(mutation, { maxLength: max })).map(([b, ms]) => applyMutations(b, ms));
}

/** Characters that tend to matter inside header values. */
const VALUE_CHARS = ' \t:;,<>"\\%@=/?&[]*.+0123456789abcsipSIPtagbranchz9hG4bK\u00e9\u0000\u00ff';

/** One character-level edit: at `at`, delete `del` characters and insert `ins`. */
export interface StringOp {
  readonly at: number;
  readonly del: number;
  readonly ins: string;
}

/** An arbitrary character-level edit. */
export const stringOp: fc.Arbitrary<StringOp> = fc.record({
  at: fc.nat(),
  del: fc.integer({ min: 0, max: 6 }),
  ins: fc.string({ unit: fc.constantFrom(...VALUE_CHARS), maxLength: 4 }),
});

/** Applies character-level edits in order. */
export function applyStringOps(s: string, ops: readonly StringOp[]): string {
  return ops.reduce((acc, o) => {
    const i = acc.length === 0 ? 0 : o.at % (acc.length + 1);
    return acc.slice(0, i) + o.ins + acc.slice(i + o.del);
  }, s);
}

/** A string mutated at character level (for header value parsers). */
export function mutatedString(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(base, fc.array(stringOp, { maxLength: 3 })).map(([s, ops]) => applyStringOps(s, ops));
}

/** Strings over the characters a header value parser cares about. */
export const valueSoup: fc.Arbitrary<string> = fc.string({ unit: fc.constantFrom(...VALUE_CHARS), maxLength: 40 });
