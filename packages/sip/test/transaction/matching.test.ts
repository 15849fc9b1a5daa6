import t from 'tap';
import type { SipRequest } from '@herald/sip';
import { ManualClock, TransactionLayer, createResponse } from '@herald/sip';
import { FakeTransport, peerRequest, udpFlow, serverLayer } from './fixtures/index.js';

const setup = () => serverLayer();

const sentStatuses = (transport: FakeTransport) =>
  transport
    .responses()
    .map((s) => (s.message.kind === 'response' ? `${s.message.status} ${s.message.cseq?.method}` : ''));

void t.test('server matching: branch + sent-by + method (§17.2.3)', (t) => {
  const { layer, requests } = setup();
  // In-dialog requests (To tag) so merged-request detection stays out of the way.
  const req = (init: Parameters<typeof peerRequest>[0]) => peerRequest({ toTag: 'd', ...init });
  layer.receive(req({ method: 'OPTIONS', branch: 'z9hG4bKm' }), udpFlow);
  layer.receive(req({ method: 'OPTIONS', branch: 'z9hG4bKm' }), udpFlow);
  t.equal(requests.length, 1, 'same branch, sent-by, method: retransmission');
  layer.receive(req({ method: 'OPTIONS', branch: 'z9hG4bKm', host: '192.0.2.99:5070' }), udpFlow);
  t.equal(requests.length, 2, 'other sent-by: another transaction');
  layer.receive(req({ method: 'INFO', branch: 'z9hG4bKm' }), udpFlow);
  t.equal(requests.length, 3, 'other method: another transaction');
  layer.receive(req({ method: 'OPTIONS', branch: 'z9hG4bKm2' }), udpFlow);
  t.equal(requests.length, 4, 'other branch: another transaction');
  t.equal(layer.serverCount, 4);
  layer.close();
  t.end();
});

void t.test('RFC 2543 fallback without magic cookie: Request-URI, tags, Call-ID, CSeq, top Via (§17.2.3)', (t) => {
  const { transport, layer, requests, strayAcks } = setup();
  const invite = peerRequest({ branch: null, callId: 'old-1' });
  layer.receive(invite, udpFlow);
  t.equal(requests.length, 1);
  layer.receive(peerRequest({ branch: null, callId: 'old-1' }), udpFlow);
  t.equal(requests.length, 1, 'retransmission matched without a branch');
  t.equal(transport.sent.length, 0);
  // Same From tag, Call-ID and CSeq but another top Via or Request-URI: no match, so a merged request.
  layer.receive(peerRequest({ branch: '1234', callId: 'old-1' }), udpFlow);
  layer.receive(peerRequest({ branch: null, callId: 'old-1', uri: 'sip:carol@example.test' }), udpFlow);
  t.equal(requests.length, 1);
  t.equal(transport.responses(482).length, 2, 'top Via and Request-URI are part of the match');
  layer.receive(peerRequest({ branch: null, callId: 'old-2' }), udpFlow);
  layer.receive(peerRequest({ branch: null, callId: 'old-1', cseq: 2 }), udpFlow);
  layer.receive(peerRequest({ branch: null, callId: 'old-1', toTag: 'zz' }), udpFlow);
  t.equal(requests.length, 4, 'Call-ID, CSeq and To tag each tell transactions apart');
  const tx = requests[0]!.tx;
  tx.respond(createResponse(invite, 404, 'Not Found', { toTag: 'srv' }));
  layer.receive(peerRequest({ method: 'ACK', branch: null, callId: 'old-1', toTag: 'other' }), udpFlow);
  t.equal(tx.state, 'completed', 'ACK with another To tag does not match');
  t.equal(strayAcks.length, 1);
  layer.receive(peerRequest({ method: 'ACK', branch: null, callId: 'old-1', toTag: 'srv' }), udpFlow);
  t.equal(tx.state, 'confirmed', 'ACK with the To tag of the response matches the INVITE');
  t.equal(transport.responses(404).length, 1);
  layer.close();
  t.end();
});

