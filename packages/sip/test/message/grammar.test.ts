/** Grammar corners of RFC 3261 §7 and §25 as the parser sees them. */
import t from 'tap';
import { SipParseError, parseMessage, serializeMessage, statelessErrorResponse } from '@herald/sip';
import { asRequest, asResponse, basicHeaders, wire } from './fixtures/messages.js';

const OPTIONS = (extra: string[] = [], body = ''): string =>
  wire(
    [
      'OPTIONS sip:bob@example.com SIP/2.0',
      ...basicHeaders('OPTIONS'),
      ...extra,
      `Content-Length: ${Buffer.byteLength(body)}`,
    ],
    body,
  );

function parseError(data: string | Buffer, opts?: Parameters<typeof parseMessage>[1]): SipParseError {
  try {
    parseMessage(data, opts);
  } catch (e) {
    if (e instanceof SipParseError) return e;
    throw e;
  }
  throw new Error('expected a SipParseError');
}

t.test('compact forms map to canonical names (RFC 3261 §7.3.3 and extensions)', (t) => {
  const compact: Array<[string, string, string]> = [
    ['i', 'Call-ID', 'x@y'],
    ['m', 'Contact', '<sip:a@b>'],
    ['e', 'Content-Encoding', 'gzip'],
    ['k', 'Supported', 'timer'],
    ['s', 'Subject', 'hi'],
    ['o', 'Event', 'presence'],
    ['u', 'Allow-Events', 'dialog'],
    ['r', 'Refer-To', '<sip:c@d>'],
    ['b', 'Referred-By', '<sip:e@f>'],
    ['x', 'Session-Expires', '1800'],
    ['y', 'Identity', 'abc'],
    ['c', 'Content-Type', 'text/plain'],
  ];
  const lines = [
    'MESSAGE sip:bob@example.com SIP/2.0',
    'v: SIP/2.0/UDP h;branch=z9hG4bK1',
    'f: <sip:a@example.com>;tag=1',
    't: <sip:b@example.com>',
    'CSeq: 1 MESSAGE',
    ...compact.filter(([c]) => c !== 'i').map(([c, , v]) => `${c}: ${v}`),
    'I: x@y',
    'l: 2',
  ];
  const msg = parseMessage(wire(lines, 'hi'));
  for (const [c, name, value] of compact) {
    t.equal(msg.headers.get(c), value, `get('${c}')`);
    t.equal(msg.headers.get(name), value, `get('${name}')`);
    t.equal(msg.headers.get(name.toUpperCase()), value, `get('${name.toUpperCase()}')`);
  }
  t.equal(msg.topVia?.host, 'h');
  t.equal(msg.from?.params.get('tag'), '1');
  t.equal(msg.to?.uri.user, 'b');
  t.equal(msg.body.toString(), 'hi');
  const names = [...msg.headers.entries()].map(([n]) => n);
  t.same(names.slice(0, 3), ['Via', 'From', 'To']);
  t.ok(names.includes('Call-ID') && names.includes('Content-Length') && names.includes('Event'));
  const out = serializeMessage(msg).toString();
  t.match(out, /\r\nVia: SIP\/2.0\/UDP h;branch=z9hG4bK1\r\n/);
  t.match(out, /\r\nCall-ID: x@y\r\n/);
  t.notMatch(out, /\r\n[a-z]: /, 'no compact names on output');
  t.end();
});

t.test('header names are case-insensitive and may have whitespace before the colon', (t) => {
  const msg = parseMessage(OPTIONS(['X-Custom  : one', 'x-CUSTOM:two', 'sUbJeCt\t: hello']));
  t.same(msg.headers.getAll('X-Custom'), ['one', 'two']);
  t.equal(msg.headers.get('subject'), 'hello');
  t.equal(msg.headers.get('S'), 'hello');
  t.end();
});

t.test('folding (LWS continuation) joins lines with one space', (t) => {
  const msg = parseMessage(
    OPTIONS(['Subject: first', ' second', '\t\tthird  ', 'Contact: <sip:a@example.com>', '  ;expires=60']),
  );
  t.equal(msg.headers.get('Subject'), 'first second third');
  const c = msg.contact;
  t.ok(Array.isArray(c) && c[0]?.params.get('expires') === '60');
  t.end();
});

