import t from 'tap';
import type { ServerEffect } from '../../src/transaction/effects.js';
import type { IstInput, IstStateName } from '../../src/transaction/ist.js';
import { istReduce, istStart } from '../../src/transaction/ist.js';
import type { NistInput, NistStateName } from '../../src/transaction/nist.js';
import { nistReduce, nistStart } from '../../src/transaction/nist.js';
import type { TransactionContext, TimerName } from '../../src/transaction/timers.js';
import { defaultTransactionTimers } from '../../src/transaction/timers.js';

const udp: TransactionContext = { timers: defaultTransactionTimers, reliable: false };
const tcp: TransactionContext = { timers: defaultTransactionTimers, reliable: true };

const send: ServerEffect = { type: 'send_response' };
const resend: ServerEffect = { type: 'send_last_response' };
const term: ServerEffect = { type: 'terminate' };
const tErr: ServerEffect = { type: 'report_transport_error' };
const start = (name: TimerName, ms: number): ServerEffect => ({ type: 'start_timer', name, ms });
const stop = (name: TimerName): ServerEffect => ({ type: 'stop_timer', name });
const tu = (status: number) => ({ type: 'tu_response', status }) as const;
const timer = <N extends string>(name: N) => ({ type: 'timer', name }) as const;
const retrans = { type: 'request_retransmission' } as const;
const ack = { type: 'ack' } as const;

void t.test('IST start: Proceeding with the 200 ms Trying timer', (t) => {
  t.same(istStart(udp), {
    state: { name: 'proceeding', ctx: udp, interval: 500, responded: false },
    effects: [start('Trying', 200)],
  });
  t.end();
});

type IstRow = [TransactionContext, IstStateName, boolean, number, IstInput, IstStateName, ServerEffect[]];
const istTable: IstRow[] = [
  [udp, 'proceeding', false, 500, timer('Trying'), 'proceeding', [{ type: 'send_trying' }]],
  [udp, 'proceeding', true, 500, timer('Trying'), 'proceeding', []],
  [udp, 'proceeding', false, 500, retrans, 'proceeding', []],
  [udp, 'proceeding', true, 500, retrans, 'proceeding', [resend]],
  [udp, 'proceeding', false, 500, tu(180), 'proceeding', [stop('Trying'), send]],
  [udp, 'proceeding', false, 500, tu(200), 'accepted', [stop('Trying'), send, start('L', 32000)]],
  [tcp, 'proceeding', false, 500, tu(200), 'accepted', [stop('Trying'), send, start('L', 32000)]],
  [udp, 'proceeding', false, 500, tu(486), 'completed', [stop('Trying'), send, start('G', 500), start('H', 32000)]],
  [tcp, 'proceeding', false, 500, tu(486), 'completed', [stop('Trying'), send, start('H', 32000)]],
  [udp, 'proceeding', true, 500, { type: 'transport_error' }, 'terminated', [tErr, term]],
  [udp, 'proceeding', false, 500, ack, 'proceeding', []],
  [udp, 'completed', true, 500, retrans, 'completed', [resend]],
  [udp, 'completed', true, 500, timer('G'), 'completed', [resend, start('G', 1000)]],
  [udp, 'completed', true, 4000, timer('G'), 'completed', [resend, start('G', 4000)]],
  [udp, 'completed', true, 500, timer('H'), 'terminated', [{ type: 'report_timeout' }, term]],
  [udp, 'completed', true, 500, ack, 'confirmed', [stop('G'), stop('H'), start('I', 5000)]],
  [tcp, 'completed', true, 500, ack, 'terminated', [stop('G'), stop('H'), term]],
  [udp, 'completed', true, 500, tu(200), 'completed', []],
  [udp, 'completed', true, 500, { type: 'transport_error' }, 'terminated', [stop('G'), stop('H'), tErr, term]],
  [udp, 'confirmed', true, 500, ack, 'confirmed', []],
  [udp, 'confirmed', true, 500, retrans, 'confirmed', []],
  [udp, 'confirmed', true, 500, timer('G'), 'confirmed', []],
  [udp, 'confirmed', true, 500, timer('I'), 'terminated', [term]],
  [udp, 'accepted', true, 500, retrans, 'accepted', []],
  [udp, 'accepted', true, 500, tu(200), 'accepted', [send]],
  [udp, 'accepted', true, 500, tu(486), 'accepted', []],
  [udp, 'accepted', true, 500, ack, 'accepted', [{ type: 'pass_ack' }]],
  [udp, 'accepted', true, 500, { type: 'transport_error' }, 'accepted', [tErr]],
  [udp, 'accepted', true, 500, timer('L'), 'terminated', [term]],
  [udp, 'terminated', true, 500, retrans, 'terminated', []],
];

