// Transport limits through the real Server on 127.0.0.1 port 0: message size, header count,
// TCP connections in total and per source address, bytes buffered per TCP message.
import t from 'tap';
import { startServer, testConfig } from '../server/helpers.js';
import { TcpPeer, UdpPeer, rawRequest } from './raw.js';

function tcpPort(server: { ports: Array<{ transport: string; port: number }> }): number {
  const p = server.ports.find((s) => s.transport === 'tcp');
  if (!p) throw new Error('no tcp port');
  return p.port;
}

/** OPTIONS over a TCP peer, answered 200 (proves the connection is registered and served). */
async function optionsOk(peer: TcpPeer): Promise<number | undefined> {
  const callId = `ok-${peer.port}-${peer.received.length}`;
  peer.write(rawRequest({ transport: 'TCP', port: peer.port, callId }));
  return (await peer.response(callId))?.status;
}

t.test('UDP: above maxMessageBytes → 413 when the headers fit, else dropped; the server keeps answering', async (t) => {
  const { udpPort, lines } = await startServer(t, testConfig({ limits: { maxMessageBytes: 1024 } }));
  const peer = await UdpPeer.open(t, udpPort);
  const bigBody = rawRequest({ port: peer.port, callId: 'big-body', body: 'b'.repeat(1500) });
  t.ok(Buffer.byteLength(bigBody) > 1024);
  peer.send(bigBody);
  const r = await peer.response('big-body');
  t.equal(r.status, 413);
  t.equal(r.reason, 'Message Too Large');

  const bigHead = rawRequest({ port: peer.port, callId: 'big-head', extra: [`X-Pad: ${'a'.repeat(1200)}`] });
  peer.send(bigHead);
  peer.send(rawRequest({ port: peer.port, callId: 'small' }));
  t.equal((await peer.response('small')).status, 200, 'the next normal request is served');
  t.notOk(
    peer.received.some((m) => m.callId === 'big-head'),
    'headers alone past the limit: nothing to answer from, dropped',
  );
  t.ok(
    lines.some((l) => l.msg === 'udp: unparsable datagram' && String(l.detail?.['reason']).includes('Too Large')),
    'logged as too large',
  );
});

t.test('UDP and TCP: more than maxHeaders header fields → 400', async (t) => {
  const { server, udpPort } = await startServer(t, testConfig({ limits: { maxHeaders: 20 } }));
  const extra = Array.from({ length: 30 }, (_, i) => `X-H${i}: v`);
  const udp = await UdpPeer.open(t, udpPort);
  udp.send(rawRequest({ port: udp.port, callId: 'many-udp', extra }));
  const r = await udp.response('many-udp');
  t.equal(r.status, 400);
  t.match(r.reason, /Header/i, 'the reason names the header limit');
  udp.send(rawRequest({ port: udp.port, callId: 'few-udp', extra: extra.slice(0, 5) }));
  t.equal((await udp.response('few-udp')).status, 200, 'a request under the limit is served');

  const tcp = await TcpPeer.connect(t, tcpPort(server));
  tcp.write(rawRequest({ transport: 'TCP', port: tcp.port, callId: 'many-tcp', extra }));
  t.equal((await tcp.response('many-tcp'))?.status, 400, 'over TCP too');
});

t.test('TCP: a message announcing more than maxMessageBytes → 413 and the connection closes', async (t) => {
  const { server } = await startServer(t, testConfig({ limits: { maxMessageBytes: 2048 } }));
  const tcp = await TcpPeer.connect(t, tcpPort(server));
  t.equal(await optionsOk(tcp), 200);
  tcp.write(rawRequest({ transport: 'TCP', port: tcp.port, callId: 'huge', body: 'x'.repeat(4000) }));
  const r = await tcp.response('huge');
  t.equal(r?.status, 413);
  t.ok(await tcp.closedWithin(), 'closed after the 413');
});

t.test('TCP: headers growing past tcpBufferedBytes close the connection', async (t) => {
  const { server, lines } = await startServer(t, testConfig({ limits: { tcpBufferedBytes: 1024 } }));
  const tcp = await TcpPeer.connect(t, tcpPort(server));
  t.equal(await optionsOk(tcp), 200);
  // A header block that never ends: only the buffer cap stops it.
  tcp.write(`OPTIONS sip:example.test SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKgrow\r\n`);
  for (let i = 0; i < 40; i++) tcp.write(`X-Grow-${i}: ${'g'.repeat(40)}\r\n`);
  t.ok(await tcp.closedWithin(), 'closed by the server');
  t.ok(lines.some((l) => l.msg === 'tcp: cannot frame stream, closing'));
  const again = await TcpPeer.connect(t, tcpPort(server));
  t.equal(await optionsOk(again), 200, 'a new connection is served');
});

t.test('TCP: connection N+1 above tcpConnections is refused; one slot freed, a new one is served', async (t) => {
  const { server, lines } = await startServer(t, testConfig({ limits: { tcpConnections: 2 } }));
  const port = tcpPort(server);
  const a = await TcpPeer.connect(t, port);
  const b = await TcpPeer.connect(t, port);
  t.equal(await optionsOk(a), 200);
  t.equal(await optionsOk(b), 200);
  const c = await TcpPeer.connect(t, port);
  t.ok(await c.closedWithin(), 'the third connection is closed at once');
  t.equal(c.received.length, 0);
  t.ok(lines.some((l) => l.msg === 'tcp: connection refused (cap reached)'));
  t.equal(await optionsOk(a), 200, 'the first two still work');
  a.socket.end();
  await a.closed;
  // The server learns of the close asynchronously: b keeps serving meanwhile; retry the new one boundedly.
  let served: number | undefined;
  for (let i = 0; i < 50 && served === undefined; i++) {
    const d = await TcpPeer.connect(t, port);
    served = await optionsOk(d).catch(() => undefined);
    if (served === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  t.equal(served, 200, 'a slot freed by a close is usable again');
});

t.test('TCP: tcpConnectionsPerAddress caps one source IP; another source still connects', async (t) => {
  const { server, lines } = await startServer(
    t,
    testConfig({ limits: { tcpConnections: 100, tcpConnectionsPerAddress: 2 } }),
  );
  const port = tcpPort(server);
  const a = await TcpPeer.connect(t, port);
  const b = await TcpPeer.connect(t, port);
  t.equal(await optionsOk(a), 200);
  t.equal(await optionsOk(b), 200);
  for (let i = 0; i < 3; i++) {
    const c = await TcpPeer.connect(t, port);
    t.ok(await c.closedWithin(), `connection ${i + 3} from 127.0.0.1 is closed`);
  }
  const warns = lines.filter((l) => l.msg.startsWith('tcp: connection refused (per-address cap reached'));
  t.equal(warns.length, 1, 'one warning while the address stays at its cap (a flood must not flood the log)');
  t.equal(warns[0]?.level, 'warn');
  t.equal(warns[0]?.detail?.['max'], 2);
  t.equal(await optionsOk(a), 200, 'the connections under the cap still work');
  const other = await TcpPeer.connect(t, port, '127.0.0.2');
  t.equal(await optionsOk(other), 200, '127.0.0.2 has its own allowance');
});
