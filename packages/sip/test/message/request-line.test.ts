/**
 * The Request-Line is read in place when it is the usual shape (known method,
 * `SIP/2.0`); every other shape goes through the general reader, and both
 * must agree on what they accept and on the reason they give.
 */
import t from 'tap';
import { SipParseError, parseMessage } from '@herald/sip';

const wire = (first: string): string =>
  first +
  '\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\n' +
  'CSeq: 1 ' +
  (first.split(' ')[0] ?? '') +
  '\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n';

/** The method and Request-URI parsed, or the failure reason. */
function outcome(first: string): string {
  try {
    const m = parseMessage(wire(first));
    return m.kind === 'request' ? `${m.method} ${m.requestUri} ${m.version}` : 'response';
  } catch (e) {
    return e instanceof SipParseError ? `${e.status} ${e.reason}` : String(e);
  }
}

t.test('usual and unusual request lines', (t) => {
  const cases: Array<[string, string]> = [
    ['SUBSCRIBE sip:bob@example.com SIP/2.0', 'SUBSCRIBE sip:bob@example.com SIP/2.0'],
    ['INFO sip:h SIP/2.0', 'INFO sip:h SIP/2.0'],
    ['ACK tel:+1234 SIP/2.0', 'ACK tel:+1234 SIP/2.0'],
    ['FOO sip:h SIP/2.0', 'FOO sip:h SIP/2.0'],
    ['NOTIFY2 sip:h SIP/2.0', 'NOTIFY2 sip:h SIP/2.0'],
    ['invite sip:h SIP/2.0', 'invite sip:h SIP/2.0'],
    ['INVITE sip:h sip/2.0', 'INVITE sip:h SIP/2.0'],
    ['INVITE sip:h SIP/2.1', '505 Version Not Supported'],
    ['INVITE sip:h SIP/2.0 ', '400 Malformed Request-Line'],
    ['INVITE  sip:h SIP/2.0', '400 Malformed Request-Line'],
    ['INVITE sip:h  SIP/2.0', '400 Malformed Request-Line'],
    ['INVITE <sip:h> SIP/2.0', '400 Malformed Request-URI'],
    ['INVITE sip:h\u007f SIP/2.0', '400 Malformed Request-URI'],
    ['INVITE 1sip:h SIP/2.0', '400 Malformed Request-URI'],
    ['INVITE sip SIP/2.0', '400 Malformed Request-URI'],
    ['INVITE s:p SIP/2.0', 'INVITE s:p SIP/2.0'],
    ['INV@TE sip:h SIP/2.0', '400 Malformed method'],
    ['INVITE sip:h SIP/2.0X', '400 Malformed Request-Line'],
    ['INVITE SIP/2.0', '400 Malformed Request-Line'],
  ];
  for (const [first, want] of cases) t.equal(outcome(first), want, JSON.stringify(first));
  t.end();
});

t.test('a known method is the same string the CSeq carries', (t) => {
  const m = parseMessage(wire('PUBLISH sip:h SIP/2.0'));
  t.equal(m.kind === 'request' ? m.method : '', 'PUBLISH');
  t.equal(m.cseq?.method, 'PUBLISH');
  t.end();
});
