/**
 * The usual name-addr shape is checked by one regular expression and read
 * without checking a char again; every value must read (or fail) exactly as
 * the general reader reads it. An upper-case URI scheme sends the same text
 * through the general reader, so each case is compared against itself, whole
 * and in place.
 */
import t from 'tap';
import { parseNameAddr } from '@herald/sip';
import type { NameAddr } from '@herald/sip';
import { parseNameAddrIn } from '../../src/message/name-addr.js';
import { octetViews, outcome, uriFields } from './fixtures/outcomes.js';

/** Every field, parameters as entry lists; the URI's `raw` apart (it keeps the scheme as written). */
function fields(na: NameAddr | string): unknown {
  if (typeof na === 'string') return na;
  const u = na.uri;
  return [na.displayName, uriFields(u), [...na.params]];
}

const VALUES = [
  '<sip:alice@192.0.2.10:5060;rinstance=8d1f2e3a4b5c6d7e;transport=UDP>;expires=3600',
  '"Alice" <sip:alice@example.com>;tag=7d9b2c41',
  '"Alice" <sip:alice@example.com>',
  '<sip:bob@example.com>',
  'Bob <sip:bob@example.com>;tag=a6c85cf',
  'Bob<sip:bob@example.com>',
  'Bob  Smith\t <sip:bob@example.com>',
  ' \t<sip:bob@example.com>',
  '"" <sip:bob@example.com>',
  '"A <b> \u00e9" <sip:bob@example.com>',
  '"A \\"q\\"" <sip:bob@example.com>',
  '"Alice"<sip:alice@example.com>;tag=1',
  '"Alice" \t <sip:alice@example.com>;tag=1',
  '"Alice <sip:alice@example.com>',
  'Al"ice <sip:alice@example.com>',
  '<sip:p1.example.com;lr>',
  '<sips:alice@example.com:5061;transport=tls>;+sip.instance=x;reg-id=1;q=0.5',
  '<sip:alice@example.com>;Tag=X;TAG=y',
  '<sip:alice@example.com>;tag=1;expires=60;tag=2',
  '<sip:alice@example.com>;tag',
  '<sip:alice@example.com>;tag=',
  '<sip:alice@example.com>;tag==x',
  '<sip:alice@example.com>;tag="q"',
  '<sip:alice@example.com>;tag=x y',
  '<sip:alice@example.com> ;tag=x',
  '<sip:alice@example.com>;;tag=x',
  '<sip:alice@example.com>;=x',
  '<sip:alice@example.com>;tag=a,b',
  '<sip:alice@example.com>;tag=\u00e9',
  '<sip:alice@example.com>x',
  '<sip:alice@example.com',
  '<sip:alice@example.com>>',
  '< sip:alice@example.com >',
  '<sip:alice@example.com:70000>',
  '<sip:alice@Example.COM>',
  '<sip:alice:pw@example.com>',
  '<sip:alice@example.com?subject=x>',
  '<sip:alice@example.com;p=%41>',
  '<sip:>',
  '<>',
  'sip:alice@example.com;tag=1',
  '<sip:h>;' + Array.from({ length: 16 }, (_, i) => `p${i}=${i}`).join(';'),
  '<sip:h>;' + Array.from({ length: 17 }, (_, i) => `p${i}=${i}`).join(';'),
  '<sip:h;' + Array.from({ length: 17 }, (_, i) => `u${i}`).join(';') + '>;tag=1',
  '<sip:h>;' + Array.from({ length: 12 }, (_, i) => `p${i}=${i}`).join(';'),
  '<sip:a@h;' + Array.from({ length: 12 }, (_, i) => `u${i}=${i}`).join(';') + '>',
  '"A \\\\ b" <sip:bob@example.com>',
  '"A\tb" <sip:bob@example.com>',
  '"a\u0001b" <sip:bob@example.com>',
  '"Alice"',
  '"Alice" ',
  '"Alice" x<sip:alice@example.com>',
  'Alice',
  'Alice <',
  'Alice <sip:alice@example.com',
  '<sip:alice@example.com>;tag=1;',
  '<sip:alice@example.com>;tag=1 ',
  '<sip:alice@example.com>;tag=a\\b',
  '<sip:alice@example.com>;tag=a\u0001b',
  '<sip:alice@example.com>;TAG=X;Expires=60',
  '<sip:alice@EXAMPLE.com;transport=udp>',
  '<sip:alice@example.com:99999>',
  '<sip:alice@example.com:05060>',
  '<sip:alice@example.com:123456>',
  '<sip:198.51.100.1:5060;transport=udp>',
  '<sip:a,b@example.com>',
  '<sip:a;b@example.com;lr>',
  '<sip:a>b@example.com>',
  '<sip:a@b;lr=>',
  '<sip:a@b;=1>',
  '<sip:a@b;;lr>',
  '<sip:a@b;lr;lr=2>',
  '<sips:a@b>',
  '<sipx:a@b>',
  '<sipss:a@b>',
  '<sip:a@b:>',
  '<sip:a@b;p=[1]:2/3&4+5$6>',
  '<si>',
  '<',
  '"',
  '',
];

