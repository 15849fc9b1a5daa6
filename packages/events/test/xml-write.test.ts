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

t.test('characters no XML document may hold are dropped, valid ones kept (XML 1.0 §2.2)', async (t) => {
  t.equal(escapeXmlText('in a\u0000 meet\u0007ing\u001b'), 'in a meeting', 'controls dropped');
  t.equal(escapeXmlText('tab\there\nline\r'), 'tab\there\nline\r', 'TAB, LF, CR are XML characters');
  t.equal(escapeXmlText('a\uFFFEb\uFFFF<'), 'ab&lt;');
  t.equal(escapeXmlText('emoji \uD83D\uDE00 ok'), 'emoji \uD83D\uDE00 ok', 'a surrogate pair is kept');
  t.equal(escapeXmlText('lone \uD83D end \uDE00'), 'lone  end ', 'lone surrogates dropped');
  t.equal(escapeXmlAttr('x\u0001"y'), 'x&quot;y');
  const doc = writeXml(xmlEl('note', [['lang', 'en\u0002']], 'busy\u0008 <now>'));
  const parsed = parseXml(doc);
  t.ok(parsed.ok, 'the document parses');
  t.match(doc, /<note lang="en">busy &lt;now&gt;<\/note>$/);
});
