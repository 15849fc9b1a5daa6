/**
 * Small XML writing for event package bodies (PIDF, dialog-info,
 * watcherinfo, XPIDF): a plain element tree serialized by string
 * concatenation. It replaces a DOM builder on the NOTIFY hot path, where
 * rendering one short document cost more than the rest of the NOTIFY.
 *
 * Prefixes and namespace declarations are written as given (`dm:person`,
 * `xmlns:dm` as an attribute): the caller owns the namespace layout.
 */

/** One element: qualified name, attributes in order, then text or children. */
export interface XmlNode {
  readonly name: string;
  readonly attrs?: readonly (readonly [string, string])[];
  /** Text content (escaped when written); ignored when `children` is non-empty. */
  readonly text?: string;
  readonly children?: readonly XmlNode[];
}

/** The XML declaration every rendered body starts with. */
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

const TEXT_SPECIAL = /[&<>\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;
const ATTR_SPECIAL = /[&<>"\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;
/** Characters XML 1.0 §2.2 does not allow in a document at all (controls, U+FFFE/FFFF, lone surrogates). */
const NOT_XML_CHAR =
  /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Escapes character data (XML 1.0 §2.4: `&` and `<` must be, `>` is for `]]>`);
 * characters no XML document may hold (§2.2, e.g. a control character in an
 * API-set note) are dropped, so the body stays well-formed for every phone.
 */
export function escapeXmlText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  return s.replace(NOT_XML_CHAR, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes a double-quoted attribute value (XML 1.0 §3.1 AttValue), dropping non-XML characters like {@link escapeXmlText}. */
export function escapeXmlAttr(s: string): string {
  if (!ATTR_SPECIAL.test(s)) return s;
  return s
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Builds an element node (attributes as `[name, value]` pairs, undefined values dropped). */
export function xmlEl(
  name: string,
  attrs?: readonly (readonly [string, string | undefined])[],
  content?: string | readonly XmlNode[],
): XmlNode {
  let a: (readonly [string, string])[] | undefined;
  if (attrs) {
    for (const [k, v] of attrs) {
      if (v === undefined) continue;
      (a ??= []).push([k, v]);
    }
  }
  if (typeof content === 'string') return { name, attrs: a, text: content };
  return { name, attrs: a, children: content };
}

function openTag(node: XmlNode): string {
  let s = `<${node.name}`;
  if (node.attrs) for (const [k, v] of node.attrs) s += ` ${k}="${escapeXmlAttr(v)}"`;
  return s;
}

function writeCompact(node: XmlNode): string {
  const open = openTag(node);
  const kids = node.children;
  if (kids && kids.length > 0) {
    let s = `${open}>`;
    for (const c of kids) s += writeCompact(c);
    return `${s}</${node.name}>`;
  }
  if (node.text !== undefined) return `${open}>${escapeXmlText(node.text)}</${node.name}>`;
  return `${open}/>`;
}

function writePretty(node: XmlNode, indent: string): string {
  const open = indent + openTag(node);
  const kids = node.children;
  if (kids && kids.length > 0) {
    let s = `${open}>`;
    const inner = `${indent}  `;
    for (const c of kids) s += `\n${writePretty(c, inner)}`;
    return `${s}\n${indent}</${node.name}>`;
  }
  if (node.text !== undefined) return `${open}>${escapeXmlText(node.text)}</${node.name}>`;
  return `${open}/>`;
}

/** Serializes a document: declaration, optional prolog lines (a DOCTYPE), root; indented by two spaces when `pretty`. */
export function writeXml(root: XmlNode, opts: { readonly pretty?: boolean; readonly prolog?: string } = {}): string {
  if (opts.pretty) {
    const prolog = opts.prolog !== undefined ? `\n${opts.prolog}` : '';
    return `${XML_DECLARATION}${prolog}\n${writePretty(root, '')}`;
  }
  return XML_DECLARATION + (opts.prolog ?? '') + writeCompact(root);
}
