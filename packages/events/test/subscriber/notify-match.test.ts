// matchNotify as a table: which NOTIFY is ours, and what the others are answered.
import t from 'tap';
import { type Dialog, createRequest } from '@herald/sip';
import { type NotifyExpectation, matchNotify } from '@herald/events';

function notify(headers: Array<[string, string]>, cseq = 5) {
  return createRequest({
    method: 'NOTIFY',
    uri: 'sip:herald@127.0.0.1',
    headers: [
      ['Via', 'SIP/2.0/UDP 127.0.0.2;branch=z9hG4bKx'],
      ['From', '<sip:bob@127.0.0.2>;tag=bobtag'],
      ['To', '<sip:herald@127.0.0.1>;tag=ours'],
      ['Call-ID', 'call-1'],
      ['CSeq', `${cseq} NOTIFY`],
      ['Contact', '<sip:bob@127.0.0.2:5070>'],
      ['Record-Route', '<sip:p1.example.test;lr>'],
      ...headers,
    ],
  });
}

const base: NotifyExpectation = {
  event: 'presence',
  eventId: undefined,
  localTag: 'ours',
  localSeq: 100,
  dialog: undefined,
};
const dialog: Dialog = {
  id: { callId: 'call-1', localTag: 'ours', remoteTag: 'bobtag' },
  state: 'confirmed',
  role: 'uac',
  local: '<sip:herald@127.0.0.1>',
  remote: '<sip:bob@127.0.0.2>',
  localSeq: 100,
  remoteSeq: 4,
  remoteTarget: 'sip:bob@127.0.0.2',
  routeSet: [],
  secure: false,
};
const good: Array<[string, string]> = [
  ['Event', 'presence'],
  ['Subscription-State', 'active;expires=60'],
];

t.test('refusals', async (t) => {
  const rows: Array<[string, Array<[string, string]>, NotifyExpectation, number]> = [
    [
      'another package',
      [
        ['Event', 'dialog'],
        ['Subscription-State', 'active'],
      ],
      base,
      489,
    ],
    ['no Event', [['Subscription-State', 'active']], base, 489],
    [
      'another id',
      [
        ['Event', 'presence;id=2'],
        ['Subscription-State', 'active'],
      ],
      { ...base, eventId: '1' },
      481,
    ],
    ['id missing where we sent one', good, { ...base, eventId: '1' }, 481],
    ['no Subscription-State', [['Event', 'presence']], base, 400],
    ['another fork', good, { ...base, dialog: { ...dialog, id: { ...dialog.id, remoteTag: 'first' } } }, 481],
    ['CSeq out of order', good, { ...base, dialog: { ...dialog, remoteSeq: 9 } }, 500],
  ];
  for (const [name, headers, expected, status] of rows) {
    const verdict = matchNotify(notify(headers), expected);
    t.equal(verdict.ok ? 200 : verdict.status, status, name);
  }
  const bad = matchNotify(
    notify([
      ['Event', 'dialog'],
      ['Subscription-State', 'active'],
    ]),
    base,
  );
  t.same(bad.ok ? undefined : bad.headers, [['Allow-Events', 'presence']], '489 names the event we expect');
});

t.test('a first NOTIFY creates the dialog; a later one advances it', async (t) => {
  const first = matchNotify(notify(good), base);
  t.ok(first.ok);
  if (!first.ok) return;
  t.same(first.dialog.id, { callId: 'call-1', localTag: 'ours', remoteTag: 'bobtag' });
  t.equal(first.dialog.role, 'uac');
  t.equal(first.dialog.localSeq, 100, 'our SUBSCRIBE CSeq continues');
  t.equal(first.dialog.remoteSeq, 5);
  t.equal(first.dialog.remoteTarget, 'sip:bob@127.0.0.2:5070');
  t.same(first.dialog.routeSet, ['<sip:p1.example.test;lr>']);
  t.equal(first.substate.state, 'active');
  t.equal(first.substate.expires, 60);
  const later = matchNotify(notify(good, 6), { ...base, dialog: first.dialog });
  t.ok(later.ok && later.dialog.remoteSeq === 6);
});
