import t from 'tap';
import { ManualClock } from '@herald/sip';
import { ExpiryScheduler } from '../../src/notifier/expiry.js';

interface Item {
  name: string;
  expirySlot: number;
}

const item = (name: string): Item => ({ name, expirySlot: -1 });

function setup(): { clock: ManualClock; fired: string[]; at: Array<[string, number]>; q: ExpiryScheduler<Item> } {
  const clock = new ManualClock(1000);
  const fired: string[] = [];
  const at: Array<[string, number]> = [];
  const q = new ExpiryScheduler<Item>(clock, (i) => {
    fired.push(i.name);
    at.push([i.name, clock.now()]);
  });
  return { clock, fired, at, q };
}

t.test('fires each item exactly at its instant, in order, on one timer', async (t) => {
  const { clock, at, q } = setup();
  const names = ['e', 'b', 'd', 'a', 'c'];
  for (const [k, n] of names.entries()) q.schedule(item(n), 1000 + [5000, 2000, 4000, 1000, 3000][k]);
  t.equal(clock.pending, 1, 'one clock timer for five items');
  t.equal(q.size, 5);
  clock.advance(999);
  t.same(at, []);
  clock.advance(1);
  t.same(at, [['a', 2000]]);
  clock.advance(10_000);
  t.same(at, [
    ['a', 2000],
    ['b', 3000],
    ['c', 4000],
    ['d', 5000],
    ['e', 6000],
  ]);
  t.equal(q.size, 0);
  t.equal(clock.pending, 0, 'no timer left once the queue is empty');
});

t.test('equal instants fire in scheduling order', async (t) => {
  const { clock, fired, q } = setup();
  for (const n of ['x', 'y', 'z', 'w']) q.schedule(item(n), 1500);
  clock.advance(500);
  t.same(fired, ['x', 'y', 'z', 'w']);
});

t.test('rescheduling moves an item; cancel forgets it', async (t) => {
  const { clock, at, q } = setup();
  const a = item('a');
  const b = item('b');
  const c = item('c');
  q.schedule(a, 2000);
  q.schedule(b, 3000);
  q.schedule(c, 4000);
  q.schedule(a, 5000); // a refresh
  q.cancel(b); // an unsubscribe
  q.cancel(b);
  t.equal(b.expirySlot, -1);
  t.equal(q.size, 2);
  clock.advance(10_000);
  t.same(at, [
    ['c', 4000],
    ['a', 5000],
  ]);
});

t.test('an earlier item re-arms the timer; cancelling the last one stops it', async (t) => {
  const { clock, at, q } = setup();
  const late = item('late');
  q.schedule(late, 9000);
  q.schedule(item('early'), 1200);
  clock.advance(200);
  t.same(at, [['early', 1200]]);
  q.cancel(late);
  t.equal(clock.pending, 0);
  q.schedule(item('past'), 500);
  clock.advance(0);
  t.same(at[1], ['past', 1200], 'an instant already passed fires on the next tick');
});

t.test('items scheduled while firing wait for their own turn; clear forgets all', async (t) => {
  const clock = new ManualClock(0);
  const fired: Array<[string, number]> = [];
  const q: ExpiryScheduler<Item> = new ExpiryScheduler<Item>(clock, (i) => {
    fired.push([i.name, clock.now()]);
    if (i.name === 'a') q.schedule(item('a2'), clock.now() + 100);
    if (i.name === 'b') q.cancel(c);
  });
  const c = item('c');
  q.schedule(item('a'), 100);
  q.schedule(item('b'), 100);
  q.schedule(c, 150);
  clock.advance(300);
  t.same(fired, [
    ['a', 100],
    ['b', 100],
    ['a2', 200],
  ]);
  const many = Array.from({ length: 50 }, (_, i) => item(`m${i}`));
  for (const [i, m] of many.entries()) q.schedule(m, 1000 + ((i * 37) % 50));
  q.clear();
  t.equal(q.size, 0);
  t.ok(many.every((m) => m.expirySlot === -1));
  t.equal(clock.pending, 0);
  clock.advance(5000);
  t.equal(fired.length, 3);
});

t.test('a heap of many items with random reschedules fires in (instant, scheduling) order', async (t) => {
  const { clock, at, q } = setup();
  let seed = 7;
  const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const items = Array.from({ length: 300 }, (_, i) => item(`i${i}`));
  const due = new Map<Item, number>();
  for (let round = 0; round < 3; round++) {
    for (const it of items) {
      if (rand(4) === 0) {
        q.cancel(it);
        due.delete(it);
      } else {
        const when = 2000 + rand(100) * 10;
        q.schedule(it, when);
        due.set(it, when);
      }
    }
  }
  clock.advance(5000);
  t.equal(at.length, due.size);
  const times = at.map(([, when]) => when);
  t.same(
    times,
    [...times].sort((a, b) => a - b),
    'non-decreasing instants',
  );
  for (const [name, when] of at) {
    const it = items.find((i) => i.name === name);
    t.equal(when, it ? due.get(it) : -1);
  }
});
