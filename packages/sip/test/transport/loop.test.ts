import t from 'tap';
import {
  createLoopPair,
  createRequest,
  createResponse,
  ManualClock,
  serializeMessage,
  TransportLayer,
  type IncomingMessage,
  type SipRequest,
} from '@herald/sip';

function options(method = 'OPTIONS', branch = 'z9hG4bKloop'): SipRequest {
  return createRequest({
    method,
    uri: 'sip:bob@example.test',
    headers: [
      ['Via', `SIP/2.0/UDP 127.0.0.1:5060;branch=${branch}`],
      ['From', '<sip:alice@example.test>;tag=a'],
      ['To', '<sip:bob@example.test>'],
      ['Call-ID', `loop-${branch}`],
      ['CSeq', `1 ${method}`],
    ],
  });
}

const toB = { transport: 'udp' as const, address: '127.0.0.2', port: 5060 };

void t.test('udp loop pair: bytes go through the parser, flows name both ends', async (t) => {
  const clock = new ManualClock();
  const [a, b] = createLoopPair({ clock, protocol: 'udp' });
  const got: IncomingMessage[] = [];
  b.onMessage((m) => got.push(m));
  const flow = await a.send(serializeMessage(options()), toB);
  t.same(flow, { transport: 'udp', local: a.local, remote: b.local });
  t.equal(got.length, 1, 'delivered before the awaited send resumes');
  t.not(got[0].message, a.sent[0], 'the receiver gets its own parsed copy');
  t.equal((got[0].message as SipRequest).method, 'OPTIONS');
  t.same(got[0].source, { transport: 'udp', local: b.local, remote: a.local });
  t.equal(a.reliable, false);
  t.equal(a.sent.length, 1);
  t.equal(b.received.length, 1);
});

void t.test('tcp loop pair: reliable, one connection id on both ends', async (t) => {
  const clock = new ManualClock();
  const [a, b] = createLoopPair({ clock, protocol: 'tcp' });
  const got: IncomingMessage[] = [];
  b.onMessage((m) => got.push(m));
  const flow = await a.send(serializeMessage(options()), { transport: 'tcp', address: '127.0.0.2', port: 5060 });
  t.equal(a.reliable, true);
  t.type(flow.connectionId, 'string');
  t.equal(got[0].source.connectionId, flow.connectionId);
  await b.close();
  await t.rejects(
    a.send(serializeMessage(options()), toB),
    { name: 'TransportError' },
    'a closed tcp peer fails the send',
  );
});

void t.test('knobs: drop, dropNext, fail, delay on the Clock', async (t) => {
  const clock = new ManualClock();
  const [a, b] = createLoopPair({ clock, protocol: 'udp' });
  const got: string[] = [];
  b.onMessage((m) => got.push((m.message as SipRequest).method));

  a.dropNext();
  await a.send(serializeMessage(options('OPTIONS', 'z9hG4bK1')), toB);
  a.drop = (m) => m.kind === 'request' && m.method === 'NOTIFY';
  await a.send(serializeMessage(options('NOTIFY', 'z9hG4bK2')), toB);
  await a.send(serializeMessage(options('MESSAGE', 'z9hG4bK3')), toB);
  t.same(got, ['MESSAGE'], 'the first and the NOTIFY were lost');
  t.equal(a.sent.length, 3, 'dropped messages are still recorded as sent');

  a.drop = false;
  a.fail = (m) => m.kind === 'request' && m.method === 'INFO';
  await t.rejects(a.send(serializeMessage(options('INFO', 'z9hG4bK4')), toB), { name: 'TransportError' });
  t.equal(a.sent.length, 3, 'failed sends are not recorded');
  a.fail = false;

  a.delayMs = 100;
  await a.send(serializeMessage(options('PUBLISH', 'z9hG4bK5')), toB);
  clock.advance(99);
  t.same(got, ['MESSAGE'], 'not yet');
  clock.advance(1);
  t.same(got, ['MESSAGE', 'PUBLISH'], 'delivered after the delay');

  a.delayMs = 0;
  await a.send(Buffer.from('not sip\r\n\r\n'), toB);
  await a.send(Buffer.from('\r\n\r\n'), toB);
  t.same(got, ['MESSAGE', 'PUBLISH'], 'junk and keep-alives are not delivered');
});

void t.test('loop pair under two TransportLayers: request and response round trip', async (t) => {
  const clock = new ManualClock();
  const [a, b] = createLoopPair({ clock, protocol: 'udp' });
  const uac = new TransportLayer({ transports: [a] });
  const uas = new TransportLayer({ transports: [b] });
  await Promise.all([uac.listen(), uas.listen()]);
  t.teardown(() => Promise.all([uac.close(), uas.close()]));
  const responses: IncomingMessage[] = [];
  uac.onMessage((m) => responses.push(m));
  uas.onMessage((m) => {
    if (m.message.kind === 'request')
      void uas.sendResponse(createResponse(m.message, 200, 'OK', { toTag: 'u' }), m.source);
  });
  const flow = await uac.sendRequest(options('SUBSCRIBE', 'z9hG4bKsub'), toB);
  t.equal(flow.transport, 'udp');
  t.equal(a.sent[0].headers.get('Via'), 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsub;rport');
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(responses.length, 1, 'the response came back and passed the Via check');
  const res = responses[0].message;
  t.equal(res.kind === 'response' && res.status, 200);
  t.equal(res.topVia?.rport, 5060, 'the UAS side stamped rport');
  t.equal(res.topVia?.received, '127.0.0.1');
});

t.test('an unparsable request over the loop is answered 400, like the wire', async (t) => {
  const clock = new ManualClock();
  const [a, b] = createLoopPair({ clock, protocol: 'udp' });
  const got: string[] = [];
  a.onMessage((inc) => {
    if (inc.message.kind === 'response') got.push(`${inc.message.status} ${inc.message.reason}`);
  });
  b.onMessage(() => undefined);
  const twoContentTypes = [
    'PUBLISH sip:a@example.test SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKdup',
    'From: <sip:a@example.test>;tag=1',
    'To: <sip:a@example.test>',
    'Call-ID: dup',
    'CSeq: 1 PUBLISH',
    'Content-Type: text/plain',
    'Content-Type: text/plain',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  await a.send(Buffer.from(twoContentTypes), { transport: 'udp', address: '127.0.0.2', port: 5060 });
  for (let i = 0; i < 10; i++) await Promise.resolve();
  t.equal(got.length, 1);
  t.match(got[0], /^400 /);
});
