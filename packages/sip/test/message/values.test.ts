/** URI, name-addr, Via, params, Event and Subscription-State parsers and formatters (RFC 3261 §19, §20, §25; RFC 6665). */
import t from 'tap';
import {
  SipParseError,
  createUri,
  createVia,
  formatNameAddr,
  formatParams,
  formatUri,
  formatVia,
  uriEquals,
  parseCSeq,
  parseEvent,
  parseMessage,
  parseNameAddr,
  parseSubscriptionState,
  parseUri,
  parseVia,
} from '@herald/sip';
import { addressShapeOk } from '../../src/message/values.js';

t.test('sip and sips URIs', (t) => {
  const u = parseUri(
    'SIP:Alice:secret@Example.COM:5070;transport=TCP;lr;maddr=239.255.255.1?Subject=Hi%20there&Priority=urgent',
  );
  t.equal(u.scheme, 'sip');
  t.equal(u.user, 'Alice', 'user keeps its case');
  t.equal(u.password, 'secret');
  t.equal(u.host, 'example.com');
  t.equal(u.port, 5070);
  t.same(
    [...u.params],
    [
      ['transport', 'TCP'],
      ['lr', null],
      ['maddr', '239.255.255.1'],
    ],
  );
  t.same(
    [...u.headers],
    [
      ['Subject', 'Hi there'],
      ['Priority', 'urgent'],
    ],
  );
  t.equal(
    u.raw,
    'SIP:Alice:secret@Example.COM:5070;transport=TCP;lr;maddr=239.255.255.1?Subject=Hi%20there&Priority=urgent',
  );
  t.equal(
    formatUri(u),
    'sip:Alice:secret@example.com:5070;transport=TCP;lr;maddr=239.255.255.1?Subject=Hi%20there&Priority=urgent',
  );
  const s = parseUri('sips:example.com');
  t.equal(s.scheme, 'sips');
  t.equal(s.user, undefined);
  t.equal(s.port, undefined);
  t.end();
});

t.test('IPv6 references', (t) => {
  const u = parseUri('sip:bob@[2001:DB8::10]:5061;transport=tls');
  t.equal(u.host, '[2001:db8::10]');
  t.equal(u.port, 5061);
  t.equal(parseUri('sip:[::1]').host, '[::1]');
  t.equal(formatUri(u), 'sip:bob@[2001:db8::10]:5061;transport=tls');
  for (const bad of ['sip:[::1', 'sip:[]', 'sip:[::g]']) t.throws(() => parseUri(bad), SipParseError, bad);
  t.end();
});

t.test('% escapes decode and re-encode (RFC 3261 §19.1.2)', (t) => {
  const u = parseUri('sip:%61lice%20smith@example.com;na%6De=v%61l%3B');
  t.equal(u.user, 'alice smith');
  t.equal(u.params.get('name'), 'val;');
  t.equal(formatUri(u), 'sip:alice%20smith@example.com;name=val%3B');
  t.equal(parseUri(formatUri(u)).user, 'alice smith', 'round trip');
  t.equal(parseUri('sip:%C3%A9@example.com').user, 'é', 'UTF-8 escapes');
  t.equal(parseUri('sip:%E9@example.com').user, '\u00e9', 'non-UTF-8 escapes: one char per octet');
  for (const bad of ['sip:a%4@example.com', 'sip:a%zz@example.com', 'sip:example.com;p=%'])
    t.throws(() => parseUri(bad), SipParseError, bad);
  t.end();
});

t.test('tel URIs and other schemes', (t) => {
  const tel = parseUri('tel:+1-201-555-0123;phone-context=example.com;ext=22');
  t.equal(tel.scheme, 'tel');
  t.equal(tel.user, '+1-201-555-0123');
  t.equal(tel.host, '');
  t.equal(tel.params.get('phone-context'), 'example.com');
  t.equal(formatUri(tel), 'tel:+1-201-555-0123;phone-context=example.com;ext=22');
  const urn = parseUri('urn:service:sos');
  t.equal(urn.scheme, 'urn');
  t.equal(formatUri(urn), 'urn:service:sos');
  t.throws(() => parseUri('tel:'), SipParseError);
  t.end();
});