void t.test('ACK for a non-2xx matches the IST; ACK for a 2xx (new branch) is stray', (t) => {
  const { layer, requests, strayAcks } = setup();
  const invite = peerRequest({ branch: 'z9hG4bKa' });
  layer.receive(invite, udpFlow);
  layer.receive(peerRequest({ method: 'ACK', branch: 'z9hG4bKa', toTag: 't' }), udpFlow);
  t.equal(requests[0]!.tx.state, 'proceeding', 'an ACK before a final response is ignored');
  requests[0]!.tx.respond(createResponse(invite, 603, 'Decline', { toTag: 't' }));
  layer.receive(peerRequest({ method: 'ACK', branch: 'z9hG4bKa', toTag: 't' }), udpFlow);
  t.equal(requests[0]!.tx.state, 'confirmed');
  layer.receive(peerRequest({ method: 'ACK', branch: 'z9hG4bKb', toTag: 't', callId: 'c2' }), udpFlow);
  t.equal(strayAcks.length, 1);
  t.equal(requests.length, 1, 'an ACK never creates a transaction');
  layer.close();
  t.end();
});

void t.test('CANCEL matching an IST: 200 to the CANCEL, onCancel, TU answers 487 (RFC 3261 §9.2)', (t) => {
  const { transport, layer, requests } = setup();
  const invite = peerRequest({ branch: 'z9hG4bKc' });
  layer.receive(invite, udpFlow);
  const tx = requests[0]!.tx;
  tx.respond(createResponse(invite, 180, 'Ringing', { toTag: 'ring' }));
  const cancels: SipRequest[] = [];
  tx.onCancel = (cancel) => {
    cancels.push(cancel);
    tx.respond(createResponse(invite, 487, 'Request Terminated', { toTag: 'ring' }));
  };
  layer.receive(peerRequest({ method: 'CANCEL', branch: 'z9hG4bKc' }), udpFlow);
  t.equal(cancels.length, 1);
  t.equal(cancels[0]?.method, 'CANCEL');
  t.same(sentStatuses(transport), ['180 INVITE', '200 CANCEL', '487 INVITE']);
  const ok = transport.responses(200)[0]!.message;
  t.equal(
    ok.kind === 'response' ? ok.to?.params.get('tag') : '',
    'ring',
    '200 to CANCEL reuses the To tag of the INVITE response',
  );
  t.equal(requests.length, 1, 'CANCEL is not handed to onRequest');
  layer.receive(peerRequest({ method: 'CANCEL', branch: 'z9hG4bKc' }), udpFlow);
  t.same(
    sentStatuses(transport),
    ['180 INVITE', '200 CANCEL', '487 INVITE', '200 CANCEL'],
    'CANCEL retransmission: its own transaction resends 200',
  );
  t.equal(cancels.length, 1);
  t.equal(tx.state, 'completed');
  layer.close();
  t.end();
});

void t.test(
  'CANCEL without onCancel: the layer answers 487 itself; after a final response CANCEL changes nothing',
  (t) => {
    const { transport, layer, requests } = setup();
    const invite = peerRequest({ branch: 'z9hG4bKd' });
    layer.receive(invite, udpFlow);
    layer.receive(peerRequest({ method: 'CANCEL', branch: 'z9hG4bKd' }), udpFlow);
    t.same(sentStatuses(transport), ['200 CANCEL', '487 INVITE']);
    t.equal(requests[0]!.tx.state, 'completed');

    const invite2 = peerRequest({ branch: 'z9hG4bKe', callId: 'c-e' });
    layer.receive(invite2, udpFlow);
    const tx2 = requests[1]!.tx;
    tx2.respond(createResponse(invite2, 200, 'OK', { toTag: 'ok' }));
    let cancelled = false;
    tx2.onCancel = () => (cancelled = true);
    layer.receive(peerRequest({ method: 'CANCEL', branch: 'z9hG4bKe', callId: 'c-e' }), udpFlow);
    t.equal(cancelled, false);
    t.equal(tx2.state, 'accepted');
    t.same(sentStatuses(transport).slice(2), ['200 INVITE', '200 CANCEL']);
    layer.close();
    t.end();
  },
);

void t.test('CANCEL matching nothing: 481 (RFC 3261 §9.2)', (t) => {
  const { transport, layer, requests } = setup();
  layer.receive(peerRequest({ method: 'CANCEL', branch: 'z9hG4bKnothing' }), udpFlow);
  t.same(sentStatuses(transport), ['481 CANCEL']);
  const res = transport.responses(481)[0]!.message;
  t.ok(res.kind === 'response' && res.to?.params.get('tag'), '481 carries a To tag');
  t.equal(requests.length, 0);
  layer.close();
  t.end();
});

