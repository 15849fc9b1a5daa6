import t from 'tap';
import { createServer } from 'node:net';
import {
  createResponse,
  ManualClock,
  serializeMessage,
  TcpTransport,
  type IncomingMessage,
  type SipRequest,
  type TcpTransportOptions,
} from '@herald/sip';
import { nextMessage, rawRequest, tcpClient, until } from './fixtures/helpers.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

async function pair(t: Teardown, host: string, opts: Partial<TcpTransportOptions> = {}) {
  const clock = new ManualClock();
  const server = new TcpTransport({ host, port: 0, clock, ...opts });
  const client = new TcpTransport({ host, port: 0, clock });
  await server.listen();
  await client.listen();
  t.teardown(() => Promise.all([server.close(), client.close()]));
  return { clock, server, client };
}

function sent(host: string, port: number): string {
  return `SIP/2.0/TCP ${host.includes(':') ? `[${host}]` : host}:${port};branch=z9hG4bK${Math.random().toString(36).slice(2)}`;
}

for (const host of ['127.0.0.1', '::1']) {
  void t.test(`TCP round trip on ${host}: request in, response back on the same connection`, async (t) => {
    const { server, client } = await pair(t, host);
    t.not(server.local.port, 0);
    t.equal(server.reliable, true);
    const got = nextMessage(server);
    const out = await client.send(Buffer.from(rawRequest({ via: sent(host, client.local.port), body: 'hello' })), {
      transport: 'tcp',
      address: host,
      port: server.local.port,
    });
    t.equal(out.transport, 'tcp');
    t.same(out.remote, server.local);
    t.type(out.connectionId, 'string');
    const incoming = await got;
    const req = incoming.message as SipRequest;
    t.equal(req.method, 'OPTIONS');
    t.equal(req.body.toString(), 'hello', 'the body is framed by Content-Length');
    t.equal(incoming.source.transport, 'tcp');
    t.same(incoming.source.local, server.local);
    t.same(incoming.source.remote, out.local, 'the server sees the client connection ends');
    t.type(incoming.source.connectionId, 'string');
    t.not(incoming.source.connectionId, out.connectionId, 'each side names its own connection');

    const back = nextMessage(client);
    const flow = await server.send(serializeMessage(createResponse(req, 200, 'OK', { toTag: 's' })), incoming.source);
    t.equal(flow.connectionId, incoming.source.connectionId);
    const reply = await back;
    t.equal(reply.message.kind, 'response');
    t.equal(reply.source.connectionId, out.connectionId, 'the response came back on the same connection');
    t.equal(server.connectionCount, 1);
    t.equal(client.connectionCount, 1);
  });
}

void t.test(
  'TCP connection reuse: outbound by destination, inbound by remote address, concurrent opens share one',
  async (t) => {
    const { server, client } = await pair(t, '127.0.0.1');
    const dest = { transport: 'tcp' as const, address: '127.0.0.1', port: server.local.port };
    const msgs: IncomingMessage[] = [];
    server.onMessage((m) => msgs.push(m));
    const [f1, f2] = await Promise.all([
      client.send(Buffer.from(rawRequest({ via: sent('127.0.0.1', client.local.port) })), dest),
      client.send(Buffer.from(rawRequest({ via: sent('127.0.0.1', client.local.port) })), dest),
    ]);
    t.equal(f1.connectionId, f2.connectionId, 'concurrent sends opened one connection');
    const f3 = await client.send(Buffer.from(rawRequest({ via: sent('127.0.0.1', client.local.port) })), dest);
    t.equal(f3.connectionId, f1.connectionId, 'a later send reuses it');
    t.equal(client.connectionCount, 1);
    await until(() => msgs.length === 3, 'three requests');
    const inbound = msgs[0].source;
    t.ok(msgs.every((m) => m.source.connectionId === inbound.connectionId));

    // The server sends to the client's address:port as a plain destination: the inbound connection is reused.
    const back = nextMessage(client);
    const f4 = await server.send(Buffer.from(rawRequest({ via: sent('127.0.0.1', server.local.port) })), {
      transport: 'tcp',
      address: inbound.remote.address,
      port: inbound.remote.port,
    });
    t.equal(f4.connectionId, inbound.connectionId);
    t.equal(server.connectionCount, 1, 'no new connection');
    t.equal((await back).source.connectionId, f1.connectionId);
  },
);

