// The subscriber reducer as tables (STYLE.md): inputs in, state and effects out.
import t from 'tap';
import {
  type ResolvedSubscriberTimings as ResolvedTimings,
  type SubscriberEffect as MachineEffect,
  type SubscriberInput as MachineInput,
  type SubscriberMachineState as MachineState,
  initialSubscriberState as initialMachineState,
  reduceSubscription,
  refreshDelayMs,
  resolveSubscriberTimings as resolveTimings,
} from '@herald/events';

const timings: ResolvedTimings = {
  expires: 3600,
  resubscribeDelta: 30,
  minResubscribeTime: 30,
  onErrorRetryTime: 120,
  waitForTerminalNotify: 30,
  maxSubscribeDelay: 0,
};

function run(state: MachineState, inputs: MachineInput[], now = 0): { state: MachineState; effects: MachineEffect[] } {
  let s = state;
  const all: MachineEffect[] = [];
  for (const input of inputs) {
    const out = reduceSubscription(s, input, { now, timings });
    s = out.state;
    all.push(...out.effects);
  }
  return { state: s, effects: all };
}

const sends = (fx: MachineEffect[]) => fx.filter((e) => e.type === 'send');
const sets = (fx: MachineEffect[]) => fx.filter((e) => e.type === 'setTimer');
const ends = (fx: MachineEffect[]) => fx.flatMap((e) => (e.type === 'terminated' ? [e.termination] : []));

/** A subscription established at t=0 with the given grant. */
function subscribed(granted = 3600): MachineState {
  return run(initialMachineState(3600), [
    { type: 'start', delayMs: 0 },
    { type: 'response', purpose: 'initial', status: 200, local: false, expires: granted },
  ]).state;
}

t.test('refreshDelayMs: expires − delta, floored by minResubscribeTime, never past expiry', async (t) => {
  const rows: Array<[string, number, number, number, number]> = [
    // name, now, expiresAt, lastSentAt, expected delay
    ['3600 s grant', 0, 3_600_000, 0, 3_570_000],
    ['600 s grant', 0, 600_000, 0, 570_000],
    ['40 s grant: floor 30 s', 0, 40_000, 0, 30_000],
    ['20 s grant: halfway, not after expiry', 0, 20_000, 0, 10_000],
    ['NOTIFY shortened it (sent 50 s ago, 100 s left)', 50_000, 150_000, 0, 70_000],
    ['already overdue → now', 100_000, 110_000, 0, 0],
  ];
  for (const [name, now, expiresAt, last, expected] of rows)
    t.equal(refreshDelayMs(now, expiresAt, last, timings), expected, name);
});

t.test('start: at once, or after the delay', async (t) => {
  const now = run(initialMachineState(3600), [{ type: 'start', delayMs: 0 }]);
  t.equal(now.state.phase, 'subscribing');
  t.same(sends(now.effects), [{ type: 'send', purpose: 'initial', expires: 3600 }]);
  const later = run(initialMachineState(3600), [{ type: 'start', delayMs: 2500 }]);
  t.equal(later.state.phase, 'delayed');
  t.same(sets(later.effects), [{ type: 'setTimer', name: 'resubscribe', ms: 2500 }]);
  t.same(sends(later.effects), []);
  const fired = run(later.state, [{ type: 'timer', name: 'resubscribe' }], 2500);
  t.same(sends(fired.effects), [{ type: 'send', purpose: 'initial', expires: 3600 }]);
});

