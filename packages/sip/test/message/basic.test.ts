import t from 'tap';
import { createRequest, createResponse, parseMessage, serializeMessage, SipParseError } from '@herald/sip';

const REGISTER = [
  'REGISTER sip:example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@example.com>',
  'From: Bob <sip:bob@example.com>;tag=456248',
  'Call-ID: 843817637684230@998sdasdh09',
  'CSeq: 1826 REGISTER',
  'Contact: <sip:bob@192.0.2.4>;expires=7200',
  'Expires: 7200',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

t.test('parses a REGISTER and reads the typed headers', (t) => {
  const msg = parseMessage(Buffer.from(REGISTER));
  if (msg.kind !== 'request') throw new Error('expected a request');
  t.equal(msg.method, 'REGISTER');
  t.equal(msg.requestUri, 'sip:example.com');
  t.equal(msg.uri.host, 'example.com');
  t.equal(msg.topVia?.branch, 'z9hG4bK776asdhds');
  t.equal(msg.topVia?.rport, true);
  t.equal(msg.topVia?.port, 5060);
  t.equal(msg.from?.params.get('tag'), '456248');
  t.equal(msg.from?.displayName, 'Bob');
  t.equal(msg.to?.uri.user, 'bob');
  t.equal(msg.callId, '843817637684230@998sdasdh09');
  t.same(msg.cseq, { seq: 1826, method: 'REGISTER' });
  t.equal(msg.maxForwards, 70);
  t.equal(msg.expires, 7200);
  const contact = msg.contact;
  t.ok(Array.isArray(contact));
  if (Array.isArray(contact)) t.equal(contact[0]?.params.get('expires'), '7200');
  t.equal(msg.body.length, 0);
  t.end();
});

t.test('serialize then parse gives the same message', (t) => {
  const msg = parseMessage(REGISTER);
  const bytes = serializeMessage(msg);
  t.equal(bytes.toString(), REGISTER);
  const again = parseMessage(bytes);
  t.same([...again.headers.entries()], [...msg.headers.entries()]);
  t.end();
});

t.test('createRequest and createResponse (RFC 3261 §8.2.6)', (t) => {
  const req = createRequest({
    method: 'OPTIONS',
    uri: 'sip:bob@example.com',
    headers: [
      ['Via', 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1'],
      ['Via', 'SIP/2.0/TCP b.example.com;branch=z9hG4bK2'],
      ['From', '<sip:alice@example.com>;tag=a1'],
      ['To', '<sip:bob@example.com>'],
      ['Call-ID', 'c1'],
      ['CSeq', '1 OPTIONS'],
      ['Max-Forwards', '70'],
      ['Record-Route', '<sip:p.example.com;lr>'],
    ],
    body: 'hello',
  });
  const res = createResponse(req, 200, undefined, { toTag: 'b2' });
  t.equal(res.status, 200);
  t.equal(res.reason, 'OK');
  t.same(res.headers.getAll('via'), [
    'SIP/2.0/UDP a.example.com;branch=z9hG4bK1',
    'SIP/2.0/TCP b.example.com;branch=z9hG4bK2',
  ]);
  t.equal(res.to?.params.get('tag'), 'b2');
  t.equal(res.from?.params.get('tag'), 'a1');
  t.equal(res.callId, 'c1');
  t.same(res.cseq, { seq: 1, method: 'OPTIONS' });
  t.notOk(res.headers.has('record-route'));
  t.notOk(res.headers.has('max-forwards'));
  const wire = serializeMessage(req).toString();
  t.match(wire, /\r\nContent-Length: 5\r\n\r\nhello$/);
  t.end();
});

t.test('malformed input throws SipParseError', (t) => {
  t.throws(() => parseMessage('garbage'), SipParseError);
  t.end();
});
