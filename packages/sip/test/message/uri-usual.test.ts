/**
 * The usual sip:/sips: URI shape is checked by one regular expression and read
 * without checking a char again; every URI must read (or fail) exactly as the
 * general reader reads it. An upper-case scheme sends the same text through the
 * general reader, so each case is compared against itself, whole and in place
 * inside a larger text (as the message accessors read it).
 */
import t from 'tap';
import { parseUri } from '@herald/sip';
import type { SipUri } from '@herald/sip';
import { parseUriIn } from '../../src/message/uri.js';
import { parseNameAddr } from '@herald/sip';
import { parseNameAddrIn } from '../../src/message/name-addr.js';
import { octetViews, outcome, uriFields } from './fixtures/outcomes.js';

/** Every field, parameters and headers as entry lists; `raw` apart (it keeps the scheme as written). */
function fields(u: SipUri | string): unknown {
  return typeof u === 'string' ? u : uriFields(u);
}

const URIS = [
  'sip:alice@192.0.2.10:5060;rinstance=8d1f2e3a4b5c6d7e;transport=UDP',
  'sip:198.51.100.1:5060;transport=udp',
  'sip:p1.example.com;lr',
  'sips:bob@example.com:5061;transport=tls',
  'sip:alice@example.com',
  'sip:example.com',
  'sip:h:0',
  'sip:h:65535',
  'sip:h:65536',
  'sip:h:00001',
  'sip:h:123456',
  'sip:h:',
  'sip:h;',
  'sip:h;;lr',
  'sip:h;=x',
  'sip:h;p=',
  'sip:h;p=;q',
  'sip:h;p==x',
  'sip:h;p=a=b',
  'sip:h;lr;lr',
  'sip:h;a=1;A=2;b=3',
  'sip:h;Transport=TCP;LR;Maddr=239.255.255.1',
  'sip:h;p=a:b/c[d]&e+f$g',
  'sip:h;p=%41',
  'sip:h;%41=x',
  'sip:h;p=a@b',
  'sip:a;b=c@example.com;user=phone',
  'sip:+1-555;phone-context=x@example.com;user=phone',
  'sip:a?b@example.com',
  'sip:@example.com',
  'sip:alice@',
  'sip:a@b@c',
  'sip:alice:pw@example.com',
  'sip:al%20ice@example.com',
  'sip:Alice@Example.COM',
  'sip:alice@[2001:db8::1]:5060;transport=tcp',
  'sip:alice@example.com?subject=x',
  'sip:alice@example.com;a=1?subject=x&b=2',
  'sip:alice@exa_mple.com',
  'sip:alice@example.com;p=x y',
  'sip:h;' + Array.from({ length: 15 }, (_, i) => `p${i}=${i}`).join(';'),
  'sip:h;' + Array.from({ length: 16 }, (_, i) => `p${i}=${i}`).join(';'),
  'sip:h;' + Array.from({ length: 17 }, (_, i) => `p${i}`).join(';'),
  'sip:h;' + Array.from({ length: 20 }, (_, i) => `p${i % 3}=${i}`).join(';'),
  'sip:h;p=\u00e9',
  'sip:h;' + Array.from({ length: 12 }, (_, i) => `p${i}=${i}`).join(';'),
  'sip:ALICE@example.com;Transport=UDP',
  'sip:alice@EXAMPLE.COM',
  'sip:alice@example.com:99999',
  'sip:alice@example.com:5060;transport=udp;lr;maddr=239.255.255.1;ttl=15;method=INVITE',
  'sip:a,b&c=d+e$f/g?h@example.com',
  'sip:a@b:5060:5061',
  'sip:a@b.c-d.',
  'sips:a@b',
  'sip:',
  'sip:a',
  'sip:a@',
  'sip:a@b;',
  'sip:a@b;p=\u0001',
];

/** The same URI with an upper-case scheme: never the usual shape, so the general reader. */
function general(u: string): string {
  return u.startsWith('sips:') ? 'SIPS:' + u.slice(5) : 'SIP:' + u.slice(4);
}

t.test('the usual shape reads as the general reader reads it', (t) => {
  for (const u of URIS) {
    const usual = outcome(() => parseUri(u));
    t.same(fields(usual), fields(outcome(() => parseUri(general(u)))), u);
    if (typeof usual !== 'string') t.equal(usual.raw, u, 'raw as written: ' + u);
  }
  t.end();
});

t.test('in place, the URI ends where the caller says', (t) => {
  for (const u of URIS) {
    const whole = fields(outcome(() => parseUri(u)));
    // Inside angle brackets, followed by header parameters and the next line.
    const text = 'Contact: <' + u + '>;expires=60;q=0.5\r\nCSeq: 1 REGISTER\r\n';
    const start = text.indexOf('<') + 1;
    t.same(fields(outcome(() => parseUriIn(text, start, start + u.length))), whole, '<' + u + '>');
    // Followed directly by more URI text (an addr-spec cut at its first ';'): only the part up to `end` counts.
    const cut = u.indexOf(';');
    if (cut > 0) {
      const head = u.slice(0, cut);
      t.same(fields(outcome(() => parseUriIn(u, 0, cut))), fields(outcome(() => parseUri(head))), head + ' | ' + u);
    }
  }
  const text = 'x <sip:alice@192.0.2.10:5060;transport=UDP>;tag=1';
  const uri = parseUriIn(text, 3, text.indexOf('>'));
  t.equal(uri.raw, 'sip:alice@192.0.2.10:5060;transport=UDP');
  t.equal(uri.user, 'alice');
  t.equal(uri.port, 5060);
  t.same([...uri.params], [['transport', 'UDP']]);
  t.end();
});

t.test('shared names and exactly sized parameter lists', (t) => {
  const uri = parseUri('sip:h;Transport=TCP;lr;RINSTANCE=1;x-Custom=Y');
  t.same([...uri.params.keys()], ['transport', 'lr', 'rinstance', 'x-custom'], 'names lower-cased, values as written');
  t.equal(uri.params.get('x-custom'), 'Y');
  const repeated = parseUri('sip:h;a=1;b=2;A=3');
  t.same(
    [...repeated.params],
    [
      ['a', '3'],
      ['b', '2'],
    ],
    'a repeated name: its first place, its last value',
  );
  const many = parseUri('sip:h;' + Array.from({ length: 40 }, (_, i) => `p${i}=${i}`).join(';') + ';p0=last');
  t.equal(many.params.size, 40);
  t.equal(many.params.get('p0'), 'last');
  t.equal(many.params.get('p39'), '39');
  t.end();
});

t.test('read from the octets inside a name-addr, every URI reads (or fails) as from the text', (t) => {
  for (const u of URIS) {
    for (const v of ['<' + u + '>', '"A" <' + u + '>;expires=60', '<' + u + '>;tag=1']) {
      const read = (na: unknown): unknown =>
        typeof na === 'string' ? na : [fields((na as { uri: SipUri }).uri), (na as { uri: SipUri }).uri.raw];
      const whole = read(outcome(() => parseNameAddr(v)));
      const text = 'Contact: ' + v + '\r\nCSeq: 1 REGISTER\r\n';
      for (const [bytes, base] of octetViews(text)) {
        t.same(
          read(outcome(() => parseNameAddrIn(text, 9, 9 + v.length, bytes, base))),
          whole,
          `octets at ${base}: ${v}`,
        );
      }
    }
  }
  t.end();
});
