// Fork aggregation as a table: each row feeds branch updates for one call and
// checks what watchers see after each step (DESIGN.md: no false or sticky
// "early"; a CANCELled branch does not show idle while another rings).
import t from 'tap';
import { ManualClock } from '@herald/sip';
import {
  aggregateCall,
  applyCallUpdate,
  callEnded,
  dialogIdOf,
  expireCall,
  identityOf,
  DialogModel,
  type CallRecord,
  type CallUpdate,
  type DialogDelta,
  type DialogResourceState,
} from '@herald/dialog';

type Step = Partial<CallUpdate> & Pick<CallUpdate, 'state'>;
/** What watchers see after each step: `state[/event][@localTag:remoteTag]`, or `gone` once reported and dropped. */
type Row = { name: string; direction: 'initiator' | 'recipient'; steps: Step[]; seen: string[] };

const view = (call: CallRecord): string => {
  const d = aggregateCall(call, 0);
  return `${d.state}${d.event ? `/${d.event}` : ''}@${d.localTag ?? ''}:${d.remoteTag ?? ''}`;
};

const rows: Row[] = [
  {
    name: 'caller side: two forks ring, one is rejected, the other answers',
    direction: 'initiator',
    steps: [
      { state: 'trying', localTag: 'a' },
      { state: 'early', localTag: 'a', remoteTag: 'p1' },
      { state: 'early', localTag: 'a', remoteTag: 'p2' },
      { state: 'terminated', localTag: 'a', remoteTag: 'p1', event: 'rejected', code: 486 },
      { state: 'confirmed', localTag: 'a', remoteTag: 'p2', code: 200 },
      { state: 'terminated', localTag: 'a', remoteTag: 'p2', event: 'local-bye' },
    ],
    seen: ['trying@a:', 'early@a:p1', 'early@a:p2', 'early@a:p2', 'confirmed@a:p2', 'terminated/local-bye@a:p2'],
  },
  {
    name: 'callee side (two phones of one user): the phone that did not answer is cancelled, no idle flash',
    direction: 'recipient',
    steps: [
      { state: 'early', localTag: 'desk', remoteTag: 'c' },
      { state: 'early', localTag: 'mobile', remoteTag: 'c' },
      { state: 'terminated', localTag: 'desk', remoteTag: 'c', event: 'rejected', code: 603 },
      { state: 'confirmed', localTag: 'mobile', remoteTag: 'c' },
      { state: 'terminated', localTag: 'desk', remoteTag: 'c', event: 'cancelled', code: 487 },
      { state: 'terminated', localTag: 'mobile', remoteTag: 'c', event: 'remote-bye' },
    ],
    seen: [
      'early@desk:c',
      'early@mobile:c',
      'early@mobile:c',
      'confirmed@mobile:c',
      'confirmed@mobile:c',
      'terminated/remote-bye@mobile:c',
    ],
  },
  {
    name: 'caller CANCELs while two forks ring: one untagged 487 ends every branch',
    direction: 'initiator',
    steps: [
      { state: 'early', localTag: 'a', remoteTag: 'p1' },
      { state: 'early', localTag: 'a', remoteTag: 'p2' },
      { state: 'terminated', localTag: 'a', event: 'cancelled', code: 487 },
    ],
    seen: ['early@a:p1', 'early@a:p2', 'terminated/cancelled@a:p2'],
  },
  {
    name: 'every branch rejects: terminated once the last one goes, with the furthest branch event',
    direction: 'recipient',
    steps: [
      { state: 'proceeding', localTag: 'x', remoteTag: 'c' },
      { state: 'early', localTag: 'y', remoteTag: 'c' },
      { state: 'terminated', localTag: 'x', remoteTag: 'c', event: 'rejected', code: 486 },
      { state: 'terminated', localTag: 'y', remoteTag: 'c', event: 'rejected', code: 480 },
    ],
    seen: ['proceeding@x:c', 'early@y:c', 'early@y:c', 'terminated/rejected@y:c'],
  },
  {
    name: 'a trying record without the peer tag is absorbed by the tagged branch (no ghost early)',
    direction: 'initiator',
    steps: [
      { state: 'trying', localTag: 'a' },
      { state: 'early', localTag: 'a', remoteTag: 'p1' },
      { state: 'terminated', localTag: 'a', remoteTag: 'p1', event: 'rejected', code: 486 },
    ],
    seen: ['trying@a:', 'early@a:p1', 'terminated/rejected@a:p1'],
  },
  {
    name: 'a fork rejecting before it ever rang does not end the ringing fork',
    direction: 'recipient',
    steps: [
      { state: 'early', localTag: 'desk', remoteTag: 'c' },
      { state: 'terminated', localTag: 'dnd-phone', remoteTag: 'c', event: 'rejected', code: 486 },
    ],
    seen: ['early@desk:c', 'early@desk:c'],
  },
  {
    name: 'an unknown fork ending with no event (a phone busy) does not end the ringing fork',
    direction: 'recipient',
    steps: [
      { state: 'early', localTag: 'desk', remoteTag: 'c' },
      { state: 'terminated', localTag: 'busy-phone', remoteTag: 'c', code: 486 },
      { state: 'terminated', localTag: 'desk', remoteTag: 'c', event: 'cancelled', code: 487 },
    ],
    seen: ['early@desk:c', 'early@desk:c', 'terminated/cancelled@desk:c'],
  },
  {
    name: 'the caller proxy relays a tagged 487 from a branch it never showed: every ringing branch ends',
    direction: 'initiator',
    steps: [
      { state: 'early', localTag: 'a', remoteTag: 'p1' },
      { state: 'terminated', localTag: 'a', remoteTag: 'proxy-tag', event: 'cancelled', code: 487 },
    ],
    seen: ['early@a:p1', 'terminated/cancelled@a:p1'],
  },
];

