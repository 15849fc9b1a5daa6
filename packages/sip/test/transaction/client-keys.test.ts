/** Client transaction matching (RFC 3261 §17.1.3) with the layer's branch-keyed map: the method is checked on a match. */
import t from 'tap';
import { createCancel, type SipRequest, type SipResponse } from '@herald/sip';
import { ourRequest, peerResponse, serverLayer, udpDest, udpFlow } from './fixtures/index.js';

function user(log: string[], label: string) {
  return {
    onResponse: (r: SipResponse) => log.push(`${label}:${r.status}`),
    onTimeout: () => log.push(`${label}:timeout`),
    onTransportError: () => log.push(`${label}:error`),
  };
}

function withBranch(method: string, branch: string): SipRequest {
  const request = ourRequest(method);
  request.headers.set('Via', `SIP/2.0/UDP 127.0.0.1:5060;branch=${branch}`);
  return request;
}

void t.test(
  'a response matches by branch and CSeq method; a CANCEL and a reused branch get their own transactions',
  (t) => {
    const { layer } = serverLayer();
    const log: string[] = [];
    const invite = withBranch('INVITE', 'z9hG4bKshared');
    layer.sendRequest(invite, udpDest, user(log, 'invite'));
    const cancel = createCancel(invite);
    layer.sendRequest(cancel, udpDest, user(log, 'cancel'));
    // RFC 3261 §8.1.1.7 wants a new branch per request; a caller reusing one still gets a transaction of its own.
    const options = withBranch('OPTIONS', 'z9hG4bKshared');
    layer.sendRequest(options, udpDest, user(log, 'options'));
    t.equal(layer.clientCount, 3);
    t.throws(
      () => layer.sendRequest(withBranch('OPTIONS', 'z9hG4bKshared'), udpDest, user(log, 'dup')),
      /already running/,
      'the same branch and method twice is refused',
    );
    t.throws(
      () => layer.sendRequest(withBranch('INVITE', 'z9hG4bKshared'), udpDest, user(log, 'dup')),
      /already running/,
    );

    layer.receive(peerResponse(cancel, 200), udpFlow);
    layer.receive(peerResponse(options, 200), udpFlow);
    layer.receive(peerResponse(invite, 487, 'x'), udpFlow);
    t.same(log, ['cancel:200', 'options:200', 'invite:487']);

    layer.receive(peerResponse(withBranch('SUBSCRIBE', 'z9hG4bKshared'), 200), udpFlow);
    t.same(log, ['cancel:200', 'options:200', 'invite:487'], 'another method on that branch matches nothing');
    t.end();
  },
);
