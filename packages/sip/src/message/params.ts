import { TOKEN, allIn, skipWs } from './chars.js';
import { fail } from './errors.js';
import type { Params } from './types.js';

/**
 * Reads a quoted-string starting at the `"` at index `i` (RFC 3261 §25.1),
 * resolving `\`-escapes. Returns the text and the index after the closing quote.
 */
export function readQuoted(s: string, i: number): [string, number] {
  let out = '';
  let from = i + 1;
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 92) {
      // quoted-pair: "\" (%x00-09 / %x0B-0C / %x0E-7F)
      if (j + 1 >= s.length) break;
      out += s.slice(from, j);
      from = j + 1;
      j++;
    } else if (c === 34) {
      return [out + s.slice(from, j), j + 1];
    }
  }
  return fail('Unterminated quoted string');
}

/** Chars that end an unquoted parameter value: `;` `,` SP HTAB `"` `<` `>`. */
const VALUE_END = new Uint8Array(128);
for (const c of ';, \t"<>') VALUE_END[c.charCodeAt(0)] = 1;

/**
 * Parses `*( SEMI generic-param )` with optional LWS (RFC 3261 §25.1
 * `generic-param`) from index `i` into `params`; names are lower-cased, a
 * name without value maps to null. Stops at the first char that does not
 * start a parameter and returns its index.
 */
export function parseParams(s: string, i: number, params: Params): number {
  for (;;) {
    i = skipWs(s, i);
    if (i >= s.length || s.charCodeAt(i) !== 59 /* ; */) return i;
    i = skipWs(s, i + 1);
    const nameStart = i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c >= 128 || TOKEN[c] === 0) break;
      i++;
    }
    if (i === nameStart) fail('Empty parameter');
    const name = s.slice(nameStart, i).toLowerCase();
    i = skipWs(s, i);
    if (i < s.length && s.charCodeAt(i) === 61 /* = */) {
      i = skipWs(s, i + 1);
      if (i < s.length && s.charCodeAt(i) === 34) {
        const [v, next] = readQuoted(s, i);
        params.set(name, v);
        i = next;
      } else {
        const vStart = i;
        while (i < s.length) {
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
