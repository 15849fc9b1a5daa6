import { isUtf8 } from 'node:buffer';

/**
 * Character classes of RFC 3261 §25.1 as lookup tables, indexed by char code
 * (codes ≥ 128 are never members).
 */

function table(chars: string, alnum: boolean): Uint8Array {
  const t = new Uint8Array(128);
  if (alnum) {
    for (let c = 48; c <= 57; c++) t[c] = 1;
    for (let c = 65; c <= 90; c++) t[c] = 1;
    for (let c = 97; c <= 122; c++) t[c] = 1;
  }
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"). */
export const TOKEN = table("-.!%*_+`'~", true);
/** unreserved = alphanum / mark. */
const MARK = "-_.!~*'()";
/** Characters of a SIP URI user part besides escapes (user-unreserved included). */
export const USER = table(MARK + '&=+$,;?/', true);
/** Characters of a SIP URI password besides escapes. */
export const PASSWORD = table(MARK + '&=+$,', true);
/** paramchar = param-unreserved / unreserved (escapes handled apart). */
export const PARAMCHAR = table(MARK + '[]/:&+$', true);
/** hnv-unreserved / unreserved, for URI header names and values. */
export const HCHAR = table(MARK + '[]/?:+$', true);
/** Host name characters (hostname, IPv4address); IPv6 references are handled apart. */
export const HOST = table('-.', true);
/** word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}"), used by Call-ID. */
export const WORD = table('-.!%*_+`\'~()<>:\\"/[]?{}', true);

/** Table `t` as a regular expression char class (each member as `\\xHH`, so none needs escaping). */
export function charClass(t: Uint8Array): string {
  let out = '';
  for (let c = 0; c < 128; c++) if (t[c] === 1) out += '\\x' + c.toString(16).padStart(2, '0');
  return '[' + out + ']';
}

/** True when every char of `s` from `start` to `end` is in table `t` and the range is non-empty. */
export function allIn(t: Uint8Array, s: string, start = 0, end = s.length): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || t[c] === 0) return false;
  }
  return true;
}

/** True for SP or HTAB. */
export function isWs(c: number): boolean {
  return c === 32 || c === 9;
}

/** Index of the first non-SP/HTAB char at or after `i` (LWS after unfolding is only SP/HTAB). */
export function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** {@link skipWs} that stops at `end` (for a value inside a larger text). */
export function skipWsTo(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** `s` with surrounding SP/HTAB removed. */
export function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWs(s.charCodeAt(a))) a++;
  while (b > a && isWs(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Decodes `%HH` escapes (RFC 3261 §19.1.2). The octets are read as UTF-8 when
 * valid, else one char per octet, so nothing is lost. Returns undefined for a
 * `%` not followed by two hex digits.
 */
export function unescape(s: string): string | undefined {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      if (i + 2 >= s.length) return undefined;
      const h = hexVal(s.charCodeAt(i + 1));
      const l = hexVal(s.charCodeAt(i + 2));
      if (h < 0 || l < 0) return undefined;
      const b = (h << 4) | l;
      if (b >= 128) ascii = false;
      bytes.push(b);
      i += 2;
    } else if (c < 128) {
      bytes.push(c);
    } else {
      // Already-decoded text beyond ASCII: re-encode as UTF-8 octets.
      const enc = Buffer.from(s[i] ?? '', 'utf8');
      for (const b of enc) bytes.push(b);
      ascii = false;
    }
  }
  const buf = Buffer.from(bytes);
  if (ascii) return buf.toString('latin1');
  return isUtf8(buf) ? buf.toString('utf8') : buf.toString('latin1');
}

const ESCAPE_HEX = '0123456789ABCDEF';

/** `%HH`-escapes every char of `s` outside table `t` (UTF-8 octets for non-ASCII). */
export function escape(s: string, t: Uint8Array): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || t[c] === 0) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if (b < 128 && t[b] === 1) out += String.fromCharCode(b);
    else out += '%' + (ESCAPE_HEX[b >> 4] ?? '0') + (ESCAPE_HEX[b & 15] ?? '0');
  }
  return out;
}

/**
 * Octet classes for the one-pass readers over a datagram's octets: one
 * 256-entry table of bits, so each octet is looked up once and octets ≥ 128
 * need no range check (they are in no class but {@link O_QUOTED}).
 */
export const OCTET = new Uint8Array(256);
/** `[0-9a-z.-]`: a host name or IPv4 address in the usual (lower-case) shape. */
export const O_HOST = 1;
/** {@link USER}: a SIP URI user without escapes. */
export const O_USER = 2;
/** {@link PARAMCHAR}: a SIP URI parameter name or value without escapes. */
export const O_PARAM = 4;
/** {@link TOKEN}: a header parameter name, a Via transport. */
export const O_TOKEN = 8;
/** An unquoted header parameter value in the usual shape: ASCII but `;` `,` `"` `<` `>` and whitespace. */
export const O_VALUE = 16;
/** An unquoted display name: token chars, SP, HTAB. */
export const O_DISPLAY = 32;
/** A quoted display name without escapes: any octet but `"` `\` CR LF. */
export const O_QUOTED = 64;
/** `[0-9]`. */
export const O_DIGIT = 128;
for (let c = 0; c < 256; c++) {
  let bits = 0;
  if ((c >= 48 && c <= 57) || (c >= 97 && c <= 122) || c === 46 || c === 45) bits |= O_HOST;
  if (c < 128 && USER[c] === 1) bits |= O_USER;
  if (c < 128 && PARAMCHAR[c] === 1) bits |= O_PARAM;
  if (c < 128 && TOKEN[c] === 1) bits |= O_TOKEN | O_DISPLAY;
  if (c < 128 && ';,"<> \t\n\v\f\r'.indexOf(String.fromCharCode(c)) < 0) bits |= O_VALUE;
  if (c === 32 || c === 9) bits |= O_DISPLAY;
  if (c !== 34 && c !== 92 && c !== 13 && c !== 10) bits |= O_QUOTED;
  if (c >= 48 && c <= 57) bits |= O_DIGIT;
  OCTET[c] = bits;
}

/**
 * The first index in `[i, pe)` whose octet in `b` is not in the class `bit`
 * of {@link OCTET}, or `pe`. Four octets a step while they last: the loop's
 * own compares, not the lookups, are most of the cost of a long run
 * (a branch id, a tag).
 */
export function skipOctets(b: Uint8Array, i: number, pe: number, bit: number): number {
  const t = OCTET;
  while (i + 4 <= pe) {
    const ab = (t[b[i] as number] as number) & (t[b[i + 1] as number] as number);
    const cd = (t[b[i + 2] as number] as number) & (t[b[i + 3] as number] as number);
    if ((ab & cd & bit) === 0) break;
    i += 4;
  }
  while (i < pe && ((t[b[i] as number] as number) & bit) !== 0) i++;
  return i;
}
