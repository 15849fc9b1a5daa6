/**
 * Properties of the four RFC 3261 §17 transaction reducers fed arbitrary
 * input sequences: no throw; timers only from each machine's own set (Table
 * 4, RFC 6026) with finite non-negative durations, and no retransmission
 * timer on a reliable transport (§17.1.1.2); Terminated is terminal and
 * `terminate` is emitted exactly on entering it; effects only follow the
 * inputs that cause them; and firing the running timers in time order
 * always ends a client transaction, and a server transaction that answered
 * finally (no transaction lives forever).
 */
import fc from 'fast-check';
import { ictReduce, ictStart, istReduce, istStart, nictReduce, nictStart, nistReduce, nistStart } from '@herald/sip';
import type { ClientEffect, ServerEffect, TimerName, TransactionContext, TransactionTransition } from '@herald/sip';
import { PropertyViolation, check } from './guard.js';
import { describe } from './prop-parser.js';

/** The reducers' machine names. */
export type MachineName = 'ict' | 'nict' | 'ist' | 'nist';

type Effect = ClientEffect | ServerEffect;
/** An input of any machine (each machine gets only its own kinds from the generator). */
export type AnyInput =
  | { readonly type: 'response' | 'tu_response'; readonly status: number }
  | { readonly type: 'timer'; readonly name: TimerName }
  | { readonly type: 'transport_error' | 'reliable_flow' | 'request_retransmission' | 'ack' };
interface AnyState {
  readonly name: string;
  readonly ctx: TransactionContext;
}
type Step = TransactionTransition<AnyState, Effect>;

interface Machine {
  readonly timers: readonly TimerName[];
  /** Retransmission timers, never started on a reliable transport. */
  readonly retransmit: TimerName;
  readonly inputs: fc.Arbitrary<AnyInput>;
  start(ctx: TransactionContext): Step;
  reduce(state: AnyState, input: AnyInput): Step;
  readonly client: boolean;
}

const status = fc.oneof(fc.integer({ min: 100, max: 199 }), fc.constantFrom(200, 202, 300, 404, 486, 500, 603, 699));
const timer = (names: readonly TimerName[]): fc.Arbitrary<AnyInput> =>
  fc.constantFrom(...names).map((name): AnyInput => ({ type: 'timer', name }));
const simple = (...types: Array<'transport_error' | 'reliable_flow' | 'request_retransmission' | 'ack'>) =>
  fc.constantFrom(...types).map((type): AnyInput => ({ type }));
const answer = (type: 'response' | 'tu_response') => status.map((s): AnyInput => ({ type, status: s }));

// The reducers are typed per machine; the harness drives them through one loose signature.
type Loose = (state: AnyState, input: AnyInput) => Step;

/** The four machines with their timer sets (RFC 3261 Table 4; RFC 6026 adds L and M). */
export const MACHINES: Readonly<Record<MachineName, Machine>> = {
  ict: {
    timers: ['A', 'B', 'D', 'M'],
    retransmit: 'A',
    inputs: fc.oneof(answer('response'), timer(['A', 'B', 'D', 'M']), simple('transport_error', 'reliable_flow')),
    start: ictStart as (ctx: TransactionContext) => Step,
    reduce: ictReduce as unknown as Loose,
    client: true,
  },
  nict: {
    timers: ['E', 'F', 'K'],
    retransmit: 'E',
    inputs: fc.oneof(answer('response'), timer(['E', 'F', 'K']), simple('transport_error', 'reliable_flow')),
    start: nictStart as (ctx: TransactionContext) => Step,
    reduce: nictReduce as unknown as Loose,
    client: true,
  },
  ist: {
    timers: ['G', 'H', 'I', 'L', 'Trying'],
    retransmit: 'G',
    inputs: fc.oneof(
      answer('tu_response'),
      timer(['G', 'H', 'I', 'L', 'Trying']),
      simple('transport_error', 'request_retransmission', 'ack'),
    ),
    start: istStart as (ctx: TransactionContext) => Step,
    reduce: istReduce as unknown as Loose,
    client: false,
  },
  nist: {
    timers: ['J'],
    retransmit: 'J',
    inputs: fc.oneof(answer('tu_response'), timer(['J']), simple('transport_error', 'request_retransmission')),
    start: nistStart as (ctx: TransactionContext) => Step,
    reduce: nistReduce as unknown as Loose,
    client: false,
  },
};

/** Timer values and transport reliability. */
export const context: fc.Arbitrary<TransactionContext> = fc.record({
  // T2 ≥ T1 as in RFC 3261 Table 4 (T2 below T1 only makes Timer E fire more often before F).
  timers: fc
    .tuple(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 0, max: 8000 }), fc.integer({ min: 1, max: 10000 }))
    .map(([t1, extra, t4]) => ({ t1, t2: t1 + extra, t4 })),
  reliable: fc.boolean(),
});

/** A machine, its context and a sequence of its inputs (`null` = fire the earliest running timer). */
export const reducerCase = fc
  .constantFrom<MachineName>('ict', 'nict', 'ist', 'nist')
  .chain((name) =>
    fc.tuple(
      fc.constant(name),
      context,
      fc.array(fc.option(MACHINES[name].inputs, { nil: null, freq: 3 }), { maxLength: 40 }),
    ),
  );

