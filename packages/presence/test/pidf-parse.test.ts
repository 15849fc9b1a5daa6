// PIDF documents in the styles real phones and softphones send, parsed into the model.
import t from 'tap';
import { parsePidf } from '@herald/presence';
import { fixture, mustParse } from './fixtures/load.js';

t.test('Polycom VVX: closed tuple, DND note, rpid:busy, cipid ignored', async (t) => {
  const doc = mustParse(fixture('polycom-vvx.xml'));
  t.equal(doc.entity, 'sip:1001@pbx.example.test');
  t.equal(doc.tuples.length, 1);
  const [tuple] = doc.tuples;
  t.equal(tuple.id, 't0c4a2b1f');
  t.equal(tuple.basic, 'closed');
  t.same(tuple.contact, { uri: 'sip:1001@192.0.2.41:5060', priority: 0.8 });
  t.same(tuple.notes, [{ text: 'DND' }]);
  t.equal(tuple.timestamp, '2026-11-22T09:12:44Z');
  t.same(doc.persons[0].activities, ['busy']);
  t.equal(doc.persons[0].id, 'p0c4a2b1f');
});

t.test('Yealink: deviceID on the tuple, caps ignored, dm:device with user-input', async (t) => {
  const doc = mustParse(fixture('yealink-t46.xml'));
  const [tuple] = doc.tuples;
  t.equal(tuple.basic, 'open');
  t.equal(tuple.deviceId, 'urn:uuid:00000000-0000-1000-8000-805ec0a1b2c3');
  t.same(tuple.contact, { uri: 'sip:2002@198.51.100.22:5062;transport=udp', priority: 1 });
  t.same(tuple.notes, [{ text: 'Available', lang: 'en' }]);
  t.equal(tuple.timestamp, '2026-11-22T10:00:00+01:00');
  t.equal(doc.devices.length, 1);
  t.equal(doc.devices[0].deviceId, tuple.deviceId);
  t.same(doc.devices[0].userInput, { value: 'active' });
});

t.test('Snom: default-namespace person and RPID, two notes with xml:lang, vendor element ignored', async (t) => {
  const doc = mustParse(fixture('snom-d785.xml'));
  t.same(doc.tuples[0].notes, [
    { text: 'On the phone', lang: 'en' },
    { text: 'Am Telefon', lang: 'de' },
  ]);
  t.same(doc.tuples[0].contact, { uri: 'sip:3003@203.0.113.7:2048;line=kfk3e0xa' });
  t.equal(doc.persons.length, 1);
  t.same(doc.persons[0].activities, ['on-the-phone']);
});

t.test('Zoiper 5: DND only in the note', async (t) => {
  const dnd = mustParse(fixture('zoiper-dnd.xml'));
  t.equal(dnd.entity, 'sip:1000@example.test;transport=UDP');
  t.equal(dnd.tuples[0].id, '1000');
  t.equal(dnd.tuples[0].basic, 'open');
  t.same(dnd.tuples[0].notes, [{ text: 'Do Not Disturb' }]);
  t.same(dnd.persons, []);
  const online = mustParse(fixture('zoiper-online.xml'));
  t.same(online.tuples[0].notes, [{ text: 'Online' }]);
});

t.test('Linphone: away in dm:person with a dm:note, unknown extension ignored', async (t) => {
  const doc = mustParse(fixture('linphone.xml'));
  t.equal(doc.tuples[0].id, 'qmhvxh');
  t.equal(doc.tuples[0].timestamp, '2026-11-22T23:40:01Z');
  t.same(doc.persons[0].activities, ['away']);
  t.same(doc.persons[0].notes, [{ text: 'Back at two', lang: 'en' }]);
});

t.test('baresip: person before the tuple, empty rpid:activities', async (t) => {
  const doc = mustParse(fixture('baresip.xml'));
  t.equal(doc.tuples[0].id, 't4109');
  t.equal(doc.tuples[0].basic, 'open');
  t.same(doc.tuples[0].contact, { uri: 'sip:alice@example.test' });
  t.equal(doc.persons[0].id, 'p4159');
  t.same(doc.persons[0].activities, []);
});

t.test('Bria: single-quoted attributes, meeting activity, CounterPath element ignored', async (t) => {
  const doc = mustParse(fixture('bria.xml'));
  t.equal(doc.entity, 'sip:carol@example.test');
  t.same(doc.tuples[0].contact, { uri: 'sip:carol@10.1.2.3:54321;rinstance=ab12cd34', priority: 0.5 });
  t.same(doc.persons[0].activities, ['meeting']);
  t.same(doc.persons[0].notes, [{ text: 'In a meeting until 3' }]);
});

