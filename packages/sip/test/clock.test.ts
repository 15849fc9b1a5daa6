import t from 'tap';
import { ManualClock } from '@herald/sip';

t.test('ManualClock fires timers in due order and honours cancel', (t) => {
  const clock = new ManualClock();
  const fired: string[] = [];
  clock.setTimer(500, () => fired.push('b'));
  clock.setTimer(100, () => fired.push('a'));
  const cancel = clock.setTimer(200, () => fired.push('x'));
  clock.setTimer(500, () => fired.push('c'));
  cancel();
  clock.advance(99);
  t.same(fired, []);
  t.equal(clock.now(), 99);
  clock.advance(1);
  t.same(fired, ['a']);
  clock.advance(1000);
  t.same(fired, ['a', 'b', 'c']);
  t.equal(clock.now(), 1100);
  t.equal(clock.pending, 0);
  t.end();
});

t.test('timers set from a firing timer fire within the same advance', (t) => {
  const clock = new ManualClock();
  const at: number[] = [];
  clock.setTimer(10, () => {
    at.push(clock.now());
    clock.setTimer(10, () => at.push(clock.now()));
  });
  clock.advance(100);
  t.same(at, [10, 20]);
  t.end();
});
