import t from 'tap';
import type { ClientEffect } from '../../src/transaction/effects.js';
import type { IctInput, IctStateName } from '../../src/transaction/ict.js';
import { ictReduce, ictStart } from '../../src/transaction/ict.js';
import type { NictInput, NictStateName } from '../../src/transaction/nict.js';
import { nictReduce, nictStart } from '../../src/transaction/nict.js';
import type { TransactionContext } from '../../src/transaction/timers.js';
import { defaultTransactionTimers } from '../../src/transaction/timers.js';

const udp: TransactionContext = { timers: defaultTransactionTimers, reliable: false };
const tcp: TransactionContext = { timers: defaultTransactionTimers, reliable: true };

const pass: ClientEffect = { type: 'pass_response' };
const ack: ClientEffect = { type: 'send_ack' };
const send: ClientEffect = { type: 'send_request' };
const term: ClientEffect = { type: 'terminate' };
const start = (name: 'A' | 'B' | 'D' | 'E' | 'F' | 'K' | 'M', ms: number): ClientEffect => ({
  type: 'start_timer',
  name,
  ms,
});
const stop = (name: 'A' | 'B' | 'E' | 'F'): ClientEffect => ({ type: 'stop_timer', name });
const res = (status: number) => ({ type: 'response', status }) as const;
const timer = <N extends string>(name: N) => ({ type: 'timer', name }) as const;

void t.test('ICT start: Calling, send, A only on unreliable, B = 64*T1', (t) => {
  t.same(ictStart(udp), {
    state: { name: 'calling', ctx: udp, interval: 500 },
    effects: [send, start('A', 500), start('B', 32000)],
  });
  t.same(ictStart(tcp).effects, [send, start('B', 32000)]);
  t.end();
});

type IctRow = [TransactionContext, IctStateName, IctInput, IctStateName, ClientEffect[]];
const ictTable: IctRow[] = [
  [udp, 'calling', timer('A'), 'calling', [send, start('A', 1000)]],
  [udp, 'calling', timer('B'), 'terminated', [{ type: 'report_timeout' }, term]],
  [udp, 'calling', res(100), 'proceeding', [stop('A'), stop('B'), pass]],
  [udp, 'calling', res(180), 'proceeding', [stop('A'), stop('B'), pass]],
  [udp, 'calling', res(200), 'accepted', [stop('A'), stop('B'), pass, start('M', 32000)]],
  [udp, 'calling', res(486), 'completed', [stop('A'), stop('B'), pass, ack, start('D', 32000)]],
  [tcp, 'calling', res(486), 'terminated', [stop('A'), stop('B'), pass, ack, term]],
  [udp, 'calling', { type: 'transport_error' }, 'terminated', [{ type: 'report_transport_error' }, term]],
  [udp, 'calling', { type: 'reliable_flow' }, 'calling', [stop('A')]],
  [udp, 'proceeding', res(183), 'proceeding', [pass]],
  [udp, 'proceeding', res(202), 'accepted', [pass, start('M', 32000)]],
  [udp, 'proceeding', res(603), 'completed', [pass, ack, start('D', 32000)]],
  [tcp, 'proceeding', res(404), 'terminated', [pass, ack, term]],
  [udp, 'proceeding', timer('A'), 'proceeding', []],
  [udp, 'proceeding', timer('B'), 'proceeding', []],
  [udp, 'proceeding', { type: 'transport_error' }, 'terminated', [{ type: 'report_transport_error' }, term]],
  [udp, 'completed', res(486), 'completed', [ack]],
  [udp, 'completed', res(180), 'completed', []],
  [udp, 'completed', res(200), 'completed', []],
  [udp, 'completed', timer('D'), 'terminated', [term]],
  [udp, 'completed', { type: 'transport_error' }, 'terminated', [{ type: 'report_transport_error' }, term]],
  [udp, 'accepted', res(200), 'accepted', [pass]],
  [udp, 'accepted', res(180), 'accepted', []],
  [udp, 'accepted', res(500), 'accepted', []],
  [udp, 'accepted', timer('M'), 'terminated', [term]],
  [udp, 'accepted', { type: 'transport_error' }, 'accepted', []],
  [udp, 'terminated', res(200), 'terminated', []],
  [udp, 'terminated', timer('B'), 'terminated', []],
];