t.test('fork aggregation table', async (t) => {
  for (const row of rows) {
    let call: CallRecord | undefined;
    const seen: string[] = [];
    for (const step of row.steps) {
      call = applyCallUpdate(call, { callId: 'call-1', direction: row.direction, ...step }, 0);
      seen.push(view(call));
    }
    t.same(seen, row.seen, row.name);
    t.ok(call && callEnded(call) === row.seen.at(-1)?.startsWith('terminated'), `${row.name}: ended flag`);
  }
});

t.test('ids, identities and hold', async (t) => {
  t.equal(dialogIdOf('c1', 'initiator'), dialogIdOf('c1', 'initiator'), 'stable id');
  t.not(dialogIdOf('c1', 'initiator'), dialogIdOf('c1', 'recipient'), 'a call to oneself has two dialogs');
  t.same(identityOf('"Bob \\"B\\"" <sip:bob@x>;tag=1'), { uri: 'sip:bob@x', display: 'Bob "B"' });
  t.same(identityOf('Bob Smith <sip:bob@x>'), { uri: 'sip:bob@x', display: 'Bob Smith' });
  t.same(identityOf('<sip:bob@x>'), { uri: 'sip:bob@x' });
  t.same(identityOf('sip:bob@x'), { uri: 'sip:bob@x' });
  t.equal(identityOf('  '), undefined);

  let call = applyCallUpdate(
    undefined,
    {
      callId: 'h',
      direction: 'initiator',
      state: 'confirmed',
      localTag: 'a',
      remoteTag: 'b',
      localIdentity: 'Alice <sip:alice@x>',
      localTarget: 'sip:alice@10.0.0.1',
      remoteIdentity: 'sip:bob@x',
      remoteTarget: 'sip:bob@10.0.0.2',
    },
    1000,
  );
  t.equal(aggregateCall(call, 1000).local?.rendering, undefined, 'not held');
  call = applyCallUpdate(
    call,
    { callId: 'h', direction: 'initiator', state: 'confirmed', localTag: 'a', remoteTag: 'b', hold: true },
    5000,
  );
  const d = aggregateCall(call, 6500);
  t.same(
    d.local,
    { identity: { uri: 'sip:alice@x', display: 'Alice' }, target: 'sip:alice@10.0.0.1', rendering: false },
    'held; identity kept from the first update',
  );
  t.same(d.remote, { identity: { uri: 'sip:bob@x' }, target: 'sip:bob@10.0.0.2' });
  t.equal(d.duration, 5, 'seconds since the call was created');
  const expired = expireCall(
    applyCallUpdate(undefined, { callId: 'e', direction: 'recipient', state: 'early', localTag: 'l' }, 0),
  );
  t.same([callEnded(expired), aggregateCall(expired, 0).event], [true, 'timeout']);
});

