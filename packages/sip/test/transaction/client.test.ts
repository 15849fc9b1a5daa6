import t from 'tap';
import type { SipResponse, TransportError } from '@herald/sip';
import { ManualClock, TransactionLayer, generateBranch } from '@herald/sip';
import {
  FakeTransport,
  flush,
  ourRequest,
  peerResponse,
  tcpDest,
  tcpFlow,
  udpDest,
  udpFlow,
} from './fixtures/index.js';

function setup() {
  const clock = new ManualClock();
  const transport = new FakeTransport(() => clock.now());
  const stray: SipResponse[] = [];
  const layer = new TransactionLayer({
    clock,
    transport,
    onRequest: () => undefined,
    onStrayResponse: (r) => stray.push(r),
  });
  const log: string[] = [];
  const responses: SipResponse[] = [];
  const errors: TransportError[] = [];
  const user = {
    onResponse: (r: SipResponse) => {
      responses.push(r);
      log.push(`response ${r.status}`);
    },
    onTimeout: () => log.push(`timeout@${clock.now()}`),
    onTransportError: (e: TransportError) => {
      errors.push(e);
      log.push('transport_error');
    },
    onTerminated: () => log.push(`terminated@${clock.now()}`),
  };
  return { clock, transport, layer, user, log, responses, errors, stray };
}

void t.test(
  'NICT over UDP without response: E at 500, 1000, 2000, 4000 capped by T2; F at 32 s (RFC 3261 §17.1.2.2)',
  async (t) => {
    const { clock, transport, layer, user, log } = setup();
    const tx = layer.sendRequest(ourRequest('OPTIONS'), udpDest, user);
    await flush();
    clock.advance(40000);
    const times = transport.requests('OPTIONS').map((s) => s.at);
    t.same(times, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    t.equal(times.length, 11, '11 transmissions in total');
    t.same(log, ['timeout@32000', 'terminated@32000']);
    t.equal(tx.state, 'terminated');
    t.equal(layer.clientCount, 0);
    t.equal(clock.pending, 0, 'no timer left behind');
  },
);

void t.test(
  'ICT over UDP without response: A doubles until B at 32 s, 7 transmissions (RFC 3261 §17.1.1.2)',
  async (t) => {
    const { clock, transport, layer, user, log } = setup();
    const tx = layer.sendRequest(ourRequest('INVITE'), udpDest, user);
    await flush();
    clock.advance(40000);
    t.same(
      transport.requests('INVITE').map((s) => s.at),
      [0, 500, 1500, 3500, 7500, 15500, 31500],
    );
    t.same(log, ['timeout@32000', 'terminated@32000']);
    t.equal(tx.state, 'terminated');
    t.equal(clock.pending, 0);
  },
);

void t.test('no retransmissions over TCP; B still fires', async (t) => {
  const { clock, transport, layer, user, log } = setup();
  layer.sendRequest(ourRequest('INVITE'), tcpDest, user);
  layer.sendRequest(ourRequest('MESSAGE'), tcpFlow, user);
  await flush();
  clock.advance(40000);
  t.equal(transport.requests('INVITE').length, 1);
  t.equal(transport.requests('MESSAGE').length, 1);
  t.same(log, ['timeout@32000', 'terminated@32000', 'timeout@32000', 'terminated@32000']);
});

void t.test('sendRequest adds a branch to a Via without one and keys the transaction by it', async (t) => {
  const { layer, user, transport } = setup();
  const req = ourRequest('OPTIONS');
  t.equal(req.topVia?.branch, undefined);
  const tx = layer.sendRequest(req, udpDest, user);
  t.match(tx.branch, /^z9hG4bK[0-9a-f]{24}$/);
  t.equal(req.topVia?.branch, tx.branch);
  t.equal(req.topVia?.host, '127.0.0.1', 'the rest of the Via kept');
  t.match(transport.sent[0]?.wire, `;branch=${tx.branch}`);
  const given = ourRequest('OPTIONS');
  given.headers.set('Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKgiven');
  t.equal(layer.sendRequest(given, udpDest, user).branch, 'z9hG4bKgiven');
  t.throws(() => layer.sendRequest(given, udpDest, user), TypeError, 'duplicate branch+method refused');
  const bare = ourRequest('OPTIONS');
  bare.headers.delete('Via');
  const tx2 = layer.sendRequest(bare, udpDest, user);
  t.equal(bare.topVia?.branch, tx2.branch, 'a Via is added when none');
  t.throws(() => layer.sendRequest(ourRequest('ACK'), udpDest, user), TypeError);
  layer.close();
});

void t.test('generateBranch: magic cookie, ≥ 64 bits, unique', (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) seen.add(generateBranch());
  t.equal(seen.size, 2000);
  for (const b of [...seen].slice(0, 5)) t.ok(b.startsWith('z9hG4bK') && b.length >= 7 + 16);
  t.end();
});

