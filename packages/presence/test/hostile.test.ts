// Malformed and hostile XML: refused with a clear reason, quickly, never thrown.
import t from 'tap';
import { createPresencePackage, parsePidf } from '@herald/presence';

const head = '<?xml version="1.0"?>';
const laughs = `${head}<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple id="t"><status><basic>open</basic></status><note>&lol3;</note></tuple></presence>`;
const xxe = `${head}<!DOCTYPE presence [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><note>&xxe;</note></presence>`;
const deep = `${head}<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b">${'<x>'.repeat(5000)}${'</x>'.repeat(5000)}</presence>`;
const huge = `${head}<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b">${'<note>padding padding padding</note>'.repeat(20000)}</presence>`;
const manyTuples = `${head}<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b">${Array.from({ length: 2000 }, (_, i) => `<tuple id="t${i}"><status><basic>open</basic></status></tuple>`).join('')}</presence>`;

const cases: Array<[string, string | Buffer, number, RegExp]> = [
  ['billion laughs', laughs, 400, /DOCTYPE/],
  ['external entity (XXE)', xxe, 400, /DOCTYPE/],
  ['nesting bomb', deep, 400, /Nested Too Deeply/],
  ['huge document', huge, 413, /Too Large/],
  ['unclosed tag', `${head}<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple id="t">`, 400, /Malformed XML/],
  ['mismatched tags', `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple id="t"></note></presence>`, 400, /Malformed XML/],
  ['two roots', `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"/><presence/>`, 400, /Malformed XML|Exactly One Root/],
  ['not XML', 'open', 400, /Malformed XML|Root/],
  ['empty body', '', 400, /Malformed XML|Root/],
  ['binary garbage', Buffer.from([0xff, 0xfe, 0x00, 0x3c, 0x00, 0x70]), 400, /./],
  ['undeclared prefix', `<p:presence entity="sip:a@b"/>`, 400, /Not A PIDF/],
]; // prettier-ignore

for (const [name, body, status, reason] of cases) {
  t.test(`${name}: refused`, async (t) => {
    const v = parsePidf(body);
    t.equal(v.ok, false);
    if (!v.ok) {
      t.equal(v.status, status, 'status');
      t.match(v.reason, reason, 'reason');
      t.ok(v.reason.length > 0 && v.reason.length <= 120, 'a reason fit for a reason phrase');
      t.notMatch(v.reason, /[\r\n]/, 'single line');
    }
  });
}

t.test('many tuples within the limits parse (no quadratic blow-up relied on)', async (t) => {
  const v = parsePidf(manyTuples);
  t.equal(v.ok, true);
  if (v.ok) t.equal(v.value.tuples.length, 2000);
});

t.test('the package refuses hostile PUBLISH bodies through validatePublish', async (t) => {
  const { package: pkg } = createPresencePackage();
  for (const body of [laughs, xxe, deep]) {
    const v = pkg.validatePublish!(Buffer.from(body), 'application/pidf+xml');
    t.equal(v.ok, false);
    if (!v.ok) t.equal(v.status, 400);
  }
});

t.test('an undeclared entity reference is never expanded: it stays literal text', async (t) => {
  const v = parsePidf(
    `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple id="t"><status/><note>&nope;</note></tuple></presence>`,
  );
  t.equal(v.ok, true);
  if (v.ok) t.equal(v.value.tuples[0].notes[0].text, '&nope;');
});

t.test('text that looks like markup stays text after a round trip', async (t) => {
  const v = parsePidf(
    `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple id="t"><status><basic>open</basic></status><note>&lt;script&gt;x&lt;/script&gt; &amp; &#x263A;</note></tuple></presence>`,
  );
  t.equal(v.ok, true);
  if (v.ok) t.equal(v.value.tuples[0].notes[0].text, '<script>x</script> & ☺');
});
