import t from 'tap';
import { createServer, type Socket } from 'node:net';
import {
  createRequest,
  createResponse,
  ManualClock,
  parseMessage,
  TcpTransport,
  TransportLayer,
  UdpTransport,
  type IncomingMessage,
  type SipRequest,
} from '@herald/sip';
import { nextMessage, rawRequest, tcpClient, udpClient, udpSend, until } from './fixtures/helpers.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

async function udpLayer(
  t: Teardown,
  opts: { tcp?: boolean; mtu?: number; advertise?: { host: string; port?: number } } = {},
) {
  const clock = new ManualClock();
  const udp = new UdpTransport({ host: '127.0.0.1', port: 0, clock });
  const tcp = opts.tcp ? new TcpTransport({ host: '127.0.0.1', port: 0, clock }) : undefined;
  const layer = new TransportLayer({
    transports: [opts.advertise ? { transport: udp, advertise: opts.advertise } : udp, ...(tcp ? [tcp] : [])],
    ...(opts.mtu !== undefined ? { mtu: opts.mtu } : {}),
  });
  await layer.listen();
  t.teardown(() => layer.close());
  return { clock, udp, tcp, layer };
}

/** UDP and TCP transports listening on the same port number (what a peer at one address:port looks like). */
async function samePortPeer(t: Teardown, clock: ManualClock) {
  for (let attempt = 0; ; attempt++) {
    const udp = new UdpTransport({ host: '127.0.0.1', port: 0, clock });
    await udp.listen();
    const tcp = new TcpTransport({ host: '127.0.0.1', port: udp.local.port, clock });
    try {
      await tcp.listen();
    } catch (err) {
      await udp.close();
      if (attempt > 5) throw err;
      continue;
    }
    t.teardown(() => Promise.all([udp.close(), tcp.close()]));
    return { udp, tcp, port: udp.local.port };
  }
}

function request(body = '', via?: string): SipRequest {
  return createRequest({
    method: 'MESSAGE',
    uri: 'sip:bob@example.test',
    headers: [
      ...(via ? ([['Via', via]] as Array<[string, string]>) : []),
      ['Max-Forwards', '70'],
      ['From', '<sip:alice@example.test>;tag=a1'],
      ['To', '<sip:bob@example.test>'],
      ['Call-ID', 'layer-1@example.test'],
      ['CSeq', '1 MESSAGE'],
      ['Content-Type', 'text/plain'],
    ],
    body,
  });
}

void t.test(
  'incoming UDP request: rport filled, received added; the response goes to the source port (RFC 3581)',
  async (t) => {
    const { layer, udp } = await udpLayer(t);
    const client = await udpClient('127.0.0.1');
    t.teardown(() => client.close());
    const got = nextMessage(layer);
    await udpSend(
      client.socket,
      rawRequest({ via: 'SIP/2.0/UDP 10.9.9.9:5099;rport;branch=z9hG4bKnat' }),
      udp.local.port,
      '127.0.0.1',
    );
    const incoming = await got;
    const req = incoming.message as SipRequest;
    t.equal(
      req.headers.get('Via'),
      `SIP/2.0/UDP 10.9.9.9:5099;rport=${client.port};branch=z9hG4bKnat;received=127.0.0.1`,
    );
    t.equal(req.topVia?.rport, client.port);
    t.equal(req.topVia?.received, '127.0.0.1');
    const flow = await layer.sendResponse(createResponse(req, 200, 'OK', { toTag: 'l1' }), incoming.source);
    t.same(flow.remote, { address: '127.0.0.1', port: client.port }, 'sent to the source, not to 10.9.9.9:5099');
    t.same(flow.local, udp.local, 'from the socket the request reached');
    const answer = parseMessage(await client.next());
    t.equal(answer.kind === 'response' && answer.status, 200);
    t.equal(answer.headers.get('Via'), req.headers.get('Via'), 'the stamped Via is echoed');
  },
);

