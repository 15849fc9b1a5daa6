import t from 'tap';
import type { EndpointTransport, Flow } from '@herald/sip';
import { ManualClock, TransportLayer, createLoopPair, createRequest, createResponse } from '@herald/sip';
import { RateLimitedTransport, TokenBuckets } from '../../src/limits/index.js';

const quiet = { warn: () => undefined };

t.test(
  'the rate-limited wrapper forwards the prepared-response path (server transactions keep bytes, RFC 3261 §17.2)',
  async (t) => {
    const clock = new ManualClock();
    const [a, b] = createLoopPair({ clock, protocol: 'udp' });
    const inner = new TransportLayer({ transports: [b] });
    const limited = new RateLimitedTransport(inner, new TokenBuckets({ clock, rate: 10, burst: 10 }), quiet);
    t.type(limited.prepareResponse, 'function');
    t.type(limited.sendPrepared, 'function');
    const request = createRequest({
      method: 'OPTIONS',
      uri: 'sip:herald@127.0.0.1',
      headers: [
        ['Via', `SIP/2.0/UDP ${a.local.address}:${a.local.port};branch=z9hG4bKrl1`],
        ['From', '<sip:a@127.0.0.1>;tag=1'],
        ['To', '<sip:herald@127.0.0.1>'],
        ['Call-ID', 'rl-1'],
        ['CSeq', '1 OPTIONS'],
      ],
    });
    const flow: Flow = b.flow;
    const prepared = limited.prepareResponse!(createResponse(request, 200, 'OK', { toTag: 'x' }), flow);
    await limited.sendPrepared!(prepared);
    await new Promise((resolve) => setImmediate(resolve));
    t.equal(a.received.length, 1, 'the bytes went out through the inner layer');
    t.equal(a.received[0]?.message.kind === 'response' && a.received[0].message.status, 200);
    // The promise-free send path is forwarded too (a retransmission here).
    t.type(limited.postRequest, 'function');
    t.type(limited.postPrepared, 'function');
    const failures: unknown[] = [];
    limited.postPrepared!(prepared, { sendFailed: (err) => void failures.push(err) });
    await new Promise((resolve) => setImmediate(resolve));
    t.equal(a.received.length, 2, 'posted through the inner layer');
    t.same(failures, []);
    await a.close();
    await b.close();
  },
);

t.test('without the path on the inner transport the wrapper has none either', async (t) => {
  const inner: EndpointTransport = {
    sendRequest: () => Promise.reject(new Error('unused')),
    sendResponse: () => Promise.reject(new Error('unused')),
    isReliable: () => false,
    onMessage: () => undefined,
    close: () => Promise.resolve(),
  };
  const limited = new RateLimitedTransport(
    inner,
    new TokenBuckets({ clock: new ManualClock(), rate: 1, burst: 1 }),
    quiet,
  );
  t.equal(limited.prepareResponse, undefined);
  t.equal(limited.sendPrepared, undefined);
  t.equal(limited.postRequest, undefined);
  t.equal(limited.postPrepared, undefined);
});
