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

/**
 * Parses `*( SEMI generic-param )` with optional LWS (RFC 3261 §25.1
 * `generic-param`) from index `i` (up to `end`) into `params`; names are
 * lower-cased, a name without value maps to null. Stops at the first char
 * that does not start a parameter and returns its index.
 */
export function parseParams(s: string, i: number, params: ParamList, end = s.length): number {
  for (;;) {
    i = skipWsTo(s, i, end);
    if (i >= end || s.charCodeAt(i) !== 59 /* ; */) return i;
    i = skipWsTo(s, i + 1, end);
    const nameStart = i;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c >= 128 || TOKEN[c] === 0) break;
      i++;
    }
    if (i === nameStart) fail('Empty parameter');
    const name = lowerName(s, nameStart, i);
    i = skipWsTo(s, i, end);
    if (i < end && s.charCodeAt(i) === 61 /* = */) {
      i = skipWsTo(s, i + 1, end);
      if (i < end && s.charCodeAt(i) === 34) {
        params.set(name, readQuotedAt(s, i, end));
        i = scanned.end;
      } else {
        const vStart = i;
        while (i < end) {
          const c = s.charCodeAt(i);
          if (c < 128 && VALUE_END[c] === 1) break;
          i++;
        }
        if (i === vStart) fail('Empty parameter value');
        params.set(name, s.slice(vStart, i));
      }
    } else {
      params.set(name, null);
    }
  }
}

/**
 * {@link parseParams} into a new {@link ParamList}, or the shared empty {@link NO_PARAMS}
 * when there are none; `scanned.end` is where it stopped.
 */
export function readParams(s: string, i: number, end = s.length): Params {
  const at = skipWsTo(s, i, end);
  if (at >= end || s.charCodeAt(at) !== 59) {
    scanned.end = at;
    return NO_PARAMS;
  }
  const params = new ParamList();
  scanned.end = parseParams(s, at, params, end);
  params.seal();
  return params;
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
