/**
 * The typed accessors read Via, From, To and Contact in place in the parsed
 * header text (bounded by the value's offsets): they must give exactly what
 * parsing the value string gives, never read past the value, and fall back
 * to the string for folded, split or changed headers.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { SipParseError, parseMessage, parseNameAddr, parseVia } from '@herald/sip';
import type { NameAddr, SipMessage, Via } from '@herald/sip';

const DIR = new URL('../../../../../shared/testdata/rfc4475/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as Array<{ file: string }>;

const wire = (lines: string[], body = ''): Buffer =>
  Buffer.from(lines.join('\r\n') + '\r\nContent-Length: ' + Buffer.byteLength(body) + '\r\n\r\n' + body, 'latin1');

/** The accessor's value, or the reason it threw. */
function outcome<T>(read: () => T): T | string {
  try {
    return read();
  } catch (e) {
    if (e instanceof SipParseError) return 'error';
    throw e;
  }
}

/** What parsing the header's string value gives (the accessors' reference). */
function fromStrings(msg: SipMessage): Array<Via | NameAddr | NameAddr[] | string | undefined> {
  const via = msg.headers.get('via');
  const from = msg.headers.get('from');
  const to = msg.headers.get('to');
  const contacts = msg.headers.getAll('contact');
  return [
    outcome(() => (via === undefined ? undefined : parseVia(via))),
    outcome(() => (from === undefined ? undefined : parseNameAddr(from))),
    outcome(() => (to === undefined ? undefined : parseNameAddr(to))),
    outcome(() =>
      contacts.length === 0 || (contacts.length === 1 && contacts[0] === '*') ? undefined : contacts.map(parseNameAddr),
    ),
  ];
}

function fromAccessors(msg: SipMessage): Array<Via | NameAddr | NameAddr[] | string | undefined> {
  return [
    outcome(() => msg.topVia),
    outcome(() => msg.from),
    outcome(() => msg.to),
    outcome(() => {
      const c = msg.contact;
      return c === '*' ? undefined : c;
    }),
  ];
}

t.test('every RFC 4475 message that parses: accessors equal parsing the value strings', (t) => {
  let compared = 0;
  for (const { file } of manifest) {
    let msg: SipMessage;
    try {
      msg = parseMessage(readFileSync(new URL(file, DIR)));
    } catch {
      continue;
    }
    t.same(fromAccessors(msg), fromStrings(msg), file);
    compared++;
  }
  t.ok(compared > 20, `compared ${compared} messages`);
  t.end();
});

t.test('values are read within their own line, never past it', (t) => {
  const msg = parseMessage(
    wire([
      'OPTIONS sip:bob@example.com SIP/2.0',
      // No params, no port: the next line's ';' and ':' must not be taken.
      'Via: SIP/2.0/UDP host.example.com',
      // addr-spec: the '<' of the next line must not be taken as this value's.
      'From: sip:alice@example.com;tag=9f',
      'To: <sip:bob@example.com>',
      // No '@' in the URI: the '@' of the Call-ID must not become a user part.
      'Contact: <sip:192.0.2.1:5070>',
      'Call-ID: abc@192.0.2.1',
      'CSeq: 1 OPTIONS',
    ]),
  );
  t.equal(msg.topVia?.host, 'host.example.com');
  t.equal(msg.topVia?.port, undefined);
  t.equal(msg.topVia?.params.size, 0);
  t.equal(msg.from?.uri.user, 'alice');
  t.equal(msg.from?.params.get('tag'), '9f');
  t.equal(msg.from?.displayName, undefined);
  const c = msg.contact;
  t.ok(Array.isArray(c) && c.length === 1);
  if (Array.isArray(c)) {
    t.equal(c[0]?.uri.user, undefined);
    t.equal(c[0]?.uri.host, '192.0.2.1');
    t.equal(c[0]?.uri.port, 5070);
    t.equal(c[0]?.uri.raw, 'sip:192.0.2.1:5070');
  }
  t.end();
});

