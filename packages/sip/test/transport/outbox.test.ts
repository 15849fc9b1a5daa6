/** DatagramOutbox: datagrams of one event-loop turn leave together, in order, at its end. */
import t from 'tap';
import { DatagramOutbox, isSendPort } from '../../src/transport/outbox.js';
import { UdpTransport } from '../../src/transport/udp.js';
import { ManualClock } from '../../src/clock.js';
import { udpClient } from './fixtures/helpers.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

void t.test('queued datagrams leave at the end of the turn, in order, each reported once', async (t) => {
  const sent: string[] = [];
  const box = new DatagramOutbox((data, port, address, done) => {
    sent.push(`${data.toString()}@${address}:${port}`);
    done(null);
  });
  const reports: Array<string | null> = [];
  box.queue(Buffer.from('a'), 5060, '127.0.0.1', (err) => reports.push(err ? err.message : null));
  box.queue(Buffer.from('b'), 5061, '127.0.0.2', (err) => reports.push(err ? err.message : null));
  t.same(sent, [], 'nothing is sent synchronously');
  t.equal(box.size, 2);
  await turn();
  t.same(sent, ['a@127.0.0.1:5060', 'b@127.0.0.2:5061']);
  t.same(reports, [null, null]);
  t.equal(box.size, 0);
  box.queue(Buffer.from('c'), 5060, '127.0.0.1', () => undefined);
  await turn();
  t.same(sent.at(-1), 'c@127.0.0.1:5060', 'a later turn schedules a new flush');
});

void t.test('a send that throws fails only its own datagram, through its callback', async (t) => {
  const sent: string[] = [];
  const box = new DatagramOutbox((data, _port, _address, done) => {
    if (data.toString() === 'bad') throw new RangeError('nope');
    sent.push(data.toString());
    done(null);
  });
  const errors: string[] = [];
  box.queue(Buffer.from('bad'), 1, 'x', (err) => errors.push(err?.message ?? 'ok'));
  box.queue(Buffer.from('good'), 1, 'x', (err) => errors.push(err?.message ?? 'ok'));
  await turn();
  t.same(errors, ['nope', 'ok']);
  t.same(sent, ['good']);
});

void t.test('flush() sends at once; the scheduled flush then finds nothing', async (t) => {
  const sent: string[] = [];
  const box = new DatagramOutbox((data, _p, _a, done) => {
    sent.push(data.toString());
    done(null);
  });
  box.queue(Buffer.from('x'), 1, 'h', () => undefined);
  box.flush();
  t.same(sent, ['x']);
  await turn();
  t.same(sent, ['x'], 'not sent twice');
});

void t.test('isSendPort', async (t) => {
  t.ok(isSendPort(5060));
  t.ok(isSendPort(65535));
  t.notOk(isSendPort(0));
  t.notOk(isSendPort(65536));
  t.notOk(isSendPort(5060.5));
});

void t.test(
  'UdpTransport: datagrams posted in one turn arrive in order; close() still sends what was queued',
  async (t) => {
    const udp = new UdpTransport({ host: '127.0.0.1', port: 0, clock: new ManualClock() });
    await udp.listen();
    const peer = await udpClient('127.0.0.1');
    t.teardown(() => peer.close());
    const to = { transport: 'udp' as const, address: '127.0.0.1', port: peer.port };
    const failures: unknown[] = [];
    const listener = { sendFailed: (e: unknown) => failures.push(e) };
    udp.post(Buffer.from('one'), to, listener);
    const sent = udp.send(Buffer.from('two'), to);
    udp.post(Buffer.from('three'), to, listener);
    await udp.close();
    const flow = await sent;
    t.equal(flow.remote.port, peer.port, 'send() resolves with the flow once the datagram left');
    const got = [await peer.next(), await peer.next(), await peer.next()].map((b) => b.toString());
    t.same(got, ['one', 'two', 'three']);
    t.same(failures, []);
  },
);
