// Digest on real SIP messages: parsed from the wire, answered, serialized and parsed again.
import t from 'tap';
import { createResponse, parseMessage, serializeMessage } from '../../src/message/index.js';
import type { SipRequest, SipResponse } from '../../src/message/index.js';
import { DigestClient, parseDigestCredentials } from '../../src/auth/index.js';
import { makeServer } from './fixtures/server.js';

const lines = (cseq: number, extra: string[] = []): string =>
  [
    'REGISTER sip:example.test SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-reg' + cseq + ';rport',
    'Max-Forwards: 70',
    'To: <sip:alice@example.test>',
    'From: <sip:alice@example.test>;tag=a1',
    'Call-ID: reg-1@192.0.2.1',
    `CSeq: ${cseq} REGISTER`,
    'Contact: <sip:alice@192.0.2.1>',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');

function parseRequest(text: string | Buffer): SipRequest {
  const m = parseMessage(text);
  if (m.kind !== 'request') throw new Error('expected a request');
  return m;
}

function parseResponse(bytes: Buffer): SipResponse {
  const m = parseMessage(bytes);
  if (m.kind !== 'response') throw new Error('expected a response');
  return m;
}

void t.test('REGISTER → 401 on the wire → DigestClient → REGISTER with Authorization → ok', async (t) => {
  const { server } = makeServer();
  const first = parseRequest(lines(1));
  const verdict = await server.verify(first);
  t.same(verdict, { ok: false, status: 401, reason: 'credentials missing' });

  const set = server.challenge(first);
  const res = createResponse(first, set.status, undefined, {
    toTag: 'srv',
    headers: set.values.map((v) => [set.header, v]),
  });
  const onWire = parseResponse(serializeMessage(res));
  t.equal(onWire.headers.getAll('WWW-Authenticate').length, 2, 'two challenges survive the wire, commas and all');

  const client = new DigestClient({ username: 'alice', password: 'alice-secret' });
  const answer = client.answer(onWire, first);
  if (!answer.ok) throw new Error(answer.reason);
  const second = parseRequest(
    lines(
      2,
      answer.values.map((v) => `${answer.header}: ${v}`),
    ),
  );
  t.same(await server.verify(second), { ok: true, username: 'alice', realm: 'example.test', algorithm: 'SHA-256' });
  t.same(
    await server.verify(second),
    { ok: false, status: 401, reason: 'nonce count reused', stale: true },
    'replayed',
  );
});

void t.test('credentials folded over several lines under a lower-case header name parse from the wire', async (t) => {
  const { server } = makeServer();
  const client = new DigestClient({ username: 'alice', password: 'alice-secret' }, { algorithms: ['MD5'] });
  const set = server.challenge(parseRequest(lines(1)));
  const a = client.answerChallenges(set.values, { method: 'REGISTER', requestUri: 'sip:example.test' });
  if (!a.ok) throw new Error(a.reason);
  // RFC 3261 §7.3.1 line folding: break after every comma.
  const folded = a.values[0].replace(/, /g, ',\r\n  ');
  const req = parseRequest(lines(2, [`authorization: ${folded}`]));
  const cred = parseDigestCredentials(req.headers.get('Authorization') ?? '');
  t.ok(cred.ok && cred.value.username === 'alice');
  const v = await server.verify(req);
  t.ok(v.ok && v.algorithm === 'MD5');
});