void t.test('TCP idle timeout closes a quiet connection (ManualClock)', async (t) => {
  const { clock, server, client } = await pair(t, '127.0.0.1', { idleTimeoutMs: 30_000 });
  const got = nextMessage(server);
  const out = await client.send(Buffer.from(rawRequest({ via: sent('127.0.0.1', client.local.port) })), {
    transport: 'tcp',
    address: '127.0.0.1',
    port: server.local.port,
  });
  const inbound = (await got).source;
  clock.advance(20_000);
  t.ok(server.hasConnection(inbound.connectionId ?? ''), 'still open before the timeout');
  // Traffic at 20 s pushes the deadline to 50 s.
  await server.send(Buffer.from('\r\n'), inbound);
  clock.advance(20_000);
  t.ok(server.hasConnection(inbound.connectionId ?? ''), 'activity restarted the idle timer');
  clock.advance(10_000);
  t.notOk(server.hasConnection(inbound.connectionId ?? ''), 'closed after 30 s without traffic');
  await until(
    () => server.connectionCount === 0 && !client.hasConnection(out.connectionId ?? ''),
    'both ends to see the close',
  );
  await t.rejects(
    server.send(Buffer.from('x'), inbound),
    { name: 'TransportError' },
    'a dead inbound flow is not re-dialled',
  );
});

void t.test('TCP connection cap: connections past it are refused and logged', async (t) => {
  const warnings: string[] = [];
  const { server } = await pair(t, '127.0.0.1', { maxConnections: 1, logger: { warn: (m) => warnings.push(m) } });
  const first = await tcpClient('127.0.0.1', server.local.port);
  t.teardown(() => first.close());
  await until(() => server.connectionCount === 1, 'first connection registered');
  const second = await tcpClient('127.0.0.1', server.local.port);
  t.teardown(() => second.close());
  await second.ended;
  t.pass('the second connection was closed by the server');
  t.equal(server.stats.refused, 1);
  t.equal(server.connectionCount, 1);
  t.match(warnings.join('\n'), /cap/);
  await t.rejects(
    server.send(Buffer.from('x'), { transport: 'tcp', address: '127.0.0.1', port: 9 }),
    { name: 'TransportError', message: /cap/ },
    'outgoing connections count against the cap too',
  );
});

void t.test('TCP buffer cap: headers without end past the cap close the connection', async (t) => {
  const { server } = await pair(t, '127.0.0.1', { maxBufferedBytes: 512 });
  const c = await tcpClient('127.0.0.1', server.local.port);
  t.teardown(() => c.close());
  c.socket.write('INVITE sip:bob@example.test SIP/2.0\r\n');
  for (let i = 0; i < 40; i++) c.socket.write(`X-Pad-${i}: ${'x'.repeat(20)}\r\n`);
  await c.ended;
  t.pass('closed');
  t.equal(server.stats.refused, 1);
  t.equal(server.connectionCount, 0);
});

void t.test('TCP garbage: a message without Content-Length gets 400 then the connection closes', async (t) => {
  const { server } = await pair(t, '127.0.0.1');
  let delivered = 0;
  server.onMessage(() => delivered++);
  const c = await tcpClient('127.0.0.1', server.local.port);
  t.teardown(() => c.close());
  c.socket.write(rawRequest({ via: sent('127.0.0.1', 5060), cl: false }));
  await c.ended;
  t.match(c.data(), /^SIP\/2\.0 400 Missing Content-Length\r\n/);
  t.match(c.data(), /Call-ID: call-1@example.test/i);
  t.equal(delivered, 0);
  t.equal(server.stats.errorResponses, 1);
});