t.test('initial responses', async (t) => {
  const start = run(initialMachineState(3600), [{ type: 'start', delayMs: 0 }]).state;
  const rows: Array<[string, Partial<Extract<MachineInput, { type: 'response' }>>, string, unknown[], unknown[]]> = [
    // name, response, phase after, sends, terminations
    ['200 Expires 600', { status: 200, expires: 600 }, 'subscribed', [], []],
    ['202 without Expires', { status: 202 }, 'subscribed', [], []],
    [
      '423 Min-Expires 7200',
      { status: 423, minExpires: 7200 },
      'subscribing',
      [{ type: 'send', purpose: 'initial', expires: 7200 }],
      [],
    ],
    [
      '423 without a larger Min-Expires',
      { status: 423, minExpires: 60 },
      'terminated',
      [],
      [{ reason: 'failed', status: 423, retry: false }],
    ],
    ['489', { status: 489 }, 'terminated', [], [{ reason: 'failed', status: 489, retry: false }]],
    ['405', { status: 405 }, 'terminated', [], [{ reason: 'failed', status: 405, retry: false }]],
    [
      '407 still (challenge not answerable)',
      { status: 407 },
      'terminated',
      [],
      [{ reason: 'failed', status: 407, retry: false }],
    ],
    ['603', { status: 603 }, 'terminated', [], [{ reason: 'failed', status: 603, retry: false }]],
    ['503', { status: 503 }, 'retrying', [], [{ reason: 'failed', status: 503, retry: true, retryAfter: undefined }]],
    ['480', { status: 480 }, 'retrying', [], [{ reason: 'failed', status: 480, retry: true, retryAfter: undefined }]],
    [
      'local 408',
      { status: 408, local: true },
      'retrying',
      [],
      [{ reason: 'failed', status: 408, retry: true, retryAfter: undefined }],
    ],
    [
      '2xx without a usable dialog',
      { status: 200, dialogError: 'Missing Contact' },
      'retrying',
      [],
      [{ reason: 'failed', status: 200, retry: true, retryAfter: undefined }],
    ],
  ];
  for (const [name, response, phase, expectedSends, expectedEnds] of rows) {
    const out = run(start, [{ type: 'response', purpose: 'initial', local: false, status: 0, ...response }]);
    t.equal(out.state.phase, phase, `${name}: phase`);
    t.same(sends(out.effects), expectedSends, `${name}: sends`);
    t.same(ends(out.effects), expectedEnds, `${name}: terminations`);
  }
  const ok = run(start, [{ type: 'response', purpose: 'initial', status: 200, local: false, expires: 600 }]);
  t.same(sets(ok.effects), [
    { type: 'setTimer', name: 'refresh', ms: 570_000 },
    { type: 'setTimer', name: 'expiry', ms: 600_000 },
  ]);
  const retry = run(start, [{ type: 'response', purpose: 'initial', status: 503, local: false }]);
  t.same(sets(retry.effects), [{ type: 'setTimer', name: 'resubscribe', ms: 120_000 }]);
  const retryAfter = run(start, [{ type: 'response', purpose: 'initial', status: 503, local: false, retryAfter: 5 }]);
  t.same(sets(retryAfter.effects), [{ type: 'setTimer', name: 'resubscribe', ms: 5_000 }]);
});

t.test('terminated NOTIFY reasons (RFC 6665 §4.1.3)', async (t) => {
  const rows: Array<[string, string | undefined, number | undefined, boolean, number | undefined]> = [
    // name, reason, retry-after, resubscribes, wait ms (undefined: at once)
    ['deactivated', 'deactivated', undefined, true, undefined],
    ['timeout', 'timeout', undefined, true, undefined],
    ['probation with retry-after', 'probation', 60, true, 60_000],
    ['giveup', 'giveup', undefined, true, undefined],
    ['no reason', undefined, undefined, true, undefined],
    ['unknown reason', 'x-whatever', undefined, true, undefined],
    ['rejected', 'rejected', undefined, false, undefined],
    ['noresource', 'noresource', undefined, false, undefined],
    ['invariant', 'invariant', undefined, false, undefined],
  ];
  for (const [name, reason, retryAfter, resubscribes, wait] of rows) {
    // Established at 0, NOTIFY at 100 s (past the storm guard).
    const out = run(subscribed(), [{ type: 'notify', state: 'terminated', reason, retryAfter }], 100_000);
    t.equal(ends(out.effects)[0]?.retry, resubscribes, `${name}: retry`);
    t.equal(ends(out.effects)[0]?.reason, reason ?? 'terminated', `${name}: reason`);
    if (!resubscribes) {
      t.equal(out.state.phase, 'terminated', `${name}: over`);
      t.same(sends(out.effects), [], `${name}: nothing sent`);
    } else if (wait === undefined) {
      t.same(sends(out.effects), [{ type: 'send', purpose: 'initial', expires: 3600 }], `${name}: at once`);
    } else {
      t.equal(out.state.phase, 'retrying');
      t.same(sets(out.effects), [{ type: 'setTimer', name: 'resubscribe', ms: wait }], `${name}: after retry-after`);
    }
  }
});

t.test('active/pending NOTIFY: status and the expires parameter', async (t) => {
  const out = run(subscribed(), [{ type: 'notify', state: 'active', expires: 100 }], 10_000);
  t.equal(out.state.status, 'active');
  t.equal(out.state.expiresAt, 110_000);
  t.same(sets(out.effects), [
    { type: 'setTimer', name: 'refresh', ms: 70_000 },
    { type: 'setTimer', name: 'expiry', ms: 100_000 },
  ]);
  const ext = run(subscribed(), [{ type: 'notify', state: 'x-ext' }], 10_000);
  t.equal(ext.state.status, 'pending', 'extension states read as pending');
  t.same(ext.effects, [], 'no expires: timers untouched');
});

