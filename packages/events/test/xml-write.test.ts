import t from 'tap';
import { escapeXmlAttr, escapeXmlText, parseXml, writeXml, xmlEl } from '@herald/events';

t.test('escapes text and attribute values', async (t) => {
  t.equal(escapeXmlText('plain'), 'plain');
  t.equal(escapeXmlText('a & b < c > d "q"'), 'a &amp; b &lt; c &gt; d "q"');
  t.equal(escapeXmlText('&amp;'), '&amp;amp;', 'an ampersand is always escaped, entity-like or not');
  t.equal(escapeXmlAttr('x"y&<>'), 'x&quot;y&amp;&lt;&gt;');
});

t.test('writes compact documents: declaration, attributes in order, empty and text elements', async (t) => {
  const doc = xmlEl(
    'r',
    [
      ['xmlns', 'urn:x'],
      ['skip', undefined],
      ['a', '1"'],
    ],
    [
      xmlEl('e'),
      xmlEl('t', undefined, 'v&'),
      xmlEl('z', undefined, ''),
      xmlEl('p:q', [['xml:lang', 'en']], [xmlEl('p:w')]),
    ],
  );
  const xml = writeXml(doc);
  t.equal(
    xml,
    '<?xml version="1.0" encoding="UTF-8"?><r xmlns="urn:x" a="1&quot;"><e/><t>v&amp;</t><z></z><p:q xml:lang="en"><p:w/></p:q></r>',
  );
  // Round trip through the project's reader.
  const parsed = parseXml(Buffer.from(xml.replace('<p:q', '<p:q xmlns:p="urn:p"')));
  t.equal(parsed.ok, true);
  if (parsed.ok) {
    t.equal(parsed.value.attrs.get('a'), '1"');
    t.equal(parsed.value.children[1].text, 'v&');
  }
});

t.test('pretty output indents by two spaces, text stays inline, prolog on its own line', async (t) => {
  const doc = xmlEl('a', undefined, [xmlEl('b', undefined, [xmlEl('c', undefined, 'x')]), xmlEl('d')]);
  t.equal(
    writeXml(doc, { pretty: true, prolog: '<!DOCTYPE a>' }),
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE a>\n<a>\n  <b>\n    <c>x</c>\n  </b>\n  <d/>\n</a>',
  );
  t.equal(writeXml(xmlEl('a'), { pretty: true }), '<?xml version="1.0" encoding="UTF-8"?>\n<a/>');
});
