// Per-source token buckets on a manual clock: burst, sustained rate, Retry-After, first-refusal flag, sweeping.
import t from 'tap';
import { ManualClock } from '@herald/sip';
import { OVERFLOW_SOURCE, TokenBuckets } from '../../src/limits/token-bucket.js';

t.test('a burst passes, the next request waits for a token', (t) => {
  const clock = new ManualClock(0);
  const b = new TokenBuckets({ clock, rate: 2, burst: 3 });
  for (let i = 0; i < 3; i++) t.same(b.take('10.0.0.1'), { ok: true }, `burst request ${i + 1}`);
  t.same(b.take('10.0.0.1'), { ok: false, retryAfter: 1, first: true }, 'empty: refused, one token in 0.5 s → 1 s');
  t.same(b.take('10.0.0.1'), { ok: false, retryAfter: 1, first: false }, 'still refused, not the first refusal');
  t.same(b.take('10.0.0.2'), { ok: true }, 'another source has its own bucket');
  clock.advance(499);
  t.equal(b.take('10.0.0.1').ok, false, 'just under half a second: no token yet');
  clock.advance(1);
  t.same(b.take('10.0.0.1'), { ok: true }, 'half a second at 2/s: one token');
  t.equal(b.take('10.0.0.1').ok, false);
  t.end();
});

t.test('sustained rate: one request per token interval passes forever', (t) => {
  const clock = new ManualClock(0);
  const b = new TokenBuckets({ clock, rate: 10, burst: 1 });
  let passed = 0;
  for (let i = 0; i < 100; i++) {
    if (b.take('s').ok) passed++;
    t.equal(b.take('s').ok, false, 'a second request in the same instant is refused');
    clock.advance(100);
  }
  t.equal(passed, 100);
  t.end();
});

t.test('Retry-After is the whole seconds until the next token', (t) => {
  const clock = new ManualClock(0);
  const b = new TokenBuckets({ clock, rate: 0.25, burst: 1 });
  t.ok(b.take('s').ok);
  t.same(b.take('s'), { ok: false, retryAfter: 4, first: true }, '0.25/s: 4 s');
  clock.advance(2500);
  t.same(b.take('s'), { ok: false, retryAfter: 2, first: false }, '1.5 s left: 2');
  clock.advance(1500);
  t.ok(b.take('s').ok);
  t.same(b.take('s'), { ok: false, retryAfter: 4, first: true }, 'allowed in between: a new episode');
  t.end();
});

t.test('refilled buckets are swept a few per take; the map does not grow with idle sources', (t) => {
  const clock = new ManualClock(0);
  const b = new TokenBuckets({ clock, rate: 100, burst: 100 });
  for (let i = 0; i < 500; i++) b.take(`10.0.${i >> 8}.${i & 255}`);
  t.equal(b.size, 500);
  clock.advance(1000);
  b.take('192.0.2.1');
  t.ok(b.size <= 499, 'one take swept some');
  for (let i = 0; i < 260; i++) b.take('192.0.2.1');
  t.equal(b.size, 1, 'within size / 2 takes every full bucket is gone; the busy one stays');
  t.end();
});

t.test('a flood of one-shot sources keeps the map near those of the last token interval', (t) => {
  const clock = new ManualClock(0);
  const b = new TokenBuckets({ clock, rate: 10, burst: 10 });
  let peak = 0;
  for (let i = 0; i < 20_000; i++) {
    b.take(`s${i}`); // a new source every 1 ms, each sending once
    clock.advance(1);
    peak = Math.max(peak, b.size);
  }
  // One request leaves a bucket one token short: full again 100 ms later, so ~100 live sources plus sweep lag.
  t.ok(peak <= 300, `peak ${peak} sources tracked`);
  t.end();
});

t.test('a bucket still refilling survives the sweep (its debt is kept)', (t) => {
  const clock = new ManualClock(0);
  const b = new TokenBuckets({ clock, rate: 1, burst: 5 });
  for (let i = 0; i < 5; i++) t.ok(b.take('busy').ok);
  clock.advance(1000);
  b.sweep();
  t.equal(b.size, 1, 'one token back of five: kept');
  t.ok(b.take('busy').ok, 'the refilled token');
  t.equal(b.take('busy').ok, false, 'and no more');
  clock.advance(5000);
  b.sweep();
  t.equal(b.size, 0, 'full again: dropped');
  t.end();
});

t.test('past maxSources, new sources share one overflow bucket', (t) => {
  const clock = new ManualClock(0);
  const b = new TokenBuckets({ clock, rate: 1, burst: 1, maxSources: 2 });
  t.ok(b.take('a').ok);
  t.ok(b.take('b').ok);
  t.ok(b.take('c').ok, 'first new source past the cap: the overflow bucket');
  t.equal(b.take('d').ok, false, 'another new source: same (now empty) overflow bucket');
  t.equal(b.size, 3, 'a, b and the overflow bucket');
  t.equal(b.take(OVERFLOW_SOURCE).ok, false);
  t.end();
});

t.test('a wall clock stepping back neither refills nor drains', (t) => {
  let now = 10_000;
  const b = new TokenBuckets({ clock: { now: () => now }, rate: 1, burst: 2 });
  t.ok(b.take('s').ok);
  now = 5_000;
  t.ok(b.take('s').ok, 'the second burst token is still there');
  t.equal(b.take('s').ok, false, 'and no tokens were created by the jump');
  now = 6_000;
  t.ok(b.take('s').ok, 'refill resumes from the new time');
  t.end();
});

t.test('bad settings throw (programmer error)', (t) => {
  const clock = new ManualClock(0);
  t.throws(() => new TokenBuckets({ clock, rate: 0, burst: 1 }), RangeError);
  t.throws(() => new TokenBuckets({ clock, rate: 1, burst: 0 }), RangeError);
  t.end();
});
