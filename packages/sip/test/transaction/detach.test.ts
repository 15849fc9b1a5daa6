import t from 'tap';
import { detach, internMethod } from '../../src/transaction/keys.js';

void t.test('detach returns an equal string for short, latin1 and wider text', (t) => {
  const head = 'Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-a-very-long-branch-value\r\n';
  const cut = head.slice(5, 60);
  t.equal(detach(cut), cut);
  t.equal(detach('short'), 'short');
  const wide = `${'caf\u00e9-'.repeat(4)}\u2603\u{1F600}${'x'.repeat(20)}`;
  t.equal(detach(wide), wide, 'non-latin1 code units survive (no latin1 round trip)');
  const lone = `${'y'.repeat(20)}\ud800`;
  t.equal(detach(lone), lone, 'even a lone surrogate');
  t.end();
});

void t.test('internMethod maps known methods to shared constants and keeps others', (t) => {
  const parsed = 'XSUBSCRIBE'.slice(1);
  t.equal(internMethod(parsed), 'SUBSCRIBE');
  t.equal(internMethod('FOO'), 'FOO');
  t.equal(internMethod('subscribe'), 'subscribe', 'methods are case-sensitive (RFC 3261 §7.1)');
  t.end();
});
