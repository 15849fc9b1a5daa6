/**
 * SIP message generators for the fuzz harness: valid messages built from
 * RFC 3261 §25 grammar pieces, the RFC 4475 torture corpus as seeds, byte
 * and line mutations on top of both, and raw bytes.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';

const CORPUS_DIR = new URL('../../../shared/testdata/rfc4475/', import.meta.url);

/** The RFC 4475 messages (raw bytes, as in the corpus), in manifest order. */
export const rfc4475Seeds: readonly Buffer[] = (() => {
  try {
    const manifest = JSON.parse(readFileSync(new URL('manifest.json', CORPUS_DIR), 'utf8')) as Array<{ file: string }>;
    return manifest.map((e) => readFileSync(new URL(e.file, CORPUS_DIR)));
  } catch {
    return [];
  }
})();

const TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~";

const token = (max = 10): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: max });

const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 16 });

const host = fc.oneof(
  fc.constantFrom('example.com', 'atlanta.example.com', 'biloxi.example.com', 'h', 'x.y.z.'),
  fc.constantFrom('127.0.0.1', '192.0.2.254', '10.0.0.1', '255.255.255.255', '0.0.0.0', '999.1.1.1'),
  fc.constantFrom('[::1]', '[2001:db8::10]', '[2001:db8::9:1]', '[::ffff:192.0.2.1]', '[fe80::1%25eth0]'),
  fc.array(token(8), { minLength: 1, maxLength: 4 }).map((l) => l.join('.')),
);

const port = fc.option(fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constantFrom(5060, 5061, 70000, 99999999)), {
  nil: undefined,
});

const USER_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()&=+$,;?/%";
const user = fc.oneof(
  fc.string({ unit: fc.constantFrom(...USER_CHARS), minLength: 1, maxLength: 12 }),
  fc.constantFrom('alice', 'bob', '+12125551212', 'sips%3Auser%40example.com', 'null-%00-null', 'user;par=u%40'),
);

const uriParam = fc.oneof(
  fc.constantFrom(';transport=tcp', ';transport=udp', ';lr', ';user=phone', ';maddr=239.255.255.1', ';ttl=15'),
  fc.constantFrom(';method=INVITE', ';lr=on', ';ob', ';gr=urn:uuid:f81d4fae', ';x=%41'),
  fc.tuple(token(), fc.option(token(), { nil: undefined })).map(([k, v]) => (v === undefined ? `;${k}` : `;${k}=${v}`)),
);

const uriHeaders = fc.array(
  fc.tuple(token(), token()).map(([k, v]) => `${k}=${v}`),
  { maxLength: 2 },
);

/** A sip:, sips:, tel: or other-scheme URI string (mostly valid). */
export const uriString: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({
        scheme: fc.constantFrom('sip', 'sips', 'SIP'),
        user: fc.option(user, { nil: undefined }),
        password: fc.option(token(), { nil: undefined }),
        host,
        port,
        params: fc.array(uriParam, { maxLength: 3 }),
        headers: uriHeaders,
      })
      .map((u) => {
        let s = u.scheme + ':';
        if (u.user !== undefined) s += u.user + (u.password !== undefined ? ':' + u.password : '') + '@';
        s += u.host + (u.port !== undefined ? ':' + u.port : '') + u.params.join('');
        if (u.headers.length > 0) s += '?' + u.headers.join('&');
        return s;
      }),
  },
  fc.constantFrom('tel:+1-201-555-0123', 'tel:7042;phone-context=example.com', 'tel:+358-555-1234567;postd=pp22'),
  fc.constantFrom('mailto:alice@example.com', 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6', 'http://x/y'),
);

