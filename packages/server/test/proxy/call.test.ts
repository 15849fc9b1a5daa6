import t from 'tap';
import type { SipResponse } from '@herald/sip';
import { Net, settle } from './harness.js';

const SDP =
  'v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n';
const HOLD = SDP.replace('a=sendrecv', 'a=sendonly');

t.test('A calls B: INVITE/180/200/ACK/BYE through the proxy, tracked on both sides', async (t) => {
  const net = new Net();
  const alice = net.agent('alice', '10.0.0.2');
  const bob = net.agent('bob', '10.0.0.3');
  const invite = alice.invite(bob.aor, [], SDP);
  const provisionals: SipResponse[] = [];
  const final = alice.send(invite, provisionals);
  await settle();
  t.equal(bob.invites.length, 1, 'bob got the INVITE');
  const inv = bob.invites[0].request;
  t.equal(inv.requestUri, bob.contact, 'Request-URI rewritten to the contact');
  t.equal(inv.headers.get('Record-Route'), '<sip:10.0.0.1:5060;lr>', 'proxy record-routes');
  t.equal(inv.via.length, 2, 'proxy Via on top of the caller Via');
  t.equal(inv.maxForwards, 69, 'Max-Forwards decremented');
  t.same(net.states(alice.aor), ['trying']);
  t.same(net.states(bob.aor), ['trying']);

  bob.answer(bob.invites[0], 180);
  await settle();
  t.same(
    provisionals.map((r) => r.status),
    [100, 180],
    'caller gets our 100 and the forwarded 180',
  );
  const tag = bob.invites[0].toTag;
  t.same(net.states(alice.aor), ['trying', `early:${tag}`]);
  t.same(net.states(bob.aor), ['trying', `early:${tag}`]);
  t.same(net.active, [
    [alice.aor, 1],
    [bob.aor, 1],
  ]);

  bob.answer(bob.invites[0], 200, SDP);
  const ok = await final;
  t.equal(ok.status, 200);
  t.equal(ok.via.length, 1, 'our Via removed from the response');
  t.equal(ok.headers.get('Record-Route'), '<sip:10.0.0.1:5060;lr>');
  const dialog = await alice.ack(invite, ok);
  await settle();
  t.equal(bob.acks.length, 1, 'ACK for the 2xx routed to bob by Route');
  t.equal(bob.acks[0].requestUri, bob.contact);

  const last = net.updates.filter((u) => u.resource === alice.aor).at(-1)?.update;
  t.match(last, {
    state: 'confirmed',
    direction: 'initiator',
    callId: invite.callId,
    localTag: invite.from?.params.get('tag'),
    remoteTag: tag,
    localIdentity: `"ALICE" <${alice.aor}>`,
    remoteIdentity: `<${bob.aor}>`,
    localTarget: alice.contact,
    remoteTarget: bob.contact,
  });
  const bobLast = net.updates.filter((u) => u.resource === bob.aor).at(-1)?.update;
  t.match(bobLast, { state: 'confirmed', direction: 'recipient', localTag: tag, remoteTarget: alice.contact });

  const bye = await alice.inDialog(dialog, 'BYE');
  t.equal(bye.status, 200, 'BYE routed by Record-Route and answered');
  t.equal(bob.byes.length, 1);
  t.same(net.states(alice.aor), ['trying', `early:${tag}`, `confirmed:${tag}`, `terminated:${tag}/local-bye`]);
  t.same(net.states(bob.aor), ['trying', `early:${tag}`, `confirmed:${tag}`, `terminated:${tag}/remote-bye`]);
  t.same(net.active.slice(-2), [
    [alice.aor, 0],
    [bob.aor, 0],
  ]);
  t.equal(net.proxy.calls.size, 0, 'call forgotten');
});

t.test('callee hangs up; hold and resume via re-INVITE', async (t) => {
  const net = new Net();
  const alice = net.agent('alice', '10.0.0.2');
  const bob = net.agent('bob', '10.0.0.3');
  const invite = alice.invite(bob.aor, [], SDP);
  const final = alice.send(invite);
  await settle();
  bob.answer(bob.invites[0], 200, SDP);
  const ok = await final;
  await alice.ack(invite, ok);
  await settle();
  const tag = bob.invites[0].toTag;

  // Bob holds: his offer says sendonly, so bob's side carries the hold SDP.
  const bobDialog = bob.uasDialog(bob.invites[0]);
  const reinvite = bob.inDialog(bobDialog, 'INVITE', { body: HOLD });
  await settle();
  t.equal(alice.invites.length, 1, 're-INVITE reached alice via the route set');
  t.equal(alice.invites[0].request.requestUri, alice.contact);
  alice.answer(alice.invites[0], 200, SDP.replace('a=sendrecv', 'a=recvonly'));
  t.equal((await reinvite).status, 200);
  const hold = net.updates.at(-1);
  t.equal(hold?.resource, bob.aor, 'the holder is bob');
  t.match(hold?.update, { state: 'confirmed', direction: 'recipient', localTag: tag });
  t.ok(hold?.update.sdp?.toString().includes('sendonly'), 'hold SDP passed for isHold');

  const byeFromBob = await bob.inDialog({ ...bobDialog, localSeq: (bobDialog.localSeq ?? 0) + 10 }, 'BYE');
  t.equal(byeFromBob.status, 200);
  t.equal(alice.byes.length, 1);
  t.match(net.updates.filter((u) => u.resource === alice.aor).at(-1)?.update, {
    state: 'terminated',
    event: 'remote-bye',
  });
  t.match(net.updates.filter((u) => u.resource === bob.aor).at(-1)?.update, {
    state: 'terminated',
    event: 'local-bye',
  });
});