t.test('malformed URIs throw SipParseError', (t) => {
  for (const bad of [
    '',
    'sip',
    'sip:',
    '1sip:a',
    'sip:a b@example.com',
    'sip:example.com:99999',
    'sip:example.com:',
    'sip:@example.com',
    'sip:example.com;;lr',
    'sip:example.com?x',
    'sip:host name',
    'mailto:a b',
  ]) {
    t.throws(() => parseUri(bad), SipParseError, JSON.stringify(bad));
  }
  t.end();
});

t.test('createUri builds raw from fields', (t) => {
  const u = createUri({ user: 'a b', host: 'Example.com', port: 5060, params: { transport: 'tcp', lr: null } });
  t.equal(u.raw, 'sip:a%20b@example.com:5060;transport=tcp;lr');
  t.same(parseUri(u.raw), u);
  t.end();
});

t.test('name-addr and addr-spec', (t) => {
  const quoted = parseNameAddr('"A \\"quoted\\" \\\\ name" <sip:a@example.com;transport=udp>;tag=xyz;expires=60;flag');
  t.equal(quoted.displayName, 'A "quoted" \\ name');
  t.equal(quoted.uri.params.get('transport'), 'udp');
  t.same(
    [...quoted.params],
    [
      ['tag', 'xyz'],
      ['expires', '60'],
      ['flag', null],
    ],
  );
  t.equal(
    formatNameAddr(quoted),
    '"A \\"quoted\\" \\\\ name" <sip:a@example.com;transport=udp>;tag=xyz;expires=60;flag',
  );
  t.same(parseNameAddr(formatNameAddr(quoted)), quoted, 'round trip');
  const tokens = parseNameAddr('Bob  Smith <sip:bob@example.com>');
  t.equal(tokens.displayName, 'Bob  Smith');
  const spec = parseNameAddr('sip:bob@example.com;tag=1');
  t.equal(spec.displayName, undefined);
  t.equal(spec.uri.params.size, 0);
  t.equal(spec.params.get('tag'), '1', 'addr-spec: parameters belong to the header');
  t.equal(formatNameAddr(spec), '<sip:bob@example.com>;tag=1');
  t.equal(parseNameAddr('<sip:a@b>;p="quoted, value"').params.get('p'), 'quoted, value');
  t.equal(formatNameAddr(parseNameAddr('<sip:a@b>;p="quoted, value"')), '<sip:a@b>;p="quoted, value"');
  t.equal(parseNameAddr('"" <sip:a@b>').displayName, '', 'empty quoted display name');
  for (const bad of [
    '"unterminated <sip:a@b>',
    '<sip:a@b',
    '<>',
    'x "y" <sip:a@b>',
    '<sip:a@b>;',
    '<sip:a@b>;=x',
    '<sip:a@b> junk',
    '',
  ]) {
    t.throws(() => parseNameAddr(bad), SipParseError, JSON.stringify(bad));
  }
  t.end();
});

t.test('Via values (RFC 3261 §20.42, RFC 3581)', (t) => {
  const v = parseVia(
    'SIP / 2.0 / udp Host.Example.com : 5060 ;branch=z9hG4bK1;received=192.0.2.9;rport=4000;maddr=224.2.0.1;ttl=16;x',
  );
  t.equal(v.protocol, 'SIP/2.0');
  t.equal(v.transport, 'UDP');
  t.equal(v.host, 'host.example.com');
  t.equal(v.port, 5060);
  t.equal(v.branch, 'z9hG4bK1');
  t.equal(v.received, '192.0.2.9');
  t.equal(v.rport, 4000);
  t.equal(v.maddr, '224.2.0.1');
  t.equal(v.ttl, 16);
  t.equal(v.params.get('x'), null);
  t.equal(parseVia('SIP/2.0/TCP h;rport').rport, true);
  t.equal(parseVia('SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKa').transport, 'WSS');
  const v6 = parseVia('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK2;received=2001:db8::9');
  t.equal(v6.host, '[2001:db8::1]');
  t.equal(v6.received, '2001:db8::9');
  t.equal(formatVia(v6), 'SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK2;received=2001:db8::9');
  for (const bad of [
    'SIP/2.0/UDP',
    'SIP/2.0 UDP h',
    'SIP/2.0/UDP h;;',
    'SIP/2.0/UDP h:x',
    'SIP/2.0/UDP h;rport=x',
    'SIP/2.0/UDP h;ttl=300',
    'SIP/2.0/UDPh',
  ]) {
    t.throws(() => parseVia(bad), SipParseError, bad);
  }
  t.end();
});