t.test('the model: terminated once then dropped, no sticky early, deltas name what changed', async (t) => {
  const clock = new ManualClock(1_000_000);
  const changes: Array<{ resource: string; state: DialogResourceState; delta: DialogDelta }> = [];
  const model = new DialogModel({
    clock,
    earlyTimeoutMs: 60_000,
    onState: (resource, state, delta) => changes.push({ resource, state, delta }),
  });
  const bob = 'sip:bob@example.test';
  const ring = (tag: string): void =>
    model.updateCall(bob, { callId: 'c1', direction: 'recipient', state: 'early', localTag: tag, remoteTag: 'caller' });
  ring('desk');
  ring('desk');
  t.equal(changes.length, 1, 'a repeated identical update announces nothing');
  ring('mobile');
  t.equal(changes.length, 2);
  t.same(
    changes[1].delta.map((d) => [d.state, d.localTag]),
    [['early', 'mobile']],
  );
  t.equal(changes[1].state.dialogs.length, 1, 'one logical dialog for both forks');

  model.updateCall(bob, { callId: 'c2', direction: 'initiator', state: 'confirmed', localTag: 'b2', remoteTag: 'r2' });
  t.same(
    changes.at(-1)?.state.dialogs.map((d) => d.state),
    ['early', 'confirmed'],
    'two calls, two dialogs',
  );
  model.updateCall(bob, {
    callId: 'c2',
    direction: 'initiator',
    state: 'terminated',
    localTag: 'b2',
    remoteTag: 'r2',
    event: 'remote-bye',
  });
  t.same(
    changes.at(-1)?.state.dialogs.map((d) => d.state),
    ['early', 'terminated'],
    'the ended call is reported',
  );
  t.same(
    changes.at(-1)?.delta.map((d) => d.event),
    ['remote-bye'],
  );
  t.same(
    model.state(bob).dialogs.map((d) => d.callId),
    ['c1'],
    '…and dropped from state afterwards',
  );

  // Nobody answers and no final response ever arrives: the early dialog must not stick.
  clock.advance(59_000);
  t.equal(model.state(bob).dialogs[0]?.state, 'early');
  clock.advance(1_000);
  t.same(
    changes.at(-1)?.delta.map((d) => [d.state, d.event]),
    [['terminated', 'timeout']],
    'early timeout ends the call',
  );
  t.same(model.state(bob).dialogs, [], 'idle again');
  t.same(model.resources(), [], 'nothing kept for an idle presentity');

  // A news item re-arms the timer; confirmed calls have none.
  ring('desk');
  clock.advance(50_000);
  ring('mobile');
  clock.advance(50_000);
  t.equal(model.state(bob).dialogs[0]?.state, 'early', 'timer restarted by the second fork');
  model.updateCall(bob, {
    callId: 'c1',
    direction: 'recipient',
    state: 'confirmed',
    localTag: 'mobile',
    remoteTag: 'caller',
  });
  clock.advance(3_600_000);
  t.equal(model.state(bob).dialogs[0]?.state, 'confirmed', 'a confirmed call does not time out');
  model.close();
});

t.test('the model: app dialogs and published dialogs merge with tracked calls', async (t) => {
  const clock = new ManualClock(0);
  const changes: DialogDelta[] = [];
  const model = new DialogModel({ clock, onState: (_r, _s, delta) => changes.push(delta) });
  const r = 'sip:carol@example.test';
  model.updateCall(r, { callId: 'shared', direction: 'initiator', state: 'confirmed', localTag: 'L' });
  model.setDialogs(r, [{ id: 'app-1', state: 'early', direction: 'recipient' }]);
  t.same(
    changes.at(-1)?.map((d) => d.id),
    ['app-1'],
  );
  const composed = model.setPublished(r, [
    { id: 'pub-dup', callId: 'shared', localTag: 'L', direction: 'initiator', state: 'early' },
    { id: 'pub-1', callId: 'other', state: 'confirmed' },
    { id: 'pub-old', callId: 'old', state: 'terminated', event: 'local-bye' },
  ]);
  t.same(
    composed.dialogs.map((d) => `${d.id.startsWith('pub') || d.id.startsWith('app') ? d.id : 'tracked'}:${d.state}`),
    ['app-1:early', 'tracked:confirmed', 'pub-1:confirmed', 'pub-old:terminated'],
    'app first, then tracked (wins over the same call published), then published; a published end is shown once',
  );
  t.same(
    model.state(r).dialogs.map((d) => d.state),
    ['early', 'confirmed', 'confirmed'],
    'published end dropped afterwards',
  );
  model.setDialogs(r, []);
  t.same(
    changes.at(-1)?.map((d) => [d.id, d.state]),
    [['app-1', 'terminated']],
    'an app dialog that vanishes is reported ended',
  );
  model.setDialogs(r, [{ id: 'app-2', state: 'terminated', event: 'cancelled' }]);
  t.same(
    changes.at(-1)?.map((d) => d.id),
    ['app-2'],
  );
  t.notOk(
    model.state(r).dialogs.some((d) => d.id === 'app-2'),
    'terminated app dialog not kept',
  );
});