void t.test('NICT: 1xx moves to Proceeding (E at T2), final to Completed, K absorbs retransmissions', async (t) => {
  const { clock, transport, layer, user, log, stray } = setup();
  const req = ourRequest('SUBSCRIBE');
  const tx = layer.sendRequest(req, udpDest, user);
  await flush();
  clock.advance(500); // one retransmission, E now 1000
  layer.receive(peerResponse(req, 100), udpFlow);
  t.equal(tx.state, 'proceeding');
  clock.advance(4000); // Proceeding: E reset to T2 = 4000 at 1500 → next at 5500
  t.same(
    transport.requests().map((s) => s.at),
    [0, 500, 1500],
  );
  clock.advance(1000);
  t.same(
    transport.requests().map((s) => s.at),
    [0, 500, 1500, 5500],
  );
  const ok = peerResponse(req, 200, 'peer');
  layer.receive(ok, udpFlow);
  t.equal(tx.state, 'completed');
  layer.receive(peerResponse(req, 200, 'peer'), udpFlow);
  t.same(log, ['response 100', 'response 200'], 'retransmitted 200 absorbed');
  clock.advance(4999);
  t.equal(tx.state, 'completed');
  clock.advance(1);
  t.equal(tx.state, 'terminated', 'Timer K = T4');
  t.equal(transport.requests().length, 4, 'no retransmission after the final response');
  layer.receive(peerResponse(req, 200, 'peer'), udpFlow);
  t.equal(stray.length, 1, 'after K a response is stray');
  t.equal(clock.pending, 0);
});

void t.test('NICT over TCP terminates at once on a final response (K = 0)', async (t) => {
  const { layer, user, log } = setup();
  const req = ourRequest('REGISTER');
  const tx = layer.sendRequest(req, tcpDest, user);
  await flush();
  layer.receive(peerResponse(req, 200, 'x'), tcpFlow);
  t.equal(tx.state, 'terminated');
  t.same(log, ['response 200', 'terminated@0']);
  t.equal(layer.clientCount, 0);
});

void t.test('ICT non-2xx: ACK built per §17.1.1.3, resent for each retransmission, D = 32 s', async (t) => {
  const { clock, transport, layer, user, log } = setup();
  const req = ourRequest('INVITE', [
    ['Route', '<sip:proxy1.example.test;lr>'],
    ['Route', '<sip:proxy2.example.test;lr>'],
    ['Contact', '<sip:alice@127.0.0.1>'],
  ]);
  const tx = layer.sendRequest(req, udpDest, user);
  await flush();
  layer.receive(peerResponse(req, 180, 'callee'), udpFlow);
  t.equal(tx.state, 'proceeding');
  clock.advance(10000);
  t.equal(transport.requests('INVITE').length, 1, 'no INVITE retransmission in Proceeding');
  layer.receive(peerResponse(req, 486, 'callee'), udpFlow);
  t.equal(tx.state, 'completed');
  const acks = transport.requests('ACK');
  t.equal(acks.length, 1);
  const ack = acks[0]!.message;
  t.equal(ack.kind, 'request');
  if (ack.kind !== 'request') return;
  t.equal(ack.requestUri, req.requestUri);
  t.equal(ack.callId, 'our-call');
  t.equal(ack.from?.params.get('tag'), 'ours');
  t.equal(ack.to?.params.get('tag'), 'callee', 'To from the response, with its tag');
  t.same(ack.cseq, { seq: 7, method: 'ACK' });
  t.equal(ack.via.length, 1);
  t.equal(ack.topVia?.branch, tx.branch, 'same branch as the INVITE');
  t.same(ack.headers.getAll('Route'), ['<sip:proxy1.example.test;lr>', '<sip:proxy2.example.test;lr>']);
  t.notOk(ack.headers.has('Contact'));
  t.same(acks[0]!.to, udpFlow, 'ACK goes along the INVITE flow');
  layer.receive(peerResponse(req, 486, 'callee'), udpFlow);
  layer.receive(peerResponse(req, 486, 'callee'), udpFlow);
  t.equal(transport.requests('ACK').length, 3, 'ACK resent per retransmitted final');
  t.same(log, ['response 180', 'response 486'], 'retransmissions not passed up');
  clock.advance(31999);
  t.equal(tx.state, 'completed');
  clock.advance(1);
  t.equal(tx.state, 'terminated');
  t.same(log, ['response 180', 'response 486', `terminated@${10000 + 32000}`]);
});

void t.test('ICT over TCP: ACK then terminate at once (D = 0)', async (t) => {
  const { transport, layer, user } = setup();
  const req = ourRequest('INVITE');
  const tx = layer.sendRequest(req, tcpDest, user);
  await flush();
  layer.receive(peerResponse(req, 603, 'x'), tcpFlow);
  t.equal(transport.requests('ACK').length, 1);
  t.equal(tx.state, 'terminated');
});

