/**
 * A minimal @herald/sip endpoint: listens on UDP and TCP, answers OPTIONS
 * (built in) and MESSAGE, and prints every MESSAGE it receives.
 *
 *   npx tsx --conditions=@herald/source examples/endpoint.ts [host] [port]
 *   sipsak -vv -s sip:test@127.0.0.1:5070    # OPTIONS → 200
 *
 * Any SIP client can send it a MESSAGE with a text/plain body.
 */
import { Endpoint, TcpTransport, TransportLayer, UdpTransport, systemClock } from '@herald/sip';

const host = process.argv[2] ?? '127.0.0.1';
const port = Number(process.argv[3] ?? 5070);

const udp = new UdpTransport({ host, port, clock: systemClock });
const tcp = new TcpTransport({ host, port, clock: systemClock });
const endpoint = new Endpoint({
  transport: new TransportLayer({ transports: [udp, tcp] }),
  userAgent: 'Herald example endpoint',
});

endpoint.on(
  'MESSAGE',
  (incoming) => {
    const from = incoming.request.from?.uri.raw ?? 'unknown';
    console.log(`MESSAGE from ${from}: ${incoming.request.body.toString('utf8')}`);
    incoming.respond(200);
  },
  { accept: ['text/plain'] },
);

await Promise.all([udp.listen(), tcp.listen()]);
console.log(`listening on udp:${host}:${udp.local.port} and tcp:${host}:${tcp.local.port}`);

const stop = (): void => {
  void endpoint.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
