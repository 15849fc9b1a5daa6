// Composition precedence as a table (README "Precedence"), plus the "newer replaces same id" rule.
import t from 'tap';
import {
  composePresentity,
  reportFromPidf,
  supersede,
  type PresenceSources,
  type PublicationSource,
  type Timed,
  type PresenceReport,
} from '@herald/presence';
import { fixture, mustParse } from './fixtures/load.js';

const R = 'sip:alice@example.test';

/** A small PIDF publication: one tuple, optional note, optional person activities. */
function pub(
  at: number,
  o: { tuple?: string; basic?: 'open' | 'closed'; note?: string; acts?: string[]; person?: string; contact?: string },
): PublicationSource {
  const acts = o.acts?.map((a) => `<rpid:${a}/>`).join('') ?? '';
  const xml = `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="${R}">
<tuple id="${o.tuple ?? 't1'}"><status><basic>${o.basic ?? 'open'}</basic></status>${o.contact ? `<contact priority="0.5">${o.contact}</contact>` : ''}${o.note ? `<note>${o.note}</note>` : ''}</tuple>
${acts ? `<dm:person id="${o.person ?? 'p1'}"><rpid:activities>${acts}</rpid:activities></dm:person>` : ''}</presence>`;
  return { document: mustParse(xml), updatedAt: at };
}

const reports = (...rows: Array<[string, PresenceReport, number]>): Map<string, Timed<PresenceReport>> =>
  new Map(rows.map(([id, value, updatedAt]) => [id, { value, updatedAt }]));

interface Row {
  readonly name: string;
  readonly sources: PresenceSources;
  readonly status: 'open' | 'closed';
  readonly dnd: boolean;
  readonly onThePhone: boolean;
  readonly notes?: string[];
  readonly activities?: string[];
}

