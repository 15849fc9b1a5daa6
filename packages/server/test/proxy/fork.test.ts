import t from 'tap';
import { createDialogPackage } from '@herald/dialog';
import type { SipResponse } from '@herald/sip';
import { Net, settle } from './harness.js';

/** Feeds the proxy's updates into a real dialog package and records the aggregated state of `resource` after each. */
function dialogView(net: Net, resource: string): string[] {
  const seen: string[] = [];
  const dialog = createDialogPackage({
    clock: net.clock,
    onState: (r, state) => {
      if (r === resource) seen.push(state.dialogs.map((d) => d.state).join(',') || 'idle');
    },
  });
  for (const { resource: r, update } of net.updates) dialog.calls.update(r, update);
  dialog.close();
  return seen;
}

t.test('forking to two contacts: both ring, the first 200 wins, the other branch is CANCELled', async (t) => {
  const net = new Net();
  const alice = net.agent('alice', '10.0.0.2');
  const desk = net.agent('bob', '10.0.0.3');
  const mobile = net.agent('bob', '10.0.0.4');
  const invite = alice.invite(desk.aor);
  const provisionals: SipResponse[] = [];
  const final = alice.send(invite, provisionals);
  await settle();
  t.equal(desk.invites.length, 1, 'desk phone rings');
  t.equal(mobile.invites.length, 1, 'mobile rings');
  t.not(desk.invites[0].request.topVia?.branch, mobile.invites[0].request.topVia?.branch, 'one branch per target');
  desk.answer(desk.invites[0], 180);
  mobile.answer(mobile.invites[0], 180);
  await settle();
  t.same(
    provisionals.map((r) => r.status),
    [100, 180, 180],
    'both 180s forwarded',
  );
  mobile.answer(mobile.invites[0], 200);
  const ok = await final;
  t.equal(ok.status, 200);
  t.equal(ok.to?.params.get('tag'), mobile.invites[0].toTag, 'the answer of the mobile');
  await settle();
  const cancels = net.hub.log.filter((e) => e.message.kind === 'request' && e.message.method === 'CANCEL');
  t.equal(cancels.length, 1, 'one CANCEL');
  t.equal(cancels[0].to.address, '10.0.0.3', 'to the desk phone');
  // The desk phone's INVITE transaction was cancelled by its endpoint (487) and the proxy ACKed it.
  t.ok(
    net.hub.log.some((e) => e.message.kind === 'response' && e.message.status === 487 && e.from.address === '10.0.0.3'),
    'desk answered 487',
  );
  t.ok(
    net.hub.log.some((e) => e.message.kind === 'request' && e.message.method === 'ACK' && e.to.address === '10.0.0.3'),
    'and the proxy ACKed the 487',
  );
  await alice.ack(invite, ok);
  await settle();
  t.equal(mobile.acks.length, 1);
  t.equal(desk.acks.length, 0);

  const deskTag = desk.invites[0].toTag;
  const mobileTag = mobile.invites[0].toTag;
  t.same(net.states(desk.aor), ['trying', `early:${deskTag}`, `early:${mobileTag}`, `confirmed:${mobileTag}`]);
  t.same(
    dialogView(net, desk.aor),
    ['trying', 'early', 'early', 'confirmed'],
    'the aggregated dialog never shows idle while a branch rings',
  );
  t.same(dialogView(net, alice.aor), ['trying', 'early', 'early', 'confirmed']);
});

t.test('forking: one branch rejects while the other rings; the call goes on until the other answers', async (t) => {
  const net = new Net();
  const alice = net.agent('alice', '10.0.0.2');
  const desk = net.agent('bob', '10.0.0.3');
  const mobile = net.agent('bob', '10.0.0.4');
  const final = alice.send(alice.invite(desk.aor));
  await settle();
  desk.answer(desk.invites[0], 180);
  mobile.answer(mobile.invites[0], 180);
  await settle();
  desk.answer(desk.invites[0], 486);
  await settle();
  t.same(dialogView(net, desk.aor).at(-1), 'early', 'still ringing on the mobile');
  mobile.answer(mobile.invites[0], 480);
  const res = await final;
  t.equal(res.status, 486, 'best response: 486 and 480 are both 4xx; the first kept');
  t.same(dialogView(net, desk.aor).at(-1), 'terminated', 'ends when every branch ended');
  t.same(net.active.at(-1), [desk.aor, 0]);
});

t.test('forking: a 6xx cancels the other branches and wins', async (t) => {
  const net = new Net();
  const alice = net.agent('alice', '10.0.0.2');
  const desk = net.agent('bob', '10.0.0.3');
  const mobile = net.agent('bob', '10.0.0.4');
  const final = alice.send(alice.invite(desk.aor));
  await settle();
  desk.answer(desk.invites[0], 180);
  mobile.answer(mobile.invites[0], 180);
  await settle();
  mobile.answer(mobile.invites[0], 603);
  const res = await final;
  t.equal(res.status, 603);
  t.ok(
    net.hub.log.some(
      (e) => e.message.kind === 'request' && e.message.method === 'CANCEL' && e.to.address === '10.0.0.3',
    ),
    'desk cancelled',
  );
});

t.test('a branch that never answers times out: 408 upstream, terminated', async (t) => {
  const net = new Net();
  const alice = net.agent('alice', '10.0.0.2');
  const bob = net.agent('bob', '10.0.0.3');
  bob.transport.send = () =>
    Promise.resolve({ transport: 'udp', local: bob.transport.local, remote: bob.transport.local });
  bob.endpoint.on('INVITE', () => undefined); // silent phone: no 100, nothing
  const final = alice.send(alice.invite(bob.aor));
  await settle();
  net.clock.advance(64 * 500 + 1); // Timer B
  await settle();
  // The caller's own Timer B fires at the same moment; either way the call ends 408.
  t.equal((await final).status, 408);
  t.match(net.states(alice.aor).at(-1), /^terminated\/(timeout|rejected)/);
});

t.test('Timer C: a phone ringing too long is CANCELled and the caller gets 408, terminated timeout', async (t) => {
  const net = new Net({ timerCMs: 60_000 });
  const alice = net.agent('alice', '10.0.0.2');
  const bob = net.agent('bob', '10.0.0.3');
  const final = alice.send(alice.invite(bob.aor));
  await settle();
  bob.answer(bob.invites[0], 180);
  await settle();
  net.clock.advance(30_000);
  await settle();
  bob.answer(bob.invites[0], 183); // a provisional re-arms Timer C
  await settle();
  net.clock.advance(59_000);
  await settle();
  t.notOk(
    net.hub.log.some((e) => e.message.kind === 'request' && e.message.method === 'CANCEL'),
    'not yet: re-armed',
  );
  net.clock.advance(2_000);
  await settle();
  t.ok(
    net.hub.log.some(
      (e) => e.message.kind === 'request' && e.message.method === 'CANCEL' && e.to.address === '10.0.0.3',
    ),
    'CANCEL sent',
  );
  t.equal((await final).status, 408);
  t.equal(net.states(bob.aor).at(-1), 'terminated/timeout/408');
});
