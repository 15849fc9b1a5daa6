/**
 * The one-pass readers of the usual Via and sip:/sips: URI shapes must give
 * exactly what the general readers give (and fail the same way). A leading
 * space (Via) or an upper-case scheme (URI) sends the same text through the
 * general reader, so each case is compared against itself.
 */
import t from 'tap';
import { parseNameAddr, parseUri, parseVia } from '@herald/sip';
import type { SipUri } from '@herald/sip';
import { outcome, uriFields } from './fixtures/outcomes.js';

const VIAS = [
  'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---a8d2c1b5e0f3;rport',
  'SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK776asdhds;received=192.0.2.10;rport=5060',
  'SIP/2.0/TCP Host.Example.COM;branch=z9hG4bK1;maddr=224.2.0.1;ttl=16',
  'SIP/2.0/tls h:5061;branch=z9hG4bKx;x-flag;other=1',
  'SIP/2.0/SCTP h',
  'SIP/2.0/UDP h;rport;received=192.0.2.1;branch=',
  'SIP/2.0/UDP h;branch=a;branch=b',
  'SIP/2.0/UDP h;Branch=z9hG4bKupper',
  'SIP/2.0/UDP h;branch="quoted"',
  'SIP/2.0/UDP h;rport=abc',
  'SIP/2.0/UDP h;rport=70000',
  'SIP/2.0/UDP h;ttl',
  'SIP/2.0/UDP h;ttl=256',
  'SIP/2.0/UDP h:99999',
  'SIP/2.0/UDP h:',
  'SIP/2.0/UDP h;;branch=x',
  'SIP/2.0/UDP h;rport=abc;=x',
  'SIP/2.0/UDP h;branch=x,',
  'SIP/2.0/UDP h ;branch=x',
  'SIP/2.0/UDP  h;branch=x',
  'SIP/2.0/UDP [2001:db8::1]:5060;branch=x',
  'SIP/2.0/UDP h;' + Array.from({ length: 20 }, (_, i) => `p${i}=${i}`).join(';'),
];

t.test('Via: the usual shape reads as the general reader reads it', (t) => {
  for (const v of VIAS) {
    t.same(
      outcome(() => parseVia(v)),
      outcome(() => parseVia(' ' + v)),
      v,
    );
  }
  const via = parseVia(VIAS[1] as string);
  t.equal(via.branch, 'z9hG4bK776asdhds');
  t.equal(via.received, '192.0.2.10');
  t.equal(via.rport, 5060);
  t.same([...via.params.keys()], ['branch', 'received', 'rport']);
  t.equal(parseVia(VIAS[0] as string).rport, true);
  t.equal(parseVia(VIAS[2] as string).host, 'host.example.com', 'host lower-cased');
  t.equal(parseVia(VIAS[2] as string).ttl, 16);
  t.equal(parseVia(VIAS[3] as string).transport, 'TLS');
  t.equal(parseVia(VIAS[6] as string).branch, 'b', 'a repeated name: the last value, in the first place');
  t.equal(parseVia(VIAS[7] as string).branch, 'z9hG4bKupper', 'names are case-insensitive');
  t.equal(parseVia(VIAS[8] as string).branch, 'quoted');
  t.end();
});

/** A URI's fields except `raw` (which keeps the scheme as written). */
function fields(u: SipUri | string): unknown {
  return typeof u === 'string' ? u : uriFields(u);
}

const URIS = [
  'sip:alice@example.com',
  'sip:alice@192.0.2.10:5060;rinstance=8d1f2e3a4b5c6d7e;transport=UDP',
  'sip:198.51.100.1:5060;transport=udp',
  'sip:p1.example.com;lr',
  'sips:bob@Example.COM:5061',
  'sip:+1-555;phone=x@example.com;user=phone',
  'sip:alice:secret@example.com',
  'sip:al%20ice@example.com',
  'sip:alice@example.com?subject=x',
  'sip:alice@example.com;a=1?subject=x',
  'sip:alice@[2001:db8::1]:5060',
  'sip:@example.com',
  'sip:alice@',
  'sip:alice@example.com:',
  'sip:alice@example.com:123456',
  'sip:alice@example.com;',
  'sip:alice@example.com;p=%41',
  'sip:alice@example.com;p=a=b',
  'sip:alice@example.com;P=Mixed;p=second',
  'sip:example.com@',
  'sip:a@b@c',
];

t.test('sip:/sips: URIs: the usual shape reads as the general reader reads it', (t) => {
  for (const u of URIS) {
    const upper = u.startsWith('sips:') ? 'SIPS:' + u.slice(5) : 'SIP:' + u.slice(4);
    const fast = outcome(() => parseUri(u));
    t.same(fields(fast), fields(outcome(() => parseUri(upper))), u);
    if (typeof fast !== 'string') t.equal(fast.raw, u, 'raw as written');
  }
  const contact = parseUri(URIS[1] as string);
  t.equal(contact.user, 'alice');
  t.equal(contact.port, 5060);
  t.equal(contact.params.get('transport'), 'UDP');
  t.equal(parseUri(URIS[2] as string).user, undefined, 'no user');
  t.equal(parseUri(URIS[4] as string).host, 'example.com', 'host lower-cased');
  t.equal(parseUri(URIS[5] as string).user, '+1-555;phone=x', 'user-unreserved chars stay in the user');
  t.end();
});

t.test('name-addr: the URI inside angle brackets, in place, as the general reader', (t) => {
  const na = parseNameAddr('"Alice" <sip:alice@example.com:5060;transport=tcp>;tag=7d9b2c41');
  t.equal(na.displayName, 'Alice');
  t.equal(na.uri.host, 'example.com');
  t.equal(na.uri.port, 5060);
  t.equal(na.uri.raw, 'sip:alice@example.com:5060;transport=tcp');
  t.equal(na.params.get('tag'), '7d9b2c41');
  t.same(
    fields(parseNameAddr('<sip:a@b.example;lr>').uri),
    fields(parseNameAddr('<SIP:a@b.example;lr>').uri),
    'fast and general URI readers agree inside a name-addr',
  );
  t.end();
});