const rows: Row[] = [
  { name: 'no sources at all → closed', sources: { publications: [] }, status: 'closed', dnd: false, onThePhone: false, notes: [], activities: [] },
  { name: 'registered → open', sources: { publications: [], registration: { registered: true } }, status: 'open', dnd: false, onThePhone: false },
  { name: 'not registered → closed', sources: { publications: [], registration: { registered: false } }, status: 'closed', dnd: false, onThePhone: false },
  {
    name: 'PUBLISHed closed wins over registered',
    sources: { publications: [pub(10, { basic: 'closed' })], registration: { registered: true } },
    status: 'closed', dnd: false, onThePhone: false,
  },
  {
    name: 'PUBLISHed open wins over unregistered',
    sources: { publications: [pub(10, { basic: 'open' })], registration: { registered: false } },
    status: 'open', dnd: false, onThePhone: false,
  },
  {
    name: 'one device open, another closed → open',
    sources: { publications: [pub(10, { tuple: 'desk', basic: 'closed' }), pub(20, { tuple: 'mobile', basic: 'open' })] },
    status: 'open', dnd: false, onThePhone: false,
  },
  {
    name: 'Zoiper DND note, no other device → DND (busy activity)',
    sources: { publications: [pub(10, { note: 'Do Not Disturb' })], registration: { registered: true } },
    status: 'open', dnd: true, onThePhone: false, notes: ['Do Not Disturb'], activities: ['busy'],
  },
  {
    name: '"DND" note counts too',
    sources: { publications: [pub(10, { note: 'DND' })] },
    status: 'open', dnd: true, onThePhone: false,
  },
  {
    name: 'rpid:busy activity → DND',
    sources: { publications: [pub(10, { acts: ['busy'] })] },
    status: 'open', dnd: true, onThePhone: false, activities: ['busy'],
  },
  {
    name: 'any device DND and none available → DND',
    sources: { publications: [pub(10, { tuple: 'desk', note: 'DND' }), pub(20, { tuple: 'mobile', basic: 'closed' })] },
    status: 'open', dnd: true, onThePhone: false,
  },
  {
    name: 'one device DND, another available → not DND (busy dropped)',
    sources: { publications: [pub(10, { tuple: 'desk', acts: ['busy'], person: 'pd' }), pub(20, { tuple: 'mobile', person: 'pm', acts: ['away'] })] },
    status: 'open', dnd: false, onThePhone: false, activities: ['away'],
  },
  {
    name: 'DND from a phone report (back-SUBSCRIBE NOTIFY)',
    sources: { publications: [], registration: { registered: true }, phoneReports: reports(['polycom-1', { dnd: true }, 5]) },
    status: 'open', dnd: true, onThePhone: false,
  },
  {
    name: 'a phone report says closed: user-reported wins over registration',
    sources: { publications: [], registration: { registered: true }, phoneReports: reports(['p1', { status: 'closed' }, 5]) },
    status: 'closed', dnd: false, onThePhone: false,
  },
  {
    name: 'calls add on-the-phone without closing',
    sources: { publications: [], registration: { registered: true }, activeCalls: 1 },
    status: 'open', dnd: false, onThePhone: true, activities: ['on-the-phone'],
  },
  {
    name: 'calls do not open an unregistered presentity',
    sources: { publications: [], activeCalls: 2 },
    status: 'closed', dnd: false, onThePhone: true,
  },
  {
    name: 'published on-the-phone activity',
    sources: { publications: [pub(10, { acts: ['on-the-phone'] })] },
    status: 'open', dnd: false, onThePhone: true, activities: ['on-the-phone'],
  },
  {
    name: 'DND and a call: both activities, DND first',
    sources: { publications: [pub(10, { note: 'DND' })], activeCalls: 1 },
    status: 'open', dnd: true, onThePhone: true, activities: ['busy', 'on-the-phone'],
  },
  {
    name: 'newest timestamp wins for notes',
    sources: { publications: [pub(30, { tuple: 'a', note: 'Lunch' }), pub(10, { tuple: 'b', note: 'Morning' })] },
    status: 'open', dnd: false, onThePhone: false, notes: ['Lunch'],
  },
  {
    name: 'a newer phone report note beats an older publication note',
    sources: { publications: [pub(10, { note: 'Old' })], phoneReports: reports(['x', { notes: [{ text: 'Newer' }] }, 20]) },
    status: 'open', dnd: false, onThePhone: false, notes: ['Newer'],
  },
  {
    name: 'API status overrides status, DND and note',
    sources: {
      publications: [pub(10, { note: 'DND' })],
      registration: { registered: true },
      api: { value: { status: 'closed', dnd: false, note: 'Gone home' }, updatedAt: 1 },
    },
    status: 'closed', dnd: false, onThePhone: false, notes: ['Gone home'], activities: [],
  },
  {
    name: 'API DND alone',
    sources: { publications: [], registration: { registered: true }, api: { value: { dnd: true }, updatedAt: 1 } },
    status: 'open', dnd: true, onThePhone: false, activities: ['busy'],
  },
  {
    name: 'API onthephone adds the activity',
    sources: { publications: [], registration: { registered: true }, api: { value: { onThePhone: true }, updatedAt: 1 } },
    status: 'open', dnd: false, onThePhone: true,
  },
  {
    name: 'API empty note clears notes',
    sources: { publications: [pub(10, { note: 'x' })], api: { value: { note: '' }, updatedAt: 1 } },
    status: 'open', dnd: false, onThePhone: false, notes: [],
  },
  {
    name: 'restarted phone: newer publication with the same tuple id replaces the old one',
    sources: { publications: [pub(10, { tuple: 'zoiper', basic: 'closed', note: 'Old' }), pub(20, { tuple: 'zoiper', basic: 'open' })] },
    status: 'open', dnd: false, onThePhone: false, notes: [],
  },
  {
    name: 'same person id: the newer person replaces the older',
    sources: { publications: [pub(10, { tuple: 'a', acts: ['busy'], person: 'p' }), pub(20, { tuple: 'b', acts: ['away'], person: 'p' })] },
    status: 'open', dnd: false, onThePhone: false, activities: ['away'],
  },
]; // prettier-ignore

