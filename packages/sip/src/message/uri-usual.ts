/**
 * The usual `sip:`/`sips:` URI (nearly every one a phone sends), checked by one
 * sticky regular expression and then read without checking a char again; its
 * parameters are read on first use. Any other URI goes to the general reader
 * in uri.ts, which decides it with its own errors.
 */
import { OCTET, O_DIGIT, O_HOST, O_PARAM, O_USER, PARAMCHAR, USER, charClass, skipOctets } from './chars.js';
import { lowerName } from './names.js';
import { ParamList, UNREAD } from './param-list.js';
import { GATHER_MAX, NO_HEADERS, NO_PARAMS, gatherParam, gatheredArray, gatheredList } from './params.js';
import type { Params, SipUri } from './types.js';

/**
 * Reads the parameters `s[i, end)` of a usual URI (known to match
 * {@link USUAL_SIP_URI_SOURCE}: no char is checked again) into a new
 * `[name, value, …]` array, as {@link readUriParams} would.
 */
function readUsualUriParams(s: string, i: number, end: number): Array<string | null> {
  let n = 0;
  let list: ParamList | undefined;
  let c = 0;
  // Each parameter starts at a ';' and holds at most one '=' (neither is a paramchar).
  while (i < end) {
    const nameStart = ++i;
    while (i < end) {
      c = s.charCodeAt(i);
      if (c === 61 || c === 59) break;
      i++;
    }
    const name = lowerName(s, nameStart, i);
    let value: string | null = null;
    if (i < end && c === 61) {
      const vStart = ++i;
      while (i < end && s.charCodeAt(i) !== 59) i++;
      value = s.slice(vStart, i);
    }
    if (list !== undefined) list.set(name, value);
    else if (n < GATHER_MAX) n = gatherParam(n, name, value);
    else list = gatheredList(n).set(name, value);
  }
  return list !== undefined ? [...list.flat] : gatheredArray(n);
}

/**
 * The parameters of a usual URI: checked with it, read on first use. Behaves
 * as any ParamList (the reading is not observable: it cannot fail).
 */
class UsualUriParams extends ParamList {
  #s: string;
  readonly #start: number;
  readonly #end: number;

  constructor(s: string, start: number, end: number) {
    super(UNREAD);
    this.#s = s;
    this.#start = start;
    this.#end = end;
  }

