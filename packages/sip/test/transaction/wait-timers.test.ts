import t from 'tap';
import { ManualClock } from '@herald/sip';
import type { Clock, TimerName } from '@herald/sip';
import { TimerSet } from '../../src/transaction/timer-set.js';
import type { TimerRuntime } from '../../src/transaction/timer-set.js';
import { WaitTimers } from '../../src/transaction/wait-timers.js';

/** A bare TimerSet subclass (as the transactions are) that logs its firings. */
class Probe extends TimerSet {
  protected readonly timerRuntime: TimerRuntime;
  constructor(
    clock: Clock,
    private readonly log: string[],
    private readonly label: string,
    waits?: WaitTimers,
  ) {
    super();
    this.timerRuntime = waits ? { clock, waits } : { clock };
  }
  timerFired(name: TimerName): void {
    this.log.push(`${this.label}:${name}`);
  }
  start(name: TimerName, ms: number): void {
    this.startTimer(name, ms);
  }
  stop(name: TimerName): void {
    this.stopTimer(name);
  }
  names(): TimerName[] {
    return this.timerNames();
  }
  clear(): void {
    this.clearTimers();
  }
}

/** Starts a timer of `ms` in its queue. */
function start(waits: WaitTimers, ms: number, owner: { waitFired(h: number, q: number): void }): number {
  return waits.start(waits.queue(ms), owner);
}

void t.test('WaitTimers: one duration fires in start order, one clock timer for the head', (t) => {
  const clock = new ManualClock();
  const waits = new WaitTimers(clock);
  const fired: string[] = [];
  const make = (label: string) => ({ waitFired: (h: number, q: number) => fired.push(`${label}:${q}:${h}`) });
  start(waits, 1000, make('a'));
  clock.advance(10);
  start(waits, 1000, make('b'));
  start(waits, 1000, make('c'));
  t.equal(clock.pending, 1, 'one Clock timer per duration');
  clock.advance(989);
  t.same(fired, []);
  clock.advance(1);
  t.same(fired, ['a:0:0'], 'due at exactly 1000 ms');
  clock.advance(9);
  t.same(fired, ['a:0:0']);
  clock.advance(1);
  t.same(fired, ['a:0:0', 'b:0:1', 'c:0:2'], 'same due time: start order');
  t.equal(clock.pending, 0, 'nothing left: no timer armed');
  t.end();
});

void t.test('WaitTimers: cancel skips a slot; cancelling the last live one disarms', (t) => {
  const clock = new ManualClock();
  const waits = new WaitTimers(clock);
  const fired: string[] = [];
  const make = (label: string) => ({ waitFired: () => fired.push(label) });
  const k = waits.queue(500);
  const d = waits.queue(2000);
  t.not(k, d, 'one queue per duration');
  t.equal(waits.queue(500), k, 'the same id for the same duration');
  const a = waits.start(k, make('a'));
  waits.start(k, make('b'));
  const c = waits.start(d, make('c'));
  waits.cancel(k, a);
  waits.cancel(k, a);
  clock.advance(500);
  t.same(fired, ['b']);
  waits.cancel(d, c);
  t.equal(clock.pending, 0, 'the D queue is empty and disarmed');
  clock.advance(5000);
  t.same(fired, ['b']);
  waits.cancel(d, 12345);
  waits.cancel(42, 0);
  t.pass('unknown handles and queues are ignored');
  t.throws(() => waits.start(42, make('x')), RangeError, 'starting in an unknown queue is a programmer error');
  t.end();
});

void t.test('WaitTimers: a timer started from a firing callback is kept in order and fires on time', (t) => {
  const clock = new ManualClock();
  const waits = new WaitTimers(clock);
  const fired: Array<[string, number]> = [];
  const late = { waitFired: () => fired.push(['late', clock.now()]) };
  const first = {
    waitFired: () => {
      fired.push(['first', clock.now()]);
      start(waits, 100, late);
    },
  };
  start(waits, 100, first);
  clock.advance(50);
  start(waits, 100, { waitFired: () => fired.push(['second', clock.now()]) });
  clock.advance(1000);
  t.same(fired, [
    ['first', 100],
    ['second', 150],
    ['late', 200],
  ]);
  t.equal(clock.pending, 0);
  t.end();
});

