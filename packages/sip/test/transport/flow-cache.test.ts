import t from 'tap';
import { ManualClock, UdpTransport, type IncomingMessage } from '@herald/sip';
import { FlowCache } from '../../src/transport/flow-cache.js';
import { rawRequest, udpClient, udpSend } from './fixtures/helpers.js';

void t.test('FlowCache: one flow per remote address and port, bounded', (t) => {
  const local = { address: '127.0.0.1', port: 5060 };
  const cache = new FlowCache('udp', local, 3);
  const a = cache.get('192.0.2.1', 5060);
  t.same(a, { transport: 'udp', local, remote: { address: '192.0.2.1', port: 5060 } });
  t.equal(a.local, local, 'the socket’s own local object');
  t.equal(cache.get('192.0.2.1', 5060), a, 'same remote: the same object');
  // A string equal in value but built anew (as dgram hands one per datagram).
  t.equal(cache.get(['192', '0', '2', '1'].join('.'), 5060), a);
  const b = cache.get('192.0.2.1', 5061);
  const c = cache.get('192.0.2.2', 5060);
  t.not(b, a, 'another port, another flow');
  t.not(c, a, 'another address, another flow');
  t.equal(cache.size, 3);
  const d = cache.get('192.0.2.3', 5060);
  t.equal(cache.size, 1, 'past the bound the cache starts over');
  t.equal(cache.get('192.0.2.3', 5060), d);
  t.not(cache.get('192.0.2.1', 5060), a, 'a forgotten remote gets a new (equal) flow');
  t.same(cache.get('192.0.2.1', 5060), a);
  t.equal(cache.size, 2);
  cache.clear();
  t.equal(cache.size, 0);
  t.end();
});

void t.test('UDP: every datagram from one remote arrives on the same flow object; sends to it reuse it', async (t) => {
  const clock = new ManualClock();
  const server = new UdpTransport({ host: '127.0.0.1', port: 0, clock, flowCacheSize: 2 });
  await server.listen();
  const a = await udpClient('127.0.0.1');
  const b = await udpClient('127.0.0.1');
  const c = await udpClient('127.0.0.1');
  t.teardown(() => Promise.all([a.close(), b.close(), c.close(), server.close()]));
  const got: IncomingMessage[] = [];
  let wake: (() => void) | undefined;
  server.onMessage((incoming) => {
    got.push(incoming);
    wake?.();
  });
  const receive = async (client: typeof a, n: number): Promise<IncomingMessage> => {
    const arrived = new Promise<void>((resolve) => (wake = resolve));
    const via = `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKf${n}`;
    await udpSend(client.socket, rawRequest({ via }), server.local.port, '127.0.0.1');
    await arrived;
    return got[got.length - 1] as IncomingMessage;
  };
  const first = await receive(a, 1);
  const second = await receive(a, 2);
  t.equal(second.source, first.source, 'same remote: the same flow object');
  t.equal(first.source.local, server.local);
  t.same(first.source.remote, { address: '127.0.0.1', port: a.port });
  const other = await receive(b, 3);
  t.not(other.source, first.source, 'another remote: another flow');
  t.same(other.source.remote, { address: '127.0.0.1', port: b.port });
  const sent = await server.send(Buffer.from('\r\n\r\n'), {
    transport: 'udp',
    address: '127.0.0.1',
    port: b.port,
  });
  t.equal(sent, other.source, 'a send to a cached remote uses its flow');
  const third = await receive(c, 4);
  t.same(third.source.remote, { address: '127.0.0.1', port: c.port });
  const again = await receive(a, 5);
  t.not(again.source, first.source, 'the bounded cache started over past 2 remotes');
  t.same(again.source, first.source, 'with an equal flow');
});
