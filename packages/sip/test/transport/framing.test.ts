import t from 'tap';
import { contentLength, findHeadEnd, StreamFramer, type FrameEvent } from '../../src/transport/framing.js';

const body = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n';
const withBody = Buffer.from(
  'MESSAGE sip:bob@example.test SIP/2.0\r\n' +
    'Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK1\r\n' +
    'From: <sip:alice@example.test>;tag=a\r\n' +
    'To: <sip:bob@example.test>\r\n' +
    'Call-ID: c1\r\n' +
    'CSeq: 1 MESSAGE\r\n' +
    'Content-Type: application/sdp\r\n' +
    `Content-Length: ${body.length}\r\n` +
    '\r\n' +
    body,
);
const compact = Buffer.from('OPTIONS sip:x SIP/2.0\r\nv: SIP/2.0/TCP h;branch=z9hG4bK2\r\nL : 3\r\n\r\nabc');
const noBody = Buffer.from('SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\ncontent-length:0\r\n\r\n');

function messages(events: FrameEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'message' ? [e.data.toString('latin1')] : []));
}

void t.test('a message with a body split at every byte offset frames the same', (t) => {
  const wrong: number[] = [];
  for (let cut = 0; cut <= withBody.length; cut++) {
    const f = new StreamFramer();
    const events = [...f.push(withBody.subarray(0, cut)), ...f.push(withBody.subarray(cut))];
    const got = messages(events);
    if (got.length !== 1 || got[0] !== withBody.toString('latin1') || f.buffered !== 0) wrong.push(cut);
  }
  t.same(wrong, [], `all ${withBody.length + 1} cut points give exactly the message`);
  t.end();
});

void t.test('a message fed one byte at a time', (t) => {
  const f = new StreamFramer();
  const events: FrameEvent[] = [];
  for (const b of withBody) events.push(...f.push(Buffer.from([b])));
  t.same(messages(events), [withBody.toString('latin1')]);
  t.end();
});

void t.test('several messages in one chunk, with leading CRLFs between them', (t) => {
  const f = new StreamFramer();
  const chunk = Buffer.concat([Buffer.from('\r\n'), withBody, compact, Buffer.from('\r\n'), noBody, withBody]);
  const events = f.push(chunk);
  t.same(
    messages(events),
    [withBody, compact, noBody, withBody].map((b) => b.toString('latin1')),
  );
  t.equal(events.filter((e) => e.type === 'pong').length, 2, 'stray CRLFs are reported as pongs');
  t.equal(f.buffered, 0);
  t.end();
});

void t.test('the compact l: header is read, case-insensitively, with space before the colon', (t) => {
  t.equal(contentLength(Buffer.from('INVITE x SIP/2.0\r\nL : 3\r\n\r\n')), 3);
  t.equal(contentLength(Buffer.from('INVITE x SIP/2.0\r\nCONTENT-length:  12 \r\n\r\n')), 12);
  t.equal(contentLength(Buffer.from('INVITE x SIP/2.0\r\nVia: a\r\n\r\n')), 'Missing Content-Length');
  t.equal(
    contentLength(Buffer.from('INVITE x SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\n')),
    'Conflicting Content-Length',
  );
  t.equal(contentLength(Buffer.from('INVITE x SIP/2.0\r\nl: -1\r\n\r\n')), 'Bad Content-Length');
  t.equal(contentLength(Buffer.from('INVITE x SIP/2.0\r\nX-Length: 9\r\nl: 0\r\n\r\n')), 0);
  t.end();
});

void t.test('findHeadEnd finds the empty line (CRLF, leniently LF)', (t) => {
  t.equal(findHeadEnd(Buffer.from('A\r\nB\r\n\r\nbody')), 8);
  t.equal(findHeadEnd(Buffer.from('A\nB\n\nbody')), 5);
  t.equal(findHeadEnd(Buffer.from('A\r\nB\r\n')), -1);
  t.equal(findHeadEnd(Buffer.from('A\r\nB\r\n\r')), -1);
  t.end();
});

void t.test('CRLFCRLF is a ping, also when split; a lone CRLF is a pong', (t) => {
  const f = new StreamFramer();
  t.same(f.push(Buffer.from('\r\n\r\n')), [{ type: 'ping' }]);
  t.same(f.push(Buffer.from('\r\n')), [], 'waits: may be the first half of a ping');
  t.same(f.push(Buffer.from('\r\n')), [{ type: 'ping' }]);
  t.same(f.push(Buffer.from('\r\n\r')), []);
  t.same(f.push(Buffer.from('\n')), [{ type: 'ping' }]);
  const events = f.push(Buffer.concat([Buffer.from('\r\n'), noBody]));
  t.same(
    events.map((e) => e.type),
    ['pong', 'message'],
  );
  t.end();
});

void t.test('a missing Content-Length is an error carrying the header block', (t) => {
  const f = new StreamFramer();
  const head = 'OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK3\r\n\r\n';
  const events = f.push(Buffer.from(head + 'trailing'));
  t.equal(events.length, 1);
  const ev = events[0];
  t.equal(ev.type, 'error');
  if (ev.type === 'error') {
    t.equal(ev.status, 400);
    t.equal(ev.reason, 'Missing Content-Length');
    t.equal(ev.head?.toString(), head);
  }
  t.same(f.push(noBody), [], 'a failed framer ignores further input');
  t.end();
});

void t.test('headers without end past the buffer cap are an error', (t) => {
  const f = new StreamFramer({ maxBuffered: 100 });
  t.same(f.push(Buffer.from('INVITE sip:x SIP/2.0\r\n')), []);
  let events: FrameEvent[] = [];
  for (let i = 0; i < 10 && events.length === 0; i++) events = f.push(Buffer.from('X-Pad: 0123456789\r\n'));
  t.equal(events.length, 1);
  t.match(events[0], { type: 'error', status: 413 });
  t.equal(f.buffered, 0, 'buffer released');
  t.end();
});

void t.test('an announced body past the buffer cap is an error before it arrives', (t) => {
  const f = new StreamFramer({ maxBuffered: 200 });
  const events = f.push(Buffer.from('MESSAGE sip:x SIP/2.0\r\nContent-Length: 100000\r\n\r\n'));
  t.match(events, [{ type: 'error', status: 413, reason: 'Message Too Large' }]);
  t.end();
});
