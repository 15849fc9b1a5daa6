/**
 * The parser names each header line from the datagram's octets when the
 * message is ASCII and small (headerDefIn), and from the decoded text
 * otherwise (headerDefAt). Both must name every spelling alike: known names
 * in any case, compact forms, near misses and unknown names.
 */
import t from 'tap';
import { parseMessage } from '@herald/sip';
import { headerDef, headerDefAt, headerDefIn, nameBeforeColon } from '../../src/message/header-names.js';

const KNOWN = [
  'Via',
  'From',
  'To',
  'Call-ID',
  'CSeq',
  'Contact',
  'Max-Forwards',
  'Expires',
  'Event',
  'Content-Length',
  'Content-Type',
  'Allow',
  'Allow-Events',
  'Supported',
  'User-Agent',
  'Record-Route',
  'Route',
  'Subscription-State',
  'SIP-ETag',
  'SIP-If-Match',
  'WWW-Authenticate',
  'Proxy-Authorization',
  'Accept-Resource-Priority',
  'P-Asserted-Identity',
  'Session-Expires',
  'Min-SE',
  'RAck',
  'RSeq',
];
const COMPACT = ['v', 'f', 't', 'i', 'm', 'l', 'c', 'e', 'k', 's', 'o', 'u', 'r', 'b', 'x', 'a', 'j', 'd', 'y'];
const OTHER = [
  'X-Custom',
  'Vias',
  'Vi',
  'Fro',
  'Call-Id2',
  'CallID',
  'Contac',
  'Contacts',
  'q',
  'z',
  'X',
  'Allow-Event',
  'P-Preferred-Identity-X',
  'Accept-Resource-Priority-Plus-More-Than-Thirty-Two',
  'Max_Forwards',
  'Call.ID',
  'Content-Lengtx',
  'WWW-authenticat',
  'A',
  'Aa',
  'Via-',
  '-Via',
];

function spellings(name: string): string[] {
  const mixed = [...name].map((ch, i) => (i % 2 === 0 ? ch.toUpperCase() : ch.toLowerCase())).join('');
  return [name, name.toLowerCase(), name.toUpperCase(), mixed];
}

t.test('octets and text name every spelling alike', (t) => {
  for (const name of [...KNOWN, ...COMPACT, ...OTHER].flatMap(spellings)) {
    const text = 'xx' + name + ': 1';
    const bytes = Buffer.from('yyy' + text, 'latin1');
    const fromOctets = headerDefIn(bytes, 3, text, 2, 2 + name.length);
    const fromText = headerDefAt(text, 2, 2 + name.length);
    t.equal(fromOctets, fromText, name);
    t.equal(fromOctets.key, headerDef(name).key, name + ' key');
  }
  t.end();
});

t.test(
  'a known name right before its colon is found without a search; anything else is left to the general way',
  (t) => {
    for (const name of [...KNOWN, ...COMPACT, ...OTHER].flatMap(spellings)) {
      const known = headerDefAt(name, 0, name.length).codes !== undefined;
      const found = nameBeforeColon(Buffer.from('yy' + name + ': 1\r\n', 'latin1'), 2);
      if (known) {
        t.equal(found?.def, headerDef(name), name);
        t.equal(found?.codes.length, name.length, name + ' length');
      } else t.equal(found, undefined, name);
      // Whitespace before the colon, a missing colon, or the line's end right after the name.
      for (const tail of [' : 1', '\t: 1', ' 1', '\r\n: 1', '\r\nX: 1', '']) {
        t.equal(nameBeforeColon(Buffer.from('yy' + name + tail, 'latin1'), 2), undefined, JSON.stringify(name + tail));
      }
    }
    t.end();
  },
);

t.test('a parsed message names its lines alike on the octet path and the text path', (t) => {
  const head = [
    'SUBSCRIBE sip:bob@example.com SIP/2.0',
    'VIA: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1;rport',
    'max-forwards: 70',
    'm: <sip:alice@192.0.2.10:5060>',
    't: <sip:bob@example.com>',
    'From: "Alice" <sip:alice@example.com>;tag=4f2a9c',
    'call-id: a84b4c76e66710@pc33.example.com',
    'CSEQ: 1 SUBSCRIBE',
    'X-Vendor-Thing: 1',
    'o: presence',
    'Content-Type: text/plain',
  ];
  const wire = (body: string): Buffer =>
    Buffer.from(head.join('\r\n') + '\r\nContent-Length: ' + Buffer.byteLength(body) + '\r\n\r\n' + body);
  // An all-ASCII datagram takes the octet path; a UTF-8 body sends it through the text path.
  const ascii = parseMessage(wire('hello'));
  const utf8 = parseMessage(wire('héllo'));
  t.same(
    [...ascii.headers.entries()].map(([name]) => name),
    [...utf8.headers.entries()].map(([name]) => name),
  );
  t.equal(ascii.callId, 'a84b4c76e66710@pc33.example.com');
  t.equal(ascii.event?.event, 'presence');
  t.equal(ascii.contact === '*' ? '' : ascii.contact?.[0]?.uri.host, '192.0.2.10');
  t.end();
});
