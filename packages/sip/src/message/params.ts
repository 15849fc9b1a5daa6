import { TOKEN, allIn, skipWsTo } from './chars.js';
import { fail } from './errors.js';
import { lowerName } from './names.js';
import { ParamList } from './param-list.js';
import type { Params } from './types.js';

/** Where the last {@link readQuotedAt} or {@link readParams} call stopped (saves a tuple per call). */
export const scanned = { end: 0 };

/**
 * Reads a quoted-string starting at the `"` at index `i` (RFC 3261 §25.1),
 * resolving `\`-escapes. Returns the text; `scanned.end` is the index after
 * the closing quote.
 */
export function readQuotedAt(s: string, i: number, end = s.length): string {
  let out = '';
  let from = i + 1;
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 92) {
      // quoted-pair: "\" (%x00-09 / %x0B-0C / %x0E-7F)
      if (j + 1 >= end) break;
      out += s.slice(from, j);
      from = j + 1;
      j++;
    } else if (c === 34) {
      scanned.end = j + 1;
      return out + s.slice(from, j);
    }
  }
  return fail('Unterminated quoted string');
}

/** An empty map that refuses changes. */
class FrozenEmptyMap<V> extends Map<string, V> {
  override set(): this {
    throw new TypeError('parsed values are snapshots: build a new value to change them');
  }
}

/** Shared by every parsed value without parameters (most URIs, many To headers): one allocation less each. */
export const NO_PARAMS: Params = new FrozenEmptyMap<string | null>();

/** Shared by every parsed URI without `?headers` (nearly all). */
export const NO_HEADERS: Map<string, string> = new FrozenEmptyMap<string>();

/** Chars that end an unquoted parameter value: `;` `,` SP HTAB `"` `<` `>`. */
const VALUE_END = new Uint8Array(128);
for (const c of ';, \t"<>') VALUE_END[c.charCodeAt(0)] = 1;

/** Where the readers gather `[name, value, …]` before one exactly sized copy (a list grown by push would reserve spare room). */
const scratch: Array<string | null> = [];

/** Entries gathered at most before a reader hands the rest to a ParamList, whose index keeps hostile input from being quadratic. */
export const GATHER_MAX = 32;

/**
 * Adds `name` → `value` to the gathered `[0, n)` as `ParamList.set` would (a
 * repeated name keeps its first place and takes the last value); returns the
 * new length. Callers keep `n` below {@link GATHER_MAX}.
 */
export function gatherParam(n: number, name: string, value: string | null): number {
  for (let k = 0; k < n; k += 2) {
    if (scratch[k] === name) {
      scratch[k + 1] = value;
      return n;
    }
  }
  scratch[n] = name;
  scratch[n + 1] = value;
  return n + 2;
}

/** The gathered `[0, n)` as a new, exactly sized array. */
export function gatheredArray(n: number): Array<string | null> {
  const s = scratch;
  // Literals for the usual one to three parameters: no builtin call.
  if (n === 2) return [s[0] as string, s[1] as string | null];
  if (n === 4) return [s[0] as string, s[1] as string | null, s[2] as string, s[3] as string | null];
  if (n === 6) {
    return [
      s[0] as string,
      s[1] as string | null,
      s[2] as string,
      s[3] as string | null,
      s[4] as string,
      s[5] as string | null,
    ];
  }
  return s.slice(0, n);
}

/** The gathered `[0, n)` (n > 0) as a new ParamList over an exactly sized array. */
export function gatheredList(n: number): ParamList {
  return new ParamList(gatheredArray(n));
}

/**
 * Parses `*( SEMI generic-param )` with optional LWS (RFC 3261 §25.1
 * `generic-param`) from index `i` (up to `end`) into a new {@link ParamList},
 * or the shared empty {@link NO_PARAMS} when there are none; names are
 * lower-cased, a name without value maps to null, a repeated name keeps its
 * first place and its last value. Stops at the first char that does not start
 * a parameter; `scanned.end` is its index.
 */
export function readParams(s: string, i: number, end = s.length): Params {
  i = skipWsTo(s, i, end);
  if (i >= end || s.charCodeAt(i) !== 59 /* ; */) {
    scanned.end = i;
    return NO_PARAMS;
  }
  let n = 0;
  let list: ParamList | undefined;
  do {
    i = skipWsTo(s, i + 1, end);
    const nameStart = i;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c >= 128 || TOKEN[c] === 0) break;
      i++;
    }
    if (i === nameStart) fail('Empty parameter');
    const name = lowerName(s, nameStart, i);
    let value: string | null = null;
    if (i < end && s.charCodeAt(i) !== 61 /* = */) i = skipWsTo(s, i, end);
    if (i < end && s.charCodeAt(i) === 61) {
      i = skipWsTo(s, i + 1, end);
      if (i < end && s.charCodeAt(i) === 34) {
        value = readQuotedAt(s, i, end);
        i = scanned.end;
      } else {
        const vStart = i;
        while (i < end) {
          const c = s.charCodeAt(i);
          if (c < 128 && VALUE_END[c] === 1) break;
          i++;
        }
        if (i === vStart) fail('Empty parameter value');
        value = s.slice(vStart, i);
      }
    }
    if (list !== undefined) list.set(name, value);
    else if (n < GATHER_MAX) n = gatherParam(n, name, value);
    else list = gatheredList(n).set(name, value);
    if (i < end && s.charCodeAt(i) !== 59) i = skipWsTo(s, i, end);
  } while (i < end && s.charCodeAt(i) === 59);
  scanned.end = i;
  return list ?? gatheredList(n);
}

const HOSTISH = new Uint8Array(TOKEN);
HOSTISH[58] = 1; // ':' (IPv6)
HOSTISH[91] = 1; // '['
HOSTISH[93] = 1; // ']'

/** Quotes a parameter value when it is not a token or host (RFC 3261 §25.1 `gen-value`). */
export function formatParamValue(v: string): string {
  if (allIn(HOSTISH, v)) return v;
  return '"' + v.replace(/["\\]/g, '\\$&') + '"';
}

/** Formats parameters as `;name=value;flag` (values quoted when needed). */
export function formatParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? ';' + k : ';' + k + '=' + formatParamValue(v);
  return out;
}