/** Checks one transition; `stale` marks a timer input that was not running (the shell cancels those, so fewer rules apply). */
function checkEffects(
  m: Machine,
  label: string,
  before: AnyState | undefined,
  input: AnyInput | undefined,
  step: Step,
  stale = false,
): void {
  const { state, effects } = step;
  check(Array.isArray(effects), `${label}: effects is not an array`);
  for (const e of effects) {
    if (e.type === 'start_timer' || e.type === 'stop_timer') {
      check(m.timers.includes(e.name), `${label}: ${e.type} of foreign timer ${e.name}`);
    }
    if (e.type === 'start_timer') {
      check(Number.isFinite(e.ms) && e.ms >= 0, `${label}: timer ${e.name} started for ${e.ms} ms`);
      // RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1: no retransmissions over a reliable transport.
      const retransmit = state.ctx.reliable && e.name === m.retransmit && m.retransmit !== 'J';
      check(stale || !retransmit, `${label}: ${e.name} on a reliable transport`);
    }
    const cause = input?.type;
    if (e.type === 'pass_response') check(cause === 'response', `${label}: pass_response on ${cause}`);
    if (e.type === 'send_ack')
      check(
        cause === 'response' && input !== undefined && 'status' in input && input.status >= 300,
        `${label}: send_ack on ${JSON.stringify(input)}`,
      );
    if (e.type === 'send_response') check(cause === 'tu_response', `${label}: send_response on ${cause}`);
    if (e.type === 'report_timeout') check(cause === 'timer', `${label}: report_timeout on ${cause}`);
    if (e.type === 'report_transport_error')
      check(cause === 'transport_error', `${label}: transport error reported on ${cause}`);
  }
  const entered = state.name === 'terminated' && before?.name !== 'terminated';
  const terminates = effects.filter((e) => e.type === 'terminate').length;
  check(terminates === (entered ? 1 : 0), `${label}: ${terminates} terminate effects, entered Terminated: ${entered}`);
  if (before?.name === 'terminated') {
    check(
      state.name === 'terminated' && effects.length === 0,
      `${label}: Terminated is not terminal (${state.name}, ${effects.length} effects)`,
    );
  }
  if (before !== undefined && before.ctx.reliable)
    check(state.ctx.reliable, `${label}: a reliable transport became unreliable`);
}

/** Running timers, by name, with their due time. */
class Timers {
  now = 0;
  readonly due = new Map<TimerName, number>();
  apply(effects: readonly Effect[]): void {
    for (const e of effects) {
      if (e.type === 'start_timer') this.due.set(e.name, this.now + e.ms);
      else if (e.type === 'stop_timer') this.due.delete(e.name);
      else if (e.type === 'terminate') this.due.clear();
    }
  }
  /** Takes the earliest running timer and moves time to it. */
  next(): TimerName | undefined {
    let best: [TimerName, number] | undefined;
    for (const [n, at] of this.due) if (!best || at < best[1]) best = [n, at];
    if (!best) return undefined;
    this.due.delete(best[0]);
    this.now = best[1];
    return best[0];
  }
}

/** The reducer property for one machine, context and input sequence. */
export function checkReducer(name: MachineName, ctx: TransactionContext, inputs: ReadonlyArray<AnyInput | null>): void {
  const m = MACHINES[name];
  const run = (label: string, f: () => Step): Step => {
    try {
      return f();
    } catch (e) {
      if (e instanceof PropertyViolation) throw e;
      throw new PropertyViolation(`${label} threw: ${describe(e)}`);
    }
  };
  let step = run(`${name} start`, () => m.start(ctx));
  checkEffects(m, `${name} start`, undefined, undefined, step);
  const timers = new Timers();
  timers.apply(step.effects);
  let finalSent = false;
  const feed = (input: AnyInput, stale = false): void => {
    const before = step.state;
    const label = `${name} ${before.name} + ${JSON.stringify(input)}${stale ? ' (stale)' : ''}`;
    step = run(label, () => m.reduce(before, input));
    checkEffects(m, label, before, input, step, stale);
    timers.apply(step.effects);
    if (input.type === 'tu_response' && input.status >= 200) finalSent = true;
  };
  for (const input of inputs) {
    if (input !== null) {
      feed(input, input.type === 'timer' && !timers.due.has(input.name));
      if (input.type === 'timer') timers.due.delete(input.name);
      continue;
    }
    const t = timers.next();
    if (t !== undefined) feed({ type: 'timer', name: t });
  }
  // Liveness: a server that never answered finally is waiting on its TU; answer for it.
  if (!m.client && !finalSent && step.state.name !== 'terminated') feed({ type: 'tu_response', status: 500 });
  for (let i = 0; i < 1000 && step.state.name !== 'terminated'; i++) {
    const t = timers.next();
    // RFC 3261 §17.1.1.2: an ICT in Proceeding runs no timer; it waits for the final response (the TU may CANCEL).
    if (t === undefined && name === 'ict' && step.state.name === 'proceeding') {
      feed({ type: 'response', status: 487 });
      continue;
    }
    check(t !== undefined, `${name} stuck in ${step.state.name} with no timer running`);
    feed({ type: 'timer', name: t });
  }
  check(step.state.name === 'terminated', `${name} still ${step.state.name} after 1000 timer firings`);
}