void t.test('merged request: no To tag, same From tag, Call-ID, CSeq, other branch → 482 (RFC 3261 §8.2.2.2)', (t) => {
  const { transport, layer, requests } = setup();
  layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKp1' }), udpFlow);
  layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKp2' }), udpFlow);
  t.equal(requests.length, 1);
  t.same(sentStatuses(transport), ['482 SUBSCRIBE']);
  const res = transport.responses(482)[0]!.message;
  t.equal(res.kind === 'response' ? res.reason : '', 'Loop Detected');
  t.equal(res.kind === 'response' ? res.topVia?.branch : '', 'z9hG4bKp2');
  layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKp2' }), udpFlow);
  t.same(sentStatuses(transport), ['482 SUBSCRIBE', '482 SUBSCRIBE'], 'its retransmission gets the 482 again');
  layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKp3', toTag: 'dlg' }), udpFlow);
  t.equal(requests.length, 2, 'with a To tag it is not a merged request');
  layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKp4', cseq: 2 }), udpFlow);
  t.equal(requests.length, 3, 'other CSeq: a new request');
  layer.close();
  t.end();
});

void t.test('merged INVITE: 482 through an IST which then takes the ACK', (t) => {
  const { transport, layer, requests } = setup();
  layer.receive(peerRequest({ branch: 'z9hG4bKf1' }), udpFlow);
  layer.receive(peerRequest({ branch: 'z9hG4bKf2' }), udpFlow);
  t.equal(requests.length, 1);
  t.equal(transport.responses(482).length, 1);
  const tag = transport.responses(482)[0]!.message.to?.params.get('tag') ?? '';
  layer.receive(peerRequest({ method: 'ACK', branch: 'z9hG4bKf2', toTag: tag }), udpFlow);
  t.equal(layer.serverCount, 2);
  layer.close();
  t.end();
});

void t.test('a request without Via or CSeq is dropped; a malformed message does not throw', (t) => {
  const { layer, requests } = setup();
  const req = peerRequest({ method: 'OPTIONS' });
  req.headers.delete('Via');
  layer.receive(req, udpFlow);
  const bad = peerRequest({ method: 'OPTIONS' });
  bad.headers.set('Via', 'garbage garbage');
  t.doesNotThrow(() => layer.receive(bad, udpFlow));
  t.equal(requests.length, 0);
  t.end();
});

void t.test('an exception thrown by the TU is not swallowed by receive', (t) => {
  const clock = new ManualClock();
  const transport = new FakeTransport(() => clock.now());
  const layer = new TransactionLayer({
    clock,
    transport,
    onRequest: () => {
      throw new Error('TU bug');
    },
    onStrayResponse: () => undefined,
  });
  t.throws(() => layer.receive(peerRequest({ method: 'OPTIONS' }), udpFlow), /TU bug/);
  layer.close();
  t.end();
});

void t.test('RFC 2543 CANCEL (no magic cookie) finds its INVITE and gets its own transaction', (t) => {
  const { transport, layer, requests } = setup();
  const invite = peerRequest({ branch: null, callId: 'old-c' });
  layer.receive(invite, udpFlow);
  const cancels: SipRequest[] = [];
  requests[0]!.tx.onCancel = (c) => cancels.push(c);
  layer.receive(peerRequest({ method: 'CANCEL', branch: null, callId: 'old-c' }), udpFlow);
  t.equal(cancels.length, 1);
  t.same(sentStatuses(transport), ['200 CANCEL']);
  layer.receive(peerRequest({ method: 'CANCEL', branch: null, callId: 'old-c' }), udpFlow);
  t.equal(cancels.length, 1, 'the CANCEL retransmission is absorbed by its own transaction');
  t.same(sentStatuses(transport), ['200 CANCEL', '200 CANCEL']);
  layer.receive(peerRequest({ method: 'CANCEL', branch: null, callId: 'old-other' }), udpFlow);
  t.same(sentStatuses(transport), ['200 CANCEL', '200 CANCEL', '481 CANCEL']);
  layer.close();
  t.end();
});