void t.test('TCP garbage: an unparsable framed request is answered where possible, then closed', async (t) => {
  const { server } = await pair(t, '127.0.0.1');
  const c = await tcpClient('127.0.0.1', server.local.port);
  t.teardown(() => c.close());
  c.socket.write(rawRequest({ via: sent('127.0.0.1', 5060) }).replace(' SIP/2.0\r\n', ' SIP/7.0\r\n'));
  await c.ended;
  t.match(c.data(), /^SIP\/2\.0 505 /);

  const d = await tcpClient('127.0.0.1', server.local.port);
  t.teardown(() => d.close());
  d.socket.write('\x00\x01 binary junk\r\nContent-Length: 0\r\n\r\n');
  await d.ended;
  t.equal(d.data(), '', 'nothing to answer total junk with; just closed');
  t.equal(server.stats.parseErrors, 2);
});

void t.test('TCP keep-alive: CRLFCRLF ping gets a CRLF pong and the connection stays usable', async (t) => {
  const { server } = await pair(t, '127.0.0.1');
  const c = await tcpClient('127.0.0.1', server.local.port);
  t.teardown(() => c.close());
  c.socket.write('\r\n\r\n');
  await c.waitFor('\r\n');
  t.equal(c.data(), '\r\n', 'single CRLF pong (RFC 5626 §3.5.1)');
  const got = nextMessage(server);
  c.socket.write('\r\n' + rawRequest({ via: sent('127.0.0.1', 5060) }));
  t.equal((await got).message.kind, 'request', 'a request after a pong-style CRLF is framed');
});

void t.test('TCP send errors are TransportErrors: refused connect, not listening', async (t) => {
  const clock = new ManualClock();
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const addr = probe.address();
  const freePort = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const tcp = new TcpTransport({ host: '127.0.0.1', port: 0, clock });
  await t.rejects(tcp.send(Buffer.from('x'), { transport: 'tcp', address: '127.0.0.1', port: freePort }), {
    name: 'TransportError',
  });
  await tcp.listen();
  t.teardown(() => tcp.close());
  await t.rejects(tcp.send(Buffer.from('x'), { transport: 'tcp', address: '127.0.0.1', port: freePort }), {
    name: 'TransportError',
    message: /connect/,
  });
  t.equal(tcp.connectionCount, 0);
});

void t.test('TCP write cap: a peer that stops reading gets its connection closed, sends reject', async (t) => {
  const { server } = await pair(t, '127.0.0.1', { maxWriteBufferBytes: 256 * 1024 });
  const got = nextMessage(server);
  const c = await tcpClient('127.0.0.1', server.local.port);
  t.teardown(() => c.close());
  c.socket.write(rawRequest({ via: sent('127.0.0.1', 5060) }));
  const inbound = (await got).source;
  c.socket.pause();
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  // The kernel swallows the first megabytes; keep writing (without waiting) until the queue passes the cap.
  const sends: Array<Promise<unknown>> = [];
  for (let i = 0; i < 2000 && server.hasConnection(inbound.connectionId ?? ''); i++)
    sends.push(server.send(chunk, inbound));
  const results = await Promise.allSettled(sends);
  const rejected = results.filter((r) => r.status === 'rejected');
  t.ok(rejected.length > 0, 'sends past the cap reject');
  t.ok(
    rejected.every((r) => r.status === 'rejected' && r.reason instanceof Error && r.reason.name === 'TransportError'),
    'as TransportErrors',
  );
  t.notOk(server.hasConnection(inbound.connectionId ?? ''), 'the connection is closed');
});

void t.test('TCP: a bad port is a TransportError, not a throw', async (t) => {
  const { server } = await pair(t, '127.0.0.1');
  await t.rejects(server.send(Buffer.from('x'), { transport: 'tcp', address: '127.0.0.1', port: 70000 }), {
    name: 'TransportError',
  });
});
