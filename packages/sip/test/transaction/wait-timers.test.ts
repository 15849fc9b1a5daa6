import t from 'tap';
import { ManualClock } from '@herald/sip';
import type { TimerName } from '@herald/sip';
import { TimerSet } from '../../src/transaction/timer-set.js';
import { WaitTimers } from '../../src/transaction/wait-timers.js';

function owner(log: string[], label: string) {
  return { timerFired: (name: TimerName) => log.push(`${label}:${name}`) };
}

void t.test('WaitTimers: one duration fires in start order, one clock timer for the head', (t) => {
  const clock = new ManualClock();
  const waits = new WaitTimers(clock);
  const fired: string[] = [];
  const make = (label: string) => ({ waitFired: (h: number, n: TimerName) => fired.push(`${label}:${n}:${h}`) });
  waits.start(1000, make('a'), 'J');
  clock.advance(10);
  waits.start(1000, make('b'), 'J');
  waits.start(1000, make('c'), 'J');
  t.equal(clock.pending, 1, 'one Clock timer per duration');
  clock.advance(989);
  t.same(fired, []);
  clock.advance(1);
  t.same(fired, ['a:J:0'], 'due at exactly 1000 ms');
  clock.advance(9);
  t.same(fired, ['a:J:0']);
  clock.advance(1);
  t.same(fired, ['a:J:0', 'b:J:1', 'c:J:2'], 'same due time: start order');
  t.equal(clock.pending, 0, 'nothing left: no timer armed');
  t.end();
});

void t.test('WaitTimers: cancel skips a slot; cancelling the last live one disarms', (t) => {
  const clock = new ManualClock();
  const waits = new WaitTimers(clock);
  const fired: string[] = [];
  const make = (label: string) => ({ waitFired: (_h: number, n: TimerName) => fired.push(`${label}:${n}`) });
  const a = waits.start(500, make('a'), 'K');
  waits.start(500, make('b'), 'K');
  const c = waits.start(2000, make('c'), 'D');
  waits.cancel(500, a);
  waits.cancel(500, a);
  clock.advance(500);
  t.same(fired, ['b:K']);
  waits.cancel(2000, c);
  t.equal(clock.pending, 0, 'the D queue is empty and disarmed');
  clock.advance(5000);
  t.same(fired, ['b:K']);
  waits.cancel(2000, 12345);
  waits.cancel(42, 0);
  t.pass('unknown handles and durations are ignored');
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
      waits.start(100, late, 'J');
    },
  };
  waits.start(100, first, 'J');
  clock.advance(50);
  waits.start(100, { waitFired: () => fired.push(['second', clock.now()]) }, 'J');
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
    handles.push(waits.start(1000, o, 'J'));
    clock.advance(1);
  }
  // Half have fired (and were compacted away); cancel one still waiting by its handle.
  waits.cancel(1000, handles[4999]!);
  clock.advance(10000);
  t.equal(count, 4999);
  t.equal(clock.pending, 0);
  t.end();
});

void t.test('WaitTimers.clear cancels everything', (t) => {
  const clock = new ManualClock();
  const waits = new WaitTimers(clock);
  let count = 0;
  waits.start(10, { waitFired: () => count++ }, 'I');
  waits.start(20, { waitFired: () => count++ }, 'J');
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
  const set = new TimerSet(clock, owner(log, 'tx'), waits);
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
  const set = new TimerSet(clock, owner(log, 'tx'));
  set.start('J', 100);
  set.start('J', 200);
  t.equal(clock.pending, 1);
  clock.advance(200);
  t.same(log, ['tx:J']);
  t.end();
});

void t.test(
  'TimerSet batches both slots (a NICT E and F): equal handles of two durations are told apart by name',
  (t) => {
    const clock = new ManualClock();
    const waits = new WaitTimers(clock);
    const log: string[] = [];
    const set = new TimerSet(clock, owner(log, 'tx'), waits);
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
