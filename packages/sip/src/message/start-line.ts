/**
 * The start line (RFC 3261 §7.1 Request-Line, §7.2 Status-Line): the usual
 * Request-Line read in place, every other shape checked strictly.
 */
import { TOKEN, allIn } from './chars.js';
import type { ParseErrorStatus } from './errors.js';
import { COMMON_METHODS } from './names.js';
import { isSchemeChar, schemeEnd } from './uri.js';
import { readDecimal } from './values.js';

/** Collects what parsing learned, to attach to an error as `partial`. */
export class Failure {
  reason: string | undefined;
  status: ParseErrorStatus = 400;

  note(reason: string, status: ParseErrorStatus = 400): void {
    if (this.reason === undefined) {
      this.reason = reason;
      this.status = status;
    }
  }
}

/** True when `s` starts with `SIP/` in any case (a status line). */
function startsWithSipSlash(s: string): boolean {
  return (
    s.length >= 4 &&
    (s.charCodeAt(0) & 0xdf) === 83 &&
    (s.charCodeAt(1) & 0xdf) === 73 &&
    (s.charCodeAt(2) & 0xdf) === 80 &&
    s.charCodeAt(3) === 47
  );
}

function isSipVersion(v: string): boolean {
  return v.length === 7 && (v === 'SIP/2.0' || v.toUpperCase() === 'SIP/2.0');
}

/** True for `SIP/` 1*DIGIT `.` 1*DIGIT: a version we recognise as SIP but do not speak (505). */
function looksLikeVersion(v: string): boolean {
  if (v.length < 7 || v.slice(0, 4).toUpperCase() !== 'SIP/') return false;
  const dot = v.indexOf('.', 4);
  if (dot < 0) return false;
  return readDecimal(v.slice(4, dot), 1e9) >= 0 && readDecimal(v.slice(dot + 1), 1e9) >= 0;
}

/** True when `s` holds a control char, SP, DEL or `<`/`>` (none may appear in a Request-URI, RFC 3261 §25.1). */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 60 || c === 62) return true;
  }
  return false;
}

export interface StartLine {
  isRequest: boolean;
  method: string;
  uri: string;
  status: number;
  reason: string;
  version: string;
}

/** Parses the start line (RFC 3261 §7.1, §7.2, §25.1) strictly: single SPs, no trailing SP, no `<>` around the URI. */
export function parseStartLine(line: string, fail: Failure): StartLine {
  const out: StartLine = { isRequest: true, method: '', uri: '', status: 0, reason: '', version: 'SIP/2.0' };
  const sp1 = line.indexOf(' ');
  if (startsWithSipSlash(line)) {
    out.isRequest = false;
    const version = sp1 < 0 ? line : line.slice(0, sp1);
    if (!isSipVersion(version)) fail.note('Version Not Supported', 505);
    const code = sp1 < 0 ? '' : line.slice(sp1 + 1, sp1 + 4);
    const after = line.charCodeAt(sp1 + 4);
    const status = readDecimal(code, 699);
    if (code.length !== 3 || status < 100 || (sp1 + 4 < line.length && after !== 32))
      fail.note('Malformed status line');
    out.status = status;
    out.reason = sp1 + 5 <= line.length ? line.slice(sp1 + 5) : '';
    // RFC 3261 §25.1: no CR or LF in a Reason-Phrase (a bare-LF message would put its headers there).
    if (out.reason.indexOf('\n') >= 0 || out.reason.indexOf('\r') >= 0) fail.note('Malformed status line');
    return out;
  }
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0 || sp2 === sp1 + 1) {
    fail.note('Malformed Request-Line');
    return out;
  }
  out.method = line.slice(0, sp1);
  out.uri = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!allIn(TOKEN, out.method)) fail.note('Malformed method');
  if (schemeEnd(out.uri) < 0 || hasControl(out.uri)) fail.note('Malformed Request-URI');
  if (!isSipVersion(version)) {
    if (looksLikeVersion(version)) fail.note('Version Not Supported', 505);
    else fail.note('Malformed Request-Line');
  }
  return out;
}

/** The methods nearly every request carries, by length, with their octets: a Request-Line naming one shares the string (no slice, no token check). */
const METHODS: Array<string[] | undefined> = [];
const METHOD_OCTETS: Array<Uint8Array[] | undefined> = [];
for (const m of COMMON_METHODS) {
  (METHODS[m.length] ??= []).push(m);
  (METHOD_OCTETS[m.length] ??= []).push(Uint8Array.from(m, (ch) => ch.charCodeAt(0)));
}

/** ` SIP/2.0` as octets: what ends the usual Request-Line. */
const SP_VERSION = Uint8Array.from(' SIP/2.0', (ch) => ch.charCodeAt(0));

/**
 * The usual Request-Line, read in place from the octets `b` of an ASCII message
 * whose text `s` holds one char per octet (`s[i]` is `b[base + i]`), the line
 * being `s[0, eol)`: a known method, a Request-URI that is a scheme followed by
 * no control char, SP, DEL, `<` or `>`, and exactly `SIP/2.0`. Anything else
 * (and every status line) returns undefined, and {@link parseStartLine}
 * decides, so the failures noted stay the same. A typed-array read costs
 * less than `charCodeAt`.
 */
export function requestLineFast(b: Uint8Array, base: number, s: string, eol: number): StartLine | undefined {
  const sp1 = s.indexOf(' ');
  if (sp1 <= 0 || sp1 >= eol) return undefined;
  const candidates = METHOD_OCTETS[sp1];
  if (candidates === undefined) return undefined;
  let method: string | undefined;
  for (let k = 0; k < candidates.length && method === undefined; k++) {
    const codes = candidates[k] as Uint8Array;
    let i = 0;
    while (i < sp1 && b[base + i] === codes[i]) i++;
    if (i === sp1) method = (METHODS[sp1] as string[])[k];
  }
  const sp2 = eol - 8;
  if (method === undefined || sp2 <= sp1 + 1) return undefined;
  for (let i = 0; i < 8; i++) if (b[base + sp2 + i] !== SP_VERSION[i]) return undefined;
  // The Request-URI: a scheme (RFC 3261 §25.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )), ':', then no forbidden char.
  let i = base + sp1 + 1;
  const end = base + sp2;
  const c0 = (b[i] as number) | 0x20;
  if (c0 < 97 || c0 > 122) return undefined;
  for (i++; i < end; i++) {
    const c = b[i] as number;
    if (c === 58) break;
    if (!isSchemeChar(c)) return undefined;
  }
  if (i >= end) return undefined;
  for (i++; i < end; i++) {
    const c = b[i] as number;
    if (c <= 32 || c === 127 || c === 60 || c === 62) return undefined;
  }
  return { isRequest: true, method, uri: s.slice(sp1 + 1, sp2), status: 0, reason: '', version: 'SIP/2.0' };
}
