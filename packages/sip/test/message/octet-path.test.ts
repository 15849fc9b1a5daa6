/**
 * An all-ASCII datagram is read from its octets (header names, the Request-Line,
 * and the Via and name-addr values the parser and the accessors read in place);
 * any other goes through its decoded text. Both paths must give the same
 * message: the same refusals, and the same values from every typed accessor.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { SipParseError, parseMessage } from '@herald/sip';
import type { SipMessage } from '@herald/sip';
import { MESSAGES } from '../../../../bench/messages.js';

const DIR = new URL('../../../../../shared/testdata/rfc4475/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as Array<{ file: string }>;

/** The value, or the reason it was refused. */
function outcome<T>(read: () => T): T | string {
  try {
    return read();
  } catch (e) {
    if (e instanceof SipParseError) return 'error: ' + e.reason;
    throw e;
  }
}

/** Every typed accessor's value (or refusal), parameters as entry lists so deep equality compares contents. */
function accessors(m: SipMessage): unknown[] {
  const params = (p: Iterable<[string, string | null]>): unknown[] => [...p];
  const addr = (a: SipMessage['from']): unknown =>
    a === undefined
      ? undefined
      : [
          a.displayName,
          a.uri.scheme,
          a.uri.user,
          a.uri.host,
          a.uri.port,
          params(a.uri.params),
          a.uri.raw,
          params(a.params),
        ];
  return [
    outcome(() => {
      const v = m.topVia;
      return v === undefined ? undefined : [v.transport, v.host, v.port, v.branch, params(v.params)];
    }),
    outcome(() => m.via.length),
    outcome(() => addr(m.from)),
    outcome(() => addr(m.to)),
    outcome(() => {
      const c = m.contact;
      return c === undefined || c === '*' ? c : c.map(addr);
    }),
    outcome(() => m.callId),
    outcome(() => m.cseq),
    outcome(() => m.expires),
    outcome(() => m.event?.event),
    outcome(() => m.maxForwards),
    outcome(() => m.route.map(addr)),
    outcome(() => m.recordRoute.map(addr)),
    [...m.headers.entries()],
  ];
}

/** The parse of `wire`: its accessors, or the reason it was refused. */
function read(wire: Buffer): unknown {
  return outcome(() => accessors(parseMessage(wire)));
}

/** `wire` forced onto the text path: a non-ASCII octet after the message (beyond Content-Length, or in a body). */
const onTextPath = (wire: Buffer): Buffer => Buffer.concat([wire, Buffer.from('\u00e9', 'utf8')]);

t.test('the RFC 4475 messages: the octet path and the text path agree', (t) => {
  let compared = 0;
  for (const { file } of manifest) {
    const wire = readFileSync(new URL(file, DIR));
    // Only messages that are ASCII and carry a Content-Length stay the same message with an octet appended.
    const text = wire.toString('latin1');
    if (!/^[\x00-\x7f]*$/.test(text) || !/\r\n(content-length|l)[ \t]*:/i.test(text)) continue;
    t.same(read(onTextPath(wire)), read(wire), file);
    compared++;
  }
  t.ok(compared > 15, `compared ${compared} messages`);
  t.end();
});

t.test('the benchmark messages: the octet path and the text path agree', (t) => {
  for (const m of MESSAGES) {
    const wire = Buffer.from(m.text, 'latin1');
    const octets = read(wire);
    t.notOk(typeof octets === 'string', m.name + ' parses');
    t.same(read(onTextPath(wire)), octets, m.name);
  }
  t.end();
});

t.test('headers of unusual shapes: the octet path and the text path agree', (t) => {
  const lines = (extra: string[]): Buffer =>
    Buffer.from(
      [
        'OPTIONS sip:bob@example.com SIP/2.0',
        ...extra,
        'Call-ID: c1',
        'CSeq: 7 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
      'latin1',
    );
  const cases: string[][] = [
    [
      'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport;received=192.0.2.9',
      'From: <sip:a@b>;tag=1',
      'To: sip:c@d',
    ],
    [
      'v: SIP/2.0/TCP H.Example.COM;branch=z9hG4bK2',
      'f: "A \\"q\\"" <sips:a@b:5061;transport=tcp>;tag=x',
      't: B <sip:c@d>',
    ],
    ['Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK3', 'From: <sip:%61@b;lr>;tag=2', 'To: <tel:+123>'],
    ['Via: SIP / 2.0 / UDP h ; branch = z9hG4bK4', 'From : <sip:a@b:99999>;tag=3', 'To:\t<sip:c@d>\t'],
    [
      'Via: SIP/2.0/UDP h;branch=z9hG4bK5, SIP/2.0/UDP g;branch=z9hG4bK6',
      'From: <sip:a@b>;tag=4;tag=5',
      'To: <sip:c@d>;x="y;z"',
    ],
    [
      'Via: SIP/2.0/UDP h;branch=z9hG4bK7',
      'From: <sip:a@b>;tag=',
      'To: <sip:c@d>',
      'Contact: <sip:e@f;a=1;b=2;c=3;d=4;e=5;f=6;g=7;h=8;i=9;j=10;k=11>;q=0.5',
    ],
    ['Via: SIP/2.0/UDP h:0;branch=z9hG4bK8', 'From: sip:a@b;tag=6', 'To: <sip:c@d>', 'm: *', 'Expires: 0'],
    ['VIA: SIP/2.0/UDP h;BRANCH=z9hG4bK9', 'FROM: <SIP:A@B>;TAG=7', 'TO: <sip:c@d>', 'CONTACT: <sip:e@f>;EXPIRES=60'],
    ['Via: SIP/2.0/UDP h;branch=z9hG4bK10', 'From: <sip:a@b>;tag=8', 'To: <sip:c@d', 'Contact: <sip:e@[::1>'],
    ['Via: SIP/2.0/UDP h;;branch=z9hG4bK11', 'From: <sip:a@b>;;tag=9', 'To: <sip:c@d>;'],
    [
      'Via: SIP/2.0/UDP h;branch=z9hG4bK12',
      'From: <sip:a@b>;tag=10',
      'To: <sip:c@d>',
      'Route: <sip:p1@q;lr>, <sip:p2@q;lr>',
      'Record-Route: <sip:r@s;lr>',
    ],
  ];
  for (const extra of cases) {
    const wire = lines(extra);
    t.same(read(onTextPath(wire)), read(wire), extra.join(' | '));
  }
  t.end();
});
