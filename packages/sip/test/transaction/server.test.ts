import t from 'tap';
import type { SipRequest } from '@herald/sip';
import { createResponse } from '@herald/sip';
import type { FakeTransport } from './fixtures/index.js';
import { flush, peerRequest, tcpFlow, udpFlow, serverLayer } from './fixtures/index.js';

const setup = () => serverLayer();

const statuses = (transport: FakeTransport) =>
  transport.responses().map((s) => (s.message.kind === 'response' ? s.message.status : 0));

void t.test('IST: 100 Trying after 200 ms, resent on INVITE retransmission (RFC 3261 §17.2.1)', async (t) => {
  const { clock, transport, layer, requests } = setup();
  const invite = peerRequest({ branch: 'z9hG4bKi1' });
  layer.receive(invite, udpFlow);
  t.equal(requests.length, 1);
  const tx = requests[0]!.tx;
  t.equal(tx.state, 'proceeding');
  t.equal(tx.request, invite);
  t.equal(tx.flow, udpFlow);
  layer.receive(peerRequest({ branch: 'z9hG4bKi1' }), udpFlow);
  t.equal(transport.sent.length, 0, 'retransmission before any response: nothing to resend');
  clock.advance(199);
  t.equal(transport.sent.length, 0);
  clock.advance(1);
  t.same(statuses(transport), [100]);
  const trying = transport.sent[0]!.message;
  t.equal(trying.kind === 'response' && trying.to?.params.has('tag'), false, '100 without To tag');
  t.same(transport.sent[0]!.to, udpFlow, 'response goes back on the request flow');
  layer.receive(peerRequest({ branch: 'z9hG4bKi1' }), udpFlow);
  t.same(statuses(transport), [100, 100]);
  t.equal(requests.length, 1, 'retransmissions never reach the TU');
  layer.close();
});

void t.test('IST: no 100 when the TU answers within 200 ms', async (t) => {
  const { clock, transport, layer, requests } = setup();
  layer.receive(peerRequest(), udpFlow);
  clock.advance(100);
  t.equal(requests[0]!.tx.respond(createResponse(requests[0]!.request, 180, 'Ringing', { toTag: 'u' })), true);
  clock.advance(1000);
  t.same(statuses(transport), [180]);
  layer.close();
});

void t.test(
  'IST non-2xx over UDP: G 500, 1000, 2000, 4000, 4000 until ACK, then I = T4 (RFC 3261 §17.2.1)',
  async (t) => {
    const { clock, transport, layer, requests, strayAcks } = setup();
    const invite = peerRequest({ branch: 'z9hG4bKg' });
    layer.receive(invite, udpFlow);
    const tx = requests[0]!.tx;
    tx.respond(createResponse(invite, 486, 'Busy Here', { toTag: 'srv' }));
    t.equal(tx.state, 'completed');
    clock.advance(11499);
    t.same(
      transport.responses(486).map((s) => s.at),
      [0, 500, 1500, 3500, 7500],
    );
    layer.receive(peerRequest({ branch: 'z9hG4bKg' }), udpFlow);
    t.equal(transport.responses(486).length, 6, 'INVITE retransmission gets the final response again');
    t.equal(tx.respond(createResponse(invite, 200, 'OK', { toTag: 'srv' })), false, 'a second final is refused');
    layer.receive(peerRequest({ method: 'ACK', branch: 'z9hG4bKg', toTag: 'srv' }), udpFlow);
    t.equal(tx.state, 'confirmed');
    t.equal(strayAcks.length, 0, 'the ACK for a non-2xx stays in the transaction');
    clock.advance(4999);
    t.equal(transport.responses(486).length, 6, 'no G after the ACK');
    layer.receive(peerRequest({ method: 'ACK', branch: 'z9hG4bKg', toTag: 'srv' }), udpFlow);
    layer.receive(peerRequest({ branch: 'z9hG4bKg' }), udpFlow);
    t.equal(tx.state, 'confirmed', 'ACK and INVITE retransmissions absorbed');
    t.equal(transport.responses(486).length, 6);
    t.equal(strayAcks.length, 0);
    clock.advance(1);
    t.equal(tx.state, 'terminated', 'Timer I = T4');
    t.equal(layer.serverCount, 0);
    t.equal(clock.pending, 0);
  },
);