void t.test('WaitTimers: thousands in a row compact the fired prefix and keep handles valid', (t) => {
  const clock = new ManualClock();
  const waits = new WaitTimers(clock);
  let count = 0;
  const o = { waitFired: () => count++ };
  const handles: number[] = [];
  for (let i = 0; i < 5000; i++) {
    handles.push(start(waits, 1000, o));
    clock.advance(1);
  }
  // Half have fired (and were compacted away); cancel one still waiting by its handle.
  waits.cancel(waits.queue(1000), handles[4999]!);
  clock.advance(10000);
  t.equal(count, 4999);
  t.equal(clock.pending, 0);
  t.end();
});

void t.test('WaitTimers.clear cancels everything', (t) => {
  const clock = new ManualClock();
  const waits = new WaitTimers(clock);
  let count = 0;
  start(waits, 10, { waitFired: () => count++ });
  start(waits, 20, { waitFired: () => count++ });
  waits.clear();
  t.equal(clock.pending, 0);
  clock.advance(100);
  t.equal(count, 0);
  t.end();
});

void t.test('TimerSet: two slots, restart, stop, wait timers batched, a third timer is a programmer error', (t) => {
  const clock = new ManualClock();
  const waits = new WaitTimers(clock);
  const log: string[] = [];
  const set = new Probe(clock, log, 'tx', waits);
  set.start('E', 500);
  set.start('F', 32000);
  t.same(set.names(), ['E', 'F']);
  set.start('E', 1000);
  t.equal(clock.pending, 2, 'restarting E replaced it');
  t.throws(() => set.start('G', 10), /at most two timers/);
  t.equal(clock.pending, 2, 'the refused timer was not left running');
  clock.advance(1000);
  t.same(log, ['tx:E']);
  t.same(set.names(), ['F']);
  set.stop('F');
  set.stop('F');
  t.same(set.names(), []);
  set.start('K', 5000);
  t.same(set.names(), ['K']);
  clock.advance(5000);
  t.same(log, ['tx:E', 'tx:K'], 'K through the wait queue');
  set.start('J', 32000);
  set.clear();
  t.equal(clock.pending, 0, 'clear cancels the batched wait timer too');
  clock.advance(40000);
  t.same(log, ['tx:E', 'tx:K']);
  t.end();
});

void t.test('TimerSet without a wait queue uses the clock for every timer', (t) => {
  const clock = new ManualClock();
  const log: string[] = [];
  const set = new Probe(clock, log, 'tx');
  set.start('J', 100);
  set.start('J', 200);
  t.equal(clock.pending, 1);
  clock.advance(200);
  t.same(log, ['tx:J']);
  t.end();
});

void t.test(
  'TimerSet batches both slots (a NICT E and F): equal handles of two durations are told apart by queue',
  (t) => {
    const clock = new ManualClock();
    const waits = new WaitTimers(clock);
    const log: string[] = [];
    const set = new Probe(clock, log, 'tx', waits);
    set.start('E', 500);
    set.start('F', 32000);
    t.equal(clock.pending, 2, 'one clock timer per duration, none per transaction');
    clock.advance(500);
    t.same(log, ['tx:E'], 'only E fired, though both handles are 0 in their queues');
    t.same(set.names(), ['F']);
    set.start('E', 1000);
    clock.advance(1000);
    t.same(log, ['tx:E', 'tx:E'], 'E restarted with a doubled interval (another queue)');
    set.stop('F');
    t.same(set.names(), []);
    t.equal(clock.pending, 0, 'stopping the last timers disarms every queue');
    clock.advance(40000);
    t.same(log, ['tx:E', 'tx:E']);
    t.end();
  },
);
