import { isWs } from './chars.js';
import { HeaderShape, headerDef } from './header-names.js';
import type { HeaderDef } from './header-names.js';
import type { SipHeaders } from './types.js';

/** One header line: its definition, raw value (folding joined), and the split list values once asked for. */
export interface HeaderLine {
  readonly def: HeaderDef;
  readonly value: string;
  parts?: string[];
  /** Where `value` lies in the parsed message's text, so the typed accessors can read it in place; -1 when it does not (built, or folded). */
  readonly start: number;
  readonly end: number;
}

/**
 * Splits a list header value on top-level commas: not inside a quoted string
 * (with `\` escapes) nor inside `<…>` (RFC 3261 §7.3.1). Pieces are trimmed;
 * empty pieces are kept so callers can reject them.
 */
export function splitList(v: string): string[] {
  if (v.indexOf(',') < 0) return [trim(v, 0, v.length)];
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  let angle = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (quoted) {
      if (c === 92) i++;
      else if (c === 34) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 60) angle = true;
    else if (c === 62) angle = false;
    else if (c === 44 && !angle) {
      out.push(trim(v, start, i));
      start = i + 1;
    }
  }
  out.push(trim(v, start, v.length));
  return out;
}

function trim(v: string, a: number, b: number): string {
  while (a < b && isWs(v.charCodeAt(a))) a++;
  while (b > a && isWs(v.charCodeAt(b - 1))) b--;
  return v.slice(a, b);
}

/** The values of one line: split and without empty pieces for list headers, else the value itself. */
export function lineValues(line: HeaderLine): string[] {
  if (line.def.shape !== HeaderShape.List) return [line.value];
  if (line.parts === undefined) line.parts = splitList(line.value).filter((p) => p !== '');
  return line.parts;
}

function toList(value: string | readonly string[]): readonly string[] {
  const list = typeof value === 'string' ? [value] : value;
  for (const v of list) {
    // A CR or LF in a value would let it forge header lines on output.
    if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) throw new TypeError('header value contains CR or LF');
  }
  return list;
}

/**
 * The header store of a message ({@link SipHeaders}): header lines in
 * message order, each with its raw value. Every change tells `listener`
 * the header's lower-case canonical name, so the message can drop what it
 * derived from that header.
 */
export class HeaderList implements SipHeaders {
  readonly lines: HeaderLine[];
  /** Told of every change (the owning message, which drops derived values). */
  listener: { headerChanged(key: string): void } | undefined;

  constructor(lines: HeaderLine[] = []) {
    this.lines = lines;
  }

  get(name: string): string | undefined {
    const key = headerDef(name).key;
    for (const line of this.lines) {
      if (line.def.key !== key) continue;
      if (line.def.shape !== HeaderShape.List) return line.value;
      const parts = lineValues(line);
      if (parts.length > 0) return parts[0];
    }
    return undefined;
  }

  getAll(name: string): string[] {
    const key = headerDef(name).key;
    const out: string[] = [];
    for (const line of this.lines) {
      if (line.def.key !== key) continue;
      if (line.def.shape !== HeaderShape.List) out.push(line.value);
      else for (const p of lineValues(line)) out.push(p);
    }
    return out;
  }

  has(name: string): boolean {
    const key = headerDef(name).key;
    return this.lines.some((l) => l.def.key === key);
  }

  set(name: string, value: string | readonly string[]): void {
    const def = headerDef(name);
    const lines = toList(value).map((v): HeaderLine => ({ def, value: v, parts: undefined, start: -1, end: -1 }));
    let at = -1;
    for (let i = this.lines.length - 1; i >= 0; i--) {
      if (this.lines[i]?.def.key === def.key) {
        this.lines.splice(i, 1);
        at = i;
      }
    }
    this.lines.splice(at < 0 ? this.lines.length : at, 0, ...lines);
    this.listener?.headerChanged(def.key);
  }

  append(name: string, value: string | readonly string[]): void {
    const def = headerDef(name);
    let at = this.lines.length;
    for (let i = this.lines.length - 1; i >= 0; i--) {
      if (this.lines[i]?.def.key === def.key) {
        at = i + 1;
        break;
      }
    }
    this.lines.splice(
      at,
      0,
      ...toList(value).map((v): HeaderLine => ({ def, value: v, parts: undefined, start: -1, end: -1 })),
    );
    this.listener?.headerChanged(def.key);
  }

  prepend(name: string, value: string | readonly string[]): void {
    const def = headerDef(name);
    const found = this.lines.findIndex((l) => l.def.key === def.key);
    this.lines.splice(
      found < 0 ? 0 : found,
      0,
      ...toList(value).map((v): HeaderLine => ({ def, value: v, parts: undefined, start: -1, end: -1 })),
    );
    this.listener?.headerChanged(def.key);
  }

  delete(name: string): void {
    const key = headerDef(name).key;
    for (let i = this.lines.length - 1; i >= 0; i--) if (this.lines[i]?.def.key === key) this.lines.splice(i, 1);
    this.listener?.headerChanged(key);
  }

  *entries(): IterableIterator<[string, string]> {
    for (const line of this.lines) for (const v of lineValues(line)) yield [line.def.name, v];
  }
}
