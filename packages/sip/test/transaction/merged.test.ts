import t from 'tap';
import { HashIndex, hashKey } from '../../src/transaction/merged.js';
import type { ServerTransaction } from '../../src/transaction/server-transaction.js';

/** Just what the index reads of a transaction. */
function stub(mergeKey: string, state = 'completed'): ServerTransaction {
  return { mergeKey, state } as unknown as ServerTransaction;
}

void t.test('hashKey: a small non-negative integer, stable, spreads similar keys', (t) => {
  const a = hashKey('tag\u0000call-1@host\u00001\u0000SUBSCRIBE');
  t.equal(a, hashKey('tag\u0000call-1@host\u00001\u0000SUBSCRIBE'));
  t.ok(Number.isInteger(a) && a >= 0 && a < 2 ** 30, 'fits a small integer');
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) seen.add(hashKey(`tag\u0000call-${i}@host\u00001\u0000REGISTER`));
  t.equal(seen.size, 1000, 'no collisions among 1,000 neighbouring keys');
  t.end();
});

/** As the layer's merged-request index: only ongoing transactions count (§8.2.2.2). */
const mergedIndex = (): HashIndex => new HashIndex((tx, key) => tx.state !== 'terminated' && tx.mergeKey === key);

void t.test('HashIndex: a hash hit is confirmed by the key; shared hashes keep a list (§8.2.2.2)', (t) => {
  const index = mergedIndex();
  const a = stub('k-a');
  const b = stub('k-b');
  const c = stub('k-c');
  index.add(7, a);
  t.equal(index.find(7, 'k-a'), a);
  t.equal(index.find(7, 'k-b'), undefined, 'same hash, another key: no match');
  t.equal(index.find(8, 'k-a'), undefined);
  index.add(7, b);
  index.add(7, c);
  t.same(index.values(), [a, b, c]);
  t.equal(index.find(7, 'k-b'), b, 'found in the shared list');
  t.equal(index.find(7, 'k-c'), c);
  index.delete(7, b);
  t.equal(index.find(7, 'k-b'), undefined);
  t.equal(index.find(7, 'k-a'), a);
  index.delete(7, stub('k-a'));
  t.equal(index.find(7, 'k-a'), a, 'deleting another object with the same key leaves it');
  index.delete(7, a);
  t.equal(index.find(7, 'k-c'), c, 'back to one entry');
  index.delete(7, c);
  t.equal(index.find(7, 'k-c'), undefined);
  index.delete(7, c);
  t.pass('deleting what is not there is a no-op');
  t.end();
});

void t.test('HashIndex: a terminated transaction never matches the merged index; clear forgets all', (t) => {
  const index = mergedIndex();
  const done = stub('k', 'terminated');
  index.add(1, done);
  t.equal(index.find(1, 'k'), undefined);
  const live = stub('k', 'trying');
  index.add(1, live);
  t.equal(index.find(1, 'k'), live);
  index.clear();
  t.equal(index.find(1, 'k'), undefined);
  t.same(index.values(), []);
  t.end();
});

/** Just a key, for the table tests: the index confirms by `key`. */
function keyed(key: string): ServerTransaction {
  return { key, hasKey: (k: string) => k === key } as unknown as ServerTransaction;
}

void t.test('HashIndex: against a reference model through growth, shrinking, shared hashes and wrap-around', (t) => {
  const index = new HashIndex((tx, key) => tx.hasKey(key));
  const model = new Map<number, ServerTransaction[]>();
  let seed = 12345;
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  // Few distinct hashes near the top of the slot range (runs wrap around the end), some shared by several keys.
  const hashOf = (k: number): number => (k % 7 === 0 ? 63 : k % 5 === 0 ? 1 : (k * 2654435761) & 0x3fffffff);
  const live: Array<{ hash: number; tx: ServerTransaction; key: string }> = [];
  let next = 0;
  let mismatches = 0;
  const check = (): void => {
    for (const { hash, key } of live) {
      const expected = (model.get(hash) ?? []).find((x) => x.hasKey(key));
      if (index.find(hash, key) !== expected) mismatches++;
    }
    if (index.find(63, 'absent') !== undefined || index.find(hashOf(999_999), 'absent') !== undefined) mismatches++;
  };
  for (let step = 0; step < 6000; step++) {
    // Grow to ~2,000 entries, then drain to zero (shrinking), with deletions all along.
    const adding = step < 3000 ? random(3) !== 0 : random(3) === 0;
    if (adding || live.length === 0) {
      const k = next++;
      const key = `key-${k % 3 === 0 ? k - 1 : k}`; // some keys twice: the first added is found
      const entry = { hash: hashOf(k), tx: keyed(key), key };
      index.add(entry.hash, entry.tx);
      model.set(entry.hash, [...(model.get(entry.hash) ?? []), entry.tx]);
      live.push(entry);
    } else {
      const [gone] = live.splice(random(live.length), 1);
      if (!gone) continue;
      index.delete(gone.hash, gone.tx);
      const rest = (model.get(gone.hash) ?? []).filter((x) => x !== gone.tx);
      if (rest.length > 0) model.set(gone.hash, rest);
      else model.delete(gone.hash);
    }
    if (step % 250 === 0) check();
  }
  while (live.length > 0) {
    const gone = live.pop();
    if (gone) index.delete(gone.hash, gone.tx);
  }
  check();
  t.equal(mismatches, 0, 'every lookup as the model says');
  t.equal(index.size, 0);
  t.same(index.values(), []);
  index.delete(63, keyed('nothing'));
  t.equal(index.size, 0, 'deleting from an empty index is a no-op');
  t.end();
});

void t.test('HashIndex: same-hash entries keep their order across a resize', (t) => {
  const index = new HashIndex((tx, key) => tx.hasKey(key));
  const first = keyed('same');
  const second = keyed('same');
  index.add(62, first);
  index.add(62, second);
  for (let i = 0; i < 200; i++) index.add(1000 + i, keyed(`other-${i}`));
  t.equal(index.find(62, 'same'), first, 'the first added still wins after growing');
  index.delete(62, first);
  t.equal(index.find(62, 'same'), second);
  t.equal(index.size, 201);
  t.end();
});
