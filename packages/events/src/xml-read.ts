/**
 * A one-pass XML 1.0 reader for event package bodies: checks the structure
 * (balanced and matching tags, quoted unique attributes, names, comment,
 * CDATA and XML declaration syntax, one root) and builds the
 * namespace-resolved element tree in the same scan. Event bodies are small
 * documents read on every PUBLISH and phone NOTIFY; a validator pass, a
 * generic parse and a tree rebuild cost ten times more.
 *
 * Not supported, on purpose: DOCTYPE (refused by the caller before this
 * runs, and here again), entity declarations, external entities. Only the
 * five predefined entities and character references are decoded.
 */
import type { XmlElement } from './xml.js';

/** A well-formedness error at a character offset. */
export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const ROOT_SCOPE: ReadonlyMap<string, string> = new Map([['xml', XML_NS]]);
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the predefined entities and character references; anything else is left as written. */
export function decodeXmlText(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref] ?? whole;
  });
}

const EMPTY_ATTRS: ReadonlyMap<string, string> = new Map();

/** XML 1.0 NameStartChar, ASCII fast path; any non-ASCII letter-ish code unit is accepted. */
function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || c >= 0xc0;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 0xb7;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

interface Open {
  readonly qname: string;
  readonly attrs: ReadonlyMap<string, string>;
  readonly scope: ReadonlyMap<string, string>;
  readonly children: XmlElement[];
  text: string;
}

/** Reads a document into its root element; throws {@link XmlSyntaxError} when it is not well-formed. */
export function readXml(xml: string): XmlElement {
  return new Reader(xml).document();
}

class Reader {
  private pos = 0;

  constructor(private readonly s: string) {}

  private fail(message: string, at = this.pos): never {
    throw new XmlSyntaxError(`${message} at offset ${at}`, at);
  }

  document(): XmlElement {
    const s = this.s;
    if (s.charCodeAt(0) === 0xfeff) this.pos = 1;
    let root: XmlElement | undefined;
    const stack: Open[] = [];
    while (this.pos < s.length) {
      const lt = s.indexOf('<', this.pos);
      const textEnd = lt < 0 ? s.length : lt;
      if (textEnd > this.pos) {
        const raw = s.slice(this.pos, textEnd);
        const top = stack[stack.length - 1];
        if (top) top.text += this.decode(raw);
        else if (!/^[ \t\r\n]*$/.test(raw))
          this.fail(root ? 'text after the root element' : 'text before the root element');
        this.pos = textEnd;
      }
      if (lt < 0) break;
      const next = s.charCodeAt(lt + 1);
      if (next === 47 /* / */) {
        const el = this.endTag(stack);
        if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
        else root = el;
      } else if (next === 33 /* ! */) {
        this.markup(stack.length > 0 ? stack[stack.length - 1] : undefined);
      } else if (next === 63 /* ? */) {
        this.processingInstruction();
      } else {
        if (stack.length === 0 && root) this.fail('a second root element');
        const open = this.startTag(stack.length > 0 ? stack[stack.length - 1]!.scope : ROOT_SCOPE);
        if (open.selfClosing) {
          const el = finish(open.node);
          if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
          else root = el;
        } else stack.push(open.node);
      }
    }
    if (stack.length > 0) this.fail(`unclosed element <${stack[stack.length - 1]!.qname}>`);
    if (!root) this.fail('no root element');
    return root;
  }

  /** `<name attr="v" ...>` or `/>`; `pos` is at `<`. */
  private startTag(scope: ReadonlyMap<string, string>): { node: Open; selfClosing: boolean } {
    const s = this.s;
    this.pos++;
    const qname = this.name();
    let raw: Array<[string, string]> | undefined;
    let nsScope = scope;
    for (;;) {
      const hadSpace = this.skipSpace();
      const c = s.charCodeAt(this.pos);
      if (c === 62 /* > */ || (c === 47 && s.charCodeAt(this.pos + 1) === 62)) {
        const selfClosing = c === 47;
        this.pos += selfClosing ? 2 : 1;
        let attrs = EMPTY_ATTRS;
        if (raw) {
          const map = new Map<string, string>();
          for (const [k, v] of raw) {
            if (k === 'xmlns' || k.startsWith('xmlns:')) {
              if (nsScope === scope) nsScope = new Map(scope);
              (nsScope as Map<string, string>).set(k === 'xmlns' ? '' : k.slice(6), v);
            } else map.set(k, v);
          }
          if (map.size > 0) attrs = map;
        }
        return { node: { qname, attrs, scope: nsScope, children: [], text: '' }, selfClosing };
      }
      if (Number.isNaN(c)) this.fail(`unterminated tag <${qname}>`);
      if (!hadSpace) this.fail(`expected whitespace or > in <${qname}>`);
      const at = this.pos;
      const key = this.name();
      this.skipSpace();
      if (s.charCodeAt(this.pos) !== 61 /* = */) this.fail(`attribute ${key} without a value`);
      this.pos++;
      this.skipSpace();
      const value = this.attributeValue();
      raw ??= [];
      for (const [k] of raw) if (k === key) this.fail(`duplicate attribute ${key}`, at);
      raw.push([key, value]);
    }
  }

