/**
 * The parser reads the top Via, From and To while it checks them. What the
 * accessors return must not depend on that: the same values as reading the
 * header text on its own, an error (400) on first use when a value passes
 * the parser's shape check but not the full grammar, and fresh values after
 * the header changes.
 */
import t from 'tap';
import { SipParseError, parseMessage, parseNameAddr, parseVia } from '@herald/sip';
import type { SipRequest } from '@herald/sip';

function request(lines: Record<string, string>): SipRequest {
  const head = Object.entries(lines)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const m = parseMessage(`OPTIONS sip:bob@example.com SIP/2.0\r\n${head}Content-Length: 0\r\n\r\n`);
  if (m.kind !== 'request') throw new Error('expected a request');
  return m;
}

const BASE = {
  Via: 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1;rport',
  From: '"Alice" <sip:alice@example.com>;tag=a1',
  To: '<sip:bob@example.com>',
  'Call-ID': 'c1@example.com',
  CSeq: '1 OPTIONS',
};

t.test('the values read while parsing equal the values read from the text alone', async (t) => {
  const vias = [
    'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1;rport',
    'SIP/2.0/TCP h.example.com;branch=z9hG4bK2;received=192.0.2.1',
    'SIP/2.0/udp h;branch=z9hG4bK3',
    'SIP / 2.0 / UDP h ; branch=z9hG4bK4',
  ];
  for (const via of vias) {
    const m = request({ ...BASE, Via: via });
    t.same(m.topVia, parseVia(via), via);
    t.equal(m.topVia, m.topVia, 'read once, then cached');
  }
  const addresses = [
    '"Alice" <sip:alice@example.com>;tag=a1',
    'sip:alice@example.com;tag=a2',
    'Alice <sips:Alice@Example.COM:5061;transport=tls>;tag=a3;x=y',
    '<tel:+15551234567>;tag=a4',
  ];
  for (const a of addresses) {
    const m = request({ ...BASE, From: a, To: a });
    t.same(m.from, parseNameAddr(a), 'From ' + a);
    t.same(m.to, parseNameAddr(a), 'To ' + a);
  }
});

t.test('a value that passes the shape check but not the grammar fails on first use', async (t) => {
  // Balanced quotes and angle brackets (the parser's check) around a URI that is not one.
  const m = request({ ...BASE, From: '<sip:alice@exa mple.com>;tag=a1', To: '<sip:bob@>' });
  t.throws(() => m.from, new SipParseError('Malformed From header', 400));
  t.throws(() => m.to, new SipParseError('Malformed To header', 400));
  const v = request({ ...BASE, Via: 'SIP/2.0/UDP h;rport=abc' });
  t.throws(() => v.topVia, new SipParseError('Malformed Via header', 400));
  t.equal(v.callId, 'c1@example.com', 'the other accessors still work');
});

t.test('a changed header is read again', async (t) => {
  const m = request(BASE);
  t.equal(m.from?.params.get('tag'), 'a1');
  t.equal(m.topVia?.branch, 'z9hG4bK-1');
  m.headers.set('From', '<sip:carol@example.com>;tag=c9');
  t.equal(m.from?.uri.user, 'carol');
  t.equal(m.from?.params.get('tag'), 'c9');
  m.headers.prepend('Via', 'SIP/2.0/TCP proxy.example.com;branch=z9hG4bKtop');
  t.equal(m.topVia?.branch, 'z9hG4bKtop');
  t.equal(m.topVia?.transport, 'TCP');
  m.headers.delete('To');
  t.equal(m.to, undefined);
});

t.test('the Via transport names are shared spellings, upper-cased', async (t) => {
  for (const [written, read] of [
    ['UDP', 'UDP'],
    ['udp', 'UDP'],
    ['TCP', 'TCP'],
    ['tls', 'TLS'],
    ['UCP', 'UCP'],
    ['ws', 'WS'],
  ]) {
    t.equal(request({ ...BASE, Via: `SIP/2.0/${written} h;branch=z9hG4bK1` }).topVia?.transport, read, written);
  }
});
