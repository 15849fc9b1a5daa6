/**
 * Finished transactions keep only what RFC 3261 §17 still needs (issue 7): the
 * keys, the flow, the last response's bytes and route, the To tags, a timer.
 */
import t from 'tap';
import type {
  Destination,
  Flow,
  IncomingMessage,
  ServerTransaction,
  SipRequest,
  SipResponse,
  Transport,
  TransportUser,
} from '@herald/sip';
import { ManualClock, TransactionLayer, TransportError, TransportLayer, createResponse } from '@herald/sip';
import { FakeTransport, flush, ourRequest, peerRequest, udpFlow, serverLayer } from './fixtures/index.js';

const setup = (transport: TransportUser & { sent: FakeTransport['sent'] } = new FakeTransport(() => 0)) =>
  serverLayer(transport);

const wires = (transport: FakeTransport) => transport.responses().map((s) => s.wire);

void t.test('NIST Completed: drops the request, resends the same bytes, serialized once (§17.2.2)', async (t) => {
  const { clock, layer, requests, transport } = setup();
  const fake = transport as FakeTransport;
  layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKs1' }), udpFlow);
  const { tx, request } = requests[0]!;
  t.equal(tx.request, request, 'the request while the TU has not answered');
  const ok = createResponse(request, 200, 'OK', { toTag: 'srv', headers: [['Expires', '600']] });
  t.equal(tx.respond(ok), true);
  await flush();
  t.equal(tx.state, 'completed');
  t.equal(tx.request, undefined, 'the parsed request is gone once the final response is out');
  t.equal(tx.method, 'SUBSCRIBE');
  const copy = tx.lastResponse;
  t.not(copy, ok, 'lastResponse is parsed back from the kept bytes');
  t.equal(copy?.status, 200);
  t.equal(copy?.headers.get('Expires'), '600');
  t.equal(tx.responseToTag, 'srv');
  t.equal(tx.lastStatus, 200, 'status read from the kept status line');
  t.equal(tx.lastReason, 'OK');
  layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKs1' }), udpFlow);
  layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKs1' }), udpFlow);
  await flush();
  const sent = wires(fake);
  t.equal(sent.length, 3, 'each retransmission gets the response again');
  t.equal(sent[1], sent[0], 'byte for byte');
  t.equal(sent[2], sent[0]);
  t.equal(fake.prepared, 1, 'serialized once');
  t.same(fake.responses()[1]!.to, udpFlow, 'along the same route');
  t.same(tx.runningTimers, ['J']);
  clock.advance(32000);
  t.equal(tx.state, 'terminated');
  t.equal(layer.serverCount, 0);
  layer.close();
});

void t.test('IST Completed: Timer G and INVITE retransmissions resend identical bytes (§17.2.1)', async (t) => {
  const { clock, layer, requests, transport } = setup();
  const fake = transport as FakeTransport;
  layer.receive(peerRequest({ branch: 'z9hG4bKi9' }), udpFlow);
  const { tx, request } = requests[0]!;
  tx.respond(createResponse(request, 486, 'Busy Here', { toTag: 'busy' }));
  t.equal(tx.request, undefined);
  t.same(tx.runningTimers, ['G', 'H']);
  clock.advance(500);
  layer.receive(peerRequest({ branch: 'z9hG4bKi9' }), udpFlow);
  clock.advance(1000);
  await flush();
  const sent = wires(fake);
  t.equal(sent.length, 4, 'first send, G at 500, the retransmission, G at 1500');
  t.ok(
    sent.every((w) => w === sent[0]),
    'all identical',
  );
  t.match(sent[0], /^SIP\/2\.0 486 Busy Here\r\n/);
  // §9.2: a CANCEL after the final response gets 200 with the INVITE response's To tag, and changes nothing.
  layer.receive(peerRequest({ method: 'CANCEL', branch: 'z9hG4bKi9' }), udpFlow);
  await flush();
  const cancelOk = fake.responses(200)[0]?.message as SipResponse | undefined;
  t.equal(cancelOk?.to?.params.get('tag'), 'busy');
  t.equal(tx.state, 'completed');
  layer.receive(peerRequest({ method: 'ACK', branch: 'z9hG4bKi9', toTag: 'busy' }), udpFlow);
  t.equal(tx.state, 'confirmed');
  t.same(tx.runningTimers, ['I']);
  layer.close();
});

void t.test('RFC 2543 INVITE: the ACK matches by the kept To tag after the request is dropped (§17.2.3)', async (t) => {
  const { layer, requests, strayAcks } = setup();
  layer.receive(peerRequest({ branch: null, callId: 'old-1' }), udpFlow);
  const { tx, request } = requests[0]!;
  tx.respond(createResponse(request, 603, 'Decline', { toTag: 'dec' }));
  t.equal(tx.request, undefined);
  layer.receive(peerRequest({ method: 'ACK', branch: null, callId: 'old-1', toTag: 'other' }), udpFlow);
  t.equal(tx.state, 'completed', 'an ACK with another To tag does not match');
  t.equal(strayAcks.length, 1);
  layer.receive(peerRequest({ method: 'ACK', branch: null, callId: 'old-1', toTag: 'dec' }), udpFlow);
  t.equal(tx.state, 'confirmed');
  layer.close();
});