const displayName = fc.oneof(
  fc.array(token(6), { minLength: 1, maxLength: 3 }).map((w) => w.join(' ')),
  fc.string({ maxLength: 12 }).map((s) => '"' + s.replace(/["\\]/g, '\\$&').replace(/[\r\n]/g, ' ') + '"'),
  fc.constantFrom('"Bob \\"the\\" builder"', '"\u00e9l\u00e8ve"', '""', '"\\\\"', '"a\\'),
);

const headerParam = fc.oneof(
  hex.map((h) => ';tag=' + h),
  fc.constantFrom(';expires=3600', ';q=0.7', ';q=1.5', ';+sip.instance="<urn:uuid:1>"', ';tag', ';x="a;b,c"'),
  fc.tuple(token(), token()).map(([k, v]) => `;${k}=${v}`),
);

/** A name-addr or addr-spec with header parameters (From, To, Contact, Route…). */
export const nameAddrString: fc.Arbitrary<string> = fc
  .record({
    display: fc.option(displayName, { nil: undefined }),
    uri: uriString,
    angle: fc.boolean(),
    params: fc.array(headerParam, { maxLength: 3 }),
    space: fc.constantFrom('', ' ', '  ', '\t'),
  })
  .map((n) => {
    const addr = n.angle || n.display !== undefined ? '<' + n.uri + '>' : n.uri;
    return (n.display !== undefined ? n.display + n.space : '') + addr + n.params.join('');
  });

/** One Via value (RFC 3261 §20.42, RFC 3581). */
export const viaString: fc.Arbitrary<string> = fc
  .record({
    version: fc.constantFrom('SIP/2.0', 'SIP / 2.0', 'sip/2.0', 'SIP/3.0'),
    transport: fc.constantFrom('UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS', 'udp', 'FOO'),
    host,
    port,
    branch: fc.option(
      hex.map((h) => 'z9hG4bK' + h),
      { nil: undefined },
    ),
    extra: fc.array(
      fc.constantFrom(';rport', ';rport=5060', ';received=192.0.2.1', ';received=[::1]', ';maddr=10.0.0.1', ';ttl=1'),
      { maxLength: 3 },
    ),
  })
  .map(
    (v) =>
      `${v.version}/${v.transport} ${v.host}${v.port !== undefined ? ':' + v.port : ''}` +
      (v.branch !== undefined ? ';branch=' + v.branch : '') +
      v.extra.join(''),
  );

const METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'MESSAGE'];

/** A method: a well-known one mostly, any token sometimes. */
export const method: fc.Arbitrary<string> = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...METHODS) }, token(12));

/** A header name in one of its spellings: canonical, odd case, or compact (RFC 3261 §7.3.3). */
function spelled(name: string, compact?: string): fc.Arbitrary<string> {
  const forms = [name, name.toLowerCase(), name.toUpperCase()];
  if (compact !== undefined) forms.push(compact, compact.toUpperCase());
  return fc.constantFrom(...forms);
}

type Line = [string, string];
const line = (name: fc.Arbitrary<string>, value: fc.Arbitrary<string>): fc.Arbitrary<Line> => fc.tuple(name, value);

const extraHeader: fc.Arbitrary<Line> = fc.oneof(
  line(
    spelled('Contact', 'm'),
    fc.oneof(
      fc.constant('*'),
      fc.array(nameAddrString, { minLength: 1, maxLength: 3 }).map((l) => l.join(', ')),
    ),
  ),
  line(spelled('Expires'), fc.oneof(fc.nat({ max: 100000 }).map(String), fc.constantFrom('4294967296', '-1', 'soon'))),
  line(
    spelled('Event', 'o'),
    fc.constantFrom('presence', 'dialog;id=1', 'message-summary', 'presence.winfo', 'x;;', ''),
  ),
  line(
    spelled('Subscription-State'),
    fc.constantFrom('active;expires=3600', 'pending', 'terminated;reason=timeout;retry-after=5', 'active;expires=x'),
  ),
  line(
    spelled('Content-Type', 'c'),
    fc.constantFrom('application/pidf+xml', 'application/sdp;charset=utf-8', 'text', '/'),
  ),
  line(
    spelled('Route'),
    fc.array(nameAddrString, { minLength: 1, maxLength: 2 }).map((l) => l.join(',')),
  ),
  line(spelled('Record-Route'), nameAddrString),
  line(
    spelled('Supported', 'k'),
    fc.array(token(), { maxLength: 3 }).map((l) => l.join(', ')),
  ),
  line(spelled('Allow-Events', 'u'), fc.constantFrom('presence, dialog', 'presence.winfo,message-summary', ',')),
  line(spelled('Subject', 's'), fc.string({ maxLength: 20 })),
  line(spelled('User-Agent'), fc.constantFrom('Polycom/5.9', 'Yealink SIP-T46S', 'baresip v1.0')),
  line(
    spelled('Authorization'),
    fc.constantFrom(
      'Digest username="alice", realm="example.com", nonce="abc", uri="sip:example.com", response="d41d8cd98f00b204e9800998ecf8427e"',
      'Digest username=alice,,realm="x',
      'Basic QWxhZGRpbjpvcGVu',
    ),
  ),
  line(
    spelled('WWW-Authenticate'),
    fc.constantFrom('Digest realm="example.com", nonce="n", algorithm=SHA-256, qop="auth"'),
  ),
  line(
    token(12).map((n) => 'X-' + n),
    fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, '')),
  ),
);