  protected override read(): Array<string | null> {
    const a = readUsualUriParams(this.#s, this.#start, this.#end);
    this.#s = ''; // the message text is no longer needed
    return a;
  }
}

/**
 * The usual `sip:`/`sips:` URI shape, checked in one native pass (about half
 * the time per char of a charCodeAt loop): lower-case scheme, a user without
 * escapes or password, a lower-case host name or IPv4 address, a port of at
 * most 5 digits, parameters without escapes, no headers.
 */
export const USUAL_SIP_URI_SOURCE =
  'sips?:(?:' +
  charClass(USER) +
  '+@)?[0-9a-z.\\-]+(?::[0-9]{1,5})?(?:;' +
  charClass(PARAMCHAR) +
  '+(?:=' +
  charClass(PARAMCHAR) +
  '+)?)*';

/** {@link USUAL_SIP_URI_SOURCE}, sticky: `lastIndex` is where the shape stopped. */
const USUAL_SIP_URI = new RegExp(USUAL_SIP_URI_SOURCE, 'y');

/**
 * {@link USUAL_SIP_URI} exactly filling `s[start, end)`, read without checking
 * a char again: the same value the general reader gives. Undefined for any
 * other text (a longer or shorter match included), which the readers below decide.
 */
export function sipUriUsual(s: string, start: number, end: number): SipUri | undefined {
  USUAL_SIP_URI.lastIndex = start;
  if (!USUAL_SIP_URI.test(s) || USUAL_SIP_URI.lastIndex !== end) return undefined;
  return readUsualSipUri(s, start, end);
}

/**
 * Reads `s[start, end)`, which must be known to match {@link USUAL_SIP_URI_SOURCE}
 * exactly (no char is checked again). Undefined for a port above 65535 or more
 * parameters than are gathered, which the general reader then decides.
 */
export function readUsualSipUri(s: string, start: number, end: number): SipUri | undefined {
  let i = start + 4;
  let scheme = 'sip';
  if (s.charCodeAt(start + 3) === 115) {
    scheme = 'sips';
    i++;
  }
  let user: string | undefined;
  // '@' is in no class of the shape but the one after the user.
  const at = s.indexOf('@', i);
  if (at >= 0 && at < end) {
    user = s.slice(i, at);
    i = at + 1;
  }
  const hStart = i;
  // The host ends at the port's ':' or the first ';' (neither is a host char, and a
  // parameter may hold a ':'). Builtin searches: every header line has a ':' and most a
  // ';', so they stop soon after `end` at worst.
  let colon = s.indexOf(':', i);
  if (colon < 0 || colon > end) colon = end;
  let semi = s.indexOf(';', i);
  if (semi < 0 || semi > end) semi = end;
  i = colon < semi ? colon : semi;
  const host = s.slice(hStart, i);
  let port: number | undefined;
  let c = 0;
  if (i < end && i === colon) {
    let n = 0;
    while (++i < end) {
      c = s.charCodeAt(i);
      if (c === 59) break;
      n = n * 10 + (c - 48);
    }
    if (n > 65535) return undefined;
    port = n;
  }
  // Checked with the URI, so reading them cannot fail: left for first use (most are never looked at).
  const params: Params = i < end ? new UsualUriParams(s, i, end) : NO_PARAMS;
  const raw = start === 0 && end === s.length ? s : s.slice(start, end);
  // One object shape for every URI (absent parts are undefined), so code reading them stays monomorphic.
  return { scheme, user, password: undefined, host, port, params, headers: NO_HEADERS, raw };
}

/** Where {@link usualSipUriOctets} stopped, as an index into its octets (saves a tuple per call). */
export const uriOctets = { end: 0 };

/**
 * The usual `sip:`/`sips:` URI ({@link USUAL_SIP_URI_SOURCE}) read in one pass
 * over the octets `b` from index `p` (before `pe`), where `b[k]` is
 * `s.charCodeAt(k - d)`: each octet is checked against {@link OCTET} once and
 * the parts are sliced from `s` as it goes. `uriOctets.end` is the index
 * where the shape stopped: the URI is `s[p - d, uriOctets.end - d)`.
 * Undefined when no usual URI starts at `p` (or it has a port above 65535),
 * which the general reader then decides.
 */
export function usualSipUriOctets(s: string, b: Uint8Array, d: number, p: number, pe: number): SipUri | undefined {
  if (p + 5 > pe || b[p] !== 115 || b[p + 1] !== 105 || b[p + 2] !== 112) return undefined;
  let i = p + 3;
  let scheme = 'sip';
  if (b[i] === 115) {
    scheme = 'sips';
    i++;
  }
  if (b[i] !== 58) return undefined;
  const u0 = ++i;
  let user: string | undefined;
  // A host char is a user char: read as a host until the '@' of a user shows it was one.
  i = skipOctets(b, i, pe, O_HOST);
  let h0 = u0;
  if (i < pe) {
    let k = i;
    if (b[k] !== 64) while (k < pe && (OCTET[b[k] as number] & O_USER) !== 0) k++;
    if (k < pe && b[k] === 64) {
      if (k === u0) return undefined;
      user = s.slice(u0 - d, k - d);
      h0 = i = k + 1;
      i = skipOctets(b, i, pe, O_HOST);
    }
  }
  if (i === h0) return undefined;
  const host = s.slice(h0 - d, i - d);
  let port: number | undefined;
  if (i < pe && b[i] === 58) {
    const p0 = ++i;
    let n = 0;
    let c = 0;
    while (i < pe && ((c = b[i] as number), (OCTET[c] & O_DIGIT) !== 0)) {
      n = n * 10 + (c - 48);
      i++;
    }
    if (i === p0 || i - p0 > 5 || n > 65535) return undefined;
    port = n;
  }
  let params: Params = NO_PARAMS;
  if (i < pe && b[i] === 59) {
    const q0 = i;
    // Each parameter: ';' name ['=' value], both paramchars ('=' and ';' are not).
    do {
      const n0 = ++i;
      while (i < pe && (OCTET[b[i] as number] & O_PARAM) !== 0) i++;
      if (i === n0) return undefined;
      if (i < pe && b[i] === 61) {
        const v0 = ++i;
        i = skipOctets(b, i, pe, O_PARAM);
        if (i === v0) return undefined;
      }
    } while (i < pe && b[i] === 59);
    // Checked here, so reading them cannot fail: left for first use (most are never looked at).
    params = new UsualUriParams(s, q0 - d, i - d);
  }
  uriOctets.end = i;
  const raw = s.slice(p - d, i - d);
  // One object shape for every URI (absent parts are undefined), so code reading them stays monomorphic.
  return { scheme, user, password: undefined, host, port, params, headers: NO_HEADERS, raw };
}
