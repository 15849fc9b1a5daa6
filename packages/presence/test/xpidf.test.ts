// XPIDF output structure (Polycom / Asterisk / Kamailio shape) and the status mapping.
import t from 'tap';
import { parseXml, xmlChild, type XmlElement } from '@herald/events';
import { composePresentity, renderXpidf, xpidfStatus, type PresenceSources } from '@herald/presence';

const R = 'sip:1001@pbx.example.test';

/** Parses XPIDF output (our XML reader refuses DOCTYPE by design, so the line is cut first). */
function parseOurs(xml: string): XmlElement {
  const v = parseXml(xml.replace(/<!DOCTYPE[^>]*>/, ''));
  if (!v.ok) throw new Error(v.reason);
  return v.value;
}

t.test('structure: presentity, atom, address with status and msnsubstatus', async (t) => {
  const xml = renderXpidf(composePresentity(R, { publications: [], registration: { registered: true } }), R);
  t.match(
    xml,
    /^<\?xml version="1.0" encoding="UTF-8"\?>\n<!DOCTYPE presence PUBLIC "-\/\/IETF\/\/DTD RFCxxxx XPIDF 1.0\/\/EN" "xpidf.dtd">/,
  );
  const root = parseOurs(xml);
  t.equal(root.name, 'presence');
  t.equal(root.ns, '', 'XPIDF has no namespace');
  t.equal(xmlChild(root, '', 'presentity')?.attrs.get('uri'), `${R};method=SUBSCRIBE`);
  const atom = xmlChild(root, '', 'atom');
  t.equal(atom?.attrs.get('id'), '1001', 'atom id is the user part');
  const address = atom && xmlChild(atom, '', 'address');
  t.equal(address?.attrs.get('uri'), `${R};user=ip`);
  t.equal(address?.attrs.get('priority'), '0.800000');
  t.equal(address && xmlChild(address, '', 'status')?.attrs.get('status'), 'open');
  t.equal(address && xmlChild(address, '', 'msnsubstatus')?.attrs.get('substatus'), 'online');
});

t.test('nothing known → closed/offline; DOCTYPE can be left out', async (t) => {
  const xml = renderXpidf(undefined, R, { doctype: false });
  t.notMatch(xml, /DOCTYPE/);
  const address = xmlChild(xmlChild(parseOurs(xml), '', 'atom')!, '', 'address')!;
  t.equal(xmlChild(address, '', 'status')?.attrs.get('status'), 'closed');
  t.equal(xmlChild(address, '', 'msnsubstatus')?.attrs.get('substatus'), 'offline');
});

const table: Array<[string, PresenceSources, string, string]> = [
  ['unregistered', { publications: [] }, 'closed', 'offline'],
  ['registered', { publications: [], registration: { registered: true } }, 'open', 'online'],
  ['in a call', { publications: [], registration: { registered: true }, activeCalls: 1 }, 'inuse', 'onthephone'],
  ['in a call, closed', { publications: [], activeCalls: 1 }, 'inuse', 'onthephone'],
  ['DND', { publications: [], registration: { registered: true }, api: { value: { dnd: true }, updatedAt: 0 } }, 'inuse', 'busy'],
]; // prettier-ignore
for (const [name, sources, status, substatus] of table) {
  t.test(`mapping: ${name} → ${status}/${substatus}`, async (t) => {
    t.same(xpidfStatus(composePresentity(R, sources)), { status, substatus });
  });
}

t.test('away-like activities map to away, meal to outtolunch', async (t) => {
  const base = composePresentity(R, { publications: [], registration: { registered: true } });
  t.same(xpidfStatus({ ...base, activities: ['vacation'] }), { status: 'open', substatus: 'away' });
  t.same(xpidfStatus({ ...base, activities: ['meal'] }), { status: 'open', substatus: 'outtolunch' });
});

t.test('URIs with the parameters already present are not doubled; odd URIs still give an atom id', async (t) => {
  const uri = 'sip:x@y;method=SUBSCRIBE;user=ip';
  const root = parseOurs(renderXpidf(undefined, uri, { doctype: false }));
  t.equal(xmlChild(root, '', 'presentity')?.attrs.get('uri'), uri);
  t.equal(xmlChild(xmlChild(root, '', 'atom')!, '', 'address')?.attrs.get('uri'), uri);
  t.match(renderXpidf(undefined, 'tel:+15551234', { doctype: false }), /<atom id="\+15551234">/);
});
