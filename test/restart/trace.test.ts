// The sipp message-trace reading that the restart tests and the soak's
// figures rest on: messages split with their timestamps, NOTIFY retransmissions
// counted once, subscriptions created by their first 2xx, refresh failures,
// CSeq going backwards, and per-restart NOTIFY coverage.
import t from 'tap';
import { notifiesOf, parseTrace } from './harness.js';
import { restartWindows, watchedSubscriptions } from '../soak/analyse.js';

const block = (time: string, dir: 'sent' | 'received', lines: string[], body = ''): string =>
  `----------------------------------------------- 2026-11-23 ${time}\n` +
  (dir === 'sent' ? 'UDP message sent (100 bytes):\n\n' : 'UDP message received [100] bytes :\n\n') +
  `${lines.join('\r\n')}\r\nContent-Length: ${body.length}\r\n\r\n${body}\n`;

const ok = (time: string, callId: string, cseq: string, toTag = 'srv1'): string =>
  block(time, 'received', ['SIP/2.0 200 OK', `To: <sip:r0@h>;tag=${toTag}`, `Call-ID: ${callId}`, `CSeq: ${cseq}`]);
const notify = (time: string, callId: string, cseq: number, state = 'active;expires=300', body = ''): string =>
  block(
    time,
    'received',
    ['NOTIFY sip:w0@h SIP/2.0', `Call-ID: ${callId}`, `CSeq: ${cseq} NOTIFY`, `Subscription-State: ${state}`],
    body,
  );

t.test('parseTrace: direction, start line, headers, body, timestamp', async (t) => {
  const text =
    block('10:00:00.100000', 'sent', ['SUBSCRIBE sip:r0@h SIP/2.0', 'Call-ID: a', 'CSeq: 1 SUBSCRIBE']) +
    notify('10:00:00.250999', 'a', 7, 'active;expires=300', '<dialog-info version="3"/>');
  const [sent, got] = parseTrace(text);
  t.equal(sent?.direction, 'sent');
  t.equal(sent?.startLine, 'SUBSCRIBE sip:r0@h SIP/2.0');
  t.same(sent?.headers.get('cseq'), ['1 SUBSCRIBE']);
  t.equal(got?.direction, 'received');
  t.equal(got?.body, '<dialog-info version="3"/>');
  t.equal((got?.at ?? 0) - (sent?.at ?? 0), 150, 'timestamps to the millisecond');
  const [n] = notifiesOf(parseTrace(text + notify('10:00:01.000000', 'a', 7)));
  t.equal(notifiesOf(parseTrace(text + notify('10:00:01.000000', 'a', 7))).length, 1, 'a retransmission once');
  t.match(n, { callId: 'a', cseq: 7, state: 'active;expires=300', version: 3 });
});

t.test('watchedSubscriptions and restartWindows: the soak figures', async (t) => {
  const text =
    ok('10:00:01.000000', 'a', '1 SUBSCRIBE') +
    notify('10:00:01.001000', 'a', 100) +
    ok('10:00:01.500000', 'a', '1 SUBSCRIBE') + // retransmitted 2xx: not a refresh
    ok('10:00:02.000000', 'b', '1 SUBSCRIBE', 'srv2') +
    notify('10:00:02.001000', 'b', 200) +
    // kill at 10:00:05; the new process resyncs a only
    notify('10:00:06.000000', 'a', 101, 'active;expires=290', '<note>soak-restart-1</note>') +
    ok('10:00:08.000000', 'a', '5 SUBSCRIBE') +
    block('10:00:08.500000', 'received', ['SIP/2.0 481 No Subscription', 'Call-ID: b', 'CSeq: 6 SUBSCRIBE']) +
    notify('10:00:09.000000', 'a', 101) + // retransmission
    notify('10:00:09.500000', 'a', 99) + // backwards
    ok('10:00:20.000000', 'c', '1 SUBSCRIBE', 'srv3');
  const subs = watchedSubscriptions(parseTrace(text));
  const a = subs.get('a');
  t.match(a, { serverTag: 'srv1', refreshes: 1, failures: [], backwards: 1, terminated: false });
  t.equal(a?.notifies.length, 3, 'a: three distinct NOTIFYs');
  t.same(subs.get('b')?.failures, [481], 'b: its refresh was refused');
  const killedAt = Date.parse('2026-11-23T10:00:05.000');
  const [w] = restartWindows(subs, [{ killedAt, readyAt: killedAt + 700 }], Date.parse('2026-11-23T10:00:30'));
  t.same(
    w,
    { restart: 1, expected: 2, changeNotified: 1, anyNotify: 1, notifies: 2, downMs: 700 },
    'b heard nothing from the new process; c came after the kill',
  );
  t.same([...(a?.marks ?? [])], [1], 'the restart mark in a NOTIFY body');
});
