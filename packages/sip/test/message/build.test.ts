/** createRequest / createResponse (RFC 3261 §8.2.6) and serialize ⇄ parse round trips. */
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { Test } from 'tap';
import { createRequest, createResponse, parseMessage, reasonPhrase, serializeMessage } from '@herald/sip';
import type { SipMessage, SipRequest } from '@herald/sip';
import { asRequest, asResponse, basicHeaders, wire } from './fixtures/messages.js';

const INVITE = wire(
  [
    'INVITE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1, SIP/2.0/UDP p0.example.com;branch=z9hG4bKp0',
    'v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;received=192.0.2.99',
    'Record-Route: <sip:p1.example.com;lr>',
    'From: "Alice" <sip:alice@example.com>;tag=a1',
    't: <sip:bob@example.com>',
    'Call-ID: inv-1@example.com',
    'CSeq: 7 INVITE',
    'Max-Forwards: 69',
    'Timestamp: 54.2',
    'Contact: <sip:alice@192.0.2.1>',
    'Content-Type: application/sdp',
    'Content-Length: 4',
  ],
  'v=0\n',
);

t.test('createResponse copies Via (all, in order), From, To, Call-ID, CSeq (RFC 3261 §8.2.6.2)', (t) => {
  const req = asRequest(parseMessage(INVITE));
  const res = createResponse(req, 180, undefined, { toTag: 'b9' });
  t.equal(res.status, 180);
  t.equal(res.reason, 'Ringing');
  t.same(res.headers.getAll('Via'), req.headers.getAll('Via'));
  t.equal(res.via.length, 3);
  t.equal(res.headers.get('From'), '"Alice" <sip:alice@example.com>;tag=a1');
  t.equal(res.headers.get('To'), '<sip:bob@example.com>;tag=b9');
  t.equal(res.callId, 'inv-1@example.com');
  t.same(res.cseq, { seq: 7, method: 'INVITE' });
  for (const absent of ['Record-Route', 'Contact', 'Max-Forwards', 'Timestamp', 'Content-Type'])
    t.notOk(res.headers.has(absent), absent);
  t.equal(res.body.length, 0);
  t.end();
});

t.test('createResponse: existing To tag kept; Timestamp only in 100; extra headers and body', (t) => {
  const req = asRequest(parseMessage(INVITE.replace('t: <sip:bob@example.com>', 't: <sip:bob@example.com>;tag=have')));
  t.equal(createResponse(req, 200, 'Fine', { toTag: 'new' }).to?.params.get('tag'), 'have');
  const trying = createResponse(req, 100);
  t.equal(trying.headers.get('Timestamp'), '54.2', 'RFC 3261 §8.2.6.1');
  t.equal(trying.reason, 'Trying');
  const ok = createResponse(req, 200, undefined, {
    toTag: 'x',
    headers: [
      ['Contact', '<sip:bob@192.0.2.2>'],
      ['Record-Route', '<sip:p1.example.com;lr>'],
      ['Content-Type', 'application/sdp'],
    ],
    body: 'v=0\r\n',
  });
  t.equal(ok.recordRoute[0]?.uri.host, 'p1.example.com');
  const wireOk = serializeMessage(ok).toString();
  t.match(wireOk, /^SIP\/2.0 200 OK\r\n/);
  t.match(wireOk, /\r\nContent-Length: 5\r\n\r\nv=0\r\n$/);
  const back = asResponse(parseMessage(wireOk));
  t.equal(back.status, 200);
  t.same(back.via, req.via);
  t.end();
});

t.test('createResponse to a request with non-UTF-8 octets copies them unchanged', (t) => {
  const rest = basicHeaders('MESSAGE').filter((h) => !h.startsWith('From:'));
  const req = parseMessage(
    Buffer.concat([
      Buffer.from('MESSAGE sip:b@example.com SIP/2.0\r\nFrom: "Ren'),
      Buffer.from([0xe9]),
      Buffer.from('" <sip:alice@example.com>;tag=1\r\n' + rest.join('\r\n') + '\r\nContent-Length: 0\r\n\r\n'),
    ]),
  );
  t.equal(req.from?.displayName, 'Ren\u00e9');
  const out = serializeMessage(createResponse(asRequest(req), 200, undefined, { toTag: 't' }));
  t.ok(out.includes(Buffer.from([0x52, 0x65, 0x6e, 0xe9, 0x22])), 'the 0xE9 octet is written as is');
  t.end();
});

