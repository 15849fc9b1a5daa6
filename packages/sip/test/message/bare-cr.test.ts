/**
 * RFC 3261 §7.3.1: CR only ends a header line. The scan leaves the search for
 * a bare CR in the lines whose value is checked char by char on the way (top
 * Via, From, To, CSeq, Content-Length, Max-Forwards) to that check: a CR put
 * anywhere in any line, on the octet path and the text path, must still fail
 * the message.
 */
import t from 'tap';
import { SipParseError, parseMessage } from '@herald/sip';

const LINES = [
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1;rport',
  'v: SIP/2.0/UDP 192.0.2.11;branch=z9hG4bK-2',
  'Max-Forwards: 70',
  'From: "Alice A" <sip:alice@example.com>;tag=7d9b2c41',
  'To: <sip:bob@example.com>',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 2 OPTIONS',
  'Contact: <sip:alice@192.0.2.10:5060>',
  'P-Asserted-Identity: <sip:alice@example.com>',
  'X-Custom: value',
  'Content-Length: 0',
];

const wire = (lines: string[], nonAscii: boolean): Buffer =>
  Buffer.concat([
    Buffer.from(['OPTIONS sip:bob@example.com SIP/2.0', ...lines, '', ''].join('\r\n'), 'latin1'),
    // An octet after Content-Length's end sends the message through its decoded text.
    nonAscii ? Buffer.from('\u00e9', 'utf8') : Buffer.alloc(0),
  ]);

t.test('the message without a CR parses on both paths', (t) => {
  for (const nonAscii of [false, true]) t.doesNotThrow(() => parseMessage(wire(LINES, nonAscii)));
  t.end();
});

t.test('a bare CR anywhere in any header line fails the message', (t) => {
  for (let k = 0; k < LINES.length; k++) {
    const line = LINES[k] as string;
    for (let at = 0; at <= line.length; at++) {
      // Keep the line non-empty and not a continuation, so only the CR can be at fault.
      if (at === 0) continue;
      for (const [nonAscii, replace] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ]) {
        const lines = [...LINES];
        // Inserted, or in place of a char (a CR folded to lower case is '-': `Max\rForwards`).
        lines[k] = line.slice(0, at) + '\r' + line.slice(replace ? at + 1 : at);
        t.throws(
          () => parseMessage(wire(lines, nonAscii)),
          SipParseError,
          `${JSON.stringify(lines[k])} ${nonAscii ? 'text' : 'octets'}`,
        );
      }
    }
  }
  t.end();
});

t.test('a bare CR in a second Via, From or To line fails the message as well', (t) => {
  for (const extra of ['Via: SIP/2.0/UDP h;bra\rnch=z9hG4bK-3', 'From: <sip:a@\rb>', 'To: <sip:c@d>;tag=\r1']) {
    t.throws(() => parseMessage(wire([...LINES, extra], false)), SipParseError, JSON.stringify(extra));
  }
  t.end();
});

t.test('a bare CR in a folded continuation of a checked header fails the message', (t) => {
  const lines = [...LINES];
  lines[3] = 'From: "Alice A"';
  lines.splice(4, 0, ' <sip:alice@exa\rmple.com>;tag=1');
  t.throws(() => parseMessage(wire(lines, false)), SipParseError);
  lines[4] = ' <sip:alice@example.com>;tag=1';
  t.doesNotThrow(() => parseMessage(wire(lines, false)), 'the same fold without the CR parses');
  t.end();
});