void t.test('incoming UDP request without rport: response to received (or sent-by) and the sent-by port', async (t) => {
  const { layer, udp } = await udpLayer(t);
  const sender = await udpClient('127.0.0.1');
  const listener = await udpClient('127.0.0.1');
  t.teardown(async () => {
    await sender.close();
    await listener.close();
  });
  // sent-by names a host that is not the source address: received is added.
  const got = nextMessage(layer);
  await udpSend(
    sender.socket,
    rawRequest({ via: `SIP/2.0/UDP phone.invalid:${listener.port};branch=z9hG4bKnr` }),
    udp.local.port,
    '127.0.0.1',
  );
  const incoming = await got;
  const req = incoming.message as SipRequest;
  t.equal(req.topVia?.received, '127.0.0.1');
  t.equal(req.topVia?.rport, undefined, 'no rport invented');
  await layer.sendResponse(createResponse(req, 202, 'Accepted', { toTag: 'x' }), incoming.source);
  t.match(
    (await listener.next()).toString(),
    /^SIP\/2\.0 202 Accepted/,
    'went to received:sent-by port, not to the source port',
  );

  // sent-by equal to the source host: nothing is stamped.
  const got2 = nextMessage(layer);
  const via2 = `SIP/2.0/UDP 127.0.0.1:${listener.port};branch=z9hG4bKnr2`;
  await udpSend(sender.socket, rawRequest({ via: via2 }), udp.local.port, '127.0.0.1');
  const req2 = (await got2).message as SipRequest;
  t.equal(req2.headers.get('Via'), via2, 'Via untouched');
  await layer.sendResponse(createResponse(req2, 200, 'OK', { toTag: 'y' }));
  t.match((await listener.next()).toString(), /^SIP\/2\.0 200 OK/, 'without a flow: routed by sent-by alone');
});

void t.test('TCP response: same connection while open, else a new connection to received/sent-by port', async (t) => {
  const clock = new ManualClock();
  const tcp = new TcpTransport({ host: '127.0.0.1', port: 0, clock });
  const layer = new TransportLayer({ transports: [tcp] });
  await layer.listen();
  t.teardown(() => layer.close());
  // The phone's own listener, named in its Via sent-by.
  const accepted: Socket[] = [];
  let phoneData = '';
  const phone = createServer((s) => {
    accepted.push(s);
    s.on('data', (b: Buffer) => (phoneData += b.toString()));
  });
  await new Promise<void>((resolve) => phone.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of accepted) s.destroy();
    return new Promise<void>((resolve) => phone.close(() => resolve()));
  });
  const phonePort = (phone.address() as { port: number }).port;
  const c = await tcpClient('127.0.0.1', tcp.local.port);
  t.teardown(() => c.close());

  const got = nextMessage(layer);
  c.socket.write(rawRequest({ via: `SIP/2.0/TCP 127.0.0.1:${phonePort};branch=z9hG4bKtcp` }));
  const incoming = await got;
  const req = incoming.message as SipRequest;
  const f1 = await layer.sendResponse(createResponse(req, 200, 'OK', { toTag: 't' }), incoming.source);
  t.equal(f1.connectionId, incoming.source.connectionId, 'same connection');
  await c.waitFor('200 OK');
  t.pass('the 200 arrived on the request connection');

  c.close();
  await until(() => tcp.connectionCount === 0, 'the server to notice the close');
  const f2 = await layer.sendResponse(createResponse(req, 202, 'Later', { toTag: 't' }), incoming.source);
  t.not(f2.connectionId, incoming.source.connectionId, 'a new connection');
  t.equal(f2.remote.port, phonePort, 'to the sent-by port');
  await until(() => phoneData.includes('202 Later'), 'the phone listener to get the response');
  t.pass('the response reached the sent-by listener');
});

