// Rendering PIDF: round trips through the parser, RFC 3863/4479/4480 schema rules checked on our output.
import t, { type Test } from 'tap';
import { parseXml, xmlChild, xmlChildren, type XmlElement } from '@herald/events';
import { NS_DM, NS_PIDF, NS_RPID, renderPidf, toXmlId, type PidfDocument } from '@herald/presence';
import { fixture, mustParse } from './fixtures/load.js';

const FIXTURES = [
  'polycom-vvx.xml',
  'yealink-t46.xml',
  'snom-d785.xml',
  'zoiper-dnd.xml',
  'linphone.xml',
  'bria.xml',
  'baresip.xml',
  'eyebeam-draft.xml',
  'rpid-heavy.xml',
  'prefix-variants.xml',
  'cpim-pidf.xml',
];

/** Checks the schema rules of RFC 3863 §4 / RFC 4479 / RFC 4480 on a rendered document; returns the root. */
function checkSchema(t: Test, xml: string): XmlElement {
  const v = parseXml(xml);
  t.ok(v.ok, 'our output parses');
  if (!v.ok) throw new Error(v.reason);
  const root = v.value;
  t.equal(root.ns, NS_PIDF, 'root in the PIDF namespace');
  t.equal(root.name, 'presence');
  t.ok(root.attrs.get('entity'), 'entity attribute present (RFC 3863 §4.1.1)');
  const ids = new Set<string>();
  let seenNonTuple = false;
  for (const child of root.children) {
    if (child.ns === NS_PIDF && child.name === 'tuple') {
      t.notOk(seenNonTuple, 'tuples come first (RFC 3863 §4.1 sequence)');
      const id = child.attrs.get('id') ?? '';
      t.match(id, /^[A-Za-z_][\w.-]*$/, 'tuple id is an xs:ID');
      t.notOk(ids.has(id), 'ids unique');
      ids.add(id);
      const status = xmlChild(child, NS_PIDF, 'status');
      t.ok(status, 'tuple has status (RFC 3863 §4.1.3)');
      const basic = status && xmlChild(status, NS_PIDF, 'basic');
      t.ok(basic && /^(open|closed)$/.test(basic.text), 'basic is open|closed');
      t.equal(child.children[0], status, 'status is the first child of tuple');
      for (const c of xmlChildren(child, NS_PIDF, 'contact')) {
        const p = c.attrs.get('priority');
        if (p !== undefined) t.ok(Number(p) >= 0 && Number(p) <= 1, 'priority in [0,1]');
      }
    } else {
      seenNonTuple = true;
    }
    if (child.ns === NS_DM && (child.name === 'person' || child.name === 'device')) {
      t.ok(child.attrs.get('id'), `${child.name} has an id (RFC 4479)`);
    }
    if (child.ns === NS_DM && child.name === 'device') {
      t.equal(xmlChildren(child, NS_DM, 'deviceID').length, 1, 'device has exactly one deviceID (RFC 4479 §3.3)');
    }
    if (child.ns === NS_DM && child.name === 'person') {
      const acts = xmlChild(child, NS_RPID, 'activities');
      if (acts) t.ok(acts.children.length > 0, 'activities not empty (RFC 4480 §3.2)');
    }
  }
  return root;
}

for (const name of FIXTURES) {
  t.test(`round trip ${name}: parse → render → parse is stable`, async (t) => {
    const first = mustParse(fixture(name));
    const xml = renderPidf(first);
    checkSchema(t, xml);
    const second = mustParse(xml);
    // Ids that are not xs:IDs (Zoiper's "1000") come back made valid; everything else is unchanged.
    const expected: PidfDocument = {
      ...first,
      tuples: first.tuples.map((x) => ({ ...x, id: toXmlId(x.id) })),
      persons: first.persons.map((x) => ({ ...x, id: toXmlId(x.id) })),
    };
    t.same(second, expected, 'the model survives a round trip');
    t.equal(renderPidf(second), xml, 'rendering is deterministic');
  });
}

const doc: PidfDocument = {
  entity: 'sip:alice@example.test',
  tuples: [
    {
      id: 't1',
      basic: 'open',
      contact: { uri: 'sip:alice@192.0.2.1', priority: 0.8 },
      notes: [{ text: 'a <b> & "c"', lang: 'en' }],
      timestamp: '2026-11-23T00:00:00Z',
      deviceId: 'urn:uuid:1',
      activities: [],
      mood: [],
      placeType: [],
      privacy: [],
    },
  ],
  persons: [{ id: 'p', notes: [], activities: ['away', 'busy', 'on-the-phone'], mood: [], placeType: [], privacy: [] }],
  devices: [{ id: 'd', notes: [] }],
  notes: [],
};

t.test('conventional prefixes and literal RPID elements clients grep for', async (t) => {
  const xml = renderPidf(doc);
  t.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
  t.match(xml, /<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"/);
  t.match(xml, /xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"/);
  t.match(xml, /entity="sip:alice@example.test"/);
  for (const lit of [
    '<rpid:away/>',
    '<rpid:busy/>',
    '<rpid:on-the-phone/>',
    '<dm:person id="p">',
    '<basic>open</basic>',
  ]) {
    t.ok(xml.includes(lit), `contains ${lit}`);
  }
  t.ok(xml.includes('<note xml:lang="en">a &lt;b&gt; &amp; "c"</note>'), 'note escaped, lang kept');
  t.ok(xml.includes('<dm:deviceID>urn:x-herald:device:d</dm:deviceID>'), 'a device without deviceID still gets one');
  checkSchema(t, xml);
});

t.test('RPID off and data model off', async (t) => {
  const noRpid = renderPidf(doc, { rpid: false });
  t.notOk(noRpid.includes('rpid'), 'no rpid namespace or element');
  t.ok(noRpid.includes('<dm:person id="p"/>'), 'person kept without RPID');
  const plain = renderPidf(doc, { dataModel: false });
  t.notOk(plain.includes('dm:'), 'no data-model elements');
  t.notOk(plain.includes('rpid'), 'no rpid (it needs dm:person)');
  checkSchema(t, plain);
  t.equal(mustParse(plain).tuples[0].deviceId, undefined);
});

t.test('ids that are not xs:IDs are made valid', async (t) => {
  t.equal(toXmlId('1000'), '_1000');
  t.equal(toXmlId('sip:bob@x'), '_sip_bob_x');
  t.equal(toXmlId('t-1.a_b'), 't-1.a_b');
});

t.test('a tuple without basic is rendered closed, never empty', async (t) => {
  const xml = renderPidf({ ...doc, tuples: [{ ...doc.tuples[0], basic: undefined }], persons: [], devices: [] });
  t.ok(xml.includes('<basic>closed</basic>'));
});