void t.test('IST transition table (RFC 3261 §17.2.1, RFC 6026 §8.5-8.7)', (t) => {
  for (const [ctx, from, responded, interval, input, to, effects] of istTable) {
    const next = istReduce({ name: from, ctx, interval, responded }, input);
    const label = `${ctx.reliable ? 'tcp' : 'udp'} ${from}${responded ? '(responded)' : ''}/${interval} + ${JSON.stringify(input)}`;
    t.equal(next.state.name, to, `${label} → ${to}`);
    t.same(next.effects, effects, `${label} effects`);
  }
  t.end();
});

void t.test('NIST start: Trying, nothing sent', (t) => {
  t.same(nistStart(udp), { state: { name: 'trying', ctx: udp }, effects: [] });
  t.end();
});

type NistRow = [TransactionContext, NistStateName, NistInput, NistStateName, ServerEffect[]];
const nistTable: NistRow[] = [
  [udp, 'trying', retrans, 'trying', []],
  [udp, 'trying', tu(100), 'proceeding', [send]],
  [udp, 'trying', tu(200), 'completed', [send, start('J', 32000)]],
  [udp, 'trying', tu(404), 'completed', [send, start('J', 32000)]],
  [tcp, 'trying', tu(200), 'terminated', [send, term]],
  [udp, 'proceeding', retrans, 'proceeding', [resend]],
  [udp, 'proceeding', tu(183), 'proceeding', [send]],
  [udp, 'proceeding', tu(500), 'completed', [send, start('J', 32000)]],
  [udp, 'proceeding', { type: 'transport_error' }, 'terminated', [stop('J'), tErr, term]],
  [udp, 'completed', retrans, 'completed', [resend]],
  [udp, 'completed', tu(200), 'completed', []],
  [udp, 'completed', timer('J'), 'terminated', [term]],
  [udp, 'completed', { type: 'transport_error' }, 'terminated', [stop('J'), tErr, term]],
  [udp, 'terminated', retrans, 'terminated', []],
];

void t.test('NIST transition table (RFC 3261 §17.2.2)', (t) => {
  for (const [ctx, from, input, to, effects] of nistTable) {
    const next = nistReduce({ name: from, ctx }, input);
    const label = `${ctx.reliable ? 'tcp' : 'udp'} ${from} + ${JSON.stringify(input)}`;
    t.equal(next.state.name, to, `${label} → ${to}`);
    t.same(next.effects, effects, `${label} effects`);
  }
  t.end();
});

void t.test('IST Timer G doubles up to T2 (RFC 3261 §17.2.1)', (t) => {
  let state = istReduce(istStart(udp).state, tu(500)).state;
  const intervals: number[] = [];
  for (let i = 0; i < 5; i++) {
    state = istReduce(state, timer('G')).state;
    intervals.push(state.interval);
  }
  t.same(intervals, [1000, 2000, 4000, 4000, 4000]);
  t.end();
});

void t.test('NIST states are shared per context (a finished transaction holds no state object of its own)', (t) => {
  const ctx = { timers: defaultTransactionTimers, reliable: false };
  const a = nistReduce(nistStart(ctx).state, { type: 'tu_response', status: 200 }).state;
  const b = nistReduce(nistStart(ctx).state, { type: 'tu_response', status: 404 }).state;
  t.equal(a, b, 'the same Completed object');
  t.same(a, { name: 'completed', ctx });
  const other = nistReduce(nistStart({ ...ctx }).state, { type: 'tu_response', status: 200 }).state;
  t.not(other, a, 'another context, another object');
  t.end();
});