void t.test('IST: Timer H at 64*T1 without ACK reports a timeout (RFC 3261 §17.2.1)', async (t) => {
  const { clock, transport, layer, requests } = setup();
  const invite = peerRequest();
  layer.receive(invite, udpFlow);
  const tx = requests[0]!.tx;
  const events: string[] = [];
  tx.onTimeout = () => events.push(`timeout@${clock.now()}`);
  tx.onTerminated = () => events.push(`terminated@${clock.now()}`);
  clock.advance(1000); // 100 Trying went out at 200
  tx.respond(createResponse(invite, 404, 'Not Found', { toTag: 's' }));
  clock.advance(40000);
  t.same(events, ['timeout@33000', 'terminated@33000']);
  // G at +500, +1500, +3500, +7500, then every 4 s: …, +31500; H at +32000.
  t.same(
    transport.responses(404).map((s) => s.at - 1000),
    [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
  );
});

void t.test('IST over TCP: no G, ACK terminates at once (I = 0)', async (t) => {
  const { clock, transport, layer, requests } = setup();
  const invite = peerRequest({ transport: 'TCP' });
  layer.receive(invite, tcpFlow);
  const tx = requests[0]!.tx;
  tx.respond(createResponse(invite, 480, 'Temporarily Unavailable', { toTag: 's' }));
  clock.advance(10000);
  t.equal(transport.responses(480).length, 1);
  layer.receive(
    peerRequest({ method: 'ACK', transport: 'TCP', branch: invite.topVia?.branch ?? '', toTag: 's' }),
    tcpFlow,
  );
  t.equal(tx.state, 'terminated');
});

void t.test(
  'IST 2xx: Accepted absorbs INVITE retransmissions, sends the TU 2xx retransmissions, L = 64*T1 (RFC 6026)',
  async (t) => {
    const { clock, transport, layer, requests, strayAcks } = setup();
    const invite = peerRequest({ branch: 'z9hG4bKacc' });
    layer.receive(invite, udpFlow);
    const tx = requests[0]!.tx;
    const ok = createResponse(invite, 200, 'OK', { toTag: 'srv' });
    t.equal(tx.respond(ok), true);
    t.equal(tx.state, 'accepted');
    clock.advance(10000);
    t.equal(transport.responses(200).length, 1, 'the transaction does not retransmit 2xx itself');
    layer.receive(peerRequest({ branch: 'z9hG4bKacc' }), udpFlow);
    t.equal(transport.responses(200).length, 1, 'INVITE retransmission absorbed');
    t.equal(requests.length, 1);
    t.equal(tx.respond(ok), true, 'the TU retransmits its 2xx through the transaction');
    t.equal(transport.responses(200).length, 2);
    const acked: SipRequest[] = [];
    tx.onAck = (ack) => acked.push(ack);
    layer.receive(peerRequest({ method: 'ACK', branch: 'z9hG4bKacc', toTag: 'srv' }), udpFlow);
    t.equal(acked.length, 1, 'an ACK matching the Accepted IST is handed to the TU');
    // The usual ACK for a 2xx has a new branch: no transaction matches it.
    layer.receive(peerRequest({ method: 'ACK', branch: 'z9hG4bKnew', toTag: 'srv' }), udpFlow);
    t.equal(strayAcks.length, 1);
    clock.advance(22000);
    t.equal(tx.state, 'terminated', 'Timer L = 32 s');
    t.equal(tx.respond(ok), false);
  },
);

void t.test(
  'NIST: absorbs retransmissions in Trying, resends the final, J = 64*T1 over UDP (RFC 3261 §17.2.2)',
  async (t) => {
    const { clock, transport, layer, requests } = setup();
    const req = peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKs' });
    layer.receive(req, udpFlow);
    const tx = requests[0]!.tx;
    t.equal(tx.state, 'trying');
    layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKs' }), udpFlow);
    clock.advance(1000);
    t.equal(transport.sent.length, 0, 'NIST sends no 100 on its own');
    tx.respond(createResponse(req, 200, 'OK', { toTag: 'n' }));
    t.equal(tx.state, 'completed');
    layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKs' }), udpFlow);
    layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKs' }), udpFlow);
    t.same(statuses(transport), [200, 200, 200]);
    t.equal(requests.length, 1);
    clock.advance(31999);
    t.equal(tx.state, 'completed');
    clock.advance(1);
    t.equal(tx.state, 'terminated');
    layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKs' }), udpFlow);
    t.equal(requests.length, 2, 'after J the same branch is a new request');
    layer.close();
  },
);

void t.test('NIST: provisional then final; over TCP it terminates on the final (J = 0)', async (t) => {
  const { transport, layer, requests } = setup();
  const req = peerRequest({ method: 'MESSAGE', transport: 'TCP' });
  layer.receive(req, tcpFlow);
  const tx = requests[0]!.tx;
  tx.respond(createResponse(req, 100, 'Trying'));
  t.equal(tx.state, 'proceeding');
  layer.receive(peerRequest({ method: 'MESSAGE', transport: 'TCP', branch: req.topVia?.branch ?? '' }), tcpFlow);
  t.same(statuses(transport), [100, 100], 'retransmission in Proceeding gets the provisional');
  tx.respond(createResponse(req, 202, 'Accepted', { toTag: 'n' }));
  t.equal(tx.state, 'terminated');
  t.equal(layer.serverCount, 0);
});

void t.test('server transport error: reported on the transaction, which terminates (RFC 3261 §17.2.4)', async (t) => {
  const { clock, transport, layer, requests } = setup();
  const req = peerRequest({ method: 'OPTIONS' });
  layer.receive(req, udpFlow);
  const tx = requests[0]!.tx;
  const events: string[] = [];
  tx.onTransportError = (e) => events.push(`error ${e.message}`);
  tx.onTerminated = () => events.push('terminated');
  transport.fail = true;
  tx.respond(createResponse(req, 100, 'Trying'));
  await flush();
  t.same(events, ['error unreachable', 'terminated']);
  t.equal(tx.state, 'terminated');
  t.equal(layer.serverCount, 0);
  t.equal(clock.pending, 0);
});

void t.test('IST transport error on a final response stops Timer G and H', async (t) => {
  const { clock, transport, layer, requests } = setup();
  const invite = peerRequest();
  layer.receive(invite, udpFlow);
  const tx = requests[0]!.tx;
  let errors = 0;
  tx.onTransportError = () => errors++;
  transport.fail = true;
  tx.respond(createResponse(invite, 500, 'Server Error', { toTag: 'x' }));
  await flush();
  t.equal(errors, 1);
  t.equal(tx.state, 'terminated');
  clock.advance(60000);
  t.equal(transport.responses(500).length, 1);
});
