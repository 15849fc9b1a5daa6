/**
 * Header lookups for the typed accessors of a parsed message: by header id
 * (no name lookup), without splitting a line that holds one value, and in
 * place in the message text where the parser recorded the value's offsets.
 */
import { HeaderId, HeaderShape } from './header-names.js';
import { lineValues } from './headers.js';
import type { HeaderLine } from './headers.js';
import { parseNameAddrIn } from './name-addr.js';
import { parseContact } from './values.js';
import type { ContactValue } from './types.js';

/** Where {@link locate} found a value: `s[start, end)` (no tuple per lookup). */
export const at = { s: '', start: 0, end: 0 };

/** First value of the known header `id` (for a list header, its first non-empty element), like `headers.get`. */
export function firstValue(lines: readonly HeaderLine[], id: HeaderId): string | undefined {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as HeaderLine;
    if (line.def.id !== id) continue;
    const v = line.value;
    if (line.def.shape !== HeaderShape.List) return v;
    if (line.parts === undefined && v.indexOf(',') < 0 && v !== '') {
      const c0 = v.charCodeAt(0);
      const cn = v.charCodeAt(v.length - 1);
      if (c0 !== 32 && c0 !== 9 && cn !== 32 && cn !== 9) return v;
    }
    const parts = lineValues(line);
    if (parts.length > 0) return parts[0];
  }
  return undefined;
}

/** All values of the known header `id`, like `headers.getAll`. */
export function allValues(lines: readonly HeaderLine[], id: HeaderId): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (line.def.id !== id) continue;
    if (line.def.shape !== HeaderShape.List) out.push(line.value);
    else for (const p of lineValues(line)) out.push(p);
  }
  return out;
}

/**
 * Finds the value {@link firstValue} would return and leaves where it lies in
 * {@link at}: in place in the message text `text` when the parser recorded
 * its offsets and the line holds one value (V8 scans a flat string much
 * faster than a slice of it), else the value string. False when absent.
 */
export function locate(lines: readonly HeaderLine[], text: string, id: HeaderId): boolean {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as HeaderLine;
    if (line.def.id !== id) continue;
    const v = line.value;
    if (
      line.start >= 0 &&
      (line.def.shape !== HeaderShape.List || (line.parts === undefined && v !== '' && v.indexOf(',') < 0))
    ) {
      at.s = text;
      at.start = line.start;
      at.end = line.end;
      return true;
    }
    const first = line.def.shape === HeaderShape.List ? lineValues(line)[0] : v;
    if (first === undefined) continue;
    at.s = first;
    at.start = 0;
    at.end = first.length;
    return true;
  }
  return false;
}

/**
 * {@link locate} when `line` is the header's first line: true when it holds the first value
 * in place (a single value with recorded offsets); false when the caller must search.
 */
export function locateLine(line: HeaderLine, text: string): boolean {
  if (line.start < 0) return false;
  if (line.def.shape === HeaderShape.List) {
    const v = line.value;
    if (line.parts !== undefined || v === '' || v.indexOf(',') >= 0) return false;
  }
  at.s = text;
  at.start = line.start;
  at.end = line.end;
  return true;
}

/** {@link readContact} when `lines[index]` is the only Contact line. */
export function readContactLine(lines: readonly HeaderLine[], index: number, text: string): ContactValue | undefined {
  const line = lines[index] as HeaderLine;
  if (line.start >= 0 && line.parts === undefined) {
    const v = line.value;
    if (v !== '' && v !== '*' && v.indexOf(',') < 0) return [parseNameAddrIn(text, line.start, line.end)];
  }
  return readContact(lines, text);
}

/** The Contact value (RFC 3261 §20.10): one line with one address (the usual shape) is read in place. */
export function readContact(lines: readonly HeaderLine[], text: string): ContactValue | undefined {
  let only: HeaderLine | undefined;
  let count = 0;
  for (const line of lines) {
    if (line.def.id === HeaderId.Contact) {
      only = line;
      count++;
    }
  }
  if (count === 1 && only !== undefined && only.start >= 0 && only.parts === undefined) {
    const v = only.value;
    if (v !== '' && v !== '*' && v.indexOf(',') < 0) return [parseNameAddrIn(text, only.start, only.end)];
  }
  const values = allValues(lines, HeaderId.Contact);
  return values.length === 0 ? undefined : parseContact(values);
}

/** The flag of a packed {@link found}.hy telling that the message has exactly one Contact line. */
export const ONE_CONTACT = 1 << 21;

/** 7 bits for a line position: 0 unknown (search), 1 absent, 2 + index (a line after the 126th is searched for). */
function encode(index: number): number {
  return index < 0 ? 1 : index < 126 ? index + 2 : 0;
}

/** One position out of a packed field: -2 unknown (search), -1 absent, else the line index. */
export function position(packed: number, shift: number): number {
  return ((packed >>> shift) & 127) - 2;
}

/**
 * Where {@link headerPositions} leaves the first line of each header the typed accessors read,
 * 7 bits each (never 0 once found): `hx` Via, From, To, Call-ID (shifts 0, 7, 14, 21);
 * `hy` Contact, Expires, Event (0, 7, 14) and {@link ONE_CONTACT}.
 */
export const found = { hx: 0, hy: 0 };

/**
 * Packs first-line positions (-1: absent) into {@link found}; `contacts` is the number of Contact
 * lines. Shared by {@link headerPositions} and the parser, which finds them in its own pass.
 */
export function packPositions(
  via: number,
  from: number,
  to: number,
  callId: number,
  contact: number,
  contacts: number,
  expires: number,
  event: number,
): void {
  found.hx = encode(via) | (encode(from) << 7) | (encode(to) << 14) | (encode(callId) << 21);
  found.hy = encode(contact) | (encode(expires) << 7) | (encode(event) << 14) | (contacts === 1 ? ONE_CONTACT : 0);
}

/** Finds, in one pass over the lines, where each header the typed accessors read first appears. */
export function headerPositions(lines: readonly HeaderLine[]): void {
  let via = -1;
  let from = -1;
  let to = -1;
  let callId = -1;
  let contact = -1;
  let contacts = 0;
  let expires = -1;
  let event = -1;
  for (let i = 0; i < lines.length; i++) {
    switch ((lines[i] as HeaderLine).def.id) {
      case HeaderId.Via:
        if (via < 0) via = i;
        break;
      case HeaderId.From:
        if (from < 0) from = i;
        break;
      case HeaderId.To:
        if (to < 0) to = i;
        break;
      case HeaderId.CallId:
        if (callId < 0) callId = i;
        break;
      case HeaderId.Contact:
        if (contact < 0) contact = i;
        contacts++;
        break;
      case HeaderId.Expires:
        if (expires < 0) expires = i;
        break;
      case HeaderId.Event:
        if (event < 0) event = i;
        break;
      case HeaderId.Other:
      case HeaderId.CSeq:
      case HeaderId.ContentLength:
      case HeaderId.MaxForwards:
      case HeaderId.SubscriptionState:
      case HeaderId.Route:
      case HeaderId.RecordRoute:
        break;
    }
  }
  packPositions(via, from, to, callId, contact, contacts, expires, event);
}
