/** The SipHeaders API and the lazy, cached typed accessors (DESIGN.md: parsed on first access, dropped on set). */
import t from 'tap';
import { SipParseError, createRequest, parseMessage, serializeMessage } from '@herald/sip';
import { asRequest, basicHeaders, wire } from './fixtures/messages.js';

const REQ = wire([
  'SUBSCRIBE sip:bob@example.com SIP/2.0',
  ...basicHeaders('SUBSCRIBE'),
  'Via: SIP/2.0/TCP p1.example.com;branch=z9hG4bKp1, SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2',
  'Contact: <sip:alice@192.0.2.1>',
  'Event: presence;id=7',
  'Expires: 600',
  'Accept: application/pidf+xml',
  'Content-Type: application/pidf+xml; charset=UTF-8',
  'Record-Route: <sip:rr.example.com;lr>',
  'Content-Length: 0',
]);

t.test('get / getAll / has / entries', (t) => {
  const msg = parseMessage(REQ);
  t.equal(msg.headers.get('via'), 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc');
  t.same(msg.headers.getAll('V'), [
    'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc',
    'SIP/2.0/TCP p1.example.com;branch=z9hG4bKp1',
    'SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2',
  ]);
  t.ok(msg.headers.has('o'));
  t.notOk(msg.headers.has('Route'));
  t.equal(msg.headers.get('Route'), undefined);
  t.same(msg.headers.getAll('Route'), []);
  const entries = [...msg.headers.entries()];
  t.equal(entries.filter(([n]) => n === 'Via').length, 3, 'one entry per value');
  t.equal(msg.contentType, 'application/pidf+xml');
  t.same(msg.event, { event: 'presence', id: '7', params: new Map([['id', '7']]) });
  t.equal(msg.via.length, 3);
  t.equal(msg.via[2]?.branch, 'z9hG4bKp2');
  t.equal(msg.recordRoute[0]?.uri.host, 'rr.example.com');
  t.end();
});

t.test('set / append / prepend / delete keep order and serialize', (t) => {
  const msg = parseMessage(REQ);
  msg.headers.prepend('Via', 'SIP/2.0/UDP new.example.com;branch=z9hG4bKnew');
  t.equal(msg.topVia?.host, 'new.example.com');
  t.equal(msg.via.length, 4);
  msg.headers.append('Record-Route', ['<sip:rr2.example.com;lr>', '<sip:rr3.example.com;lr>']);
  t.same(
    msg.recordRoute.map((r) => r.uri.host),
    ['rr.example.com', 'rr2.example.com', 'rr3.example.com'],
  );
  msg.headers.set('Expires', '30');
  t.equal(msg.expires, 30);
  msg.headers.delete('Event');
  t.equal(msg.event, undefined);
  msg.headers.set('X-New', 'v');
  msg.headers.prepend('Route', '<sip:first.example.com;lr>');
  t.equal(msg.route[0]?.uri.host, 'first.example.com');
  const out = serializeMessage(msg).toString();
  t.match(
    out,
    /^SUBSCRIBE sip:bob@example.com SIP\/2.0\r\nRoute: <sip:first.example.com;lr>\r\nVia: SIP\/2.0\/UDP new.example.com/,
  );
  t.match(
    out,
    /Record-Route: <sip:rr.example.com;lr>\r\nRecord-Route: <sip:rr2.example.com;lr>\r\nRecord-Route: <sip:rr3/,
  );
  t.match(out, /Expires: 30\r\n/);
  t.notMatch(out, /Event:/);
  t.match(out, /Content-Length: 0\r\nX-New: v\r\n\r\n$/, 'Content-Length stays where it was; new headers go last');
  const again = parseMessage(out);
  t.same([...again.headers.entries()], [...msg.headers.entries()]);
  t.end();
});

t.test('values with CR or LF are refused (no header injection)', (t) => {
  const msg = parseMessage(REQ);
  t.throws(() => msg.headers.set('Subject', 'a\r\nVia: evil'), TypeError);
  t.throws(() => msg.headers.append('Subject', ['ok', 'bad\n']), TypeError);
  t.throws(() => createRequest({ method: 'OPTIONS', uri: 'sip:a@b', headers: [['X', 'a\rb']] }), TypeError);
  t.end();
});

t.test('typed values are cached until their header changes', (t) => {
  const msg = parseMessage(REQ);
  const from = msg.from;
  t.equal(msg.from, from, 'same object on second access');
  const via = msg.via;
  t.equal(msg.via, via);
  t.equal(msg.topVia, via[0]);
  const contact = msg.contact;
  t.equal(msg.contact, contact);
  msg.headers.set('From', '"New" <sip:new@example.com>;tag=9');
  t.not(msg.from, from);
  t.equal(msg.from?.displayName, 'New');
  msg.headers.set('f', '<sip:compact@example.com>;tag=10');
  t.equal(msg.from?.uri.user, 'compact', 'compact name drops the cache too');
  msg.headers.set('Via', 'SIP/2.0/TLS only.example.com;branch=z9hG4bKonly');
  t.equal(msg.topVia?.transport, 'TLS');
  t.equal(msg.via.length, 1);
  msg.headers.set('Contact', '*');
  t.equal(msg.contact, '*');
  msg.headers.set('CSeq', '5 SUBSCRIBE');
  t.same(msg.cseq, { seq: 5, method: 'SUBSCRIBE' });
  msg.headers.set('To', '<sip:bob@example.com>;tag=abc');
  t.equal(msg.to?.params.get('tag'), 'abc');
  msg.headers.set('Max-Forwards', '9');
  t.equal(msg.maxForwards, 9);
  msg.headers.set('Event', 'dialog');
  t.equal(msg.event?.event, 'dialog');
  msg.headers.set('Subscription-State', 'pending');
  t.equal(msg.subscriptionState?.state, 'pending');
  msg.headers.delete('Record-Route');
  t.same(msg.recordRoute, []);
  const r = asRequest(msg);
  t.equal(r.uri.user, 'bob');
  r.requestUri = 'sip:carol@example.org';
  t.equal(r.uri.user, 'carol', 'setting requestUri drops the parsed uri');
  t.equal(r.uri.host, 'example.org');
  t.end();
});

t.test('malformed values throw SipParseError from their accessor only', (t) => {
  const msg = parseMessage(
    wire([
      'OPTIONS sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1;;',
      'From: <sip:a@b>;tag',
      'To: <sip:@b>',
      'Call-ID: x',
      'CSeq: 1 OPTIONS',
      'Contact: <sip:c@d>;;',
      'Expires: soon',
      'Event: ;x',
      'Route: <sip:r',
      'Content-Length: 0',
    ]),
  );
  t.equal(msg.callId, 'x', 'the message itself parsed');
  t.equal(msg.from?.params.get('tag'), null);
  const cases: Array<[string, () => unknown, string]> = [
    ['via', () => msg.via, 'Malformed Via header'],
    ['topVia', () => msg.topVia, 'Malformed Via header'],
    ['to', () => msg.to, 'Malformed To header'],
    ['contact', () => msg.contact, 'Malformed Contact header'],
    ['expires', () => msg.expires, 'Malformed Expires header'],
    ['event', () => msg.event, 'Malformed Event header'],
    ['route', () => msg.route, 'Malformed Route header'],
  ];
  for (const [name, read, reason] of cases) {
    t.throws(read, new SipParseError(reason), name);
    t.throws(read, SipParseError, `${name} again (failures are not cached as values)`);
  }
  const badRuri = parseMessage(
    wire(['OPTIONS sip:a@b:99999 SIP/2.0', ...basicHeaders('OPTIONS'), 'Content-Length: 0']),
  );
  t.throws(() => asRequest(badRuri).uri, new SipParseError('Malformed Request-URI'));
  t.end();
});

t.test('Expires beyond 2**32-1 is clamped; Max-Forwards read lazily', (t) => {
  const msg = parseMessage(
    wire([
      'REGISTER sip:example.com SIP/2.0',
      ...basicHeaders('REGISTER'),
      'Expires: 99999999999999999999',
      'Content-Length: 0',
    ]),
  );
  t.equal(msg.expires, 2 ** 32 - 1);
  t.equal(msg.maxForwards, 70);
  t.end();
});
