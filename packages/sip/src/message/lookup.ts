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
export function readContactLine(
  lines: readonly HeaderLine[],
  index: number,
  text: string,
  bytes?: Uint8Array,
  base = 0,
): ContactValue | undefined {
  const line = lines[index] as HeaderLine;
  if (line.start >= 0 && line.parts === undefined) {
    const v = line.value;
    if (v !== '' && v !== '*' && v.indexOf(',') < 0) return [parseNameAddrIn(text, line.start, line.end, bytes, base)];
  }
  return readContact(lines, text, bytes, base);
}

/**
 * The Contact value (RFC 3261 §20.10): one line with one address (the usual shape) is read in place
 * (from `bytes`, when given, where `text[i]` is `bytes[base + i]`).
 */
export function readContact(
  lines: readonly HeaderLine[],
  text: string,
  bytes?: Uint8Array,
  base = 0,
): ContactValue | undefined {
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
    if (v !== '' && v !== '*' && v.indexOf(',') < 0) return [parseNameAddrIn(text, only.start, only.end, bytes, base)];
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
 * The first line of each header the typed accessors read, noted line by line ({@link headerPositions},
 * and the parser on its own pass), then packed into {@link found}.
 */
export class FirstLines {
  private via = -1;
  private from = -1;
  private to = -1;
  private callId = -1;
  private contact = -1;
  private contacts = 0;
  private expires = -1;
  private event = -1;

  /** Notes line `i`, a line of header `id`; true when it is the first line of a header tracked here. */
  see(id: HeaderId, i: number): boolean {
    switch (id) {
      case HeaderId.Via:
        if (this.via >= 0) return false;
        this.via = i;
        return true;
      case HeaderId.From:
        if (this.from >= 0) return false;
        this.from = i;
        return true;
      case HeaderId.To:
        if (this.to >= 0) return false;
        this.to = i;
        return true;
      case HeaderId.CallId:
        if (this.callId >= 0) return false;
        this.callId = i;
        return true;
      case HeaderId.Contact:
        this.contacts++;
        if (this.contact >= 0) return false;
        this.contact = i;
        return true;
      case HeaderId.Expires:
        if (this.expires >= 0) return false;
        this.expires = i;
        return true;
      case HeaderId.Event:
        if (this.event >= 0) return false;
        this.event = i;
        return true;
      case HeaderId.Other:
      case HeaderId.CSeq:
      case HeaderId.ContentLength:
      case HeaderId.MaxForwards:
      case HeaderId.SubscriptionState:
      case HeaderId.Route:
      case HeaderId.RecordRoute:
        return false;
    }
  }

  /** Packs the positions noted (-1: absent) into {@link found}. */
  pack(): void {
    found.hx = encode(this.via) | (encode(this.from) << 7) | (encode(this.to) << 14) | (encode(this.callId) << 21);
    found.hy =
      encode(this.contact) |
      (encode(this.expires) << 7) |
      (encode(this.event) << 14) |
      (this.contacts === 1 ? ONE_CONTACT : 0);
  }
}

/** Finds, in one pass over the lines, where each header the typed accessors read first appears. */
export function headerPositions(lines: readonly HeaderLine[]): void {
  const first = new FirstLines();
  for (let i = 0; i < lines.length; i++) first.see((lines[i] as HeaderLine).def.id, i);
  first.pack();
}
