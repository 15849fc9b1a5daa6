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
