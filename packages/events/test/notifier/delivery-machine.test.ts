// The NOTIFY delivery reducer as a table (STYLE.md: state machines are data).
import t from 'tap';
import {
  initialNotifyDelivery,
  reduceNotifyDelivery,
  type NotifyDeliveryInput,
  type NotifyDeliveryState,
} from '@herald/events';

const base = initialNotifyDelivery({ interval: 5000, attempts: 2, backoffMs: 1000 });
const at = (s: Partial<NotifyDeliveryState>): NotifyDeliveryState => ({ ...base, ...s });
const STATE = { kind: 'state' } as const;
const FINAL = { kind: 'final', reason: 'timeout' } as const;

interface Row {
  name: string;
  from: NotifyDeliveryState;
  input: NotifyDeliveryInput;
  phase: NotifyDeliveryState['phase'];
  effects: unknown[];
  queued?: unknown;
}

const rows: Row[] = [
  {
    name: 'first change sends at once',
    from: base,
    input: { type: 'change', now: 0 },
    phase: 'in-flight',
    effects: [{ type: 'send', notify: STATE }],
  },
  {
    name: 'change inside the window waits for its end',
    from: at({ lastSentAt: 1000 }),
    input: { type: 'change', now: 3000 },
    phase: 'coalescing',
    effects: [{ type: 'arm', ms: 3000 }],
    queued: STATE,
  },
  {
    name: 'change after the window sends',
    from: at({ lastSentAt: 1000 }),
    input: { type: 'change', now: 6000 },
    phase: 'in-flight',
    effects: [{ type: 'send', notify: STATE }],
  },
  {
    name: 'change while coalescing stays queued',
    from: at({ phase: 'coalescing', queued: STATE, lastSentAt: 0 }),
    input: { type: 'change', now: 10 },
    phase: 'coalescing',
    effects: [],
    queued: STATE,
  },
  {
    name: 'change in flight is queued',
    from: at({ phase: 'in-flight', sending: STATE, lastSentAt: 0 }),
    input: { type: 'change', now: 10 },
    phase: 'in-flight',
    effects: [],
    queued: STATE,
  },
  {
    name: 'terminate while coalescing sends the final at once',
    from: at({ phase: 'coalescing', queued: STATE, lastSentAt: 0 }),
    input: { type: 'terminate', reason: 'timeout', now: 10 },
    phase: 'in-flight',
    effects: [{ type: 'disarm' }, { type: 'send', notify: FINAL }],
  },
  {
    name: 'terminate in flight replaces the queued state',
    from: at({ phase: 'in-flight', sending: STATE, queued: STATE, lastSentAt: 0 }),
    input: { type: 'terminate', reason: 'timeout', now: 10 },
    phase: 'in-flight',
    effects: [],
    queued: FINAL,
  },
  {
    name: 'a later change never displaces a queued final',
    from: at({ phase: 'in-flight', sending: STATE, queued: FINAL, lastSentAt: 0 }),
    input: { type: 'change', now: 10 },
    phase: 'in-flight',
    effects: [],
    queued: FINAL,
  },
  {
    name: '2xx with a queued final sends it without waiting',
    from: at({ phase: 'in-flight', sending: STATE, queued: FINAL, lastSentAt: 0 }),
    input: { type: 'response', outcome: 'ok', now: 10 },
    phase: 'in-flight',
    effects: [{ type: 'send', notify: FINAL }],
  },
  {
    name: '2xx with a queued state inside the window coalesces',
    from: at({ phase: 'in-flight', sending: STATE, queued: STATE, lastSentAt: 0 }),
    input: { type: 'response', outcome: 'ok', now: 10 },
    phase: 'coalescing',
    effects: [{ type: 'arm', ms: 4990 }],
    queued: STATE,
  },
  {
    name: '2xx with an urgent queued state sends it',
    from: at({ phase: 'in-flight', sending: STATE, queued: STATE, urgent: true, lastSentAt: 0 }),
    input: { type: 'response', outcome: 'ok', now: 10 },
    phase: 'in-flight',
    effects: [{ type: 'send', notify: STATE }],
  },
  {
    name: '2xx to the final ends delivery',
    from: at({ phase: 'in-flight', sending: FINAL }),
    input: { type: 'response', outcome: 'ok', now: 10 },
    phase: 'done',
    effects: [{ type: 'end', reason: 'terminated' }],
  },
  {
    name: '481 ends delivery as failed',
    from: at({ phase: 'in-flight', sending: STATE }),
    input: { type: 'response', outcome: 'end', now: 10 },
    phase: 'done',
    effects: [{ type: 'end', reason: 'failed' }],
  },
  {
    name: 'first 408 backs off',
    from: at({ phase: 'in-flight', sending: STATE }),
    input: { type: 'response', outcome: 'retry', now: 10 },
    phase: 'backoff',
    effects: [{ type: 'arm', ms: 1000 }],
  },
  {
    name: 'second 408 backs off twice as long',
    from: at({ phase: 'in-flight', sending: STATE, failures: 1 }),
    input: { type: 'response', outcome: 'retry', now: 10 },
    phase: 'backoff',
    effects: [{ type: 'arm', ms: 2000 }],
  },
  {
    name: 'third 408 gives up',
    from: at({ phase: 'in-flight', sending: STATE, failures: 2 }),
    input: { type: 'response', outcome: 'retry', now: 10 },
    phase: 'done',
    effects: [{ type: 'end', reason: 'gave-up' }],
  },
  {
    name: 'back-off timer resends',
    from: at({ phase: 'backoff', sending: STATE, failures: 1 }),
    input: { type: 'timer', now: 10 },
    phase: 'in-flight',
    effects: [{ type: 'send', notify: STATE }],
  },
  {
    name: 'back-off timer sends a queued final',
    from: at({ phase: 'backoff', sending: STATE, queued: FINAL, failures: 1 }),
    input: { type: 'timer', now: 10 },
    phase: 'in-flight',
    effects: [{ type: 'send', notify: FINAL }],
  },
  {
    name: 'a stale timer in flight is ignored',
    from: at({ phase: 'in-flight', sending: STATE }),
    input: { type: 'timer', now: 10 },
    phase: 'in-flight',
    effects: [],
  },
  {
    name: 'immediate in flight is queued as urgent',
    from: at({ phase: 'in-flight', sending: STATE }),
    input: { type: 'immediate', now: 10 },
    phase: 'in-flight',
    effects: [],
    queued: STATE,
  },
  {
    name: 'done ignores everything',
    from: at({ phase: 'done' }),
    input: { type: 'terminate', reason: 'timeout', now: 10 },
    phase: 'done',
    effects: [],
  },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    const { state, effects } = reduceNotifyDelivery(row.from, row.input);
    t.equal(state.phase, row.phase);
    t.same(effects, row.effects);
    if ('queued' in row) t.same(state.queued, row.queued);
  });
}

t.test('the send time and failures are tracked', async (t) => {
  const sent = reduceNotifyDelivery(base, { type: 'change', now: 1234 }).state;
  t.equal(sent.lastSentAt, 1234);
  const failed = reduceNotifyDelivery(sent, { type: 'response', outcome: 'retry', now: 2000 }).state;
  t.equal(failed.failures, 1);
  const retried = reduceNotifyDelivery(failed, { type: 'timer', now: 3000 }).state;
  const ok = reduceNotifyDelivery(retried, { type: 'response', outcome: 'ok', now: 3100 }).state;
  t.equal(ok.failures, 0, 'a success resets the failure count');
  t.equal(ok.phase, 'idle');
});
