/** The one-pass XML reader behind parseXml: structure checks, leniency kept from the reader it replaced, tree shape. */
import t from 'tap';
import { parseXml } from '@herald/events';

const PIDF = 'urn:ietf:params:xml:ns:pidf';

function reasonOf(xml: string): string {
  const r = parseXml(xml);
  return r.ok ? 'ok' : r.reason;
}

t.test('structure errors are 400 Malformed XML with what is wrong', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['<a><b></a>', /does not match <b>/],
    ['<a>', /unclosed element <a>/],
    ['</a>', /without an open element/],
    ['<a/><b/>', /second root/],
    ['<a/>text', /text after the root/],
    ['text<a/>', /text before the root/],
    ['<a x="1" x="2"/>', /duplicate attribute x/],
    ['<a x=1/>', /not quoted/],
    ['<a x/>', /without a value/],
    ['<a x="1"y="2"/>', /expected whitespace/],
    ['<a x="1', /unterminated/],
    ['<a><!-- a -- b --></a>', /"--" inside a comment/],
    ['<a><!-- open', /unterminated comment/],
    ['<![CDATA[x]]><a/>', /CDATA outside/],
    ['<a><![CDATA[x</a>', /unterminated CDATA/],
    ['<?xml version="1.0" encoding?><a/>', /without a value/],
    ['<?xml version="1.0"encoding="UTF-8"?><a/>', /expected whitespace/],
    ['<?xml version="1.0"', /unterminated processing instruction/],
    ['<a>fish & chips</a>', /"&" not starting a reference/],
    ['<a>&;</a>', /"&" not starting a reference/],
    ['<1a/>', /expected a name/],
    ['', /no root element/],
    ['   ', /no root element/],
  ];
  for (const [xml, why] of cases) {
    const r = parseXml(xml);
    t.notOk(r.ok, xml);
    if (!r.ok) {
      t.equal(r.status, 400, xml);
      t.match(r.reason, /^Malformed XML: /, xml);
      t.match(r.reason, why, xml);
    }
  }
  t.end();
});

t.test('declarations, comments, processing instructions, CDATA and a BOM are read', (t) => {
  const doc =
    '\ufeff<?xml version="1.0" encoding="UTF-8" standalone=\'yes\'?>\n<!-- before -->\n' +
    `<presence xmlns="${PIDF}" entity="sip:a@x"><?app data?><note>a<!-- c -->b<![CDATA[<&>]]>c</note></presence>\n<!-- after -->\n`;
  const r = parseXml(doc);
  if (!r.ok) throw new Error(r.reason);
  t.equal(r.value.name, 'presence');
  t.equal(r.value.children[0]?.text, 'ab<&>c', 'CDATA verbatim, comments dropped');
  t.end();
});

t.test('references: predefined and numeric decoded, unknown ones kept as written', (t) => {
  const r = parseXml(`<a t="x &amp; &#65; &bogus; a&b">&lt;&#x263A;&gt; &bogus; &#0; &#xFFFFFFFF;</a>`);
  if (!r.ok) throw new Error(r.reason);
  t.equal(r.value.text, '<\u263a> &bogus; &#0; &#xFFFFFFFF;');
  t.equal(r.value.attrs.get('t'), 'x & A &bogus; a&b', 'a bare & in an attribute is tolerated');
  t.end();
});

t.test('namespaces: default and prefixed, scoped to the element, xmlns not an attribute', (t) => {
  const r = parseXml(`<p:a xmlns:p="urn:p" xmlns="urn:d" k="1" p:k="2"><b/><c xmlns="urn:c"><d/></c><e/><q:f/></p:a>`);
  if (!r.ok) throw new Error(r.reason);
  t.equal(r.value.ns, 'urn:p');
  t.same(
    [...r.value.attrs],
    [
      ['k', '1'],
      ['p:k', '2'],
    ],
  );
  t.same(
    r.value.children.map((c) => [c.ns, c.name]),
    [
      ['urn:d', 'b'],
      ['urn:c', 'c'],
      ['urn:d', 'e'],
      ['', 'f'],
    ],
    'an undeclared prefix resolves to no namespace',
  );
  t.same(
    r.value.children[1]?.children.map((c) => c.ns),
    ['urn:c'],
  );
  t.end();
});

t.test('whitespace inside elements is kept as text; end tags may carry whitespace', (t) => {
  const r = parseXml('<a>\n  <b>x</b >\n</a >');
  if (!r.ok) throw new Error(r.reason);
  t.equal(r.value.text, '\n  \n');
  t.equal(r.value.children[0]?.text, 'x');
  t.end();
});

t.test('a DOCTYPE is refused even when the pre-check is bypassed by case', (t) => {
  t.match(reasonOf('<!doctype a><a/>'), /DOCTYPE Not Allowed/);
  t.match(reasonOf('<a><!ELEMENT x ANY></a>'), /markup declarations/);
  t.end();
});

t.test('deep but allowed nesting does not recurse', (t) => {
  const depth = 32;
  const xml = '<a>'.repeat(depth) + '</a>'.repeat(depth);
  t.equal(reasonOf(xml), 'ok');
  t.end();
});