t.test('createVia and formatVia', (t) => {
  const v = createVia({ transport: 'tcp', host: '192.0.2.1', port: 5070, branch: 'z9hG4bKx', rport: true });
  t.equal(formatVia(v), 'SIP/2.0/TCP 192.0.2.1:5070;branch=z9hG4bKx;rport');
  const answered = { ...parseVia(formatVia(v)), received: '198.51.100.1', rport: 61000 as const };
  t.equal(formatVia(answered), 'SIP/2.0/TCP 192.0.2.1:5070;branch=z9hG4bKx;rport=61000;received=198.51.100.1');
  t.end();
});

t.test('params formatting quotes what is not a token', (t) => {
  t.equal(
    formatParams(
      new Map([
        ['a', null],
        ['b', 'tok'],
        ['c', 'two words'],
        ['d', 'q"uote'],
        ['e', '[::1]'],
      ]),
    ),
    ';a;b=tok;c="two words";d="q\\"uote";e=[::1]',
  );
  t.end();
});

t.test('CSeq, Event and Subscription-State', (t) => {
  t.same(parseCSeq(' 42   INVITE '), { seq: 42, method: 'INVITE' });
  t.throws(() => parseCSeq('42INVITE'), SipParseError);
  t.throws(() => parseCSeq('-1 INVITE'), SipParseError);
  const e = parseEvent('Presence.WINFO ; id=abc;x');
  t.equal(e.event, 'presence.winfo');
  t.equal(e.id, 'abc');
  t.equal(e.params.get('x'), null);
  t.equal(parseEvent('dialog').id, undefined);
  t.throws(() => parseEvent(';id=1'), SipParseError);
  const s = parseSubscriptionState('Terminated;reason=Timeout;retry-after=30');
  t.equal(s.state, 'terminated');
  t.equal(s.reason, 'timeout');
  t.equal(s.retryAfter, 30);
  t.equal(parseSubscriptionState('active;expires=3600').expires, 3600);
  t.equal(parseSubscriptionState('active;expires=99999999999').expires, 2 ** 32 - 1, 'clamped');
  t.throws(() => parseSubscriptionState('active;expires=soon'), SipParseError);
  t.end();
});

t.test("CSeq with the request's method known: same result, still checked", (t) => {
  t.same(parseCSeq('7 INVITE', 'INVITE'), { seq: 7, method: 'INVITE' });
  t.same(parseCSeq(' 7\tINVITE\t', 'INVITE'), { seq: 7, method: 'INVITE' });
  t.same(parseCSeq('7 INVITEX', 'INVITE'), { seq: 7, method: 'INVITEX' }, 'a longer method is not the known one');
  t.same(parseCSeq('7 INV', 'INVITE'), { seq: 7, method: 'INV' });
  t.same(parseCSeq('7 invite', 'INVITE'), { seq: 7, method: 'invite' }, 'methods are case-sensitive');
  for (const v of ['7 INVITE x', '7 INV"TE', '7INVITE', 'x INVITE', '7 ']) {
    t.throws(() => parseCSeq(v, 'INVITE'), SipParseError, v);
  }
  const wire = (first: string, cseq: string): string =>
    first +
    '\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n' +
    'Call-ID: c\r\nCSeq: ' +
    cseq +
    '\r\nContent-Length: 0\r\n\r\n';
  const req = parseMessage(wire('SUBSCRIBE sip:b@h SIP/2.0', '4 SUBSCRIBE'));
  t.equal(req.cseq?.method, 'SUBSCRIBE');
  t.equal(req.cseq?.seq, 4);
  const res = parseMessage(wire('SIP/2.0 200 OK', '4 SUBSCRIBE'));
  t.same(res.cseq, { seq: 4, method: 'SUBSCRIBE' });
  const reason = (m: string): string | undefined => {
    try {
      parseMessage(m);
      return undefined;
    } catch (e) {
      return e instanceof SipParseError ? e.reason : String(e);
    }
  };
  t.equal(reason(wire('SUBSCRIBE sip:b@h SIP/2.0', '4 SUBSCRIBEX')), 'CSeq method mismatch');
  t.equal(reason(wire('SUBSCRIBE sip:b@h SIP/2.0', '4 SUBSCRIBE x')), 'Malformed CSeq header');
  t.end();
});

