/**
 * Parser and serializer throughput (`npx tsx --conditions=@herald/source bench/parse.ts`).
 * Each case parses a typical message and reads the hot headers (Via, From,
 * To, Call-ID, CSeq, Contact, Event, Expires), then serializes a parsed copy;
 * one line per case.
 */
import { parseMessage, serializeMessage } from '@herald/sip';
import type { SipMessage } from '@herald/sip';

function msg(lines: string[], body = ''): Buffer {
  return Buffer.from(lines.join('\r\n') + '\r\nContent-Length: ' + Buffer.byteLength(body) + '\r\n\r\n' + body);
}

const PIDF =
  '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
  '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@example.com">\r\n' +
  '  <tuple id="t8a2"><status><basic>open</basic></status><contact>sip:alice@192.0.2.10</contact></tuple>\r\n' +
  '</presence>\r\n';

const SDP =
  'v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n' +
  'm=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n';

const CASES: Array<[string, Buffer]> = [
  [
    'REGISTER',
    msg([
      'REGISTER sip:example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---a8d2c1b5e0f3;rport',
      'Max-Forwards: 70',
      'Contact: <sip:alice@192.0.2.10:5060;rinstance=8d1f2e3a4b5c6d7e;transport=UDP>;expires=3600',
      'To: "Alice" <sip:alice@example.com>',
      'From: "Alice" <sip:alice@example.com>;tag=7d9b2c41',
      'Call-ID: NjQ4ZTk3YjZkYjE3NzA4OGI2ZGE4ZjQ0NzE0MmY2NTM',
      'CSeq: 2 REGISTER',
      'Expires: 3600',
      'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE',
      'Supported: replaces, norefersub, extended-refer, timer, outbound, path, X-cisco-serviceuri',
      'User-Agent: Zoiper rv2.10.19.5',
      'Allow-Events: presence, kpml, talk, as-feature-event',
    ]),
  ],
  [
    'SUBSCRIBE',
    msg([
      'SUBSCRIBE sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bK-d8754z-1a2b3c4d5e6f;rport',
      'Max-Forwards: 70',
      'Contact: <sip:alice@192.0.2.10:5060;transport=tcp>',
      'To: <sip:bob@example.com>',
      'From: "Alice" <sip:alice@example.com>;tag=4f2a9c',
      'Call-ID: a84b4c76e66710@pc33.example.com',
      'CSeq: 1 SUBSCRIBE',
      'Event: dialog',
      'Accept: application/dialog-info+xml',
      'Expires: 1800',
      'Supported: eventlist',
      'User-Agent: Yealink SIP-T46S 66.86.0.15',
    ]),
  ],
  [
    'NOTIFY+PIDF',
    msg(
      [
        'NOTIFY sip:alice@192.0.2.10:5060;transport=tcp SIP/2.0',
        'Via: SIP/2.0/TCP 198.51.100.1:5060;branch=z9hG4bK3e6f1a2b4c',
        'Max-Forwards: 70',
        'To: "Alice" <sip:alice@example.com>;tag=4f2a9c',
        'From: <sip:bob@example.com>;tag=srv8812',
        'Call-ID: a84b4c76e66710@pc33.example.com',
        'CSeq: 12 NOTIFY',
        'Contact: <sip:198.51.100.1:5060;transport=tcp>',
        'Event: presence',
        'Subscription-State: active;expires=1799',
        'Content-Type: application/pidf+xml',
      ],
      PIDF,
    ),
  ],
  [
    'INVITE+SDP',
    msg(
      [
        'INVITE sip:bob@example.com SIP/2.0',
        'Via: SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK776asdhds;rport',
        'Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds8;received=192.0.2.4',
        'Max-Forwards: 69',
        'Record-Route: <sip:p1.example.com;lr>',
        'To: Bob <sip:bob@example.com>',
        'From: Alice <sip:alice@example.com>;tag=1928301774',
        'Call-ID: a84b4c76e66710@pc33.example.com',
        'CSeq: 314159 INVITE',
        'Contact: <sip:alice@pc33.example.com>',
        'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY',
        'Supported: replaces, timer',
        'Content-Type: application/sdp',
      ],
      SDP,
    ),
  ],
  [
    '200 OK+RR',
    msg([
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK776asdhds;received=192.0.2.10;rport=5060',
      'Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>',
      'To: Bob <sip:bob@example.com>;tag=a6c85cf',
      'From: Alice <sip:alice@example.com>;tag=1928301774',
      'Call-ID: a84b4c76e66710@pc33.example.com',
      'CSeq: 314159 INVITE',
      'Contact: <sip:bob@192.0.2.4>',
      'Expires: 3600',
    ]),
  ],
];

let sink = 0;

function touch(m: SipMessage): void {
  const c = m.contact;
  sink +=
    (m.topVia?.branch?.length ?? 0) +
    (m.from?.params.size ?? 0) +
    (m.to?.uri.host.length ?? 0) +
    (m.callId?.length ?? 0) +
    (m.cseq?.seq ?? 0) +
    (c === undefined ? 0 : c.length) +
    (m.event?.event.length ?? 0) +
    (m.expires ?? 0);
}

/** Runs `fn` for about `ms` of wall time; returns [per wall second, per CPU second] (the latter is steadier on a busy machine). */
function rate(fn: () => void, ms: number): [number, number] {
  for (let i = 0; i < 5000; i++) fn(); // warm up
  let n = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 500; i++) fn();
    n += 500;
    now = performance.now();
  }
  const used = process.cpuUsage(cpu);
  return [(n * 1000) / (now - start), (n * 1e6) / Math.max(1, used.user + used.system)];
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(9);
for (const [name, bytes] of CASES) {
  const [parsed, parsedCpu] = rate(() => touch(parseMessage(bytes)), 400);
  const msgObj = parseMessage(bytes);
  const [serialized, serializedCpu] = rate(() => {
    sink += serializeMessage(msgObj).length;
  }, 300);
  console.log(
    `${name.padEnd(12)} ${String(bytes.length).padStart(4)} B  parse+read ${fmt(parsed)} msg/s (${fmt(parsedCpu)} per CPU s)` +
      `  serialize ${fmt(serialized)} msg/s (${fmt(serializedCpu)} per CPU s)`,
  );
}
if (sink === 42) console.log('');
