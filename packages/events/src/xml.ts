/**
 * Safe, namespace-aware XML reading for event package bodies (PIDF,
 * dialog-info, watcherinfo, …), on the one-pass reader in xml-read.ts.
 *
 * Packages match elements by (namespace URI, local name), never by prefix:
 * `<rpid:busy/>`, `<rp:busy/>` and `<busy xmlns="…rpid"/>` are one element.
 * Hostile input is refused before the parser sees it: bodies over the size
 * cap, any DOCTYPE or ENTITY declaration (billion laughs, external entities),
 * and nesting deeper than the depth cap. Only the five predefined entities
 * and character references are decoded.
 */
import { XmlSyntaxError, readXml } from './xml-read.js';

export { decodeXmlText } from './xml-read.js';
import type { Verdict } from './package.js';

/** One element: namespace-resolved, attributes by qualified name as written (`xml:lang` kept). */
export interface XmlElement {
  /** Namespace URI ('' when none is in scope). */
  readonly ns: string;
  /** Local name (no prefix). */
  readonly name: string;
  /** Attributes by local name (unprefixed) or `prefix:local` for prefixed ones other than xmlns. */
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** Concatenated text content directly inside this element, entities decoded. */
  readonly text: string;
}

/** Limits for {@link parseXml}. */
export interface XmlLimits {
  /** Largest body in bytes (default 256 KiB). */
  readonly maxBytes?: number;
  /** Deepest element nesting (default 32). */
  readonly maxDepth?: number;
}

const DEFAULT_MAX_BYTES = 256 * 1024;
const DEFAULT_MAX_DEPTH = 32;

/** A parser message fit for a SIP reason phrase: printable ASCII, short (it goes on the wire). */
function reasonFrom(prefix: string, detail: string): string {
  return `${prefix}: ${detail}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
}

/** Nesting depth by a linear scan of tags (no parser recursion on hostile input). */
function nestingDepth(xml: string, cap: number): number {
  let depth = 0;
  let max = 0;
  for (let i = xml.indexOf('<'); i >= 0; i = xml.indexOf('<', i + 1)) {
    const next = xml.charCodeAt(i + 1);
    if (next === 47 /* / */) depth--;
    else if (next !== 33 /* ! */ && next !== 63 /* ? */) {
      const end = xml.indexOf('>', i);
      if (end < 0) break;
      const selfClosing = xml.charCodeAt(end - 1) === 47;
      if (depth + 1 > max) max = depth + 1;
      if (max > cap) return max;
      if (!selfClosing) depth++;
    }
  }
  return max;
}

/**
 * Parses a body into its root element, or says why not (400 for malformed,
 * 413 for oversized). Never throws on any input.
 */
export function parseXml(body: Buffer | string, limits: XmlLimits = {}): Verdict<XmlElement> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (size > maxBytes) return { ok: false, status: 413, reason: 'XML Body Too Large' };
  const xml = typeof body === 'string' ? body : body.toString('utf8');
  // Entity declarations only live in a DOCTYPE: refusing it defeats entity expansion and external entities.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return { ok: false, status: 400, reason: 'XML DOCTYPE Not Allowed' };
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (nestingDepth(xml, maxDepth) > maxDepth) return { ok: false, status: 400, reason: 'XML Nested Too Deeply' };
  try {
    return { ok: true, value: readXml(xml) };
  } catch (err) {
    if (!(err instanceof XmlSyntaxError)) throw err;
    return { ok: false, status: 400, reason: reasonFrom('Malformed XML', err.message) };
  }
}

/** Children of `el` with this namespace and local name. */
export function xmlChildren(el: XmlElement, ns: string, name: string): XmlElement[] {
  return el.children.filter((c) => c.ns === ns && c.name === name);
}

/** The first child with this namespace and local name. */
export function xmlChild(el: XmlElement, ns: string, name: string): XmlElement | undefined {
  return el.children.find((c) => c.ns === ns && c.name === name);
}