void t.test('RFC 2543 in-dialog request: retransmissions match by the To tag precomputed at creation', async (t) => {
  const { layer, requests, transport } = setup();
  const fake = transport as FakeTransport;
  const init = { method: 'SUBSCRIBE', branch: null, callId: 'old-2', toTag: 'dlg' } as const;
  layer.receive(peerRequest(init), udpFlow);
  const { tx, request } = requests[0]!;
  t.equal(tx.requestToTag, 'dlg');
  tx.respond(createResponse(request, 200, 'OK'));
  layer.receive(peerRequest(init), udpFlow);
  await flush();
  t.equal(requests.length, 1, 'absorbed');
  t.equal(fake.responses(200).length, 2, 'answered from the kept bytes');
  layer.receive(peerRequest({ ...init, toTag: 'other' }), udpFlow);
  t.equal(requests.length, 2, 'another To tag is another transaction');
  layer.close();
});

void t.test('merged-request detection still works and forgets by the precomputed key (§8.2.2.2)', async (t) => {
  const { clock, layer, requests, transport } = setup();
  const fake = transport as FakeTransport;
  layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKm1', callId: 'm' }), udpFlow);
  requests[0]!.tx.respond(createResponse(requests[0]!.request, 200, 'OK', { toTag: 'a' }));
  layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKm2', callId: 'm' }), udpFlow);
  await flush();
  t.equal(fake.responses(482).length, 1, 'same From tag, Call-ID, CSeq on another branch: 482');
  clock.advance(32000);
  t.equal(layer.serverCount, 0);
  layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKm3', callId: 'm' }), udpFlow);
  t.equal(requests.length, 2, 'after Timer J the key is forgotten: a new request');
  layer.close();
});

void t.test('a transport without prepareResponse still retransmits (keeps the response object)', async (t) => {
  const fake = new FakeTransport(() => 0);
  const plain = {
    sent: fake.sent,
    sendRequest: fake.sendRequest.bind(fake),
    sendResponse: fake.sendResponse.bind(fake),
    isReliable: fake.isReliable.bind(fake),
  };
  const { layer, requests } = setup(plain);
  layer.receive(peerRequest({ method: 'MESSAGE', branch: 'z9hG4bKp1' }), udpFlow);
  const { tx, request } = requests[0]!;
  const ok = createResponse(request, 200, 'OK', { toTag: 'p' });
  tx.respond(ok);
  t.equal(tx.request, undefined);
  t.equal(tx.lastResponse, ok, 'the object itself when it cannot be kept as bytes');
  layer.receive(peerRequest({ method: 'MESSAGE', branch: 'z9hG4bKp1' }), udpFlow);
  await flush();
  t.equal(fake.responses(200).length, 2);
  t.equal(fake.responses(200)[1]!.wire, fake.responses(200)[0]!.wire);
  t.equal(fake.prepared, 0);
  layer.close();
});

void t.test('lastStatus and lastReason before and after the final response; a non-ASCII phrase decodes', async (t) => {
  const { layer, requests } = setup();
  layer.receive(peerRequest({ method: 'PUBLISH', branch: 'z9hG4bKr1' }), udpFlow);
  const { tx, request } = requests[0]!;
  t.equal(tx.lastStatus, undefined);
  t.equal(tx.lastReason, undefined);
  tx.respond(createResponse(request, 183, 'Progress'));
  t.equal(tx.lastStatus, 183);
  t.equal(tx.lastReason, 'Progress');
  tx.respond(createResponse(request, 503, 'Zu viele Ver\u00f6ffentlichungen', { toTag: 'r' }));
  t.equal(tx.request, undefined);
  t.equal(tx.lastStatus, 503);
  t.equal(tx.lastReason, 'Zu viele Ver\u00f6ffentlichungen');
  layer.close();
});

void t.test('a failed final send still ends the transaction with a transport error (§17.2.4)', async (t) => {
  const { layer, requests, transport } = setup();
  const fake = transport as FakeTransport;
  fake.fail = true;
  layer.receive(peerRequest({ method: 'OPTIONS', branch: 'z9hG4bKf1' }), udpFlow);
  const { tx, request } = requests[0]!;
  const errors: string[] = [];
  tx.onTransportError = (e) => errors.push(e.message);
  tx.respond(createResponse(request, 200, 'OK', { toTag: 'f' }));
  await flush();
  t.same(errors, ['unreachable']);
  t.equal(tx.state, 'terminated');
  t.equal(layer.serverCount, 0);
  layer.close();
});

