/** Requests the transaction layer builds from other messages: the ACK for a non-2xx, and CANCEL. */
import { createRequest } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/types.js';

function required(request: SipRequest, name: string): string {
  const value = request.headers.get(name);
  if (value === undefined) throw new TypeError(`request lacks ${name}`);
  return value;
}

/**
 * The ACK for a non-2xx final response to `invite` (RFC 3261 §17.1.1.3): same
 * Request-URI, Call-ID, From and top Via (so the same branch) as the INVITE,
 * To of the response (with its tag), CSeq number of the INVITE with method
 * ACK, and the INVITE's Route headers.
 */
export function createAck(invite: SipRequest, response: SipResponse): SipRequest {
  const seq = invite.cseq?.seq;
  if (seq === undefined) throw new TypeError('INVITE lacks CSeq');
  const headers: Array<[string, string]> = [
    ['Via', required(invite, 'Via')],
    ['Max-Forwards', '70'],
    ['From', required(invite, 'From')],
    ['To', response.headers.get('To') ?? required(invite, 'To')],
    ['Call-ID', required(invite, 'Call-ID')],
    ['CSeq', `${seq} ACK`],
  ];
  for (const route of invite.headers.getAll('Route')) headers.push(['Route', route]);
  return createRequest({ method: 'ACK', uri: invite.requestUri, headers });
}

/**
 * The CANCEL for a pending `request` (RFC 3261 §9.1): same Request-URI,
 * Call-ID, From, To, CSeq number and top Via (so the same branch, §17.1.3
 * matches it as its own transaction by method), and the same Route headers.
 */
export function createCancel(request: SipRequest): SipRequest {
  const seq = request.cseq?.seq;
  if (seq === undefined) throw new TypeError('request lacks CSeq');
  const headers: Array<[string, string]> = [
    ['Via', required(request, 'Via')],
    ['Max-Forwards', '70'],
    ['From', required(request, 'From')],
    ['To', required(request, 'To')],
    ['Call-ID', required(request, 'Call-ID')],
    ['CSeq', `${seq} CANCEL`],
  ];
  for (const route of request.headers.getAll('Route')) headers.push(['Route', route]);
  return createRequest({ method: 'CANCEL', uri: request.requestUri, headers });
}
