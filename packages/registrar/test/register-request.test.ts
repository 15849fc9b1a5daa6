// readRegister as a table: Contact sets in, updates or refusals out.
import t from 'tap';
import { createRequest } from '@herald/sip';
import { bindingKey, readRegister, type ContactUpdate } from '../src/index.js';

const limits = { min: 60, max: 3600, default: 1800 };

function req(contacts: string[], expires?: string) {
  const headers: Array<[string, string]> = [
    ['Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1'],
    ['From', '<sip:alice@example.test>;tag=1'],
    ['To', '<sip:alice@example.test>'],
    ['Call-ID', 'c'],
    ['CSeq', '1 REGISTER'],
  ];
  for (const c of contacts) headers.push(['Contact', c]);
  if (expires !== undefined) headers.push(['Expires', expires]);
  return createRequest({ method: 'REGISTER', uri: 'sip:example.test', headers });
}

const brief = (c: ContactUpdate) => [c.contact, c.expires, c.q, c.instanceId, c.regId, c.key];

t.test('contact sets that are accepted', async (t) => {
  const rows: Array<[string, string[], string | undefined, unknown[][]]> = [
    [
      'param wins over header',
      ['<sip:a@h1>;expires=100'],
      '200',
      [['sip:a@h1', 100, undefined, undefined, undefined, 'sip:a@h1']],
    ],
    ['header applies', ['<sip:a@h1>'], '200', [['sip:a@h1', 200, undefined, undefined, undefined, 'sip:a@h1']]],
    ['default applies', ['<sip:a@h1>'], undefined, [['sip:a@h1', 1800, undefined, undefined, undefined, 'sip:a@h1']]],
    [
      'max clamps',
      ['<sip:a@h1>;expires=4294967295'],
      undefined,
      [['sip:a@h1', 3600, undefined, undefined, undefined, 'sip:a@h1']],
    ],
    [
      'zero is a removal, not 423',
      ['<sip:a@h1>;expires=0'],
      '30',
      [['sip:a@h1', 0, undefined, undefined, undefined, 'sip:a@h1']],
    ],
    [
      'q kept',
      ['<sip:a@h1>;q=0.25', 'sip:a@h2;q=1'],
      '60',
      [
        ['sip:a@h1', 60, 0.25, undefined, undefined, 'sip:a@h1'],
        ['sip:a@h2', 60, 1, undefined, undefined, 'sip:a@h2'],
      ],
    ],
    [
      'instance and reg-id key the binding',
      ['<sip:a@h1;ob>;+sip.instance="<urn:uuid:1>";reg-id=2'],
      undefined,
      [['sip:a@h1;ob', 1800, undefined, '<urn:uuid:1>', 2, '<urn:uuid:1>;reg-id=2']],
    ],
    [
      'instance alone keys by instance (RFC 5627 style)',
      ['<sip:a@h1>;+sip.instance="<urn:uuid:1>"'],
      undefined,
      [['sip:a@h1', 1800, undefined, '<urn:uuid:1>', undefined, '<urn:uuid:1>']],
    ],
    [
      'reg-id without instance is ignored (RFC 5626 §6)',
      ['<sip:a@h1>;reg-id=1'],
      undefined,
      [['sip:a@h1', 1800, undefined, undefined, undefined, 'sip:a@h1']],
    ],
  ];
  for (const [name, contacts, expires, want] of rows) {
    const r = readRegister(req(contacts, expires), limits);
    t.ok(r.ok, name);
    if (r.ok && r.update.kind === 'contacts') t.same(r.update.contacts.map(brief), want, name);
    else t.fail(`${name}: not a contact update`);
  }
  const params = readRegister(req(['<sip:a@h1>;expires=60;+sip.instance="<urn:x>";reg-id=1;q=0.5;foo']), limits);
  t.same(
    params.ok && params.update.kind === 'contacts' ? params.update.contacts[0].params : undefined,
    [
      ['+sip.instance', '<urn:x>'],
      ['reg-id', '1'],
      ['foo', null],
    ],
    'other parameters kept in order, expires and q taken out',
  );
});

t.test('query and star', async (t) => {
  t.same(readRegister(req([]), limits), { ok: true, update: { kind: 'query' } });
  t.same(readRegister(req(['*'], '0'), limits), { ok: true, update: { kind: 'star' } });
});

t.test('refusals', async (t) => {
  const rows: Array<[string, string[], string | undefined, number, string]> = [
    ['* without Expires', ['*'], undefined, 400, 'Contact * Requires Expires: 0'],
    ['* with Expires 60', ['*'], '60', 400, 'Contact * Requires Expires: 0'],
    ['* with another contact', ['*', '<sip:a@h1>'], '0', 400, 'Contact * Must Be Alone'],
    ['too brief (param)', ['<sip:a@h1>;expires=59'], undefined, 423, 'Interval Too Brief'],
    ['too brief (header)', ['<sip:a@h1>'], '1', 423, 'Interval Too Brief'],
    ['bad expires', ['<sip:a@h1>;expires=soon'], undefined, 400, 'Bad Contact expires'],
    ['expires flag', ['<sip:a@h1>;expires'], undefined, 400, 'Bad Contact expires'],
    ['q above 1', ['<sip:a@h1>;q=1.001'], undefined, 400, 'Bad Contact q'],
    ['q with 4 decimals', ['<sip:a@h1>;q=0.1234'], undefined, 400, 'Bad Contact q'],
    ['reg-id 0', ['<sip:a@h1>;+sip.instance="<urn:x>";reg-id=0'], undefined, 400, 'Bad reg-id'],
    [
      'two reg-ids',
      ['<sip:a@h1>;+sip.instance="<urn:x>";reg-id=1', '<sip:a@h2>;+sip.instance="<urn:x>";reg-id=2'],
      undefined,
      400,
      'Multiple Contacts With reg-id',
    ],
  ];
  for (const [name, contacts, expires, status, reason] of rows) {
    const r = readRegister(req(contacts, expires), limits);
    t.same(r.ok ? 'accepted' : [r.status, r.reason], [status, reason], name);
  }
  const r = readRegister(req(['<sip:a@h1>;expires=10']), limits);
  t.same(r.ok ? undefined : r.headers, [['Min-Expires', '60']], '423 carries Min-Expires (RFC 3261 §20.23)');
});

t.test('bindingKey', async (t) => {
  t.equal(bindingKey('sip:a@h'), 'sip:a@h');
  t.equal(bindingKey('sip:a@h', '<urn:1>'), '<urn:1>');
  t.equal(bindingKey('sip:a@h', '<urn:1>', 3), '<urn:1>;reg-id=3');
});