t.test('Event and Subscription-State without parameters, with whitespace, and malformed tails', (t) => {
  const bare = parseEvent(' presence ');
  t.equal(bare.event, 'presence');
  t.equal(bare.params.size, 0);
  t.equal(bare.id, undefined);
  t.equal(parseEvent('DIALOG').event, 'dialog', 'lower-cased');
  t.equal(parseEvent('message-summary').event, 'message-summary');
  t.equal(parseEvent('presence ;id=7').id, '7');
  t.end();
});

t.test('Event and Subscription-State refuse what is not token *(;param)', (t) => {
  for (const v of ['presence;', 'presence x', 'presence;id=', 'pres"ence', '', ' ', 'presence;;id=1']) {
    t.throws(() => parseEvent(v), SipParseError, JSON.stringify(v));
  }
  const s = parseSubscriptionState('pending');
  t.equal(s.state, 'pending');
  t.equal(s.params.size, 0);
  t.equal(s.reason, undefined);
  t.equal(s.expires, undefined);
  t.throws(() => parseSubscriptionState('active expires=1'), SipParseError);
  t.end();
});

t.test('the eager From/To shape check (quotes and angle brackets)', (t) => {
  const cases: Array<[string, boolean]> = [
    ['"A" <sip:a@b>;tag=1', true],
    ['"A \\" <x" <sip:a@b>', true],
    ['"A \\\\" <sip:a@b>', true],
    ['"A \\\\" x" <sip:a@b>', false],
    ['"unterminated <sip:a@b>', false],
    ['"A" <sip:a@b', false],
    ['"A" <sip:a@b>>', false],
    ['<sip:a@b>;p="x"', true],
    ['<sip:a@b>;p="x', false],
    ['sip:a@b;tag=2', true],
    ['<sip:a@b><sip:c@d>', false],
    ['  "A"<sip:a@b>', true],
  ];
  for (const [v, ok] of cases) t.equal(addressShapeOk(v), ok, v);
  t.end();
});

t.test('uriEquals follows RFC 3261 §19.1.4', (t) => {
  const eq = (a: string, b: string): boolean => uriEquals(parseUri(a), parseUri(b));
  // The RFC's own examples of equivalent URIs.
  t.ok(eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'));
  t.ok(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'));
  t.ok(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'));
  t.ok(
    eq(
      'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
      'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
    ),
  );
  t.ok(
    eq(
      'sip:alice@atlanta.com?subject=project%20x&priority=urgent',
      'sip:alice@atlanta.com?priority=urgent&subject=project%20x',
    ),
  );
  // ... and of URIs that are not.
  t.notOk(eq('SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'), 'user differs in case');
  t.notOk(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'), 'absent port differs');
  t.notOk(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'), 'transport only on one side');
  t.notOk(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'));
  t.notOk(eq('sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'));
  t.notOk(eq('sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'));
  t.notOk(eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'));
  t.notOk(eq('sip:a@example.com', 'sips:a@example.com'));
  t.ok(eq('tel:+1-201-555-0123', 'tel:+1.201.555.0123'));
  t.notOk(eq('tel:+12015550123;ext=1', 'tel:+12015550123'));
  t.ok(eq('URN:service:sos', 'urn:service:sos'));
  t.notOk(eq('urn:service:sos', 'urn:service:SOS'));
  t.end();
});