void t.test(
  'NICT Completed: drops the request and the user, absorbs retransmitted responses (§17.1.2.2)',
  async (t) => {
    const { clock, layer, transport } = setup();
    const fake = transport as FakeTransport;
    const seen: number[] = [];
    const request = ourRequest('NOTIFY');
    const tx = layer.sendRequest(request, udpFlow, {
      onResponse: (r) => seen.push(r.status),
      onTimeout: () => seen.push(-1),
      onTransportError: () => seen.push(-2),
    });
    await flush();
    t.equal(tx.request, request);
    t.equal(tx.method, 'NOTIFY');
    const ok = createResponse(fake.requests('NOTIFY')[0]!.message as SipRequest, 200, 'OK');
    layer.receive(ok, udpFlow);
    t.equal(tx.state, 'completed');
    t.equal(tx.request, undefined);
    layer.receive(ok, udpFlow);
    t.same(seen, [200], 'the retransmission is absorbed');
    t.same(tx.runningTimers, ['K']);
    clock.advance(5000);
    t.equal(tx.state, 'terminated');
    t.equal(layer.clientCount, 0);
    layer.close();
  },
);

void t.test('NICT Completed keeps a user that waits for onTerminated', async (t) => {
  const { clock, layer, transport } = setup();
  const fake = transport as FakeTransport;
  const events: string[] = [];
  layer.sendRequest(ourRequest('MESSAGE'), udpFlow, {
    onResponse: (r) => events.push(`${r.status}`),
    onTimeout: () => events.push('timeout'),
    onTransportError: () => events.push('error'),
    onTerminated: () => events.push('terminated'),
  });
  await flush();
  layer.receive(createResponse(fake.requests('MESSAGE')[0]!.message as SipRequest, 202, 'Accepted'), udpFlow);
  clock.advance(5000);
  t.same(events, ['202', 'terminated']);
  layer.close();
});

void t.test(
  'ICT Completed: the same ACK for every retransmitted final response, request dropped (§17.1.1.3)',
  async (t) => {
    const { layer, transport } = setup();
    const fake = transport as FakeTransport;
    const tx = layer.sendRequest(ourRequest('INVITE'), udpFlow, {
      onResponse: () => undefined,
      onTimeout: () => undefined,
      onTransportError: () => undefined,
    });
    await flush();
    const busy = createResponse(fake.requests('INVITE')[0]!.message as SipRequest, 486, 'Busy Here', { toTag: 'b' });
    layer.receive(busy, udpFlow);
    t.equal(tx.state, 'completed');
    t.equal(tx.request, undefined);
    layer.receive(busy, udpFlow);
    await flush();
    const acks = fake.requests('ACK');
    t.equal(acks.length, 2);
    t.equal(acks[1]!.wire, acks[0]!.wire);
    layer.close();
  },
);

void t.test('over the transport layer: prepared bytes and route, resent identically (§18.2.2)', async (t) => {
  const clock = new ManualClock();
  const local = { address: '127.0.0.1', port: 5060 };
  const wire: Array<{ data: string; to: Flow | Destination }> = [];
  let deliver: ((incoming: IncomingMessage) => void) | undefined;
  const recorder: Transport = {
    protocol: 'udp',
    reliable: false,
    local,
    listen: () => Promise.resolve(),
    send: (data, to) => {
      wire.push({ data: data.toString('latin1'), to });
      return Promise.resolve('remote' in to ? to : { transport: 'udp', local, remote: to });
    },
    onMessage: (h) => (deliver = h),
    close: () => Promise.resolve(),
  };
  const tl = new TransportLayer({ transports: [recorder] });
  const txs: Array<{ tx: ServerTransaction; request: SipRequest }> = [];
  const layer = new TransactionLayer({
    clock,
    transport: tl,
    onRequest: (request, _flow, tx) => txs.push({ tx, request }),
    onStrayResponse: () => undefined,
  });
  tl.onMessage(({ message, source }) => layer.receive(message, source));
  const source: Flow = { transport: 'udp', local, remote: { address: '192.0.2.7', port: 40123 } };
  const incoming = (): IncomingMessage => ({
    message: peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKtl1', host: '192.0.2.7:5070;rport' }),
    source,
  });
  deliver?.(incoming());
  const { tx, request } = txs[0]!;
  const prepared = tl.prepareResponse(createResponse(request, 200, 'OK', { toTag: 'x' }), tx.flow);
  t.equal(prepared.target, source, 'RFC 3581 §4: back to the source, the request flow itself');
  t.equal(prepared.flow, undefined, 'no connection to try on UDP');
  // Non-ASCII bytes survive the kept copy: the retransmission is byte for byte.
  tx.respond(createResponse(request, 200, 'OK', { toTag: 'x', headers: [['Subject', 'caf\u00e9 \u2603']] }));
  deliver?.(incoming());
  await flush();
  t.equal(wire.length, 2);
  t.equal(wire[1]!.data, wire[0]!.data);
  t.match(wire[0]!.data, /^SIP\/2\.0 200 OK\r\n/);
  t.same(wire[1]!.to, wire[0]!.to);
  t.equal(tx.lastResponse?.headers.get('Subject'), 'caf\u00e9 \u2603', 'lastResponse decodes the kept bytes');
  const noVia = createResponse(request, 200, 'OK');
  noVia.headers.delete('Via');
  t.throws(() => tl.prepareResponse(noVia, source), TransportError, 'no usable Via: a TransportError');
  await t.rejects(tl.sendResponse(noVia, source), TransportError, 'sendResponse rejects as before');
  layer.close();
});