t.test('trailing whitespace, tabs and quoted parameters at the end of a value', (t) => {
  const msg = parseMessage(
    wire([
      'OPTIONS sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/TCP h.example.com:5061 ;branch=z9hG4bK77 ; rport \t ',
      'From: "A \\"q\\"" <sip:a@example.com> ;tag=1;x="v;w"  ',
      'To: Bob <sip:b@example.com>\t',
      'Call-ID: x',
      'CSeq: 1 OPTIONS',
    ]),
  );
  t.equal(msg.topVia?.transport, 'TCP');
  t.equal(msg.topVia?.port, 5061);
  t.equal(msg.topVia?.branch, 'z9hG4bK77');
  t.equal(msg.topVia?.rport, true);
  t.equal(msg.from?.displayName, 'A "q"');
  t.equal(msg.from?.params.get('x'), 'v;w');
  t.equal(msg.to?.displayName, 'Bob');
  t.equal(msg.to?.params.size, 0);
  t.throws(() => msg.to?.params.set('tag', '1'), TypeError, 'the shared empty params refuse changes');
  t.end();
});

t.test('folded, comma-separated and changed headers go through their strings', (t) => {
  const msg = parseMessage(
    wire([
      'OPTIONS sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/UDP first.example.com;branch=z9hG4bK1,',
      ' SIP/2.0/UDP second.example.com;branch=z9hG4bK2',
      'From: <sip:a@example.com>',
      '  ;tag=folded',
      'To: <sip:b@example.com>',
      'Contact: <sip:c1@example.com>, <sip:c2@example.com>;q=0.5',
      'Call-ID: x',
      'CSeq: 1 OPTIONS',
    ]),
  );
  t.equal(msg.topVia?.host, 'first.example.com');
  t.same(
    msg.via.map((v) => v.branch),
    ['z9hG4bK1', 'z9hG4bK2'],
  );
  t.equal(msg.from?.params.get('tag'), 'folded');
  const c = msg.contact;
  t.same(Array.isArray(c) ? c.map((a) => [a.uri.user, a.params.get('q')]) : c, [
    ['c1', undefined],
    ['c2', '0.5'],
  ]);
  msg.headers.set('From', '<sip:z@example.com>;tag=new');
  t.equal(msg.from?.uri.user, 'z', 'a changed header is read from its new value');
  msg.headers.prepend('Via', 'SIP/2.0/TCP top.example.com;branch=z9hG4bK0');
  t.equal(msg.topVia?.host, 'top.example.com');
  t.end();
});

t.test('a malformed value still fails only its accessor, in place as from a string', (t) => {
  const msg = parseMessage(
    wire([
      'OPTIONS sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1;;',
      'From: <sip:a@b>;tag=1',
      'To: <sip:@b>',
      'Contact: <sip:c@[::1>',
      'Call-ID: x',
      'CSeq: 1 OPTIONS',
    ]),
  );
  t.throws(() => msg.topVia, new SipParseError('Malformed Via header'));
  t.throws(() => msg.to, new SipParseError('Malformed To header'));
  t.throws(() => msg.contact, new SipParseError('Malformed Contact header'));
  t.equal(msg.from?.params.get('tag'), '1');
  t.end();
});

t.test('non-ASCII header text: offsets follow the decoded text', (t) => {
  const msg = parseMessage(
    Buffer.concat([
      wire([
        'OPTIONS sip:bob@example.com SIP/2.0',
        'Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1',
        'Call-ID: x',
        'CSeq: 1 OPTIONS',
        'To: <sip:b@example.com>',
      ]).subarray(0, -4),
      Buffer.from('\r\nFrom: "Jürgen" <sip:j@example.com>;tag=ü1\r\nContact: <sip:j@192.0.2.9>\r\n\r\n', 'utf8'),
    ]),
  );
  t.equal(msg.from?.displayName, 'Jürgen');
  t.equal(msg.from?.params.get('tag'), 'ü1');
  const c = msg.contact;
  t.equal(Array.isArray(c) ? c[0]?.uri.host : c, '192.0.2.9');
  t.end();
});
