import t from 'tap';
import { createRequest, createResponse, type SipRequest } from '@herald/sip';
import { chooseBest } from '../../src/proxy/best-response.js';
import { BranchMaker, forwardCopy, upstreamCopy } from '../../src/proxy/forward.js';

function invite(uri = 'sip:bob@example.test'): SipRequest {
  return createRequest({
    method: 'INVITE',
    uri,
    headers: [
      ['Via', 'SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKcaller'],
      ['Max-Forwards', '70'],
      ['From', '<sip:alice@example.test>;tag=a1'],
      ['To', '<sip:bob@example.test>'],
      ['Call-ID', 'c1'],
      ['CSeq', '1 INVITE'],
      ['Proxy-Authorization', 'Digest username="alice", realm="example.test", nonce="n"'],
      ['Proxy-Authorization', 'Digest username="alice", realm="other", nonce="n"'],
    ],
  });
}

t.test('forwardCopy: Request-URI, Max-Forwards, Record-Route, Via on top, our credentials consumed', async (t) => {
  const req = invite();
  const copy = forwardCopy(req, {
    uri: 'sip:bob@10.0.0.3',
    branch: 'z9hG4bKx',
    recordRoute: '<sip:10.0.0.1;lr>',
    consumedRealm: 'example.test',
  });
  t.equal(copy.requestUri, 'sip:bob@10.0.0.3');
  t.equal(copy.maxForwards, 69);
  t.equal(copy.headers.get('Record-Route'), '<sip:10.0.0.1;lr>');
  t.same(
    copy.via.map((v) => v.branch),
    ['z9hG4bKx', 'z9hG4bKcaller'],
  );
  t.same(copy.headers.getAll('Proxy-Authorization').length, 1, 'only the other realm is passed on');
  t.equal(req.requestUri, 'sip:bob@example.test', 'the original is untouched');
  const res = createResponse(copy, 180, 'Ringing', { toTag: 'b1' });
  t.same(
    upstreamCopy(res).via.map((v) => v.branch),
    ['z9hG4bKcaller'],
    'our Via is removed from the response',
  );
});

t.test('BranchMaker: same request back with our branch = loop; changed Request-URI = spiral', async (t) => {
  const maker = new BranchMaker();
  const req = invite();
  const key = maker.loopKey(req);
  const back = forwardCopy(req, { branch: maker.next(key) });
  t.ok(maker.isLoop(back), 'loop');
  const spiral = forwardCopy(req, { uri: 'sip:bob-fwd@example.test', branch: maker.next(key) });
  t.notOk(maker.isLoop(spiral), 'spiral: the key differs');
  t.notOk(new BranchMaker().isLoop(back), "another proxy's branch is not ours");
  t.not(maker.next(key), maker.next(key), 'each branch is unique');
});

t.test('chooseBest: 6xx first, then the lowest class, helpful 4xx before others', async (t) => {
  const req = invite();
  const r = (status: number) => createResponse(req, status);
  t.equal(chooseBest([r(486), r(603), r(302)])?.status, 603);
  t.equal(chooseBest([r(486), r(500), r(302)])?.status, 302);
  t.equal(chooseBest([r(486), r(407), r(480)])?.status, 407);
  t.equal(chooseBest([r(503), r(486)])?.status, 486);
  t.equal(chooseBest([]), undefined);
});