t.test('eyeBeam/X-Lite draft RPID: id-less pp:person with <activity> words', async (t) => {
  const doc = mustParse(fixture('eyebeam-draft.xml'));
  t.equal(doc.persons.length, 1);
  t.equal(doc.persons[0].id, 'person-1');
  t.same(doc.persons[0].activities, ['away']);
  t.same(doc.notes, [{ text: 'Idle' }]);
  t.equal(doc.tuples[0].basic, 'open');
});

t.test('RPID-heavy (RFC 4480 example style): every element read, unknown activity → other', async (t) => {
  const doc = mustParse(fixture('rpid-heavy.xml'));
  t.equal(doc.entity, 'pres:someone@example.com');
  t.equal(doc.tuples.length, 2);
  t.equal(doc.tuples[0].deviceId, 'urn:x-mac:0003ba4811e3');
  t.same(doc.tuples[0].notes, [
    { text: "Don't Disturb Please!", lang: 'en' },
    { text: "Ne dérangez pas, s'il vous plait", lang: 'fr' },
  ]);
  t.same(doc.tuples[1].contact, { uri: 'mailto:someone@example.com', priority: 1 });
  t.equal(doc.tuples[1].basic, 'closed');
  const p = doc.persons[0];
  t.same(p.activities, ['away', 'meeting', 'sleeping', 'other']);
  t.equal(p.otherActivity, 'juggling');
  t.same(p.mood, ['sleepy', 'in_love']);
  t.same(p.placeType, ['residence', 'hotel']);
  t.same(p.privacy, ['text', 'audio']);
  t.same(p.userInput, { value: 'idle', lastInput: '2004-10-21T13:20:00.000-05:00', idleThreshold: 600 });
  t.same(p.notes, [{ text: 'Off to the races', lang: 'en' }]);
  t.equal(p.timestamp, '2005-05-30T16:09:44+05:00');
  t.same(doc.devices[0], {
    id: 'pc122',
    deviceId: 'urn:x-mac:0003ba4811e3',
    notes: [{ text: 'PC' }],
    userInput: { value: 'idle' },
  });
  t.same(doc.notes, [{ text: 'The presentity is away' }]);
});

t.test('prefixes are not fixed: namespaces decide, foreign look-alikes are ignored', async (t) => {
  const doc = mustParse(fixture('prefix-variants.xml'));
  t.equal(doc.entity, 'sip:erin@example.test');
  t.same(doc.tuples[0].contact, { uri: 'sip:erin@192.0.2.9', priority: 0.25 });
  t.same(doc.persons[0].activities, ['vacation', 'other']);
  t.equal(doc.persons[0].otherActivity, 'Hiking');
  t.same(doc.persons[0].notes, [{ text: 'Back Monday' }]);
  t.same(doc.notes, [{ text: 'fake prefix binding below must not count' }]);
});

t.test('CPIM-PIDF (old namespace) reads as PIDF', async (t) => {
  const doc = mustParse(fixture('cpim-pidf.xml'));
  t.equal(doc.entity, 'pres:frank@example.test');
  t.equal(doc.tuples[0].basic, 'open');
  t.same(doc.tuples[0].contact, { uri: 'sip:frank@example.test', priority: 0.8 });
});

t.test('documents that break RFC 3863 rules are refused with a reason', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['no entity', '<presence xmlns="urn:ietf:params:xml:ns:pidf"><tuple id="a"/></presence>', /Entity/],
    ['wrong root', '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" entity="sip:a@b"/>', /Not A PIDF/],
    ['no namespace', '<presence entity="sip:a@b"><tuple id="a"/></presence>', /Not A PIDF/],
    [
      'tuple without id',
      '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple><status><basic>open</basic></status></tuple></presence>',
      /Tuple Without Id/,
    ],
    [
      'bad basic',
      '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple id="a"><status><basic>maybe</basic></status></tuple></presence>',
      /Bad Basic Status "maybe"/,
    ],
    [
      'bad priority',
      '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple id="a"><status/><contact priority="7">sip:x@y</contact></tuple></presence>',
      /Bad Contact Priority/,
    ],
    [
      'duplicate tuple id',
      '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple id="a"><status/></tuple><tuple id="a"><status/></tuple></presence>',
      /Duplicate Tuple Id/,
    ],
    [
      'person without id',
      '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="sip:a@b"><dm:person/></presence>',
      /Person Without Id/,
    ],
  ];
  for (const [name, body, reason] of cases) {
    const v = parsePidf(body);
    t.equal(v.ok, false, name);
    if (!v.ok) {
      t.equal(v.status, 400, `${name}: 400`);
      t.match(v.reason, reason, `${name}: reason`);
    }
  }
});

t.test('a tuple without <basic> parses with basic undefined; empty notes are dropped', async (t) => {
  const doc = mustParse(
    '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple id="a"><status/><note>  </note></tuple></presence>',
  );
  t.equal(doc.tuples[0].basic, undefined);
  t.same(doc.tuples[0].notes, []);
});