t.test('list headers split on top-level commas only', (t) => {
  const msg = parseMessage(
    OPTIONS([
      'Contact: "Doe, John" <sip:a,b@example.com>;q=0.5, <sip:c@example.com>',
      'Contact: sip:d@example.com',
      'Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>',
      'Allow: INVITE, ACK ,CANCEL',
      'WWW-Authenticate: Digest realm="a, b", nonce="x", algorithm=MD5',
      'Authorization: Digest username="u", realm="r"',
      'Date: Sat, 13 Nov 2010 23:29:00 GMT',
      'X-Unknown: a, b, c',
    ]),
  );
  const contact = msg.contact;
  if (!Array.isArray(contact)) throw new Error('contact list expected');
  t.equal(contact.length, 3);
  t.equal(contact[0]?.displayName, 'Doe, John');
  t.equal(contact[0]?.uri.user, 'a,b');
  t.equal(contact[0]?.params.get('q'), '0.5');
  t.equal(contact[2]?.uri.user, 'd');
  t.same(
    msg.route.map((r) => r.uri.host),
    ['p1.example.com', 'p2.example.com'],
  );
  t.same(msg.headers.getAll('Allow'), ['INVITE', 'ACK', 'CANCEL']);
  t.equal(msg.headers.getAll('WWW-Authenticate').length, 1, 'never split');
  t.equal(msg.headers.getAll('Authorization').length, 1);
  t.equal(msg.headers.get('Date'), 'Sat, 13 Nov 2010 23:29:00 GMT');
  t.same(msg.headers.getAll('X-Unknown'), ['a, b, c'], 'unknown headers are not split');
  t.end();
});

t.test('Contact: * (RFC 3261 §10.2.2)', (t) => {
  const msg = parseMessage(
    wire([
      'REGISTER sip:example.com SIP/2.0',
      ...basicHeaders('REGISTER'),
      'Contact: *',
      'Expires: 0',
      'Content-Length: 0',
    ]),
  );
  t.equal(msg.contact, '*');
  t.equal(msg.expires, 0);
  t.end();
});

t.test('header values keep UTF-8 text; non-UTF-8 octets survive byte for byte', (t) => {
  const utf8 = parseMessage(OPTIONS(['Subject: café ☕']));
  t.equal(utf8.headers.get('Subject'), 'café ☕');
  const bytes = Buffer.concat([
    Buffer.from('OPTIONS sip:bob@example.com SIP/2.0\r\n' + basicHeaders('OPTIONS').join('\r\n') + '\r\nSubject: caf'),
    Buffer.from([0xe9, 0xff]),
    Buffer.from('\r\nContent-Length: 0\r\n\r\n'),
  ]);
  const latin = parseMessage(bytes);
  t.equal(latin.headers.get('Subject'), 'caf\u00e9\u00ff', 'one char per octet');
  t.ok(serializeMessage(latin).equals(bytes), 'serializes to the same octets');
  t.end();
});