void t.test(
  'ICT 2xx: Accepted, Timer M = 64*T1 passes 2xx retransmissions up, then they are stray (RFC 6026 §8.4)',
  async (t) => {
    const { clock, transport, layer, user, log, stray } = setup();
    const req = ourRequest('INVITE');
    const tx = layer.sendRequest(req, udpDest, user);
    await flush();
    layer.receive(peerResponse(req, 200, 'a'), udpFlow);
    t.equal(tx.state, 'accepted');
    clock.advance(1000);
    layer.receive(peerResponse(req, 200, 'a'), udpFlow);
    layer.receive(peerResponse(req, 200, 'b'), udpFlow);
    layer.receive(peerResponse(req, 180, 'c'), udpFlow);
    t.same(log, ['response 200', 'response 200', 'response 200'], 'forked and retransmitted 2xx up, 1xx absorbed');
    t.equal(transport.requests('ACK').length, 0, 'the transaction never ACKs a 2xx');
    t.equal(transport.requests('INVITE').length, 1);
    clock.advance(31000);
    t.equal(tx.state, 'terminated');
    layer.receive(peerResponse(req, 200, 'a'), udpFlow);
    t.equal(stray.length, 1);
    t.equal(stray[0]?.status, 200);
  },
);

void t.test('responses match on branch and CSeq method (§17.1.3)', async (t) => {
  const { layer, user, stray, log } = setup();
  const invite = ourRequest('INVITE');
  const tx = layer.sendRequest(invite, udpDest, user);
  await flush();
  // A response with the INVITE's branch but method CANCEL belongs to a different transaction.
  const cancelLike = ourRequest('CANCEL');
  cancelLike.headers.set('Via', `SIP/2.0/UDP 127.0.0.1:5060;branch=${tx.branch}`);
  layer.receive(peerResponse(cancelLike, 200, 'x'), udpFlow);
  t.equal(stray.length, 1);
  const other = ourRequest('INVITE');
  other.headers.set('Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKother');
  layer.receive(peerResponse(other, 180), udpFlow);
  t.equal(stray.length, 2);
  t.same(log, []);
  t.equal(tx.state, 'calling');
  layer.close();
});

void t.test('transport error on the first send: onTransportError, terminated (RFC 3261 §17.1.4)', async (t) => {
  const { clock, transport, layer, user, log, errors } = setup();
  transport.fail = true;
  const tx = layer.sendRequest(ourRequest('INVITE'), udpDest, user);
  await flush();
  t.equal(tx.state, 'terminated');
  t.same(log, ['transport_error', 'terminated@0']);
  t.equal(errors[0]?.name, 'TransportError');
  t.equal(errors[0]?.message, 'unreachable');
  clock.advance(60000);
  t.equal(transport.requests().length, 1, 'no retransmissions after termination');
  t.equal(layer.clientCount, 0);
});

void t.test('a UDP destination answered over a reliable flow stops retransmissions', async (t) => {
  const { clock, transport, layer, user } = setup();
  transport.flowFor = () => tcpFlow;
  const tx = layer.sendRequest(ourRequest('OPTIONS'), udpDest, user);
  await flush();
  t.equal(tx.flow, tcpFlow);
  clock.advance(20000);
  t.equal(transport.requests().length, 1);
  layer.close();
});

void t.test('retransmissions follow the flow of the first send', async (t) => {
  const { clock, transport, layer, user } = setup();
  layer.sendRequest(ourRequest('OPTIONS'), udpDest, user);
  await flush();
  clock.advance(600);
  t.same(transport.sent[0]?.to, udpDest);
  t.same(transport.sent[1]?.to, udpFlow);
  layer.close();
  t.equal(clock.pending, 0, 'close cancels timers');
});

void t.test('timers are configurable: T1 100 ms, T2 400 ms', async (t) => {
  const clock = new ManualClock();
  const transport = new FakeTransport(() => clock.now());
  const layer = new TransactionLayer({
    clock,
    transport,
    timers: { t1: 100, t2: 400 },
    onRequest: () => undefined,
    onStrayResponse: () => undefined,
  });
  const events: number[] = [];
  layer.sendRequest(ourRequest('OPTIONS'), udpDest, {
    onResponse: () => undefined,
    onTimeout: () => events.push(clock.now()),
    onTransportError: () => undefined,
  });
  await flush();
  clock.advance(10000);
  t.same(
    transport.requests().map((s) => s.at),
    [0, 100, 300, 700, 1100, 1500, 1900, 2300, 2700, 3100, 3500, 3900, 4300, 4700, 5100, 5500, 5900, 6300],
  );
  t.same(events, [6400], 'Timer F = 64*T1');
});
