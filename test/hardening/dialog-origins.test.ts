// The refresh-origin rule of event-auth.ts on its own: DialogOrigins (what
// counts as moved, the bound) and checkInDialog (challenge, trust on first use).
import t from 'tap';
import { DigestServer, ManualClock, createRequest, type IncomingRequest } from '@herald/sip';
import { DialogOrigins, checkInDialog } from '../../packages/server/src/index.js';

function subscribe(o: { callId?: string; fromTag?: string; contact?: string; port?: number; address?: string }) {
  const headers: Array<[string, string]> = [
    ['From', `<sip:bob@example.test>;tag=${o.fromTag ?? 'f1'}`],
    ['To', '<sip:alice@example.test>;tag=t1'],
    ['Call-ID', o.callId ?? 'c1'],
    ['CSeq', '2 SUBSCRIBE'],
    ['Event', 'presence'],
  ];
  if (o.contact !== undefined) headers.push(['Contact', o.contact]);
  const request = createRequest({ method: 'SUBSCRIBE', uri: 'sip:alice@example.test', headers });
  // Only what the rule reads: the request and the flow it came on.
  return {
    request,
    flow: {
      transport: 'udp',
      local: { address: '127.0.0.1', port: 5060 },
      remote: { address: o.address ?? '192.0.2.1', port: o.port ?? 5062 },
    },
  } as unknown as IncomingRequest;
}

t.test('DialogOrigins: same source and Contact, moved, unknown, bounded', async (t) => {
  const origins = new DialogOrigins(2);
  const home = { contact: '<sip:bob@192.0.2.1:5062;transport=udp>' };
  t.equal(origins.check(subscribe(home)), 'unknown');
  origins.remember(subscribe(home));
  t.equal(origins.check(subscribe(home)), 'same');
  t.equal(origins.check(subscribe({ contact: '<sip:bob@192.0.2.1:5062;ob>' })), 'same', 'Contact params do not count');
  t.equal(origins.check(subscribe({})), 'same', 'no Contact: the target stays, the source matches');
  t.equal(origins.check(subscribe({ ...home, port: 6000 })), 'moved', 'another source port');
  t.equal(origins.check(subscribe({ ...home, address: '192.0.2.9' })), 'moved', 'another source address');
  t.equal(origins.check(subscribe({ contact: '<sip:eve@192.0.2.9>' })), 'moved', 'another Contact');
  t.equal(origins.check(subscribe({ ...home, fromTag: 'other' })), 'unknown', 'another dialog');
  origins.remember(subscribe({ ...home, callId: 'c2' }));
  origins.remember(subscribe({ ...home, callId: 'c3' }));
  t.equal(origins.size, 2, 'bounded');
  t.equal(origins.check(subscribe(home)), 'unknown', 'the oldest went first');
});

t.test(
  'checkInDialog: no credentials pass at the origin, are challenged elsewhere; unknown dialogs take the first',
  async (t) => {
    const digest = new DigestServer({
      realm: 'example.test',
      algorithms: ['MD5'],
      clock: new ManualClock(1_000_000),
      lookup: () => ({ password: 'bob-secret' }),
    });
    const origins = new DialogOrigins();
    const home = { contact: '<sip:bob@192.0.2.1:5062>' };
    const first = await checkInDialog(subscribe(home), { digest }, origins);
    t.same(first, { ok: true }, 'a dialog we do not know: accepted');
    t.equal(origins.size, 1, 'and its origin recorded');
    t.same(await checkInDialog(subscribe(home), { digest }, origins), { ok: true });
    const moved = await checkInDialog(
      subscribe({ contact: '<sip:eve@192.0.2.9>', address: '192.0.2.9' }),
      { digest },
      origins,
    );
    t.equal(moved.ok ? 200 : moved.status, 401, 'from elsewhere: challenged');
    t.match(!moved.ok && moved.headers?.[0]?.[1], /^Digest realm="example\.test"/);
    t.same(
      await checkInDialog(subscribe(home), { digest }, undefined),
      { ok: true },
      'without a table nothing is held',
    );
    t.same(
      await checkInDialog(subscribe({ address: '192.0.2.9' }), { digest: undefined }, origins),
      { ok: true },
      'auth off',
    );
  },
);