void t.test(
  'sendRequest stamps the top Via: transport, advertised sent-by, rport; keeps branch and params',
  async (t) => {
    const { layer } = await udpLayer(t, { advertise: { host: 'sip.example.test', port: 5080 } });
    const client = await udpClient('127.0.0.1');
    t.teardown(() => client.close());
    const req = request('hi', 'SIP/2.0/TCP placeholder;branch=z9hG4bKkeep;x=1');
    req.headers.append('Via', 'SIP/2.0/UDP below.example;branch=z9hG4bKlow');
    const flow = await layer.sendRequest(req, { transport: 'udp', address: '127.0.0.1', port: client.port });
    t.equal(flow.transport, 'udp');
    const wire = parseMessage(await client.next());
    t.same(wire.headers.getAll('Via'), [
      'SIP/2.0/UDP sip.example.test:5080;branch=z9hG4bKkeep;x=1;rport',
      'SIP/2.0/UDP below.example;branch=z9hG4bKlow',
    ]);

    // The transaction layer's placeholder (sent-by 0.0.0.0, branch only) takes the fast path: same result.
    const placeholder = request('placeholder', 'SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK.ph-1');
    await layer.sendRequest(placeholder, { transport: 'udp', address: '127.0.0.1', port: client.port });
    t.same(parseMessage(await client.next()).headers.getAll('Via'), [
      'SIP/2.0/UDP sip.example.test:5080;branch=z9hG4bK.ph-1;rport',
    ]);
    const below = request('placeholder over another', 'SIP/2.0/TCP 0.0.0.0;branch=z9hG4bKph2');
    below.headers.append('Via', 'SIP/2.0/UDP below.example;branch=z9hG4bKlow');
    await layer.sendRequest(below, { transport: 'udp', address: '127.0.0.1', port: client.port });
    t.same(parseMessage(await client.next()).headers.getAll('Via'), [
      'SIP/2.0/UDP sip.example.test:5080;branch=z9hG4bKph2;rport',
      'SIP/2.0/UDP below.example;branch=z9hG4bKlow',
    ]);

    const bare = request('no via');
    await layer.sendRequest(bare, { transport: 'udp', address: '127.0.0.1', port: client.port });
    const wire2 = parseMessage(await client.next());
    t.match(wire2.topVia?.branch, /^z9hG4bK/, 'a missing Via gets one with a magic-cookie branch');
    t.equal(wire2.topVia?.rport, true);
    t.equal(wire2.topVia?.host, 'sip.example.test');
  },
);

void t.test('RFC 3261 §18.1.1: a large UDP request goes over TCP when a TCP transport exists', async (t) => {
  const { layer, clock } = await udpLayer(t, { tcp: true });
  const peer = await samePortPeer(t, clock);
  const viaUdp = nextMessage(peer.udp);
  const small = await layer.sendRequest(request('small', 'SIP/2.0/UDP x;branch=z9hG4bKs'), {
    transport: 'udp',
    address: '127.0.0.1',
    port: peer.port,
  });
  t.equal(small.transport, 'udp');
  t.equal((await viaUdp).message.topVia?.transport, 'UDP');

  const viaTcp = nextMessage(peer.tcp);
  const large = await layer.sendRequest(request('x'.repeat(1400), 'SIP/2.0/UDP x;branch=z9hG4bKl'), {
    transport: 'udp',
    address: '127.0.0.1',
    port: peer.port,
  });
  t.equal(large.transport, 'tcp', 'the flow used is TCP');
  t.ok(layer.isReliable(large));
  const arrived = await viaTcp;
  t.equal(arrived.message.topVia?.transport, 'TCP', 'the Via says TCP');
  t.equal(arrived.message.topVia?.branch, 'z9hG4bKl', 'same branch');
  t.equal(arrived.message.body.length, 1400);
});

void t.test(
  'the MTU option lowers the switch threshold to MTU - 200; without TCP, or along a flow, UDP stays',
  async (t) => {
    const { layer, clock } = await udpLayer(t, { tcp: true, mtu: 576 });
    const peer = await samePortPeer(t, clock);
    const dest = { transport: 'udp' as const, address: '127.0.0.1', port: peer.port };
    const got = nextMessage(peer.tcp);
    t.equal(
      (await layer.sendRequest(request('y'.repeat(300), 'SIP/2.0/UDP x;branch=z9hG4bKm'), dest)).transport,
      'tcp',
    );
    t.equal((await got).message.topVia?.transport, 'TCP');

    const flow = {
      transport: 'udp' as const,
      local: layer.transports[0].local,
      remote: { address: '127.0.0.1', port: peer.port },
    };
    const gotUdp = nextMessage(peer.udp);
    t.equal(
      (await layer.sendRequest(request('z'.repeat(2000), 'SIP/2.0/UDP x;branch=z9hG4bKf'), flow)).transport,
      'udp',
      'a flow is pinned',
    );
    t.equal((await gotUdp).message.body.length, 2000);

    const { layer: udpOnly } = await udpLayer(t);
    const gotUdp2 = nextMessage(peer.udp);
    t.equal(
      (await udpOnly.sendRequest(request('w'.repeat(2000), 'SIP/2.0/UDP x;branch=z9hG4bKu'), dest)).transport,
      'udp',
    );
    t.equal((await gotUdp2).message.topVia?.transport, 'UDP');
  },
);

