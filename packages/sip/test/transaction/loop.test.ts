import t from 'tap';
import type { ServerTransaction, SipRequest, SipResponse } from '@herald/sip';
import {
  ManualClock,
  TransactionLayer,
  TransportLayer,
  createCancel,
  createLoopPair,
  createRequest,
  createResponse,
} from '@herald/sip';
import { flush } from './fixtures/index.js';

/** Two endpoints (UAC and UAS) with a transaction layer each over a UDP loop pair. */
function setup(protocol: 'udp' | 'tcp' = 'udp') {
  const clock = new ManualClock();
  const [a, b] = createLoopPair({ clock, protocol });
  const ta = new TransportLayer({ transports: [a] });
  const tb = new TransportLayer({ transports: [b] });
  const serverTxs: ServerTransaction[] = [];
  const stray: SipResponse[] = [];
  const uac = new TransactionLayer({
    clock,
    transport: ta,
    onRequest: () => undefined,
    onStrayResponse: (r) => stray.push(r),
  });
  const uas = new TransactionLayer({
    clock,
    transport: tb,
    onRequest: (_req, _flow, tx) => serverTxs.push(tx),
    onStrayResponse: () => undefined,
  });
  ta.onMessage(({ message, source }) => uac.receive(message, source));
  tb.onMessage(({ message, source }) => uas.receive(message, source));
  const responses: number[] = [];
  const events: string[] = [];
  const user = {
    onResponse: (r: SipResponse) => responses.push(r.status),
    onTimeout: () => events.push('timeout'),
    onTransportError: () => events.push('transport_error'),
  };
  const dest = { transport: protocol, address: b.local.address, port: b.local.port } as const;
  return { clock, a, b, uac, uas, serverTxs, stray, responses, events, user, dest };
}

function request(method: string): SipRequest {
  return createRequest({
    method,
    uri: 'sip:bob@127.0.0.2',
    headers: [
      ['Max-Forwards', '70'],
      ['From', '<sip:alice@127.0.0.1>;tag=a1'],
      ['To', '<sip:bob@127.0.0.2>'],
      ['Call-ID', `loop-${method}`],
      ['CSeq', `1 ${method}`],
      ['Contact', '<sip:alice@127.0.0.1:5060>'],
    ],
  });
}

/** Lets the loop deliver (microtasks) after a clock step. */
async function step(clock: ManualClock, ms: number): Promise<void> {
  clock.advance(ms);
  await flush();
}

void t.test(
  'INVITE over lossy UDP: lost INVITE and lost 486 recovered by Timers A and G; ACK completes both sides',
  async (t) => {
    const { clock, a, b, uac, uas, serverTxs, responses, user, dest } = setup();
    a.dropNext(1); // the first INVITE is lost
    const invite = request('INVITE');
    const ctx = uac.sendRequest(invite, dest, user);
    await flush();
    t.equal(serverTxs.length, 0);
    await step(clock, 500); // Timer A
    t.equal(serverTxs.length, 1, 'the retransmission arrives');
    const stx = serverTxs[0]!;
    b.dropNext(1); // the first 486 is lost
    stx.respond(createResponse(stx.request!, 486, 'Busy Here', { toTag: 'b1' }));
    await flush();
    t.same(responses, []);
    await step(clock, 500); // Timer G
    t.same(responses, [486]);
    t.equal(ctx.state, 'completed');
    t.equal(stx.state, 'confirmed', 'the ACK reached the server transaction');
    const acks = a.sent.filter((m) => m.kind === 'request' && m.method === 'ACK');
    t.equal(acks.length, 1);
    t.equal(acks[0]?.topVia?.branch, ctx.branch);
    await step(clock, 40000);
    t.equal(ctx.state, 'terminated');
    t.equal(stx.state, 'terminated');
    t.equal(uac.clientCount + uas.serverCount, 0);
  },
);

void t.test('non-INVITE over lossy UDP: a lost 200 is recovered by a request retransmission', async (t) => {
  const { clock, b, uac, uas, serverTxs, responses, user, dest } = setup();
  const ctx = uac.sendRequest(request('OPTIONS'), dest, user);
  await flush();
  const stx = serverTxs[0]!;
  b.dropNext(1);
  stx.respond(createResponse(stx.request!, 200, 'OK', { toTag: 'b2' }));
  await flush();
  t.same(responses, []);
  await step(clock, 500); // Timer E → the NIST in Completed resends its 200
  t.same(responses, [200]);
  t.equal(serverTxs.length, 1);
  t.equal(ctx.state, 'completed');
  await step(clock, 5000);
  t.equal(ctx.state, 'terminated', 'Timer K');
  await step(clock, 32000);
  t.equal(uas.serverCount, 0, 'Timer J');
});

void t.test('CANCEL end to end: 200 for the CANCEL, 487 for the INVITE, ACKed (RFC 3261 §9)', async (t) => {
  const { clock, uac, serverTxs, user, dest } = setup();
  const invite = request('INVITE');
  const inviteStatuses: number[] = [];
  const ictx = uac.sendRequest(invite, dest, { ...user, onResponse: (r) => inviteStatuses.push(r.status) });
  await flush();
  const stx = serverTxs[0]!;
  stx.respond(createResponse(stx.request!, 180, 'Ringing', { toTag: 'b3' }));
  let cancelled = 0;
  stx.onCancel = () => {
    cancelled++;
    stx.respond(createResponse(stx.request!, 487, 'Request Terminated', { toTag: 'b3' }));
  };
  await flush();
  const cancelStatuses: number[] = [];
  const cancel = createCancel(invite);
  t.equal(cancel.topVia?.branch, ictx.branch, 'CANCEL carries the INVITE branch');
  t.same(cancel.cseq, { seq: 1, method: 'CANCEL' });
  const cctx = uac.sendRequest(cancel, dest, { ...user, onResponse: (r) => cancelStatuses.push(r.status) });
  t.not(cctx, ictx);
  await flush();
  t.equal(cancelled, 1);
  t.same(cancelStatuses, [200]);
  t.same(inviteStatuses, [180, 487]);
  t.equal(stx.state, 'confirmed');
  await step(clock, 60000);
  t.equal(uac.clientCount, 0);
});

void t.test(
  'INVITE 2xx over TCP loop: Accepted on both sides, 2xx retransmission from the TU reaches the UAC TU',
  async (t) => {
    const { clock, uac, uas, serverTxs, responses, user, dest, stray } = setup('tcp');
    const ctx = uac.sendRequest(request('INVITE'), dest, user);
    await flush();
    const stx = serverTxs[0]!;
    const ok = createResponse(stx.request!, 200, 'OK', { toTag: 'b4' });
    stx.respond(ok);
    await flush();
    t.equal(ctx.state, 'accepted');
    t.equal(stx.state, 'accepted');
    stx.respond(ok);
    await flush();
    t.same(responses, [200, 200]);
    await step(clock, 32000);
    t.equal(uac.clientCount, 0);
    t.equal(uas.serverCount, 0);
    t.equal(stray.length, 0);
  },
);
