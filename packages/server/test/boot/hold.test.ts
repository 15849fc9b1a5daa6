// The notifier's delivery reducer `hold` input (resume jitter), as a table.
import t from 'tap';
import { initialNotifyDelivery, reduceNotifyDelivery, type NotifyDeliveryState } from '@herald/events';

const idle = (): NotifyDeliveryState => initialNotifyDelivery({ interval: 5000, attempts: 2, backoffMs: 2000 });

t.test('hold with resync: nothing until the timer, then one full-state NOTIFY', async (t) => {
  const held = reduceNotifyDelivery(idle(), { type: 'hold', ms: 700, resync: true, now: 0 });
  t.same(held.effects, [{ type: 'arm', ms: 700 }]);
  t.equal(held.state.phase, 'coalescing');
  const changed = reduceNotifyDelivery(held.state, { type: 'change', now: 100 });
  t.same(changed.effects, [], 'a change during the hold waits');
  const fired = reduceNotifyDelivery(changed.state, { type: 'timer', now: 700 });
  t.same(fired.effects, [{ type: 'send', notify: { kind: 'state' } }], 'one NOTIFY for both');
});

t.test('hold without resync: the timer sends only if something changed', async (t) => {
  const held = reduceNotifyDelivery(idle(), { type: 'hold', ms: 700, resync: false, now: 0 });
  const quiet = reduceNotifyDelivery(held.state, { type: 'timer', now: 700 });
  t.same(quiet.effects, []);
  t.equal(quiet.state.phase, 'idle');
  const changed = reduceNotifyDelivery(held.state, { type: 'change', now: 10 });
  t.same(reduceNotifyDelivery(changed.state, { type: 'timer', now: 700 }).effects, [
    { type: 'send', notify: { kind: 'state' } },
  ]);
});

t.test(
  'a refresh or a termination cuts the hold short; a 0 ms hold merges what changes before the next tick',
  async (t) => {
    const held = reduceNotifyDelivery(idle(), { type: 'hold', ms: 700, resync: true, now: 0 });
    t.same(reduceNotifyDelivery(held.state, { type: 'immediate', now: 5 }).effects, [
      { type: 'disarm' },
      { type: 'send', notify: { kind: 'state' } },
    ]);
    t.same(reduceNotifyDelivery(held.state, { type: 'terminate', reason: 'timeout', now: 5 }).effects, [
      { type: 'disarm' },
      { type: 'send', notify: { kind: 'final', reason: 'timeout' } },
    ]);
    // Hold 0 (resumeJitter 0) still waits for the next timer tick, so boot changes merge.
    const zero = reduceNotifyDelivery(idle(), { type: 'hold', ms: 0, resync: false, now: 0 });
    t.same(zero.effects, [{ type: 'arm', ms: 0 }]);
    const twice = reduceNotifyDelivery(reduceNotifyDelivery(zero.state, { type: 'change', now: 0 }).state, {
      type: 'change',
      now: 0,
    });
    t.same(reduceNotifyDelivery(twice.state, { type: 'timer', now: 0 }).effects, [
      { type: 'send', notify: { kind: 'state' } },
    ]);
  },
);
