/** The promise-free send path (Transport.post, TransportLayer.postRequest/postPrepared) and how transactions use it. */
import { createSocket } from 'node:dgram';
import t from 'tap';
import {
  ManualClock,
  TransactionLayer,
  TransportError,
  TransportLayer,
  UdpTransport,
  createRequest,
  parseMessage,
  type Flow,
  type PreparedResponse,
  type SendFailureListener,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
  type TransportUser,
} from '@herald/sip';
import { flush, peerRequest } from '../transaction/fixtures/index.js';

function recorder(): SendFailureListener & { errors: TransportError[] } {
  const errors: TransportError[] = [];
  return { errors, sendFailed: (e) => errors.push(e) };
}

function notify(): SipRequest {
  return createRequest({
    method: 'NOTIFY',
    uri: 'sip:alice@127.0.0.1',
    headers: [
      ['Max-Forwards', '70'],
      ['From', '<sip:bob@127.0.0.1>;tag=b1'],
      ['To', '<sip:alice@127.0.0.1>;tag=a1'],
      ['Call-ID', 'post-1'],
      ['CSeq', '2 NOTIFY'],
      ['Event', 'presence'],
    ],
  });
}

void t.test(
  'UdpTransport.post: returns the flow at once (its own flow unchanged); failures are reported later',
  async (t) => {
    const clock = new ManualClock();
    const udp = new UdpTransport({ host: '127.0.0.1', port: 0, clock });
    const peer = createSocket('udp4');
    await udp.listen();
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
    t.teardown(() => Promise.all([udp.close(), new Promise<void>((resolve) => peer.close(() => resolve()))]));
    const got = new Promise<string>((resolve) => peer.once('message', (d) => resolve(d.toString())));

    const listener = recorder();
    const own: Flow = {
      transport: 'udp',
      local: udp.local,
      remote: { address: '127.0.0.1', port: peer.address().port },
    };
    t.equal(udp.post(Buffer.from('hello'), own, listener), own, 'a flow of this socket is reused as is');
    t.equal(await got, 'hello');
    const toDest = udp.post(
      Buffer.from('x'),
      { transport: 'udp', address: '127.0.0.1', port: peer.address().port },
      listener,
    );
    t.same(toDest?.remote, { address: '127.0.0.1', port: peer.address().port });
    t.equal(toDest?.local, udp.local);

    const bad = udp.post(Buffer.from('x'), { transport: 'udp', address: '127.0.0.1', port: 70000 }, listener);
    t.equal(bad, undefined, 'a bad port fails at once');
    t.equal(listener.errors.length, 0, 'but is reported asynchronously, as a rejection would be');
    await flush();
    t.equal(listener.errors.length, 1);
    t.equal(listener.errors[0]?.name, 'TransportError');

    const closed = new UdpTransport({ host: '127.0.0.1', port: 0, clock });
    t.equal(closed.post(Buffer.from('x'), own, listener), undefined, 'not listening');
    await flush();
    t.equal(listener.errors.length, 2);
  },
);

void t.test(
  'TransportLayer.postRequest stamps the Via like sendRequest; non-UDP and large requests take the promise path',
  async (t) => {
    const clock = new ManualClock();
    const udp = new UdpTransport({ host: '127.0.0.1', port: 0, clock });
    const peer = new UdpTransport({ host: '127.0.0.1', port: 0, clock });
    const layer = new TransportLayer({ transports: [udp] });
    await udp.listen();
    await peer.listen();
    t.teardown(() => Promise.all([udp.close(), peer.close()]));
    const got = new Promise<SipRequest>((resolve) =>
      peer.onMessage(({ message }) => message.kind === 'request' && resolve(message)),
    );
    const request = notify();
    request.headers.set('Via', 'SIP/2.0/UDP 0.0.0.0;branch=z9hG4bKpost1');
    const listener = recorder();
    const flow = layer.postRequest(
      request,
      { transport: 'udp', address: '127.0.0.1', port: peer.local.port },
      listener,
    );
    t.notOk(flow instanceof Promise, 'a datagram goes out at once');
    t.equal((flow as Flow).remote.port, peer.local.port);
    const received = await got;
    t.equal(received.headers.get('Via'), `SIP/2.0/UDP 127.0.0.1:${udp.local.port};branch=z9hG4bKpost1;rport`);

    const tcp = layer.postRequest(notify(), { transport: 'tcp', address: '127.0.0.1', port: 9 }, listener);
    t.ok(tcp instanceof Promise, 'no TCP transport: the promise of sendRequest');
    await t.rejects(tcp as Promise<Flow>, { name: 'TransportError' });
    t.equal(listener.errors.length, 0);
  },
);