void t.test('ICT transition table (RFC 3261 §17.1.1, RFC 6026 §8.4)', (t) => {
  for (const [ctx, from, input, to, effects] of ictTable) {
    const next = ictReduce({ name: from, ctx, interval: 500 }, input);
    const label = `${ctx.reliable ? 'tcp' : 'udp'} ${from} + ${JSON.stringify(input)}`;
    t.equal(next.state.name, to, `${label} → ${to}`);
    t.same(next.effects, effects, `${label} effects`);
  }
  t.end();
});

void t.test('ICT Timer A doubles without cap (B ends it)', (t) => {
  let { state } = ictStart(udp);
  const intervals: number[] = [];
  for (let i = 0; i < 6; i++) {
    const next = ictReduce(state, timer('A'));
    state = next.state;
    intervals.push(state.interval);
  }
  t.same(intervals, [1000, 2000, 4000, 8000, 16000, 32000]);
  t.end();
});

void t.test('NICT start: Trying, send, E only on unreliable, F = 64*T1', (t) => {
  t.same(nictStart(udp), {
    state: { name: 'trying', ctx: udp, interval: 500 },
    effects: [send, start('E', 500), start('F', 32000)],
  });
  t.same(nictStart(tcp).effects, [send, start('F', 32000)]);
  t.end();
});

type NictRow = [TransactionContext, NictStateName, number, NictInput, NictStateName, ClientEffect[]];
const nictTable: NictRow[] = [
  [udp, 'trying', 500, timer('E'), 'trying', [send, start('E', 1000)]],
  [udp, 'trying', 2000, timer('E'), 'trying', [send, start('E', 4000)]],
  [udp, 'trying', 4000, timer('E'), 'trying', [send, start('E', 4000)]],
  [udp, 'trying', 500, timer('F'), 'terminated', [{ type: 'report_timeout' }, term]],
  [udp, 'trying', 500, res(100), 'proceeding', [pass]],
  [udp, 'trying', 500, res(200), 'completed', [stop('E'), stop('F'), pass, start('K', 5000)]],
  [udp, 'trying', 500, res(404), 'completed', [stop('E'), stop('F'), pass, start('K', 5000)]],
  [tcp, 'trying', 500, res(200), 'terminated', [stop('E'), stop('F'), pass, term]],
  [udp, 'trying', 500, { type: 'transport_error' }, 'terminated', [{ type: 'report_transport_error' }, term]],
  [udp, 'trying', 500, { type: 'reliable_flow' }, 'trying', [stop('E')]],
  [udp, 'proceeding', 500, timer('E'), 'proceeding', [send, start('E', 4000)]],
  [udp, 'proceeding', 500, res(180), 'proceeding', [pass]],
  [udp, 'proceeding', 500, res(481), 'completed', [stop('E'), stop('F'), pass, start('K', 5000)]],
  [udp, 'proceeding', 500, timer('F'), 'terminated', [{ type: 'report_timeout' }, term]],
  [udp, 'proceeding', 500, { type: 'transport_error' }, 'terminated', [{ type: 'report_transport_error' }, term]],
  [udp, 'completed', 500, res(200), 'completed', []],
  [udp, 'completed', 500, res(100), 'completed', []],
  [udp, 'completed', 500, timer('E'), 'completed', []],
  [udp, 'completed', 500, timer('K'), 'terminated', [term]],
  [udp, 'terminated', 500, res(200), 'terminated', []],
];

void t.test('NICT transition table (RFC 3261 §17.1.2)', (t) => {
  for (const [ctx, from, interval, input, to, effects] of nictTable) {
    const next = nictReduce({ name: from, ctx, interval }, input);
    const label = `${ctx.reliable ? 'tcp' : 'udp'} ${from}/${interval} + ${JSON.stringify(input)}`;
    t.equal(next.state.name, to, `${label} → ${to}`);
    t.same(next.effects, effects, `${label} effects`);
  }
  t.end();
});

void t.test('reducers are pure: the input state is not mutated', (t) => {
  const state = { name: 'calling', ctx: udp, interval: 500 } as const;
  const copy = JSON.stringify(state);
  ictReduce(state, timer('A'));
  ictReduce(state, res(200));
  t.equal(JSON.stringify(state), copy);
  t.end();
});