t.test('reason phrases', (t) => {
  t.equal(reasonPhrase(200), 'OK');
  t.equal(reasonPhrase(481), 'Call/Transaction Does Not Exist');
  t.equal(reasonPhrase(489), 'Bad Event');
  t.equal(reasonPhrase(299), 'Success');
  t.equal(reasonPhrase(499), 'Client Error');
  t.equal(reasonPhrase(699), 'Global Failure');
  t.end();
});

t.test('createRequest builds a message the parser agrees with', (t) => {
  const req = createRequest({
    method: 'NOTIFY',
    uri: 'sip:alice@192.0.2.1:5060;transport=tcp',
    headers: [
      ['Via', 'SIP/2.0/TCP 198.51.100.1;branch=z9hG4bKn1;rport'],
      ['Max-Forwards', '70'],
      ['From', '<sip:bob@example.com>;tag=s1'],
      ['To', '<sip:alice@example.com>;tag=a1'],
      ['Call-ID', 'sub-1'],
      ['CSeq', '3 NOTIFY'],
      ['Event', 'presence'],
      ['Subscription-State', 'active;expires=599'],
      ['Content-Type', 'application/pidf+xml'],
      ['Content-Length', '999'],
    ],
    body: '<presence/>',
  });
  t.equal(req.kind, 'request');
  t.equal(req.uri.params.get('transport'), 'tcp');
  t.equal(req.subscriptionState?.expires, 599);
  const bytes = serializeMessage(req);
  t.match(bytes.toString(), /\r\nContent-Length: 11\r\n/, 'Content-Length always from the body');
  const back = asRequest(parseMessage(bytes, { datagram: false }));
  t.equal(back.method, 'NOTIFY');
  t.equal(back.body.toString(), '<presence/>');
  t.equal(back.event?.event, 'presence');
  t.end();
});

t.test('a changed body or start line is serialized as changed', (t) => {
  const msg = asRequest(
    parseMessage(wire(['MESSAGE sip:a@example.com SIP/2.0', ...basicHeaders('MESSAGE'), 'Content-Length: 2'], 'hi')),
  );
  msg.body = Buffer.from('hello ☃');
  msg.requestUri = 'sip:b@example.com';
  const out = serializeMessage(msg).toString();
  t.match(out, /^MESSAGE sip:b@example.com SIP\/2.0\r\n/);
  t.match(out, /Content-Length: 9\r\n\r\nhello ☃$/);
  t.end();
});

const DIR = new URL('../../../../../shared/testdata/rfc4475/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as Array<{
  file: string;
  expect: string;
}>;

const withoutLength = (m: SipMessage): Array<[string, string]> =>
  [...m.headers.entries()].filter(([n]) => n !== 'Content-Length');

function same(t: Test, a: SipMessage, b: SipMessage, file: string): void {
  // A message received without Content-Length (a datagram) gets one on output.
  t.same(withoutLength(b), withoutLength(a), `${file}: headers`);
  t.equal(b.headers.get('Content-Length'), String(a.body.length), `${file}: Content-Length from the body`);
  t.same(b.body, a.body, `${file}: body`);
  if (a.kind === 'request' && b.kind === 'request') t.same([b.method, b.requestUri], [a.method, a.requestUri]);
  if (a.kind === 'response' && b.kind === 'response') t.same([b.status, b.reason], [a.status, a.reason]);
}

t.test('serialize → parse round trip of every RFC 4475 message that parses', (t) => {
  for (const entry of manifest) {
    let first: SipMessage;
    try {
      first = parseMessage(readFileSync(new URL(entry.file, DIR)));
    } catch {
      continue;
    }
    const bytes = serializeMessage(first);
    const second = parseMessage(bytes);
    same(t, first, second, entry.file);
    t.ok(serializeMessage(second).equals(bytes), `${entry.file}: serialization is stable`);
  }
  t.end();
});

t.test('a reason phrase with CR/LF cannot inject headers', (t) => {
  const req = parseMessage(
    'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
  ) as SipRequest;
  const res = createResponse(req, 400, 'Bad\r\nX-Injected: yes');
  const wire = serializeMessage(res).toString();
  t.notMatch(wire, /\r\nX-Injected/);
  const back = parseMessage(wire);
  t.equal(back.headers.has('X-Injected'), false);
  t.end();
});