void t.test('RFC 3261 §18.1.2: responses whose top Via is not ours are dropped', async (t) => {
  const { layer, udp } = await udpLayer(t);
  const client = await udpClient('127.0.0.1');
  t.teardown(() => client.close());
  const seen: IncomingMessage[] = [];
  layer.onMessage((m) => seen.push(m));
  const response = (via: string): string =>
    `SIP/2.0 200 OK\r\nVia: ${via}\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: r1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
  await udpSend(
    client.socket,
    response('SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKforeign'),
    udp.local.port,
    '127.0.0.1',
  );
  await udpSend(
    client.socket,
    response(`SIP/2.0/UDP 127.0.0.1:${udp.local.port};branch=z9hG4bKours;rport`),
    udp.local.port,
    '127.0.0.1',
  );
  await until(() => seen.length === 1 && layer.dropped === 1, 'one delivered, one dropped');
  t.equal(seen[0].message.topVia?.branch, 'z9hG4bKours');
  t.equal(layer.dropped, 1);
});

void t.test('isReliable and errors: no transport, no Via', async (t) => {
  const { layer } = await udpLayer(t);
  t.equal(layer.isReliable({ transport: 'udp', address: '127.0.0.1', port: 1 }), false);
  t.equal(layer.isReliable({ transport: 'tcp', address: '127.0.0.1', port: 1 }), true);
  await t.rejects(layer.sendRequest(request('x'), { transport: 'tcp', address: '127.0.0.1', port: 5060 }), {
    name: 'TransportError',
  });
  await t.rejects(
    layer.sendRequest(request('x'), { transport: 'udp', address: '::1', port: 5060 }),
    { name: 'TransportError' },
    'no IPv6 UDP transport',
  );
  const res = createResponse(request('x', 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKv'), 200);
  res.headers.delete('Via');
  await t.rejects(layer.sendResponse(res), { name: 'TransportError' });
});

void t.test('with two TCP transports, a response goes out on the one holding the connection', async (t) => {
  const clock = new ManualClock();
  const first = new TcpTransport({ host: '127.0.0.1', port: 0, clock });
  const second = new TcpTransport({ host: '127.0.0.1', port: 0, clock });
  const layer = new TransportLayer({ transports: [first, second] });
  await layer.listen();
  t.teardown(() => layer.close());
  const c = await tcpClient('127.0.0.1', second.local.port);
  t.teardown(() => c.close());
  const got = nextMessage(layer);
  c.socket.write(rawRequest({ via: 'SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKtwo' }));
  const incoming = await got;
  const flow = await layer.sendResponse(
    createResponse(incoming.message as SipRequest, 200, 'OK', { toTag: 'two' }),
    incoming.source,
  );
  t.equal(flow.connectionId, incoming.source.connectionId);
  t.same(flow.local, second.local);
  await c.waitFor('200 OK');
  t.pass('the client got the response on its connection');
});

void t.test('IPv6: two layers on ::1 exchange a request and its response (bracketed sent-by, Via check)', async (t) => {
  const clock = new ManualClock();
  const uac = new TransportLayer({ transports: [new UdpTransport({ host: '::1', port: 0, clock })] });
  const uas = new TransportLayer({ transports: [new UdpTransport({ host: '::1', port: 0, clock })] });
  await Promise.all([uac.listen(), uas.listen()]);
  t.teardown(() => Promise.all([uac.close(), uas.close()]));
  const gotRequest = nextMessage(uas);
  const gotResponse = nextMessage(uac);
  const port = uas.transports[0].local.port;
  await uac.sendRequest(request('v6'), { transport: 'udp', address: '::1', port });
  const incoming = await gotRequest;
  const req = incoming.message as SipRequest;
  t.equal(req.topVia?.host, '[::1]');
  t.equal(req.topVia?.port, uac.transports[0].local.port);
  t.equal(req.topVia?.rport, uac.transports[0].local.port, 'rport filled on arrival');
  await uas.sendResponse(createResponse(req, 200, 'OK', { toTag: 'v6' }), incoming.source);
  const res = (await gotResponse).message;
  t.equal(res.kind === 'response' && res.status, 200, 'the response passed the sent-by check');
});
