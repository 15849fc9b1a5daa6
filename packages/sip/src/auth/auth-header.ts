/**
 * Generic codec for the authentication header grammar shared by
 * WWW-Authenticate, Proxy-Authenticate, Authorization and Proxy-Authorization
 * (RFC 3261 §25.1 `challenge` / `credentials`, RFC 7235 §2.1 `auth-param`).
 *
 * Parsing is lenient where real phones are sloppy (values quoted or not,
 * several challenges in one value, empty list elements) and strict where a
 * sloppy reading could change meaning (unterminated quotes, duplicate names).
 */

/** Result of a parse that can fail on peer input: failures are values, never throws. */
export type AuthParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** One `scheme param=value, …` item of an authentication header. */
export interface AuthItem {
  /** The scheme as written (`Digest`, `Basic`, …); compare case-insensitively. */
  readonly scheme: string;
  /** Parameters with lower-cased names; quoted values are unquoted and unescaped. */
  readonly params: ReadonlyMap<string, string>;
  /** Names of the parameters whose value was a quoted-string. */
  readonly quoted: ReadonlySet<string>;
  /** The `token68` form (`Basic QWxh…==`), when the scheme used it instead of params. */
  readonly token68?: string;
}

interface MutableItem {
  scheme: string;
  params: Map<string, string>;
  quoted: Set<string>;
  token68?: string;
}

const isWs = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

// RFC 3261 §25.1 token characters.
const TOKEN_CHAR = /[A-Za-z0-9\-.!%*_+`'~]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

/** Parses an authentication header value into its items (usually one; RFC 7235 allows several). */
export function parseAuthHeader(input: string): AuthParseResult<AuthItem[]> {
  const items: MutableItem[] = [];
  let current: MutableItem | undefined;
  let i = 0;
  const n = input.length;
  const skipWs = (): void => {
    while (i < n && isWs(input[i])) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && TOKEN_CHAR.test(input[i])) i++;
    return input.slice(start, i);
  };

  for (;;) {
    // Empty list elements (`a=1,,b=2`) are allowed by the `#rule` (RFC 7230 §7).
    while (i < n && (isWs(input[i]) || input[i] === ',')) i++;
    if (i >= n) break;
    const nameStart = i;
    const name = readToken();
    if (name === '') return { ok: false, reason: `unexpected '${input[i]}' at offset ${i}` };
    const afterName = i;
    skipWs();
    if (input[i] !== '=') {
      // A token not followed by `=` starts a new challenge/credentials item.
      if (afterName === i && i < n && input[i] !== ',') {
        return { ok: false, reason: `unexpected '${input[i]}' after '${name}'` };
      }
      current = { scheme: name, params: new Map(), quoted: new Set() };
      items.push(current);
      // `Basic QWxh…==`: a token68 that fills the whole element, not `name=value`.
      const m = TOKEN68.exec(input.slice(i));
      if (m) {
        let k = i + m[0].length;
        while (k < n && isWs(input[k])) k++;
        if (k >= n || input[k] === ',') {
          current.token68 = m[0];
          i += m[0].length;
        }
      }
      continue;
    }
    if (!current) return { ok: false, reason: 'missing authentication scheme' };
    i++; // '='
    skipWs();
    const key = name.toLowerCase();
    let value: string;
    if (input[i] === '"') {
      const q = readQuoted(input, i);
      if (!q.ok) return q;
      value = q.value.text;
      i = q.value.end;
      current.quoted.add(key);
    } else {
      // Lenient: an unquoted value runs to the next comma or space. Peers send
      // base64 nonces (with `/`, `+`, `=`) unquoted now and then.
      const start = i;
      while (i < n && input[i] !== ',' && !isWs(input[i]) && input[i] !== '"') i++;
      value = input.slice(start, i);
      if (value === '') return { ok: false, reason: `empty value for '${name}'` };
    }
    if (current.params.has(key)) return { ok: false, reason: `duplicate parameter '${name}'` };
    current.params.set(key, value);
    skipWs();
    if (i < n && input[i] !== ',') {
      return { ok: false, reason: `expected ',' after '${input.slice(nameStart, i)}'` };
    }
  }
  if (items.length === 0) return { ok: false, reason: 'empty authentication header' };
  return { ok: true, value: items };
}

/** Reads a quoted-string starting at the opening quote; resolves `\` escapes (RFC 3261 §25.1 quoted-pair). */
function readQuoted(input: string, open: number): AuthParseResult<{ text: string; end: number }> {
  let out = '';
  let i = open + 1;
  while (i < input.length) {
    const c = input[i];
    if (c === '"') return { ok: true, value: { text: out, end: i + 1 } };
    if (c === '\\') {
      const next = input[i + 1];
      if (next === undefined || next === '\r' || next === '\n') break;
      out += next;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  return { ok: false, reason: 'unterminated quoted-string' };
}

/** Formats a quoted-string, escaping `"` and `\` (RFC 3261 §25.1). */
export function quoteString(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** One parameter to format: quoted or bare. */
export type AuthParam = readonly [name: string, value: string, quoted: boolean];

/** Formats `scheme name="v", name=v` from an ordered parameter list. */
export function formatAuthHeader(scheme: string, params: readonly AuthParam[]): string {
  const parts = params.map(([name, value, quoted]) => `${name}=${quoted ? quoteString(value) : value}`);
  return `${scheme} ${parts.join(', ')}`;
}
