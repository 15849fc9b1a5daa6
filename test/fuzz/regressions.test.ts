/**
 * Every crash or broken property the fuzz harness found, with the exact
 * (shrunk) input, so it stays fixed. Each case runs the same property check
 * the fuzzer ran and asserts the specific outcome of the fix.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import {
  ManualClock,
  SipParseError,
  TransactionLayer,
  TransportLayer,
  createLoopPair,
  parseMessage,
} from '@herald/sip';
import { checkEndpoint } from './prop-endpoint.js';
import { checkLayer } from './prop-layer.js';
import { checkMessage } from './prop-parser.js';

t.test('parser/structured seed 42: a bare-LF response put its headers into the reason phrase', (t) => {
  // "SIP/2.0 100 \nVia: …\nContent-Length: 0\r\n\r\n": only the last line ends in CRLF, so the
  // whole header section was read as the status line's reason and the round trip changed it.
  const data = Buffer.from([
    83, 73, 80, 47, 50, 46, 48, 32, 49, 48, 48, 32, 10, 86, 105, 97, 58, 32, 83, 73, 80, 47, 50, 46, 48, 47, 85, 68, 80,
    32, 101, 120, 97, 109, 112, 108, 101, 46, 99, 111, 109, 10, 70, 114, 111, 109, 58, 32, 116, 101, 108, 58, 43, 49,
    45, 50, 48, 49, 45, 53, 53, 53, 45, 48, 49, 50, 51, 10, 84, 111, 58, 32, 115, 105, 112, 58, 97, 10, 67, 97, 108,
    108, 45, 73, 68, 58, 32, 48, 10, 67, 83, 101, 113, 58, 32, 48, 32, 73, 78, 86, 73, 84, 69, 10, 67, 111, 110, 116,
    101, 110, 116, 45, 76, 101, 110, 103, 116, 104, 58, 32, 48, 13, 10, 13, 10,
  ]);
  t.throws(() => parseMessage(data), SipParseError, 'RFC 3261 §25.1: a Reason-Phrase holds no CR or LF');
  t.equal(checkMessage(data), 'rejected');
  t.end();
});

/** The CANCEL of transaction/layer seed 5: its From has a NUL inside the angle brackets. */
const CANCEL_BAD_FROM =
  'CANCEL sip:bob@127.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-fz-1\r\nMax-Forwards: 70\r\n' +
  'From: <\0sip:alice@127.0.0.1>;tag=f0\r\nTo: <sip:bob@127.0.0.2>\r\nCall-ID: fz-0\r\nCSeq: 0 CANCEL\r\n' +
  'Content-Length: 0\r\n\r\n';

t.test(
  'transaction/layer seed 5: a CANCEL with a malformed From threw from Timer J when its transaction ended',
  async (t) => {
    // The layer created a server transaction for the CANCEL (481) without reading From; when Timer J
    // ended it, forgetServer parsed From for the merge key and the SipParseError escaped a timer callback.
    const clock = new ManualClock();
    const [a, b] = createLoopPair({ clock, protocol: 'udp' });
    const tb = new TransportLayer({ transports: [b] });
    const uas = new TransactionLayer({
      clock,
      transport: tb,
      onRequest: () => t.fail('a CANCEL is not handed to the TU'),
      onStrayResponse: () => undefined,
    });
    tb.onMessage(({ message, source }) => uas.receive(message, source));
    await a.send(Buffer.from(CANCEL_BAD_FROM, 'latin1'), a.flow);
    await new Promise((resolve) => setImmediate(resolve));
    t.doesNotThrow(() => clock.advance(64 * 500), 'no exception out of the transaction timers');
    t.equal(uas.serverCount, 0, 'no server transaction left');
    t.equal(clock.pending, 0, 'no timer left');
    uas.close();

    // And the whole fuzz case, as found.
    await checkLayer({
      protocol: 'udp',
      policy: [100],
      steps: [{ kind: 'inject', toB: true, bytes: Buffer.from(CANCEL_BAD_FROM, 'latin1') }],
    });
  },
);

/** RFC 4475 insuf.dat with a CR inserted into the Via branch (transaction/endpoint seed 6). */
const BARE_CR_IN_VIA =
  'INVITE sip:user@example.com SIP/2.0\r\nCSeq: 193942 INVITE\r\n' +
  'Via: SIP/2.0/UDP 192.0.2.95;branch=\rz9hG4bKkdj.insuf\r\nContent-Type: application/sdp\r\nl: 152\r\n\r\n' +
  'v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.95\r\ns=-\r\nc=IN IP4 192.0.2.95\r\nt=0 0\r\n' +
  'm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n';

t.test('transaction/endpoint seed 6: a bare CR inside a Via value made the transport layer throw', async (t) => {
  // The parser kept the CR in the value; TransportLayer.receive stamped `received` and
  // headers.set refused the value with a TypeError (the UDP transport logged and dropped it).
  const data = Buffer.from(BARE_CR_IN_VIA, 'latin1');
  t.throws(() => parseMessage(data), SipParseError, 'RFC 3261 §7.3.1: a CR only ends a header line');
  t.equal(checkMessage(data), 'rejected');
  await checkEndpoint({ protocol: 'udp', policy: [[100, false]], steps: [{ kind: 'inject', bytes: data }] });
});

t.test(
  'transaction/endpoint seed 62097234: ~1000 Via values in one line got an answer with ~1000 Via lines',
  async (t) => {
    // RFC 4475 wsinv.dat with its `v:` line repeated into one line of about a thousand comma-separated
    // values. The line counted once against maxHeaders (256); stamping `received` wrote one line per
    // value, so the endpoint's answer had more header lines than a parser with the same limit takes.
    const data = readFileSync(new URL('fixtures/wsinv-1000-vias.dat', import.meta.url));
    let refused: unknown;
    try {
      parseMessage(data);
    } catch (err) {
      refused = err;
    }
    t.ok(
      refused instanceof SipParseError && refused.reason === 'Too Many Header Fields',
      'each Via value counts as a header field',
    );
    await checkEndpoint({ protocol: 'udp', policy: [[100, false]], steps: [{ kind: 'inject', bytes: data }] });
    const vias = Array.from({ length: 200 }, (_, i) => `SIP/2.0/UDP h${i}.example.com;branch=z9hG4bK${i}`).join(', ');
    const ok = `OPTIONS sip:a@b SIP/2.0\r\nVia: ${vias}\r\nFrom: <sip:c@d>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n`;
    t.equal(parseMessage(ok).via.length, 200, '200 Via values in one line are still fine');
  },
);
