import type { SipMessage, SipRequest, SipResponse } from '@herald/sip';

/** Joins lines with CRLF and ends the header section. */
export function wire(lines: string[], body = ''): string {
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

/** A minimal valid request header set for `method`, to extend in tests. */
export function basicHeaders(method: string): string[] {
  return [
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc',
    'From: <sip:alice@example.com>;tag=1',
    'To: <sip:bob@example.com>',
    'Call-ID: call-1@example.com',
    `CSeq: 1 ${method}`,
    'Max-Forwards: 70',
  ];
}

export function asRequest(msg: SipMessage): SipRequest {
  if (msg.kind !== 'request') throw new Error('expected a request');
  return msg;
}

export function asResponse(msg: SipMessage): SipResponse {
  if (msg.kind !== 'response') throw new Error('expected a response');
  return msg;
}