for (const row of rows) {
  t.test(row.name, async (t) => {
    const s = composePresentity(R, row.sources);
    t.equal(s.status, row.status, 'status');
    t.equal(s.dnd, row.dnd, 'dnd');
    t.equal(s.onThePhone, row.onThePhone, 'onThePhone');
    if (row.notes)
      t.same(
        s.notes.map((n) => n.text),
        row.notes,
        'notes',
      );
    if (row.activities) t.same(s.activities, row.activities, 'activities');
    t.equal(s.document.entity, R, 'entity is the resource');
    t.equal(s.document.tuples[0].id, 'herald', 'composed tuple first');
    t.equal(s.document.tuples[0].basic, s.status, 'composed tuple carries the status');
  });
}

t.test('device tuples: publications and reports listed, registration only when nobody reports', async (t) => {
  const s = composePresentity(R, {
    publications: [
      pub(10, { tuple: 'desk', contact: 'sip:alice@192.0.2.1' }),
      pub(20, { tuple: 'mobile', basic: 'closed' }),
    ],
    registration: { registered: true },
    phoneReports: reports(['dev-9', { status: 'open' }, 15]),
  });
  t.same(
    s.devices.map((d) => [d.id, d.source, d.status]),
    [
      ['mobile', 'publish', 'closed'],
      ['desk', 'publish', 'open'],
      ['phone-dev-9', 'phone', 'open'],
    ],
  );
  t.same(s.document.tuples[0].contact, { uri: 'sip:alice@192.0.2.1', priority: 0.5 }, 'best open contact');
  const reg = composePresentity(R, {
    publications: [],
    registration: {
      registered: true,
      contacts: [
        { uri: 'sip:a@1', priority: 0.2 },
        { uri: 'sip:a@2', priority: 0.9 },
      ],
    },
  });
  t.same(
    reg.devices.map((d) => [d.id, d.source, d.contact?.uri]),
    [['registration', 'registration', 'sip:a@2']],
  );
});

t.test('supersede keeps the newest element per id and drops fully replaced publications', async (t) => {
  const live = supersede([pub(10, { tuple: 'x', acts: ['away'], person: 'p' }), pub(20, { tuple: 'x' })]);
  t.equal(live.length, 2, 'the old one still holds its person');
  t.same(
    live[0].tuples.map((x) => x.id),
    ['x'],
  );
  t.same(live[1].tuples, [], 'old tuple replaced');
  t.same(
    live[1].persons.map((x) => x.id),
    ['p'],
  );
  t.equal(supersede([pub(10, { tuple: 'x' }), pub(20, { tuple: 'x' })]).length, 1);
  // Equal times: the later one in the list is the newer.
  const tie = supersede([pub(10, { tuple: 'x', basic: 'closed' }), pub(10, { tuple: 'x', basic: 'open' })]);
  t.equal(tie[0].tuples[0].basic, 'open');
});

t.test('mood, place, privacy and idle come from the newest person', async (t) => {
  const heavy = { document: mustParse(fixture('rpid-heavy.xml')), updatedAt: 5 };
  const s = composePresentity(R, { publications: [heavy] });
  const person = s.document.persons[0];
  t.same(person.mood, ['sleepy', 'in_love']);
  t.same(person.placeType, ['residence', 'hotel']);
  t.same(person.privacy, ['text', 'audio']);
  t.equal(person.userInput?.value, 'idle');
  t.same(s.activities, ['away', 'meeting', 'sleeping', 'other']);
  t.equal(person.otherActivity, 'juggling');
  t.equal(s.document.devices.length, 1, 'published dm:device kept');
});

t.test('reportFromPidf reads a phone NOTIFY body', async (t) => {
  t.same(reportFromPidf(mustParse(fixture('polycom-vvx.xml'))), {
    status: 'closed',
    dnd: true,
    onThePhone: false,
    notes: [{ text: 'DND' }],
    activities: ['busy'],
  });
  const snom = reportFromPidf(mustParse(fixture('snom-d785.xml')));
  t.equal(snom.onThePhone, true);
  t.equal(snom.dnd, false);
  t.equal(snom.status, 'open');
});
