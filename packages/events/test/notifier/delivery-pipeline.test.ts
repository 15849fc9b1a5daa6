// The delivery reducer with coalescing off (pipeline): one NOTIFY per change
// while others are outstanding, only the newest one's outcome drives the
// policy, a failed older one forces full state, the terminal NOTIFY goes last.
import t from 'tap';
import {
  initialNotifyDelivery,
  reduceNotifyDelivery,
  type NotifyDeliveryInput,
  type NotifyDeliveryState,
  type NotifyDeliveryEffect,
} from '@herald/events';
import { MAX_NOTIFIES_IN_FLIGHT } from '../../src/notifier/delivery.js';

const base = initialNotifyDelivery({ interval: 0, attempts: 2, backoffMs: 1000, pipeline: true });
const STATE = { kind: 'state' } as const;
const FINAL = { kind: 'final', reason: 'timeout' } as const;
const SEND = { type: 'send', notify: STATE } as const;
const SEND_FULL = { type: 'send', notify: STATE, full: true } as const;

/** Runs inputs in order; returns the last state and every effect. */
function run(
  from: NotifyDeliveryState,
  inputs: NotifyDeliveryInput[],
): { state: NotifyDeliveryState; effects: NotifyDeliveryEffect[] } {
  let state = from;
  const effects: NotifyDeliveryEffect[] = [];
  for (const input of inputs) {
    const step = reduceNotifyDelivery(state, input);
    state = step.state;
    effects.push(...step.effects);
  }
  return { state, effects };
}

const change = (now = 0): NotifyDeliveryInput => ({ type: 'change', now });
const answer = (seq: number, outcome: 'ok' | 'retry' | 'end' = 'ok'): NotifyDeliveryInput => ({
  type: 'response',
  outcome,
  seq,
  now: 0,
});

t.test('without pipeline a change in flight still waits (interval 0 alone does not pipeline)', async (t) => {
  const plain = initialNotifyDelivery({ interval: 0, attempts: 2, backoffMs: 1000 });
  const { state, effects } = run(plain, [change(), change()]);
  t.same(effects, [SEND]);
  t.same(state.queued, STATE);
});

t.test('each change while NOTIFYs are outstanding is sent at once, numbered', async (t) => {
  const { state, effects } = run(base, [change(), change(), change()]);
  t.same(effects, [SEND, SEND, SEND]);
  t.equal(state.phase, 'in-flight');
  t.equal(state.sent, 3);
  t.equal(state.older, 2);
  t.equal(state.queued, undefined);
  const done = run(state, [answer(1), answer(2), answer(3)]);
  t.same(done.effects, [], 'all 2xx: nothing more');
  t.equal(done.state.phase, 'idle');
  t.equal(done.state.older, 0);
});

t.test('the newest may complete before the older ones', async (t) => {
  const { state, effects } = run(base, [change(), change(), answer(2), answer(1)]);
  t.same(effects, [SEND, SEND]);
  t.equal(state.phase, 'idle');
  t.equal(state.older, 0);
});

t.test('an older failure never ends delivery; the next NOTIFY after the newest carries full state', async (t) => {
  for (const outcome of ['end', 'retry'] as const) {
    const { state, effects } = run(base, [change(), change(), answer(1, outcome)]);
    t.same(effects, [SEND, SEND], `${outcome}: nothing yet, the newest is outstanding`);
    t.equal(state.phase, 'in-flight');
    t.equal(state.stale, true);
    const after = run(state, [answer(2)]);
    t.same(after.effects, [SEND_FULL], `${outcome}: full state once the newest completed`);
    t.equal(after.state.stale, false);
    t.equal(after.state.sent, 3);
  }
});

t.test('an older failure after the newest completed sends full state at once', async (t) => {
  const { state, effects } = run(base, [change(), change(), answer(2), answer(1, 'end')]);
  t.same(effects, [SEND, SEND, SEND_FULL]);
  t.equal(state.phase, 'in-flight');
});

t.test('a change after an older failure is itself the full-state NOTIFY', async (t) => {
  const { state, effects } = run(base, [change(), change(), answer(1, 'end'), change()]);
  t.same(effects, [SEND, SEND, SEND_FULL]);
  t.equal(state.stale, false);
  t.same(run(state, [answer(2), answer(3)]).effects, [], 'no second full-state NOTIFY');
});