t.test('body: sized by Content-Length, bytes kept, extra octets ignored', (t) => {
  const body = Buffer.from([0, 1, 2, 0xff, 13, 10, 13, 10, 65]);
  const head = Buffer.from(
    'MESSAGE sip:b@example.com SIP/2.0\r\n' +
      basicHeaders('MESSAGE').join('\r\n') +
      `\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  const msg = parseMessage(Buffer.concat([head, body, Buffer.from('trailing junk')]));
  t.ok(msg.body.equals(body));
  const noLength = Buffer.concat([
    Buffer.from('MESSAGE sip:b@example.com SIP/2.0\r\n' + basicHeaders('MESSAGE').join('\r\n') + '\r\n\r\n'),
    body,
  ]);
  t.ok(parseMessage(noLength).body.equals(body), 'datagram without Content-Length: body runs to the end');
  t.equal(
    parseError(noLength, { datagram: false }).reason,
    'Missing Content-Length header',
    'stream needs Content-Length',
  );
  t.equal(parseError(OPTIONS([], '').replace('Content-Length: 0', 'Content-Length: 5')).status, 400);
  t.equal(
    parseError(OPTIONS().replace('Content-Length: 0', 'Content-Length: 1x')).reason,
    'Malformed Content-Length header',
  );
  t.end();
});

t.test('CRLFs before the start line are ignored (RFC 3261 §7.5)', (t) => {
  const msg = parseMessage('\r\n\r\n' + OPTIONS());
  t.equal(asRequest(msg).method, 'OPTIONS');
  t.end();
});

t.test('start line strictness', (t) => {
  const bad = [
    'OPTIONS  sip:bob@example.com SIP/2.0',
    'OPTIONS sip:bob@example.com  SIP/2.0',
    'OPTIONS sip:bob@example.com SIP/2.0 ',
    'OPTIONS <sip:bob@example.com> SIP/2.0',
    'OPTIONS sip:bob@example.com',
    'OPTIONS\tsip:bob@example.com SIP/2.0',
    'OPT@ONS sip:bob@example.com SIP/2.0',
    'OPTIONS bob SIP/2.0',
    'OPTIONS sip:bob@example.com HTTP/1.1',
    'OPTIONS sip:bob\u0000@example.com SIP/2.0',
    'OPTIONS sip:bob@example.com\r SIP/2.0',
    'OPTIONS sip:<bob>@example.com SIP/2.0',
  ];
  for (const line of bad) {
    const e = parseError(OPTIONS().replace('OPTIONS sip:bob@example.com SIP/2.0', line));
    t.equal(e.status, 400, JSON.stringify(line));
    t.equal(e.partial?.isRequest, true);
  }
  const v = parseError(OPTIONS().replace('SIP/2.0\r\n', 'SIP/3.0\r\n'));
  t.equal(v.status, 505, 'unknown SIP version');
  t.equal(statelessErrorResponse(v)?.status, 505);
  t.equal(
    asRequest(parseMessage(OPTIONS().replace('SIP/2.0\r\n', 'sip/2.0\r\n'))).version,
    'SIP/2.0',
    'version is case-insensitive',
  );
  t.end();
});

t.test('responses: odd and empty reason phrases, bad codes', (t) => {
  const rest = basicHeaders('INVITE').slice(0, 5).concat('Content-Length: 0');
  const reasons: Array<[string, number, string]> = [
    ['SIP/2.0 200 OK', 200, 'OK'],
    ['SIP/2.0 180 ', 180, ''],
    ['SIP/2.0 180', 180, ''],
    ['SIP/2.0 404  Not  Found ', 404, ' Not  Found '],
    ['SIP/2.0 699 Ünïcödé ✓', 699, 'Ünïcödé ✓'],
    ['SIP/2.0 486 Busy: 3, here; now', 486, 'Busy: 3, here; now'],
  ];
  for (const [line, status, reason] of reasons) {
    const res = asResponse(parseMessage(wire([line, ...rest])));
    t.equal(res.status, status, line);
    t.equal(res.reason, reason, line);
  }
  for (const line of ['SIP/2.0 99 Low', 'SIP/2.0 700 High', 'SIP/2.0 2000 Big', 'SIP/2.0 20x Bad', 'SIP/2.0  200 OK']) {
    const e = parseError(wire([line, ...rest]));
    t.equal(e.partial?.isRequest, false, line);
    t.equal(statelessErrorResponse(e), undefined, 'a response is never answered');
  }
  t.end();
});

t.test('single-value headers must not repeat; CSeq must match the method', (t) => {
  for (const dup of [
    'From: <sip:x@y>;tag=2',
    'To: <sip:z@y>',
    'Call-ID: other',
    'CSeq: 2 OPTIONS',
    'Max-Forwards: 3',
    'Expires: 5\r\nExpires: 6',
    'i: other',
  ]) {
    const e = parseError(OPTIONS([dup]));
    t.match(e.reason, /^Duplicate /, dup);
  }
  t.equal(parseError(OPTIONS().replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE')).reason, 'CSeq method mismatch');
  t.equal(parseError(OPTIONS().replace('CSeq: 1 OPTIONS', 'CSeq: 2147483648 OPTIONS')).reason, 'Malformed CSeq header');
  t.equal(parseError(OPTIONS().replace('CSeq: 1 OPTIONS', 'CSeq: OPTIONS')).reason, 'Malformed CSeq header');
  t.equal(
    parseError(OPTIONS().replace('Max-Forwards: 70', 'Max-Forwards: 256')).reason,
    'Malformed Max-Forwards header',
  );
  t.equal(
    parseError(OPTIONS().replace('Call-ID: call-1@example.com', 'Call-ID: a b')).reason,
    'Malformed Call-ID header',
  );
  t.equal(
    parseError(OPTIONS().replace('To: <sip:bob@example.com>', 'To: "Bob <sip:bob@example.com>')).reason,
    'Malformed To header',
  );
  t.equal(parseError(OPTIONS(['Via: SIP/2.0/UDP h2;branch=z9hG4bK2,'])).reason, 'Malformed Via header');
  t.end();
});

t.test('malformed lines, with what survived for the stateless answer', (t) => {
  const noColon = parseError(OPTIONS(['This line has no colon']));
  t.equal(noColon.reason, 'Malformed header line');
  t.ok(noColon.partial?.headers.some(([n]) => n === 'Via'));
  const answer = statelessErrorResponse(noColon, { toTag: 'fixed' });
  t.equal(answer?.status, 400);
  t.equal(answer?.reason, 'Malformed header line');
  t.equal(answer?.to?.params.get('tag'), 'fixed');
  t.equal(answer?.topVia?.branch, 'z9hG4bKabc');
  t.same(answer?.cseq, { seq: 1, method: 'OPTIONS' });
  t.equal(
    parseError(OPTIONS().replace('Max-Forwards: 70\r\n', 'Max-Forwards: 70\n')).reason,
    'Malformed header line',
    'bare LF',
  );
  t.equal(parseError(OPTIONS().replace('Max-Forwards', 'Max Forwards')).reason, 'Malformed header name');
  t.equal(
    parseError(
      OPTIONS().replace(
        'OPTIONS sip:bob@example.com SIP/2.0\r\n',
        'OPTIONS sip:bob@example.com SIP/2.0\r\n folded\r\n',
      ),
    ).reason,
    'Malformed header line',
  );
  t.equal(parseError('OPTIONS sip:bob@example.com SIP/2.0\r\nVia: x\r\n').reason, 'Missing end of header fields');
  t.end();
});

t.test('statelessErrorResponse needs Via, From, To, Call-ID and CSeq', (t) => {
  const e = parseError(OPTIONS().replace('Call-ID: call-1@example.com\r\n', '').replace('SIP/2.0\r\n', 'SIP/9.9\r\n'));
  t.equal(e.status, 505);
  t.equal(statelessErrorResponse(e), undefined);
  t.end();
});

t.test('limits: maxSize (413) and maxHeaders', (t) => {
  const big = OPTIONS([`X-Big: ${'a'.repeat(2000)}`]);
  t.doesNotThrow(() => parseMessage(big));
  const e = parseError(big, { maxSize: 1000 });
  t.equal(e.status, 413);
  t.equal(e.reason, 'Message Too Large');
  t.equal(parseError(OPTIONS([], 'x'.repeat(70000))).status, 413, 'default maxSize is 65536');
  const headEarly = parseError(OPTIONS([], 'x'.repeat(3000)), { maxSize: 2000 });
  t.equal(headEarly.status, 413);
  t.equal(statelessErrorResponse(headEarly)?.status, 413, 'answerable when the header section fits');
  const many = Array.from({ length: 300 }, (_, i) => `X-H${i}: ${i}`);
  t.equal(parseError(OPTIONS(many)).reason, 'Too Many Header Fields', 'default maxHeaders is 256');
  t.doesNotThrow(() => parseMessage(OPTIONS(many), { maxHeaders: 400 }));
  t.equal(parseError(OPTIONS(), { maxHeaders: 3 }).reason, 'Too Many Header Fields');
  t.end();
});

t.test('parses strings as UTF-8 and Buffers alike', (t) => {
  const s = OPTIONS(['Subject: ☃']);
  t.same([...parseMessage(s).headers.entries()], [...parseMessage(Buffer.from(s)).headers.entries()]);
  t.end();
});
