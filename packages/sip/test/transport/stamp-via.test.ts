/** stampVia: the stamped top Via (RFC 3261 §18.2.1, RFC 3581 §4) and its parsed form, built without parsing. */
import t from 'tap';
import { parseMessage, parseVia, type SipRequest, type Via } from '@herald/sip';
import { stampVia } from '../../src/transport/via.js';
import { TransportLayer } from '../../src/transport/transport-layer.js';

/** A Via as plain data, params included, for deep comparison. */
function plain(v: Via): unknown {
  return { ...v, params: [...v.params] };
}

void t.test('the built Via is exactly what parsing the stamped text gives', (t) => {
  const vias = [
    'SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1',
    'SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport',
    'SIP/2.0/UDP 10.0.0.2;rport;branch=z9hG4bK1;x=1;lr',
    'SIP/2.0/UDP 198.51.100.7:5060;rport;branch=z9hG4bK1',
    'SIP/2.0/TCP phone.example;branch=z9hG4bK1;received=192.0.2.1;maddr=239.1.1.1;ttl=5',
    'SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1;rport=777',
    'SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1;x="a b"',
    'SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1;rport',
    'sip/2.0/udp Host.Example;BRANCH=z9hG4bK1;RPort',
  ];
  const sources = [
    { address: '198.51.100.7', port: 40000 },
    { address: '10.0.0.2', port: 5060 },
    { address: '2001:db8::2', port: 5070 },
  ];
  let built = 0;
  for (const value of vias) {
    for (const source of sources) {
      const stamped = stampVia(parseVia(value), source);
      if (stamped === undefined) continue;
      const reparsed = parseVia(stamped.text);
      if (stamped.via === undefined) continue;
      built++;
      t.same(plain(stamped.via), plain(reparsed), `${value} from ${source.address}`);
    }
  }
  t.ok(built >= 10, `most rows are built without a parse (${built})`);
  const quoted = stampVia(parseVia('SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1;x="a b"'), sources[0] as never);
  t.equal(quoted?.via, undefined, 'a value that needs quoting is left to the parser');
  t.end();
});

void t.test('a received request: its stamped top Via reads the same values as a parse of the new text', async (t) => {
  let inject: ((incoming: { message: unknown; source: unknown }) => void) | undefined;
  const fake = { protocol: 'udp', reliable: false, onMessage: (h: typeof inject) => (inject = h) };
  const layer = new TransportLayer({ transports: [fake as never] });
  const text =
    'REGISTER sip:example.com SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP 10.0.0.2:5060;rport;branch=z9hG4bK-7\r\nVia: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK-6\r\n' +
    'From: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n' +
    'Content-Length: 0\r\n\r\n';
  const seen: SipRequest[] = [];
  layer.onMessage(({ message }) => {
    if (message.kind === 'request') seen.push(message);
  });
  const flow = {
    transport: 'udp' as const,
    local: { address: '127.0.0.1', port: 5060 },
    remote: { address: '198.51.100.7', port: 40000 },
  };
  inject?.({ message: parseMessage(Buffer.from(text)), source: flow });
  const req = seen[0];
  t.ok(req, 'passed up');
  if (!req) return;
  t.equal(req.headers.getAll('Via')[0], 'SIP/2.0/UDP 10.0.0.2:5060;rport=40000;branch=z9hG4bK-7;received=198.51.100.7');
  t.same(plain(req.topVia as Via), plain(parseVia(req.headers.getAll('Via')[0] as string)));
  t.equal(req.topVia?.rport, 40000);
  t.equal(req.topVia?.received, '198.51.100.7');
  t.equal(req.via[1]?.host, '10.0.0.3', 'the other Vias are still there');
});
