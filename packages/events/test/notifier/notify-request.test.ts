// buildNotify builds from a per-dialog cache exactly the request
// createInDialogRequest builds (RFC 3261 §12.2.1.1), and notices target refreshes.
import t from 'tap';
import { createInDialogRequest, serializeMessage, type Dialog } from '@herald/sip';
import {
  HEAD_CACHE_GENERATION,
  buildNotify,
  cachedHeads,
  type NotifyParts,
} from '../../src/notifier/notify-request.js';

const base: Dialog = {
  id: { callId: 'a84b4c76e66710@pc33.atlanta.test', localTag: 'srv-1', remoteTag: '1928301774' },
  state: 'confirmed',
  role: 'uas',
  local: '<sip:bob@biloxi.test>',
  remote: '"Alice" <sip:alice@atlanta.test>',
  localSeq: 41,
  remoteSeq: 7,
  remoteTarget: 'sip:alice@192.0.2.4:5062;transport=tcp',
  routeSet: [],
  secure: false,
};

function parts(dialog: Dialog): NotifyParts {
  return {
    dialog,
    event: 'presence',
    eventId: 'x1',
    subscriptionState: 'active;expires=599',
    contact: '<sip:127.0.0.1:5060>',
    body: { body: '<presence/>' },
    contentType: 'application/pidf+xml',
  };
}

/** What the general in-dialog builder makes of the same parts. */
function reference(p: NotifyParts): { wire: string; localSeq: number | undefined } {
  const { request, dialog } = createInDialogRequest(p.dialog, 'NOTIFY', {
    headers: [
      ['Event', 'presence;id=x1'],
      ['Subscription-State', p.subscriptionState],
      ['Contact', p.contact],
      ['Content-Type', p.contentType],
    ],
    body: p.body.body,
  });
  return { wire: serializeMessage(request).toString(), localSeq: dialog.localSeq };
}

const dialogs: Array<[string, Dialog]> = [
  ['no route set', base],
  ['loose routes', { ...base, routeSet: ['<sip:p1.test;lr>', '<sip:p2.test;lr;x=1>'] }],
  ['strict first route', { ...base, routeSet: ['<sip:strict.test;transport=udp;lr=off>', '<sip:p2.test;lr>'] }],
  ['strict route with lr-less URI', { ...base, routeSet: ['<sip:strict.test>'] }],
  ['loose first route, lr-less second', { ...base, routeSet: ['<sip:p1.test;lr>', '<sip:p2.test>'] }],
  ['name-addr route with a display name', { ...base, routeSet: ['"P" <sip:p1.test;lr>;x=1'] }],
  [
    'IPv6 target, tel-less quoted parties',
    { ...base, remoteTarget: 'sip:[2001:db8::1]:5070', remote: '"A \\"q\\"" <sip:a@b.test>' },
  ],
  ['party already tagged', { ...base, local: '<sip:bob@biloxi.test>;tag=old', remote: 'sip:alice@atlanta.test' }],
  [
    'parties with parameters',
    { ...base, local: '<sip:bob@biloxi.test>;x=y', remote: '<sip:alice@atlanta.test;user=phone>' },
  ],
];

for (const [name, dialog] of dialogs) {
  t.test(`${name}: byte-identical to createInDialogRequest, cached or not`, async (t) => {
    const expected = reference(parts(dialog));
    for (let i = 0; i < 2; i++) {
      const built = buildNotify(parts(dialog));
      t.equal(
        serializeMessage(built.request).toString(),
        expected.wire,
        i === 0 ? 'first (builds the cache)' : 'cached',
      );
      t.equal(built.dialog.localSeq, expected.localSeq);
      t.same(built.dialog, { ...dialog, localSeq: expected.localSeq }, 'every other dialog field kept');
    }
  });
}

t.test('the CSeq follows the dialog and the cache follows target refreshes', async (t) => {
  const first = buildNotify(parts(base));
  t.equal(first.request.cseq?.seq, 42);
  const second = buildNotify(parts(first.dialog));
  t.equal(second.request.cseq?.seq, 43);
  t.equal(second.request.requestUri, base.remoteTarget);
  // A refresh SUBSCRIBE moved the phone and added a route: same dialog id, new target.
  const moved: Dialog = {
    ...second.dialog,
    remoteTarget: 'sip:alice@198.51.100.9:5060',
    routeSet: ['<sip:edge.test;lr>'],
  };
  const third = buildNotify(parts(moved));
  t.equal(third.request.requestUri, 'sip:alice@198.51.100.9:5060');
  t.same(third.request.headers.getAll('Route'), ['<sip:edge.test;lr>']);
  t.equal(serializeMessage(third.request).toString(), reference(parts(moved)).wire);
});

t.test('without a local sequence yet a CSeq is chosen afresh', async (t) => {
  const built = buildNotify(parts({ ...base, localSeq: undefined }));
  const seq = built.request.cseq?.seq ?? -1;
  t.ok(seq >= 1 && seq < 2 ** 31, `CSeq ${seq} in range`);
  t.equal(built.dialog.localSeq, seq);
});

t.test('a malformed remote target still fails at build time', async (t) => {
  t.throws(() => buildNotify(parts({ ...base, id: { ...base.id, callId: 'other' }, remoteTarget: 'not a uri' })));
});

t.test(
  'the head cache keeps only recently notified dialogs, and a dropped one builds the same NOTIFY again',
  async (t) => {
    const first = buildNotify(parts(base));
    const many = 3 * HEAD_CACHE_GENERATION;
    for (let i = 0; i < many; i++) {
      buildNotify(parts({ ...base, id: { ...base.id, callId: `busy-${i}@pc33.atlanta.test` } }));
    }
    t.ok(cachedHeads() <= 2 * HEAD_CACHE_GENERATION, `${cachedHeads()} heads cached after ${many} dialogs`);
    // The first dialog went idle long ago: its head is gone and rebuilt, byte for byte the general builder's.
    const again = buildNotify(parts(first.dialog));
    t.equal(serializeMessage(again.request).toString(), reference(parts(first.dialog)).wire);
  },
);