const BODIES = [
  '',
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n',
  '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple id="t"><status><basic>open</basic></status></tuple></presence>',
  'Messages-Waiting: yes\r\nVoice-Message: 2/8 (0/2)\r\n',
];

const body: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(...BODIES).map((b) => Buffer.from(b)),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
);

/** A structured message: start line, header lines (names in any spelling), body. */
export interface MessageParts {
  readonly start: string;
  readonly headers: readonly Line[];
  readonly body: Buffer;
}

const requestParts: fc.Arbitrary<MessageParts> = fc
  .record({
    method,
    uri: uriString,
    vias: fc.array(viaString, { minLength: 1, maxLength: 3 }),
    viaName: spelled('Via', 'v'),
    from: nameAddrString,
    to: nameAddrString,
    callId: fc.oneof(
      hex,
      fc.tuple(hex, host).map(([a, b]) => a + '@' + b),
    ),
    seq: fc.oneof({ weight: 9, arbitrary: fc.nat({ max: 2 ** 31 - 1 }) }, fc.constantFrom(2 ** 31, 2 ** 32)),
    cseqMethodMatches: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, fc.constant(false)),
    maxForwards: fc.option(fc.oneof({ weight: 9, arbitrary: fc.nat({ max: 255 }) }, fc.constant(256)), {
      nil: undefined,
    }),
    extra: fc.array(extraHeader, { maxLength: 6 }),
    body,
  })
  .map((r) => {
    const headers: Line[] = r.vias.map((v): Line => [r.viaName, v]);
    headers.push(['From', r.from], ['To', r.to], ['Call-ID', r.callId]);
    headers.push(['CSeq', `${r.seq} ${r.cseqMethodMatches ? r.method : 'OPTIONS'}`]);
    if (r.maxForwards !== undefined) headers.push(['Max-Forwards', String(r.maxForwards)]);
    headers.push(...r.extra);
    return { start: `${r.method} ${r.uri} SIP/2.0`, headers, body: r.body };
  });

const responseParts: fc.Arbitrary<MessageParts> = fc
  .record({
    status: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 100, max: 699 }) }, fc.constantFrom(0, 99, 700, 1000)),
    reason: fc.oneof(
      fc.constantFrom('OK', 'Ringing', 'Not Found', '', 'Sorry, c\u00e9 la vie'),
      fc.string({ maxLength: 16 }),
    ),
    vias: fc.array(viaString, { minLength: 1, maxLength: 2 }),
    from: nameAddrString,
    to: nameAddrString,
    callId: hex,
    seq: fc.nat({ max: 100000 }),
    method,
    extra: fc.array(extraHeader, { maxLength: 4 }),
    body,
  })
  .map((r) => {
    const headers: Line[] = r.vias.map((v): Line => ['Via', v]);
    headers.push(['From', r.from], ['To', r.to], ['Call-ID', r.callId], ['CSeq', `${r.seq} ${r.method}`]);
    headers.push(...r.extra);
    return { start: `SIP/2.0 ${r.status} ${r.reason.replace(/[\r\n]/g, ' ')}`, headers, body: r.body };
  });

/** Valid-looking requests and responses as structured parts. */
export const messageParts: fc.Arbitrary<MessageParts> = fc.oneof({ weight: 3, arbitrary: requestParts }, responseParts);

/** Writes parts to octets, with a correct Content-Length (mutations may break it). */
export function assemble(p: MessageParts, withLength = true): Buffer {
  let head = p.start + '\r\n';
  for (const [n, v] of p.headers) head += n + ': ' + v + '\r\n';
  if (withLength) head += 'Content-Length: ' + p.body.length + '\r\n';
  return Buffer.concat([Buffer.from(head + '\r\n'), p.body]);
}