t.test('481 (end) on the newest ends delivery although older ones are outstanding', async (t) => {
  const { state, effects } = run(base, [change(), change(), answer(2, 'end'), answer(1)]);
  t.same(effects, [SEND, SEND, { type: 'end', reason: 'failed' }]);
  t.equal(state.phase, 'done');
});

t.test('a failed newest backs off and retries as before, with full state if an older one failed', async (t) => {
  const failed = run(base, [change(), change(), answer(2, 'retry')]);
  t.same(failed.effects, [SEND, SEND, { type: 'arm', ms: 1000 }]);
  t.equal(failed.state.phase, 'backoff');
  const queued = run(failed.state, [change(), answer(1, 'end')]);
  t.same(queued.effects, [], 'changes merge during the back-off');
  const retried = run(queued.state, [{ type: 'timer', now: 1000 }]);
  t.same(retried.effects, [SEND_FULL]);
  t.equal(retried.state.failures, 1);
  const gaveUp = run(retried.state, [answer(3, 'retry'), { type: 'timer', now: 3000 }, answer(4, 'retry')]);
  t.same(gaveUp.effects.at(-1), { type: 'end', reason: 'gave-up' });
});

t.test(`at most ${MAX_NOTIFIES_IN_FLIGHT} in flight: beyond it changes merge`, async (t) => {
  const changes = Array.from({ length: MAX_NOTIFIES_IN_FLIGHT + 5 }, () => change());
  const { state, effects } = run(base, changes);
  t.equal(effects.length, MAX_NOTIFIES_IN_FLIGHT);
  t.equal(state.older + 1, MAX_NOTIFIES_IN_FLIGHT);
  t.same(state.queued, STATE, 'the rest merged into one queued NOTIFY');
  const freed = run(state, [answer(1)]);
  t.same(freed.effects, [SEND], 'a freed slot sends the merged changes');
  t.equal(freed.state.queued, undefined);
  t.equal(freed.state.older + 1, MAX_NOTIFIES_IN_FLIGHT);
});

t.test('at the limit the newest 2xx sends the merged changes', async (t) => {
  const changes = Array.from({ length: MAX_NOTIFIES_IN_FLIGHT + 1 }, () => change());
  const { state } = run(base, changes);
  const after = run(state, [answer(MAX_NOTIFIES_IN_FLIGHT)]);
  t.same(after.effects, [SEND]);
  t.equal(after.state.sent, MAX_NOTIFIES_IN_FLIGHT + 1);
});

t.test('the terminal NOTIFY waits for every older one and goes last', async (t) => {
  const { state, effects } = run(base, [
    change(),
    change(),
    { type: 'terminate', reason: 'timeout', now: 0 },
    change(),
    answer(2),
  ]);
  t.same(effects, [SEND, SEND], 'nothing pipelined after a terminate');
  t.equal(state.phase, 'draining');
  t.same(state.queued, FINAL);
  t.same(run(state, [change(), { type: 'timer', now: 5 }]).effects, [], 'draining ignores changes and timers');
  const last = run(state, [answer(1, 'end')]);
  t.same(last.effects, [{ type: 'send', notify: FINAL, full: true }], 'final after the last older one');
  const end = run(last.state, [answer(3)]);
  t.same(end.effects, [{ type: 'end', reason: 'terminated' }]);
});

t.test('terminate while idle with older NOTIFYs outstanding drains first', async (t) => {
  const { state, effects } = run(base, [
    change(),
    change(),
    answer(2),
    { type: 'terminate', reason: 'rejected', now: 0 },
    { type: 'terminate', reason: 'timeout', now: 0 },
  ]);
  t.same(effects, [SEND, SEND]);
  t.equal(state.phase, 'draining');
  t.same(run(state, [answer(1)]).effects, [{ type: 'send', notify: { kind: 'final', reason: 'rejected' } }]);
});

t.test('nothing is pipelined after a terminal NOTIFY in flight', async (t) => {
  const { state, effects } = run(base, [{ type: 'terminate', reason: 'timeout', now: 0 }, change()]);
  t.same(effects, [{ type: 'send', notify: FINAL }]);
  t.equal(state.older, 0);
});

t.test('immediate in flight is pipelined too', async (t) => {
  const { effects, state } = run(base, [change(), { type: 'immediate', now: 0 }]);
  t.same(effects, [SEND, SEND]);
  t.equal(state.urgent, false);
});

t.test('a stray or late answer after done is ignored', async (t) => {
  const { state } = run(base, [change(), change(), answer(2, 'end')]);
  t.same(run(state, [answer(1, 'end'), answer(7)]).effects, []);
});
