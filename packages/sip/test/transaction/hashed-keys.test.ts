/**
 * Finished server transactions keep hashes of their §17.2.3 and §8.2.2.2 keys, not the key
 * strings (issue 7): the keys are read back from the kept response, which carries the
 * request's Via, From, Call-ID and CSeq (RFC 3261 §8.2.6.2).
 */
import t from 'tap';
import { createResponse, parseMessage, type SipRequest, type SipResponse } from '@herald/sip';
import { mergeKey, serverKey, textTopVia } from '../../src/transaction/keys.js';
import type { FakeTransport } from './fixtures/index.js';
import { flush, peerRequest, serverLayer, udpFlow } from './fixtures/index.js';

void t.test('a finished transaction reads its keys back from the kept response', async (t) => {
  const { layer, requests, transport } = serverLayer();
  const fake = transport as FakeTransport;
  const request = peerRequest({ method: 'REGISTER', branch: 'z9hG4bKh1', callId: 'h1' });
  layer.receive(request, udpFlow);
  const { tx } = requests[0]!;
  const key = serverKey(request);
  const mkey = mergeKey(request);
  t.equal(tx.key, key, 'the §17.2.3 key while active');
  t.equal(tx.mergeKey, mkey);
  tx.respond(createResponse(request, 200, 'OK', { toTag: 'r' }));
  await flush();
  t.equal(tx.request, undefined, 'finished: the request is gone');
  t.equal(tx.key, key, 'the same key read from the response');
  t.equal(tx.mergeKey, mkey, 'the same merged-request key read from the response');
  layer.receive(peerRequest({ method: 'REGISTER', branch: 'z9hG4bKh1', callId: 'h1' }), udpFlow);
  await flush();
  t.equal(fake.responses().length, 2, 'the retransmission is absorbed and answered again');
  t.equal(requests.length, 1);
  layer.receive(peerRequest({ method: 'REGISTER', branch: 'z9hG4bKh2', callId: 'h1' }), udpFlow);
  await flush();
  t.equal(fake.responses(482).length, 1, 'a merged request on another branch: 482 (§8.2.2.2)');
  layer.close();
});

void t.test('a TU response without the request’s Via, From, Call-ID, CSeq: the key strings are kept', async (t) => {
  const { clock, layer, requests, transport } = serverLayer();
  const fake = transport as FakeTransport;
  const request = peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKbare', callId: 'bare' });
  layer.receive(request, udpFlow);
  const { tx } = requests[0]!;
  tx.respond(parseMessage('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n') as SipResponse);
  await flush();
  t.equal(tx.state, 'completed');
  t.equal(tx.key, serverKey(request), 'the key string was kept');
  t.equal(tx.mergeKey, mergeKey(request));
  layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKbare', callId: 'bare' }), udpFlow);
  layer.receive(peerRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bKbare2', callId: 'bare' }), udpFlow);
  await flush();
  t.equal(requests.length, 1, 'the retransmission matched; the merged request made no new TU request');
  t.equal(fake.responses(200).length, 2, 'the retransmission got the 200 again');
  t.equal(fake.responses(482).length, 1, 'the merged request got 482');
  clock.advance(32000);
  t.equal(layer.serverCount, 0, 'Timer J forgets it');
  layer.close();
});

void t.test('thousands of finished transactions: each retransmission finds its own (§17.2.3)', async (t) => {
  const { clock, layer, requests, transport } = serverLayer();
  const fake = transport as FakeTransport;
  const n = 2000;
  for (let i = 0; i < n; i++) {
    layer.receive(peerRequest({ method: 'REGISTER', branch: `z9hG4bKmany${i}`, callId: `many${i}` }), udpFlow);
    const { tx, request } = requests[i]!;
    tx.respond(createResponse(request, 200, 'OK', { toTag: `t${i}` }));
  }
  await flush();
  t.equal(layer.serverCount, n);
  for (let i = n - 1; i >= 0; i--) {
    layer.receive(peerRequest({ method: 'REGISTER', branch: `z9hG4bKmany${i}`, callId: `many${i}` }), udpFlow);
  }
  await flush();
  t.equal(requests.length, n, 'no retransmission became a new request');
  const wires = fake.responses(200).map((s) => s.wire);
  t.equal(wires.length, 2 * n);
  let same = 0;
  for (let i = 0; i < n; i++) if (wires[2 * n - 1 - i] === wires[i]) same++;
  t.equal(same, n, 'each got its own transaction’s bytes again');
  clock.advance(32000);
  t.equal(layer.serverCount, 0);
  layer.close();
});

void t.test('textTopVia reads the first Via line of kept bytes (a shortcut the full parse confirms)', (t) => {
  const head = 'SIP/2.0 200 OK\r\n';
  const via = (text: string) => textTopVia(text);
  t.equal(via(head + 'Via: SIP/2.0/UDP a.test:5070;branch=z9hG4bK1\r\n\r\n')?.branch, 'z9hG4bK1');
  t.equal(via(head + 'v: SIP/2.0/UDP a.test;branch=z9hG4bK2\r\n\r\n')?.host, 'a.test', 'compact form');
  t.equal(via(head + 'VIA : SIP/2.0/UDP a.test;branch=z9hG4bK3, SIP/2.0/UDP b.test\r\n\r\n')?.branch, 'z9hG4bK3');
  const quoted = via(head + 'Via: SIP/2.0/UDP a.test;x="p,q";branch=z9hG4bK4\r\nVia: SIP/2.0/UDP b.test\r\n\r\n');
  t.equal(quoted?.branch, 'z9hG4bK4', 'a comma inside quotes does not end the value');

  t.equal(via(head + 'Via-Other: x\r\nContent-Length: 0\r\n\r\n'), undefined, 'no Via line');
  t.equal(via(head + 'Via: ;;;\r\n\r\n'), undefined, 'an unreadable Via');
  t.end();
});

void t.test('compact-form requests: a finished transaction still absorbs their retransmissions', async (t) => {
  const { layer, requests, transport } = serverLayer();
  const fake = transport as FakeTransport;
  const raw = (branch: string) =>
    parseMessage(
      [
        'OPTIONS sip:bob@example.test SIP/2.0',
        `v: SIP/2.0/UDP 192.0.2.9:5070;branch=${branch}`,
        'f: <sip:alice@example.test>;tag=c1',
        't: <sip:bob@example.test>',
        'i: compact-1',
        'CSeq: 7 OPTIONS',
        'l: 0',
        '',
        '',
      ].join('\r\n'),
    ) as SipRequest;
  layer.receive(raw('z9hG4bKcompact'), udpFlow);
  const { tx, request } = requests[0]!;
  tx.respond(createResponse(request, 200, 'OK', { toTag: 'c' }));
  await flush();
  t.equal(tx.request, undefined);
  layer.receive(raw('z9hG4bKcompact'), udpFlow);
  await flush();
  t.equal(requests.length, 1, 'matched the finished transaction');
  t.equal(fake.responses(200).length, 2, 'and got its 200 again');
  layer.close();
});
