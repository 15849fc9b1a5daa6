/**
 * The usual Via shape is checked by one regular expression and read without
 * checking a char again; every Via must read (or fail) exactly as the general
 * reader reads it. A leading space sends the same text through the general
 * reader, so each case is compared against itself, whole and in place.
 */
import t from 'tap';
import { parseVia } from '@herald/sip';
import { parseViaIn } from '../../src/message/via.js';
import { octetViews, outcome } from './fixtures/outcomes.js';

const VIAS = [
  'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---a8d2c1b5e0f3;rport',
  'SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK776asdhds;received=192.0.2.10;rport=5060',
  'SIP/2.0/TCP h;branch=z9hG4bK1;maddr=224.2.0.1;ttl=16',
  'SIP/2.0/tls h:5061;branch=z9hG4bKx;x-flag;other=1',
  'SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKx;rport',
  'SIP/2.0/SCTP h',
  'SIP/2.0/UDP h:0',
  'SIP/2.0/UDP h:65535',
  'SIP/2.0/UDP h:65536',
  'SIP/2.0/UDP h:0000005060',
  'SIP/2.0/UDP h:00000050601',
  'SIP/2.0/UDP h:',
  'SIP/2.0/UDP h;',
  'SIP/2.0/UDP h;;branch=x',
  'SIP/2.0/UDP h;=x',
  'SIP/2.0/UDP h;branch=',
  'SIP/2.0/UDP h;branch==x',
  'SIP/2.0/UDP h;branch=a=b',
  'SIP/2.0/UDP h;branch=a;branch=b',
  'SIP/2.0/UDP h;rport;rport',
  'SIP/2.0/UDP h;Branch=z9hG4bKupper',
  'SIP/2.0/UDP H.Example.COM;branch=x',
  'SIP/2.0/UDP h;branch="quoted"',
  'SIP/2.0/UDP h;branch=x y',
  'SIP/2.0/UDP h;branch=x\u00a0y',
  'SIP/2.0/UDP h;branch=\u00e9t\u00e9',
  'SIP/2.0/UDP h;branch=a:b/c[d]@e',
  'SIP/2.0/UDP h;rport=abc',
  'SIP/2.0/UDP h;rport=70000',
  'SIP/2.0/UDP h;rport=',
  'SIP/2.0/UDP h;ttl',
  'SIP/2.0/UDP h;ttl=255',
  'SIP/2.0/UDP h;ttl=256',
  'SIP/2.0/UDP h;received=;maddr=',
  'SIP/2.0/UDP h ;branch=x',
  'SIP/2.0/UDP  h;branch=x',
  'SIP/2.0/UDP h; branch=x',
  'SIP/2.0/UDP [2001:db8::1]:5060;branch=x',
  'SIP/2.0/UDP h_1;branch=x',
  'SIP/2.0 /UDP h;branch=x',
  'SIP/2.0/U@P h;branch=x',
  'SIP/2.0/UDP h;' + Array.from({ length: 16 }, (_, i) => `p${i}=${i}`).join(';'),
  'SIP/2.0/UDP h;' + Array.from({ length: 17 }, (_, i) => `p${i}=${i}`).join(';'),
  'SIP/2.0/UDP h;' + Array.from({ length: 12 }, (_, i) => `p${i}=${i}`).join(';') + ';branch=z9hG4bKx',
  'SIP/2.0/UDP h;BRANCH=z9hG4bKx;RPort=5060;Received=192.0.2.1;MADDR=x;TTL=1',
  'SIP/2.0/UDP h;branch=a;BRANCH=b',
  'SIP/2.0/UDP h:99999;branch=x',
  'SIP/2.0/UDP h:1234567890;branch=x',
  'SIP/2.0/UDP h:5060x',
  'SIP/2.0/UDP h;branch=a\\b',
  'SIP/2.0/UDP h;branch=a\u0001b',
  'SIP/2.0/UDP h;branch=a,b',
  'SIP/2.0/UDP h;branch=a<b',
  'SIP/2.0/UDP h;x=1;',
  'SIP/2.0/UDP h;x=1 ',
  'SIP/2.0/UDP h,',
  'SIP/2.0/UDP h:5060;rport=0;ttl=0',
  'SIP/2.0/UDP 1',
  'SIP/2.0/UDP ',
  'SIP/2.0/UDP',
  'SIP/2.0/',
  'SIP/2.1/UDP h;branch=x',
  'sip/2.0/udp h;branch=x',
  'SIP/2.0/X h',
  '',
];

t.test('the usual shape reads as the general reader reads it', (t) => {
  for (const v of VIAS)
    t.same(
      outcome(() => parseVia(v)),
      outcome(() => parseVia(' ' + v)),
      v,
    );
  const via = parseVia(VIAS[1] as string);
  t.equal(via.transport, 'UDP');
  t.equal(via.host, 'pc33.example.com');
  t.equal(via.port, 5060);
  t.equal(via.branch, 'z9hG4bK776asdhds');
  t.equal(via.received, '192.0.2.10');
  t.equal(via.rport, 5060);
  t.same([...via.params.keys()], ['branch', 'received', 'rport']);
  t.equal(parseVia(VIAS[3] as string).transport, 'TLS');
  t.equal(parseVia(VIAS[0] as string).rport, true);
  t.end();
});

t.test('in place, the value ends where the caller says', (t) => {
  for (const v of VIAS) {
    const whole = outcome(() => parseVia(v));
    // One of two values on a line, then the next header line.
    const text = 'Via: ' + v + ',SIP/2.0/UDP next;branch=z9hG4bKn;rport\r\nMax-Forwards: 70\r\n';
    t.same(
      outcome(() => parseViaIn(text, 5, 5 + v.length)),
      whole,
      'before a comma: ' + v,
    );
    const last = 'Via: ' + v + '\r\nFrom: <sip:a@b>;tag=1\r\n';
    t.same(
      outcome(() => parseViaIn(last, 5, 5 + v.length)),
      whole,
      'before CRLF: ' + v,
    );
  }
  t.end();
});

t.test('read from the octets, every Via reads (or fails) as from the text', (t) => {
  for (const v of VIAS) {
    const whole = outcome(() => parseVia(v));
    const texts: Array<[string, number]> = [
      [v, 0],
      ['Via: ' + v + ',SIP/2.0/UDP next;branch=z9hG4bKn;rport\r\nMax-Forwards: 70\r\n', 5],
      ['Via: ' + v + '\r\nFrom: <sip:a@b>;tag=1\r\n', 5],
      ['Via: ' + v + ' \r\n', 5],
      ['Via: ' + v + 'x1;y\r\n', 5],
      ['Via: ' + v + ':5\r\n', 5],
    ];
    for (const [text, at] of texts) {
      for (const [bytes, base] of octetViews(text)) {
        t.same(
          outcome(() => parseViaIn(text, at, at + v.length, bytes, base)),
          whole,
          `octets at ${base}: ${JSON.stringify(text)}`,
        );
      }
    }
  }
  t.end();
});