void t.test(
  'a client transaction over postRequest: a synchronous send failure reaches onTransportError once',
  async (t) => {
    const clock = new ManualClock();
    const udp = new UdpTransport({ host: '127.0.0.1', port: 0, clock });
    const transport = new TransportLayer({ transports: [udp] });
    await udp.listen();
    t.teardown(() => udp.close());
    const layer = new TransactionLayer({
      clock,
      transport,
      onRequest: () => undefined,
      onStrayResponse: () => undefined,
    });
    const errors: TransportError[] = [];
    const tx = layer.sendRequest(
      notify(),
      { transport: 'udp', address: '127.0.0.1', port: 70000 },
      {
        onResponse: () => t.fail('no response'),
        onTimeout: () => t.fail('no timeout'),
        onTransportError: (e) => errors.push(e),
      },
    );
    t.equal(errors.length, 0, 'not from inside sendRequest');
    await flush();
    t.equal(errors.length, 1);
    t.equal(tx.state, 'terminated');
    t.equal(layer.clientCount, 0);
  },
);

/** A transport user with only the promise-free response path, failing as told. */
class PostOnlyTransport implements TransportUser {
  posted: PreparedResponse[] = [];
  fail = false;
  sendRequest(): Promise<Flow> {
    return Promise.reject(new TransportError('unused'));
  }
  sendResponse(): Promise<Flow> {
    return Promise.reject(new TransportError('unused'));
  }
  isReliable(): boolean {
    return false;
  }
  prepareResponse(response: SipResponse, flow?: Flow): PreparedResponse {
    return { data: Buffer.from(`SIP/2.0 ${response.status} ${response.reason}\r\n\r\n`), target: flow as Flow };
  }
  sendPrepared(): Promise<Flow> {
    return Promise.reject(new TransportError('sendPrepared is not used when postPrepared exists'));
  }
  postPrepared(prepared: PreparedResponse, listener: SendFailureListener): void {
    this.posted.push(prepared);
    if (this.fail) queueMicrotask(() => listener.sendFailed(new TransportError('gone')));
  }
}

void t.test(
  'a server transaction sends and retransmits through postPrepared; a failure ends it (RFC 3261 §17.2.4)',
  async (t) => {
    const clock = new ManualClock();
    const transport = new PostOnlyTransport();
    const seen: Array<{ tx: ServerTransaction }> = [];
    const layer = new TransactionLayer({
      clock,
      transport,
      onRequest: (_r, _f, tx) => seen.push({ tx }),
      onStrayResponse: () => undefined,
    });
    const flow: Flow = {
      transport: 'udp',
      local: { address: '127.0.0.1', port: 5060 },
      remote: { address: '127.0.0.1', port: 5070 },
    };
    const request = peerRequest({ method: 'SUBSCRIBE' });
    layer.receive(request, flow);
    const tx = seen[0]?.tx;
    if (!tx) throw new Error('no transaction');
    tx.respond(parseMessage('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n') as SipResponse);
    t.equal(transport.posted.length, 1);
    t.equal(tx.state, 'completed');
    layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: request.topVia?.branch }), flow);
    t.equal(transport.posted.length, 2, 'a retransmission gets the same bytes again');
    t.equal(transport.posted[1]?.data.toString(), transport.posted[0]?.data.toString());

    let failed: TransportError | undefined;
    tx.onTransportError = (e) => (failed = e);
    transport.fail = true;
    layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: request.topVia?.branch }), flow);
    await flush();
    t.equal(failed?.message, 'gone');
    t.equal(tx.state, 'terminated');
    t.equal(layer.serverCount, 0);
  },
);