t.test('refresh responses', async (t) => {
  const refreshing = run(subscribed(600), [{ type: 'timer', name: 'refresh' }], 570_000);
  t.same(sends(refreshing.effects), [{ type: 'send', purpose: 'refresh', expires: 3600 }]);
  t.ok(refreshing.state.refreshing);
  const again = run(refreshing.state, [{ type: 'timer', name: 'refresh' }], 571_000);
  t.same(sends(again.effects), [], 'one refresh in flight at a time');
  const r = (input: Partial<Extract<MachineInput, { type: 'response' }>>) =>
    run(refreshing.state, [{ type: 'response', purpose: 'refresh', status: 0, local: false, ...input }], 570_000);
  const ok = r({ status: 200, expires: 600 });
  t.equal(ok.state.expiresAt, 1_170_000);
  t.notOk(ok.state.refreshing);
  const gone = r({ status: 481 });
  t.same(ends(gone.effects), [{ reason: 'failed', status: 481, retry: true }]);
  t.same(sends(gone.effects), [{ type: 'send', purpose: 'initial', expires: 3600 }]);
  const brief = r({ status: 423, minExpires: 7200 });
  t.same(sends(brief.effects), [{ type: 'send', purpose: 'refresh', expires: 7200 }]);
  const busy = r({ status: 503 });
  t.equal(busy.state.phase, 'subscribed');
  t.same(sets(busy.effects), [{ type: 'setTimer', name: 'refresh', ms: 120_000 }]);
  t.same(ends(busy.effects), []);
  const lapsed = run(busy.state, [{ type: 'timer', name: 'expiry' }], 600_000);
  t.same(ends(lapsed.effects), [{ reason: 'expired', retry: true }]);
  t.same(sends(lapsed.effects), [{ type: 'send', purpose: 'initial', expires: 3600 }]);
  const refused = r({ status: 403 });
  t.same(ends(refused.effects), [{ reason: 'failed', status: 403, retry: false }]);
});

t.test('unsubscribe in every phase', async (t) => {
  const idle = run(initialMachineState(3600), [{ type: 'unsubscribe' }]);
  t.equal(idle.state.phase, 'terminated');
  t.same(ends(idle.effects), [{ reason: 'unsubscribed', retry: false }]);
  const sub = run(subscribed(), [{ type: 'unsubscribe' }], 1000);
  t.equal(sub.state.phase, 'unsubscribing');
  t.same(sends(sub.effects), [{ type: 'send', purpose: 'unsubscribe', expires: 0 }]);
  t.same(sets(sub.effects), [{ type: 'setTimer', name: 'terminal', ms: 30_000 }]);
  t.same(ends(run(sub.state, [{ type: 'notify', state: 'terminated', reason: 'timeout' }]).effects), [
    { reason: 'unsubscribed', retry: false },
  ]);
  t.same(ends(run(sub.state, [{ type: 'timer', name: 'terminal' }]).effects), [
    { reason: 'unsubscribed', retry: false },
  ]);
  t.same(ends(run(sub.state, [{ type: 'response', purpose: 'unsubscribe', status: 481, local: false }]).effects), [
    { reason: 'unsubscribed', status: 481, retry: false },
  ]);
  t.same(
    run(sub.state, [{ type: 'response', purpose: 'unsubscribe', status: 200, local: false }]).effects,
    [],
    '2xx: keep waiting for the NOTIFY',
  );
  const early = run(initialMachineState(3600), [{ type: 'start', delayMs: 0 }, { type: 'unsubscribe' }]);
  t.equal(early.state.phase, 'subscribing');
  t.ok(early.state.unsubscribeWanted);
  const then = run(early.state, [{ type: 'response', purpose: 'initial', status: 200, local: false, expires: 600 }]);
  t.same(sends(then.effects), [{ type: 'send', purpose: 'unsubscribe', expires: 0 }]);
  const failed = run(early.state, [{ type: 'response', purpose: 'initial', status: 503, local: false }]);
  t.same(
    ends(failed.effects),
    [{ reason: 'unsubscribed', status: 503, retry: false }],
    'no retry once unsubscribe was asked',
  );
});

t.test('terminated is final: every input is ignored', async (t) => {
  const over = run(subscribed(), [{ type: 'close' }]).state;
  for (const input of [
    { type: 'refresh' },
    { type: 'unsubscribe' },
    { type: 'timer', name: 'refresh' },
    { type: 'notify', state: 'active' },
    { type: 'start', delayMs: 0 },
  ] as MachineInput[]) {
    const out = run(over, [input]);
    t.same(out.effects, [], input.type);
    t.equal(out.state, over);
  }
});

t.test('resolveTimings: per-subscription over subscriber defaults over operator defaults', async (t) => {
  const base = { target: 'sip:a@b', event: 'presence', from: '<sip:c@d>', contact: 'sip:c@d' };
  t.same(resolveTimings({}, base), timings);
  t.same(resolveTimings({ defaultExpires: 600, onErrorRetryTime: 10 }, { ...base, onErrorRetryTime: 5 }), {
    ...timings,
    expires: 600,
    onErrorRetryTime: 5,
  });
  t.equal(resolveTimings({}, { ...base, expires: 90 }).expires, 90);
  t.throws(() => resolveTimings({}, { ...base, expires: 0 }), RangeError);
  t.throws(() => resolveTimings({ resubscribeDelta: -1 }, base), RangeError);
});
