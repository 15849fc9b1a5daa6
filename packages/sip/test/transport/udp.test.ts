import t from 'tap';
import { createResponse, ManualClock, serializeMessage, UdpTransport, type SipRequest } from '@herald/sip';
import { readFileSync } from 'node:fs';
import { nextMessage, rawRequest, udpClient, udpSend } from './fixtures/helpers.js';

/** net.core.rmem_max on Linux, undefined elsewhere. */
function kernelReceiveMax(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());
  } catch {
    return undefined;
  }
}

for (const host of ['127.0.0.1', '::1']) {
  void t.test(`UDP round trip on ${host}: request in, response out, flows right`, async (t) => {
    const clock = new ManualClock();
    const server = new UdpTransport({ host, port: 0, clock });
    const client = new UdpTransport({ host, port: 0, clock });
    await server.listen();
    await client.listen();
    t.teardown(() => Promise.all([server.close(), client.close()]));
    t.not(server.local.port, 0, 'the real port is reported');
    t.equal(server.local.address, host);
    t.equal(server.protocol, 'udp');
    t.equal(server.reliable, false);

    const got = nextMessage(server);
    const via = `SIP/2.0/UDP ${host.includes(':') ? `[${host}]` : host}:${client.local.port};branch=z9hG4bKr1`;
    const sentFlow = await client.send(Buffer.from(rawRequest({ via })), {
      transport: 'udp',
      address: host,
      port: server.local.port,
    });
    t.same(sentFlow, { transport: 'udp', local: client.local, remote: server.local });
    const incoming = await got;
    t.equal(incoming.message.kind, 'request');
    const req = incoming.message as SipRequest;
    t.equal(req.method, 'OPTIONS');
    t.same(incoming.source, { transport: 'udp', local: server.local, remote: client.local });
    t.equal(incoming.source.connectionId, undefined);

    const back = nextMessage(client);
    const res = createResponse(req, 200, 'OK', { toTag: 'srv' });
    const flow = await server.send(serializeMessage(res), incoming.source);
    t.same(flow, incoming.source, 'the response leaves on the request flow');
    const reply = await back;
    t.equal(reply.message.kind, 'response');
    if (reply.message.kind === 'response') t.equal(reply.message.status, 200);
    t.same(reply.source.remote, server.local);
    t.equal(server.stats.received, 1);
  });
}

void t.test('UDP: an unparsable request with enough headers gets a stateless error back', async (t) => {
  const clock = new ManualClock();
  const warnings: string[] = [];
  const server = new UdpTransport({ host: '127.0.0.1', port: 0, clock, logger: { warn: (m) => warnings.push(m) } });
  await server.listen();
  const client = await udpClient('127.0.0.1');
  t.teardown(async () => {
    await server.close();
    await client.close();
  });
  let delivered = 0;
  server.onMessage(() => delivered++);
  const bad = rawRequest({ via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKbad` }).replace(
    'OPTIONS sip:bob@example.test SIP/2.0',
    'OPTIONS sip:bob@example.test SIP/7.0',
  );
  await udpSend(client.socket, bad, server.local.port, '127.0.0.1');
  const answer = (await client.next()).toString();
  t.match(answer, /^SIP\/2\.0 505 /, 'a 505 for the unknown version');
  t.match(answer, /z9hG4bKbad/, 'the Via is mirrored');
  t.equal(delivered, 0, 'nothing reached the upper layer');
  t.equal(server.stats.parseErrors, 1);
  t.equal(server.stats.errorResponses, 1);
  t.ok(warnings.length > 0, 'logged');
});

void t.test('UDP: garbage and bare CRLF keep-alives are dropped without an answer', async (t) => {
  const clock = new ManualClock();
  const server = new UdpTransport({ host: '127.0.0.1', port: 0, clock });
  await server.listen();
  const client = await udpClient('127.0.0.1');
  t.teardown(async () => {
    await server.close();
    await client.close();
  });
  const got = nextMessage(server);
  await udpSend(client.socket, 'this is not SIP at all\r\n\r\n', server.local.port, '127.0.0.1');
  await udpSend(client.socket, '\r\n\r\n', server.local.port, '127.0.0.1');
  await udpSend(client.socket, '\r\n', server.local.port, '127.0.0.1');
  await udpSend(
    client.socket,
    rawRequest({ via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKok` }),
    server.local.port,
    '127.0.0.1',
  );
  const incoming = await got;
  t.equal(incoming.message.kind, 'request', 'the valid request after the junk is delivered');
  if (incoming.message.kind !== 'request') return;
  await server.send(serializeMessage(createResponse(incoming.message, 200, 'OK', { toTag: 'x' })), incoming.source);
  const first = (await client.next()).toString();
  t.match(first, /^SIP\/2\.0 200 OK/, 'the first datagram back is the 200: nothing answered the junk');
  t.equal(server.stats.parseErrors, 1);
  t.equal(server.stats.keepAlives, 2);
  t.equal(server.stats.errorResponses, 0);
});

void t.test('UDP: listen on a taken port rejects with TransportError; send before listen rejects', async (t) => {
  const clock = new ManualClock();
  const a = new UdpTransport({ host: '127.0.0.1', port: 0, clock });
  await a.listen();
  const b = new UdpTransport({ host: '127.0.0.1', port: a.local.port, clock });
  t.teardown(() => Promise.all([a.close(), b.close()]));
  await t.rejects(b.listen(), { name: 'TransportError' });
  const c = new UdpTransport({ host: '127.0.0.1', port: 0, clock });
  await t.rejects(c.send(Buffer.from('x'), { transport: 'udp', address: '127.0.0.1', port: 9 }), {
    name: 'TransportError',
  });
  t.throws(() => c.local);
  await t.rejects(
    a.send(Buffer.from('x'), { transport: 'udp', address: '127.0.0.1', port: 70000 }),
    { name: 'TransportError' },
    'bad port',
  );
  await c.close();
});

void t.test(
  'UDP receive buffer: enlarged at listen (fan-out bursts of 200s), configurable, never shrunk',
  async (t) => {
    const clock = new ManualClock();
    const plain = new UdpTransport({ host: '127.0.0.1', port: 0, clock, receiveBufferBytes: 1 });
    const big = new UdpTransport({ host: '127.0.0.1', port: 0, clock, receiveBufferBytes: 1024 * 1024 });
    await plain.listen();
    await big.listen();
    t.teardown(() => Promise.all([plain.close(), big.close()]));
    const defaultSize = plain.receiveBufferSize;
    t.ok(defaultSize > 1, 'a request below the current size leaves the buffer alone');
    // The kernel caps SO_RCVBUF at net.core.rmem_max (and reports double what it grants).
    const cap = kernelReceiveMax();
    const expected = cap === undefined ? defaultSize : Math.min(1024 * 1024, cap);
    t.ok(big.receiveBufferSize >= expected, `got ${big.receiveBufferSize} bytes, expected at least ${expected}`);
  },
);
