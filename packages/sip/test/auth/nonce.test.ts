import t from 'tap';
import { createHmac } from 'node:crypto';
import { NonceCountTracker, checkNonce, mintNonce } from '../../src/auth/index.js';

const key = { secret: Buffer.from('s3cret'), realm: 'example.test' };

void t.test('mint/check: layout, fresh, stale after lifetime, future stamp stale', (t) => {
  const random = Buffer.from('0123456789abcdef', 'hex');
  const nonce = mintNonce(key, 1_000_000.7, random);
  t.match(nonce, /^[A-Za-z0-9_-]{43}$/, '32 bytes base64url');
  const raw = Buffer.from(nonce, 'base64url');
  t.equal(Number(raw.readBigInt64BE(0)), 1_000_000, 'timestamp in ms, floored');
  t.same(raw.subarray(8, 16), random, 'random part');
  const mac = createHmac('sha256', key.secret)
    .update(raw.subarray(0, 16))
    .update('example.test')
    .digest()
    .subarray(0, 16);
  t.same(raw.subarray(16), mac, 'HMAC-SHA256(secret, ts||random||realm), first 16 bytes');

  t.same(checkNonce(nonce, key, 1_000_000, 300_000), { status: 'fresh', issuedAt: 1_000_000 });
  t.same(
    checkNonce(nonce, key, 1_300_000, 300_000),
    { status: 'fresh', issuedAt: 1_000_000 },
    'exactly at lifetime still fresh',
  );
  t.same(checkNonce(nonce, key, 1_300_001, 300_000), { status: 'stale', issuedAt: 1_000_000 });
  t.same(
    checkNonce(nonce, key, 5_000, 300_000),
    { status: 'stale', issuedAt: 1_000_000 },
    'from the future: clock epoch moved',
  );
  t.not(mintNonce(key, 0), mintNonce(key, 0), 'random part differs');
  t.end();
});

void t.test('check: tampered, other secret, other realm, malformed are invalid (not stale)', (t) => {
  const nonce = mintNonce(key, 10);
  const raw = Buffer.from(nonce, 'base64url');
  raw.writeBigInt64BE(20n, 0); // push the timestamp: the MAC no longer matches
  t.same(checkNonce(raw.toString('base64url'), key, 30, 300_000), {
    status: 'invalid',
    reason: 'nonce not issued here',
  });
  t.equal(checkNonce(nonce, { ...key, secret: Buffer.from('other') }, 10, 300_000).status, 'invalid');
  t.equal(checkNonce(nonce, { ...key, realm: 'other.test' }, 10, 300_000).status, 'invalid');
  t.equal(checkNonce('short', key, 10, 300_000).status, 'invalid');
  t.equal(checkNonce(`${nonce.slice(0, -1)}=`, key, 10, 300_000).status, 'invalid');
  t.equal(checkNonce('f84f1cec41e6cbe5aea9c8e88d359', key, 10, 300_000).status, 'invalid');
  t.end();
});

void t.test('nonce counts: increase accepted, replay rejected, reordering inside the window accepted once', (t) => {
  const tr = new NonceCountTracker({ lifetimeMs: 1000 });
  t.ok(tr.accept('n', 0, 1, 0));
  t.notOk(tr.accept('n', 0, 1, 0), 'same nc again is a replay');
  t.ok(tr.accept('n', 0, 2, 0));
  t.ok(tr.accept('n', 0, 5, 0), 'gaps allowed');
  t.ok(tr.accept('n', 0, 4, 0), 'late arrival inside the window');
  t.notOk(tr.accept('n', 0, 4, 0), 'but only once');
  t.ok(tr.accept('n', 0, 3, 0));
  t.notOk(tr.accept('n', 0, 2, 0));
  t.ok(tr.accept('n', 0, 40, 0), 'big jump');
  t.notOk(tr.accept('n', 0, 8, 0), 'older than the window');
  t.ok(tr.accept('n', 0, 9, 0), 'just inside the window (40 - 31)');
  t.ok(tr.accept('other', 0, 1, 0), 'counts are per nonce');
  t.end();
});

void t.test('nonce counts: bounded; expired entries swept first, evicted nonces cannot be replayed', (t) => {
  const tr = new NonceCountTracker({ lifetimeMs: 100, maxEntries: 3 });
  t.ok(tr.accept('a', 0, 1, 0));
  t.ok(tr.accept('b', 50, 1, 50));
  t.ok(tr.accept('c', 60, 1, 60));
  t.ok(tr.accept('d', 150, 1, 150), 'room made by sweeping a (expired at 150)');
  t.equal(tr.size, 3);
  t.ok(tr.accept('e', 160, 1, 160), 'b is past its lifetime too');
  t.same(
    [tr.size, tr.accept('b', 50, 2, 160)],
    [3, true],
    'a swept nonce is no longer tracked (checkNonce calls it stale first)',
  );

  const live = new NonceCountTracker({ lifetimeMs: 1000, maxEntries: 3 });
  t.ok(live.accept('a', 0, 1, 0));
  t.ok(live.accept('b', 1, 1, 1));
  t.ok(live.accept('c', 2, 1, 2));
  t.ok(live.accept('d', 3, 1, 3), 'full of live nonces: the oldest goes');
  t.equal(live.size, 3);
  t.notOk(live.accept('a', 0, 2, 3), 'an evicted nonce is refused even with a higher count');
  t.notOk(live.accept('x', 0, 1, 3), 'so is any untracked nonce issued before the watermark');
  t.ok(live.accept('b', 1, 2, 3), 'tracked nonces carry on');
  t.ok(live.accept('y', 4, 1, 4), 'newer nonces are fine');
  t.end();
});