/** The same value with upper-case URI schemes: never the usual shape, so the general reader. */
function general(v: string): string {
  return v.replace(/sip(s?):/g, 'SIP$1:');
}

t.test('the usual shape reads as the general reader reads it', (t) => {
  for (const v of VALUES)
    t.same(fields(outcome(() => parseNameAddr(v))), fields(outcome(() => parseNameAddr(general(v)))), v);
  const na = parseNameAddr(VALUES[1] as string);
  t.equal(na.displayName, 'Alice');
  t.equal(na.uri.raw, 'sip:alice@example.com');
  t.equal(na.params.get('tag'), '7d9b2c41');
  const contact = parseNameAddr(VALUES[0] as string);
  t.equal(contact.displayName, undefined);
  t.equal(contact.uri.port, 5060);
  t.equal(contact.uri.params.get('transport'), 'UDP');
  t.equal(contact.params.get('expires'), '3600');
  t.equal(parseNameAddr(VALUES[6] as string).displayName, 'Bob  Smith', 'an unquoted name trimmed');
  t.same(
    [...parseNameAddr(VALUES[17] as string).params],
    [['tag', 'y']],
    'a repeated name: its first place, its last value',
  );
  t.end();
});

t.test('in place, the value ends where the caller says', (t) => {
  for (const v of VALUES) {
    const whole = fields(outcome(() => parseNameAddr(v)));
    const text = 'Contact: ' + v + ',<sip:next@example.com>;expires=1\r\nCSeq: 1 REGISTER\r\n';
    t.same(fields(outcome(() => parseNameAddrIn(text, 9, 9 + v.length))), whole, 'before a comma: ' + v);
    const last = 'To: ' + v + '\r\nFrom: <sip:a@b>;tag=1\r\n';
    t.same(fields(outcome(() => parseNameAddrIn(last, 4, 4 + v.length))), whole, 'before CRLF: ' + v);
  }
  t.end();
});

/** {@link fields} and the URI's `raw` (the octet reader slices it itself). */
function fieldsRaw(na: NameAddr | string): unknown {
  return typeof na === 'string' ? na : [fields(na), na.uri.raw];
}

t.test('read from the octets, every value reads (or fails) as from the text', (t) => {
  for (const v of VALUES) {
    const whole = fieldsRaw(outcome(() => parseNameAddr(v)));
    const texts: Array<[string, number]> = [
      [v, 0],
      ['Contact: ' + v + ',<sip:next@example.com>;expires=1\r\nCSeq: 1 REGISTER\r\n', 9],
      ['To: ' + v + '\r\nFrom: <sip:a@b>;tag=1\r\n', 4],
      ['To: ' + v + ' \r\n', 4],
      ['To: ' + v + ';tag=x>\r\n', 4],
      ['To: ' + v + '"\r\n', 4],
    ];
    for (const [text, at] of texts) {
      for (const [bytes, base] of octetViews(text)) {
        t.same(
          fieldsRaw(outcome(() => parseNameAddrIn(text, at, at + v.length, bytes, base))),
          whole,
          `octets at ${base}: ${JSON.stringify(text)}`,
        );
      }
    }
  }
  const na = parseNameAddrIn(
    VALUES[1] as string,
    0,
    (VALUES[1] as string).length,
    ...(octetViews(VALUES[1] as string)[0] ?? []),
  );
  t.equal(na.displayName, 'Alice');
  t.equal(na.params.get('tag'), '7d9b2c41');
  t.end();
});