  /** `</name>`; closes the top element and returns it finished. */
  private endTag(stack: Open[]): XmlElement {
    const at = this.pos;
    this.pos += 2;
    const qname = this.name();
    this.skipSpace();
    if (this.s.charCodeAt(this.pos) !== 62) this.fail(`expected > after </${qname}`);
    this.pos++;
    const top = stack.pop();
    if (!top) this.fail(`closing tag </${qname}> without an open element`, at);
    if (top.qname !== qname) this.fail(`closing tag </${qname}> does not match <${top.qname}>`, at);
    return finish(top);
  }

  /** `<!-- -->`, `<![CDATA[ ]]>` (inside an element only), anything else (DOCTYPE…) refused. */
  private markup(top: Open | undefined): void {
    const s = this.s;
    if (s.startsWith('<!--', this.pos)) {
      const end = s.indexOf('--', this.pos + 4);
      if (end < 0) this.fail('unterminated comment');
      if (s.charCodeAt(end + 2) !== 62) this.fail('"--" inside a comment', end);
      this.pos = end + 3;
      return;
    }
    if (s.startsWith('<![CDATA[', this.pos)) {
      if (!top) this.fail('CDATA outside the root element');
      const end = s.indexOf(']]>', this.pos + 9);
      if (end < 0) this.fail('unterminated CDATA section');
      top.text += s.slice(this.pos + 9, end);
      this.pos = end + 3;
      return;
    }
    this.fail('markup declarations (DOCTYPE, ENTITY) are not allowed');
  }

  /** `<?target ...?>`: skipped; the XML declaration's pseudo-attributes must be well-formed (`name="value"`). */
  private processingInstruction(): void {
    const s = this.s;
    const end = s.indexOf('?>', this.pos + 2);
    if (end < 0) this.fail('unterminated processing instruction');
    this.pos += 2;
    const target = this.name();
    if (target.toLowerCase() === 'xml') {
      while (this.pos < end) {
        if (!this.skipSpace()) this.fail('expected whitespace in the XML declaration');
        if (this.pos >= end) break;
        this.name();
        this.skipSpace();
        if (s.charCodeAt(this.pos) !== 61 /* = */) this.fail('XML declaration attribute without a value');
        this.pos++;
        this.skipSpace();
        this.attributeValue();
      }
      if (this.pos !== end) this.fail('malformed XML declaration');
    }
    this.pos = end + 2;
  }

  private name(): string {
    const s = this.s;
    const start = this.pos;
    if (!isNameStart(s.charCodeAt(start))) this.fail('expected a name');
    let i = start + 1;
    while (i < s.length && isNameChar(s.charCodeAt(i))) i++;
    this.pos = i;
    return s.slice(start, i);
  }

  private skipSpace(): boolean {
    const start = this.pos;
    while (isSpace(this.s.charCodeAt(this.pos))) this.pos++;
    return this.pos > start;
  }

  private attributeValue(): string {
    const s = this.s;
    const quote = s.charCodeAt(this.pos);
    if (quote !== 34 && quote !== 39) this.fail('attribute value not quoted');
    const end = s.indexOf(quote === 34 ? '"' : "'", this.pos + 1);
    if (end < 0) this.fail('unterminated attribute value');
    // Attribute values: references decoded, a bare `&` tolerated (as the reader this replaced did).
    const value = decodeXmlText(s.slice(this.pos + 1, end));
    this.pos = end + 1;
    return value;
  }

  /**
   * Character data with its references decoded. Lenient like the reader it
   * replaced: an unknown entity or a reference to a character XML does not
   * allow stays as written (phones send such notes); a bare `&` is an error.
   */
  private decode(raw: string): string {
    if (raw.indexOf('&') < 0) return raw;
    for (let amp = raw.indexOf('&'); amp >= 0; amp = raw.indexOf('&', amp + 1)) {
      REFERENCE.lastIndex = amp;
      if (!REFERENCE.test(raw)) this.fail('"&" not starting a reference');
    }
    return decodeXmlText(raw);
  }
}

/** What may follow `&`: a name or `#` digits, then `;` (sticky: tested at one offset). */
const REFERENCE = /&#?[A-Za-z0-9_.-]+;/y;

/** The element as packages see it: namespace URI and local name resolved. */
function finish(open: Open): XmlElement {
  const colon = open.qname.indexOf(':');
  const prefix = colon >= 0 ? open.qname.slice(0, colon) : '';
  return {
    // An undeclared prefix resolves to no namespace (tolerated, as before: packages then ignore the element).
    ns: open.scope.get(prefix) ?? '',
    name: colon >= 0 ? open.qname.slice(colon + 1) : open.qname,
    attrs: open.attrs,
    children: open.children,
    text: open.text,
  };
}
