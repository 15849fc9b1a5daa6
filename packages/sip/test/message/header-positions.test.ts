/**
 * The parser records where the first Via, From, To, Call-ID, Contact,
 * Expires and Event lines are, so the typed accessors go straight to them.
 * Any header change moves lines: the accessors must then search again and
 * read what the header list now holds.
 */
import t from 'tap';
import { parseMessage } from '@herald/sip';

const wire = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n') + '\r\nContent-Length: 0\r\n\r\n');

const MESSAGE = [
  'SUBSCRIBE sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1;rport',
  'Max-Forwards: 70',
  'Contact: <sip:alice@192.0.2.10:5060;transport=udp>',
  'To: <sip:bob@example.com>',
  'From: "Alice" <sip:alice@example.com>;tag=4f2a9c',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 1 SUBSCRIBE',
  'Event: dialog',
  'Expires: 1800',
];

t.test('parsed accessors read the recorded lines', (t) => {
  const m = parseMessage(wire(MESSAGE));
  t.equal(m.topVia?.branch, 'z9hG4bK-1');
  t.equal(m.from?.params.get('tag'), '4f2a9c');
  t.equal(m.to?.uri.user, 'bob');
  t.equal(m.callId, 'a84b4c76e66710@pc33.example.com');
  const c = m.contact;
  t.ok(Array.isArray(c) && c.length === 1 && c[0]?.uri.port === 5060);
  t.equal(m.event?.event, 'dialog');
  t.equal(m.expires, 1800);
  t.end();
});

t.test('absent headers are undefined without a search', (t) => {
  const m = parseMessage(wire(MESSAGE.filter((l) => !/^(Contact|Event|Expires):/.test(l))));
  t.equal(m.contact, undefined);
  t.equal(m.event, undefined);
  t.equal(m.expires, undefined);
  t.end();
});

t.test('after any header change the accessors read what the list holds', (t) => {
  const m = parseMessage(wire(MESSAGE));
  // A new first line shifts every position by one.
  m.headers.prepend('Record-Route', '<sip:p1.example.com;lr>');
  t.equal(m.topVia?.branch, 'z9hG4bK-1');
  t.equal(m.from?.params.get('tag'), '4f2a9c');
  t.equal(m.to?.uri.host, 'example.com');
  t.equal(m.callId, 'a84b4c76e66710@pc33.example.com');
  t.equal(m.event?.event, 'dialog');
  t.equal(m.expires, 1800);
  const c = m.contact;
  t.ok(Array.isArray(c) && c[0]?.uri.user === 'alice');

  const n = parseMessage(wire(MESSAGE));
  n.headers.delete('Max-Forwards');
  t.equal(n.callId, 'a84b4c76e66710@pc33.example.com', 'a line removed before Call-ID');
  n.headers.prepend('Via', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bK-top');
  t.equal(n.topVia?.branch, 'z9hG4bK-top');
  n.headers.append('Contact', '<sip:alice@192.0.2.11>');
  const two = n.contact;
  t.ok(Array.isArray(two) && two.length === 2, 'two Contact lines now');
  n.headers.delete('Event');
  t.equal(n.event, undefined);
  n.headers.set('Expires', '60');
  t.equal(n.expires, 60);
  t.end();
});

t.test('a folded or list-valued first line is still read correctly', (t) => {
  const m = parseMessage(
    wire([
      'NOTIFY sip:alice@192.0.2.10 SIP/2.0',
      'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK-a, SIP/2.0/UDP b.example.com;branch=z9hG4bK-b',
      'To: <sip:alice@example.com>;tag=1',
      'From: <sip:bob@example.com>',
      '  ;tag=2',
      'Call-ID: x@y',
      'CSeq: 1 NOTIFY',
      'Contact: <sip:a@192.0.2.1>, <sip:b@192.0.2.2>',
    ]),
  );
  t.equal(m.topVia?.branch, 'z9hG4bK-a');
  t.equal(m.from?.params.get('tag'), '2');
  const c = m.contact;
  t.ok(Array.isArray(c) && c.length === 2 && c[1]?.uri.user === 'b');
  t.end();
});

t.test('headers after the 126th line are searched for', (t) => {
  const many = Array.from({ length: 140 }, (_, i) => `X-Filler-${i}: ${i}`);
  const m = parseMessage(wire([MESSAGE[0] as string, ...many, ...MESSAGE.slice(1)]));
  t.equal(m.topVia?.branch, 'z9hG4bK-1');
  t.equal(m.from?.params.get('tag'), '4f2a9c');
  t.equal(m.callId, 'a84b4c76e66710@pc33.example.com');
  const c = m.contact;
  t.ok(Array.isArray(c) && c.length === 1);
  t.equal(m.event?.event, 'dialog');
  t.equal(m.expires, 1800);
  t.end();
});
