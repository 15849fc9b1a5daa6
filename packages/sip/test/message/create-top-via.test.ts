/** createResponse shares the request's parsed top Via (RFC 3261 §8.2.6.2 copies every Via as it is). */
import t from 'tap';
import { createResponse, parseMessage, type SipRequest } from '@herald/sip';

const REQ =
  'SUBSCRIBE sip:bob@example.com SIP/2.0\r\n' +
  'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;rport=5060;received=10.0.0.9\r\n' +
  'Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-0\r\n' +
  'From: <sip:alice@example.com>;tag=a\r\nTo: <sip:bob@example.com>\r\n' +
  'Call-ID: c1\r\nCSeq: 1 SUBSCRIBE\r\nEvent: presence\r\nContent-Length: 0\r\n\r\n';

void t.test('the response reads the same top Via without parsing it again', async (t) => {
  const req = parseMessage(Buffer.from(REQ)) as SipRequest;
  const top = req.topVia;
  const res = createResponse(req, 200, 'OK', { toTag: 'b' });
  t.equal(res.topVia, top, 'the very object');
  t.equal(res.topVia?.received, '10.0.0.9');
  t.same(res.headers.getAll('Via'), req.headers.getAll('Via'), 'every Via copied in order');
});

void t.test('a request whose Via changed after parsing: the response has the new one', async (t) => {
  const req = parseMessage(Buffer.from(REQ)) as SipRequest;
  void req.topVia;
  req.headers.set('Via', ['SIP/2.0/TCP 192.0.2.7:5070;branch=z9hG4bK-2', 'SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-0']);
  const res = createResponse(req, 200);
  t.equal(res.topVia?.host, '192.0.2.7');
  t.equal(res.topVia?.branch, 'z9hG4bK-2');
  t.equal(res.topVia?.transport, 'TCP');
});

void t.test('changing the response Via drops the shared value', async (t) => {
  const req = parseMessage(Buffer.from(REQ)) as SipRequest;
  const res = createResponse(req, 200);
  res.headers.set('Via', 'SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK-9');
  t.equal(res.topVia?.host, '198.51.100.1');
  t.equal(req.topVia?.host, '10.0.0.1', 'the request keeps its own');
});

void t.test('a malformed top Via still throws from the response accessor', async (t) => {
  const bad = REQ.replace('Via: SIP/2.0/UDP 10.0.0.1:5060;', 'Via: SIP/2.0/UDP 10.0.0.1:99999;');
  let req: SipRequest;
  try {
    req = parseMessage(Buffer.from(bad)) as SipRequest;
  } catch {
    t.pass('rejected by the parser already');
    return;
  }
  const res = createResponse(req, 400);
  t.throws(() => res.topVia);
});
