// SubscriptionLimits counting and admission, and RateLimitedTransport with a fake inner transport.
import t from 'tap';
import {
  ManualClock,
  createRequest,
  parseMessage,
  serializeMessage,
  type EndpointTransport,
  type Flow,
  type IncomingMessage,
  type SipRequest,
  type SipResponse,
} from '@herald/sip';
import { SubscriptionLimits } from '../../src/limits/subscriptions.js';
import { RATE_LIMIT_REASON, RateLimitedTransport } from '../../src/limits/rate-limited-transport.js';
import { TokenBuckets } from '../../src/limits/token-bucket.js';

function subscribe(from: string, to: string, extra: Array<[string, string]> = [], toTag = ''): SipRequest {
  return createRequest({
    method: 'SUBSCRIBE',
    uri: to,
    headers: [
      ['Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1'],
      ['From', `<${from}>;tag=a`],
      ['To', `<${to}>${toTag ? `;tag=${toTag}` : ''}`],
      ['Call-ID', 'c1'],
      ['CSeq', '1 SUBSCRIBE'],
      ['Event', 'presence'],
      ...extra,
    ],
  });
}

const live = (id: string, watcher: string, resource: string, status = 'active') => ({
  subscriptionId: id,
  watcher,
  resource,
  status,
});

t.test('per watcher: the limit-th + 1 initial SUBSCRIBE is refused; refreshes and fetches pass', (t) => {
  const limits = new SubscriptionLimits({ subscriptionsPerWatcher: 1000, subscriptionsPerUser: 1_000_000 });
  const bob = 'sip:bob@example.test';
  let refused = 0;
  for (let i = 0; i < 1000; i++) {
    if (limits.check(subscribe(bob, `sip:u${i}@example.test`))) refused++;
    limits.follow(live(`s${i}`, bob, `sip:u${i}@example.test`, i % 2 ? 'active' : 'pending'));
  }
  t.equal(refused, 0, 'the first 1000 pass');
  t.equal(limits.watcherCount(bob), 1000);
  const refusal = limits.check(subscribe('sip:bob@Example.TEST:5060', 'sip:x@example.test'));
  t.same(refusal, {
    status: 403,
    reason: 'Too Many Subscriptions From Watcher',
    limit: 'subscriptionsPerWatcher',
    max: 1000,
  });
  t.equal(limits.check(subscribe(bob, 'sip:u1@example.test', [], 'n')), undefined, 'a refresh (To tag)');
  t.equal(limits.check(subscribe(bob, 'sip:x@example.test', [['Expires', '0']])), undefined, 'a fetch');
  t.equal(limits.check(subscribe('sip:carol@example.test', 'sip:x@example.test')), undefined, 'another watcher');
  limits.follow(live('s7', bob, 'sip:u7@example.test', 'terminated'));
  t.equal(limits.watcherCount(bob), 999);
  t.equal(limits.check(subscribe(bob, 'sip:x@example.test')), undefined, 'room again after one ended');
  t.end();
});

t.test('per user: subscriptions to one presentity, all watchers together', (t) => {
  const limits = new SubscriptionLimits({ subscriptionsPerWatcher: 10, subscriptionsPerUser: 2 });
  const alice = 'sip:alice@example.test';
  limits.follow(live('1', 'sip:bob@example.test', alice));
  limits.follow(live('1', 'sip:bob@example.test', alice)); // the same subscription again (state change)
  t.equal(limits.userCount(alice), 1, 'counted once per id');
  limits.follow(live('2', 'sip:carol@example.test', alice));
  t.same(limits.check(subscribe('sip:dave@example.test', alice)), {
    status: 403,
    reason: 'Too Many Subscriptions To User',
    limit: 'subscriptionsPerUser',
    max: 2,
  });
  t.equal(limits.check(subscribe('sip:dave@example.test', 'sip:bob@example.test')), undefined);
  limits.follow(live('2', 'sip:carol@example.test', alice, 'terminated'));
  limits.follow(live('2', 'sip:carol@example.test', alice, 'terminated'));
  limits.follow(live('9', 'sip:carol@example.test', alice, 'terminated'));
  t.equal(limits.userCount(alice), 1, 'ends counted once; unknown ends ignored');
  t.equal(limits.watcherCount('sip:carol@example.test'), 0);
  t.end();
});

class FakeTransport implements EndpointTransport {
  handler: ((incoming: IncomingMessage) => void) | undefined;
  readonly responses: Array<{ response: SipResponse; flow: Flow | undefined }> = [];
  onMessage(handler: (incoming: IncomingMessage) => void): void {
    this.handler = handler;
  }
  sendRequest(): Promise<Flow> {
    return Promise.reject(new Error('unused'));
  }
  sendResponse(response: SipResponse, flow?: Flow): Promise<Flow> {
    this.responses.push({ response, flow });
    return Promise.resolve(flow as Flow);
  }
  isReliable(): boolean {
    return false;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const flow = (address: string): Flow => ({
  transport: 'udp',
  local: { address: '127.0.0.1', port: 5060 },
  remote: { address, port: 5070 },
});

function wire(text: string): IncomingMessage['message'] {
  return parseMessage(serializeMessage(parseMessage(text.replace(/\n/g, '\r\n'))));
}

const options = (n: number, method = 'OPTIONS'): IncomingMessage['message'] =>
  wire(
    `${method} sip:example.test SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK${n}\nFrom: <sip:a@example.test>;tag=f\n` +
      `To: <sip:example.test>\nCall-ID: c${n}\nCSeq: 1 ${method}\nContent-Length: 0\n\n`,
  );

t.test('rate limited transport: 503 + Retry-After past the bucket; ACKs and responses pass; warns once', (t) => {
  const clock = new ManualClock(0);
  const inner = new FakeTransport();
  const warnings: string[] = [];
  const limited = new RateLimitedTransport(inner, new TokenBuckets({ clock, rate: 1, burst: 2 }), {
    warn: (msg) => void warnings.push(msg),
  });
  const passed: string[] = [];
  limited.onMessage(({ message }) =>
    passed.push(message.kind === 'request' ? `${message.method} ${message.callId}` : `${message.status}`),
  );
  const feed = (message: IncomingMessage['message'], from = '192.0.2.1') =>
    inner.handler?.({ message, source: flow(from) });

  feed(options(1));
  feed(options(2));
  feed(options(3));
  feed(options(4));
  feed(options(5, 'ACK'));
  feed(
    wire(
      'SIP/2.0 200 OK\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@x>;tag=2\nCall-ID: r\nCSeq: 1 NOTIFY\nContent-Length: 0\n\n',
    ),
  );
  feed(options(6), '192.0.2.2');
  t.same(passed, ['OPTIONS c1', 'OPTIONS c2', 'ACK c5', '200', 'OPTIONS c6'], 'c3 and c4 were held back');
  t.equal(limited.throttled, 2);
  t.equal(inner.responses.length, 2);
  const r = inner.responses[0]?.response;
  t.equal(r?.status, 503);
  t.equal(r?.reason, RATE_LIMIT_REASON);
  t.equal(r?.headers.get('Retry-After'), '1');
  t.equal(r?.callId, 'c3');
  t.ok(r?.to?.params.get('tag'), 'the 503 carries a To tag');
  t.same(inner.responses[0]?.flow, flow('192.0.2.1'), 'sent back along the request flow');
  t.same(warnings, ['rate limit: requests refused with 503'], 'one warning for the episode');
  clock.advance(1000);
  feed(options(7));
  t.equal(passed.at(-1), 'OPTIONS c7', 'a token after one second');
  t.end();
});
