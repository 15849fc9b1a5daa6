// RecentMap: a two-generation cache bounded to twice its generation, keeping what is used.
import t from 'tap';
import { RecentMap } from '../../src/notifier/recent.js';

t.test('holds at most two generations; the oldest unused entries go first', async (t) => {
  const cache = new RecentMap<number, string>(3);
  for (let i = 0; i < 10; i++) cache.set(i, `v${i}`);
  t.ok(cache.size <= 6, `size ${cache.size}`);
  t.equal(cache.get(9), 'v9', 'the newest is kept');
  t.equal(cache.get(0), undefined, 'the oldest is gone');
});

t.test('an entry used at least once per generation stays', async (t) => {
  const cache = new RecentMap<string, number>(4);
  cache.set('busy', 1);
  for (let i = 0; i < 40; i++) {
    cache.set(`k${i}`, i);
    if (i % 3 === 0) t.equal(cache.get('busy'), 1);
  }
  t.equal(cache.get('busy'), 1, 'still there after 40 other insertions');
  t.equal(cache.get('k0'), undefined, 'an unused one went');
});

t.test('set replaces a value in either generation; clear empties it', async (t) => {
  const cache = new RecentMap<string, number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('c', 3); // a and b age
  cache.set('a', 10);
  t.equal(cache.get('a'), 10);
  t.equal(cache.size, 3, 'a counted once');
  cache.clear();
  t.equal(cache.size, 0);
  t.equal(cache.get('c'), undefined);
});

t.test('a generation below one is refused', async (t) => {
  t.throws(() => new RecentMap(0), RangeError);
});
