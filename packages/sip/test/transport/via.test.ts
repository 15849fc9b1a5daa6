import t from 'tap';
import { parseVia, formatViaWith, responseRoute, sentByIsOurs, stampReceived, type Flow } from '@herald/sip';

const udpFlow: Flow = {
  transport: 'udp',
  local: { address: '192.0.2.1', port: 5060 },
  remote: { address: '198.51.100.7', port: 40000 },
};
const tcpFlow: Flow = {
  transport: 'tcp',
  local: { address: '192.0.2.1', port: 5060 },
  remote: { address: '198.51.100.7', port: 40001 },
  connectionId: 'tcp-x-1i',
};

void t.test('formatViaWith changes transport, sent-by and params, keeping the rest in order', (t) => {
  const via = parseVia('SIP/2.0/UDP old.example:5070;branch=z9hG4bKabc;x=1;rport=9');
  t.equal(
    formatViaWith(via, { transport: 'tcp', host: '::1', port: 5062, params: { rport: null, y: '2', x: undefined } }),
    'SIP/2.0/TCP [::1]:5062;branch=z9hG4bKabc;rport;y=2',
  );
  t.equal(formatViaWith(via, { port: null }), 'SIP/2.0/UDP old.example;branch=z9hG4bKabc;x=1;rport=9');
  t.end();
});

void t.test('stampReceived: RFC 3261 §18.2.1 received, RFC 3581 rport', (t) => {
  const rows: Array<[string, string, number, string | undefined]> = [
    ['SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK1', '198.51.100.7', 40000, undefined],
    [
      'SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1',
      '198.51.100.7',
      40000,
      'SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;received=198.51.100.7',
    ],
    [
      'SIP/2.0/UDP phone.example;branch=z9hG4bK1',
      '198.51.100.7',
      5060,
      'SIP/2.0/UDP phone.example;branch=z9hG4bK1;received=198.51.100.7',
    ],
    [
      'SIP/2.0/UDP 198.51.100.7:5060;rport;branch=z9hG4bK1',
      '198.51.100.7',
      40000,
      'SIP/2.0/UDP 198.51.100.7:5060;rport=40000;branch=z9hG4bK1;received=198.51.100.7',
    ],
    [
      'SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport',
      '198.51.100.7',
      1024,
      'SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport=1024;received=198.51.100.7',
    ],
    ['SIP/2.0/UDP [::1]:5060;branch=z9hG4bK1', '::1', 5060, undefined],
    ['SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1', '::ffff:127.0.0.1', 5060, undefined],
    [
      'SIP/2.0/TCP [2001:db8::1];branch=z9hG4bK1',
      '2001:db8::2',
      5060,
      'SIP/2.0/TCP [2001:db8::1];branch=z9hG4bK1;received=2001:db8::2',
    ],
  ];
  for (const [value, address, port, want] of rows) {
    t.equal(stampReceived(parseVia(value), { address, port }), want, value);
  }
  t.end();
});

void t.test('responseRoute: RFC 3261 §18.2.2 and RFC 3581 rules as a table', (t) => {
  type Row = [string, Flow | undefined, string, string, number, boolean];
  // via, request flow, expected rule, address, port, whether the request's local socket is kept
  const rows: Row[] = [
    [
      'SIP/2.0/TCP 10.0.0.2:5070;branch=z9hG4bK1;received=198.51.100.7',
      tcpFlow,
      'connection',
      '198.51.100.7',
      5070,
      false,
    ],
    ['SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK1', undefined, 'sent-by', '10.0.0.2', 5060, false],
    ['SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK1;received=198.51.100.7', undefined, 'received', '198.51.100.7', 5060, false],
    ['SIP/2.0/TLS phone.example;branch=z9hG4bK1', undefined, 'sent-by', 'phone.example', 5061, false],
    [
      'SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bK1;maddr=239.255.255.1;ttl=1',
      udpFlow,
      'maddr',
      '239.255.255.1',
      5070,
      true,
    ],
    [
      'SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bK1;rport=40000;received=198.51.100.7',
      udpFlow,
      'rport',
      '198.51.100.7',
      40000,
      true,
    ],
    ['SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bK1;rport', udpFlow, 'rport', '198.51.100.7', 40000, true],
    ['SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bK1;rport', undefined, 'sent-by', '10.0.0.2', 5070, false],
    [
      'SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bK1;received=198.51.100.7',
      udpFlow,
      'received',
      '198.51.100.7',
      5070,
      true,
    ],
    ['SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1;received=198.51.100.7', undefined, 'received', '198.51.100.7', 5060, false],
    ['SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bK1', udpFlow, 'sent-by', '10.0.0.2', 5070, true],
    ['SIP/2.0/UDP [2001:db8::9];branch=z9hG4bK1', undefined, 'sent-by', '2001:db8::9', 5060, false],
  ];
  for (const [value, flow, rule, address, port, keepsLocal] of rows) {
    const route = responseRoute(parseVia(value), flow);
    t.ok(route, value);
    if (!route) continue;
    t.equal(route.rule, rule, `${value}: rule`);
    t.equal(route.destination.address, address, `${value}: address`);
    t.equal(route.destination.port, port, `${value}: port`);
    t.equal(route.destination.transport, parseVia(value).transport.toLowerCase(), `${value}: transport`);
    t.same(route.local, keepsLocal ? flow?.local : undefined, `${value}: local socket`);
    if (rule === 'connection') t.same(route.flow, flow, 'the request connection is tried first');
  }
  t.equal(responseRoute(parseVia('SIP/2.0/SCTP h;branch=z9hG4bK1')), undefined, 'SCTP is not carried');
  t.end();
});

void t.test('sentByIsOurs compares host and port (default 5060)', (t) => {
  const ours = [
    { host: '192.0.2.1', port: 5060 },
    { host: 'sip.example.test', port: 5080 },
  ];
  t.ok(sentByIsOurs(parseVia('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1'), ours));
  t.ok(sentByIsOurs(parseVia('SIP/2.0/TCP SIP.example.test:5080;branch=z9hG4bK1'), ours));
  t.notOk(sentByIsOurs(parseVia('SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1'), ours));
  t.notOk(sentByIsOurs(parseVia('SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK1'), ours));
  t.end();
});

void t.test('formatViaWith re-quotes parameter values that are not tokens', (t) => {
  const via = parseVia('SIP/2.0/UDP h;branch=z9hG4bK1;x="a b"');
  t.equal(
    formatViaWith(via, { params: { received: '2001:db8::1' } }),
    'SIP/2.0/UDP h;branch=z9hG4bK1;x="a b";received=2001:db8::1',
  );
  t.end();
});
