/**
 * The realistic message set every parser is measured on (issue 7): what a
 * presence server and a call-routing proxy see most, with the header mix of
 * real phones (Zoiper, Yealink, Polycom) and typical bodies.
 */

/** One benchmark message: a short name and its wire form (CRLF line ends, correct Content-Length). */
export interface BenchMessage {
  readonly name: string;
  readonly text: string;
}

function msg(lines: string[], body = ''): string {
  return lines.join('\r\n') + '\r\nContent-Length: ' + Buffer.byteLength(body) + '\r\n\r\n' + body;
}

const PIDF =
  '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
  '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"' +
  ' xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:alice@example.com">\r\n' +
  '  <tuple id="t8a2"><status><basic>open</basic></status><contact>sip:alice@192.0.2.10</contact></tuple>\r\n' +
  '  <dm:person id="p1"><rpid:activities><rpid:on-the-phone/></rpid:activities></dm:person>\r\n' +
  '</presence>\r\n';

const DIALOG_INFO =
  '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
  '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="7" state="full" entity="sip:bob@example.com">\r\n' +
  '  <dialog id="as7d900as8" call-id="a84b4c76e66710@pc33.example.com" local-tag="1928301774" remote-tag="a6c85cf" direction="recipient">\r\n' +
  '    <state>confirmed</state>\r\n' +
  '    <local><identity>sip:bob@example.com</identity><target uri="sip:bob@192.0.2.4"/></local>\r\n' +
  '    <remote><identity display="Alice">sip:alice@example.com</identity><target uri="sip:alice@pc33.example.com"/></remote>\r\n' +
  '  </dialog>\r\n' +
  '</dialog-info>\r\n';

const SDP =
  'v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n' +
  'm=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n' +
  'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n';

/** REGISTER, SUBSCRIBE, NOTIFY+PIDF, NOTIFY+dialog-info, PUBLISH, INVITE+SDP, 200 OK+Record-Route. */
export const MESSAGES: readonly BenchMessage[] = [
  {
    name: 'REGISTER',
    text: msg([
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
  },
  {
    name: 'SUBSCRIBE',
    text: msg([
      'SUBSCRIBE sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-d8754z-1a2b3c4d5e6f;rport',
      'Max-Forwards: 70',
      'Contact: <sip:alice@192.0.2.10:5060;transport=udp>',
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
  },
  {
    name: 'NOTIFY+PIDF',
    text: msg(
      [
        'NOTIFY sip:alice@192.0.2.10:5060;transport=udp SIP/2.0',
        'Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK3e6f1a2b4c;rport',
        'Max-Forwards: 70',
        'To: "Alice" <sip:alice@example.com>;tag=4f2a9c',
        'From: <sip:bob@example.com>;tag=srv8812',
        'Call-ID: b72c1e9f00a3@pc33.example.com',
        'CSeq: 12 NOTIFY',
        'Contact: <sip:198.51.100.1:5060;transport=udp>',
        'Event: presence',
        'Subscription-State: active;expires=1799',
        'Content-Type: application/pidf+xml',
      ],
      PIDF,
    ),
  },
  {
    name: 'NOTIFY+dialog',
    text: msg(
      [
        'NOTIFY sip:alice@192.0.2.10:5060;transport=udp SIP/2.0',
        'Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK77ef01c3a9;rport',
        'Max-Forwards: 70',
        'To: "Alice" <sip:alice@example.com>;tag=4f2a9c',
        'From: <sip:bob@example.com>;tag=srv8813',
        'Call-ID: a84b4c76e66710@pc33.example.com',
        'CSeq: 7 NOTIFY',
        'Contact: <sip:198.51.100.1:5060;transport=udp>',
        'Event: dialog',
        'Subscription-State: active;expires=1750',
        'Content-Type: application/dialog-info+xml',
      ],
      DIALOG_INFO,
    ),
  },
  {
    name: 'PUBLISH',
    text: msg(
      [
        'PUBLISH sip:alice@example.com SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-2f8e0c7a1b;rport',
        'Max-Forwards: 70',
        'Contact: <sip:alice@192.0.2.10:5060>',
        'To: <sip:alice@example.com>',
        'From: <sip:alice@example.com>;tag=9e1b7c',
        'Call-ID: 3c26700cd5fc-0u4l9dzz6mm3@192.0.2.10',
        'CSeq: 3 PUBLISH',
        'Event: presence',
        'Expires: 3600',
        'SIP-If-Match: dx200xyz',
        'User-Agent: PolycomVVX-VVX_411-UA/6.4.3.5018',
        'Content-Type: application/pidf+xml',
      ],
      PIDF,
    ),
  },
  {
    name: 'INVITE+SDP',
    text: msg(
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
  },
  {
    name: '200 OK+RR',
    text: msg([
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK776asdhds;received=192.0.2.10;rport=5060',
      'Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>',
      'To: Bob <sip:bob@example.com>;tag=a6c85cf',
      'From: Alice <sip:alice@example.com>;tag=1928301774',
      'Call-ID: a84b4c76e66710@pc33.example.com',
      'CSeq: 314159 INVITE',
      'Contact: <sip:bob@192.0.2.4:5060>',
      'Expires: 3600',
    ]),
  },
];
