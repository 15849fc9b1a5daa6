import { SipParseError } from '../message/index.js';
import type { SipRequest } from '../message/types.js';

/** Why a request is refused before any handler sees it: status, reason phrase, extra headers. */
export interface Refusal {
  readonly status: number;
  readonly reason: string;
  readonly headers?: Array<[string, string]>;
}

/** Headers every request must carry (RFC 3261 §8.1.1; Max-Forwards is checked by proxies only). */
const MANDATORY = ['Via', 'From', 'To', 'Call-ID', 'CSeq'] as const;

/** URI schemes a UAS accepts in the Request-URI (RFC 3261 §8.2.2.1). */
const SCHEMES = new Set(['sip', 'sips', 'tel']);

/**
 * The checks of RFC 3261 §8.2.1–§8.2.2 that need no handler: mandatory
 * headers present and well formed, a known Request-URI scheme (416). Returns
 * undefined when the request may go on. Structured header errors become 400
 * with the parser's reason.
 */
export function checkRequest(request: SipRequest): Refusal | undefined {
  for (const name of MANDATORY) {
    if (!request.headers.has(name)) return { status: 400, reason: `Missing ${name} Header` };
  }
  try {
    // Touch the structured values the layers below rely on: a bad one is a 400, not a crash later.
    void request.topVia;
    void request.from;
    void request.to;
    void request.cseq;
    const scheme = request.uri.scheme;
    if (!SCHEMES.has(scheme)) {
      return { status: 416, reason: 'Unsupported URI Scheme' };
    }
  } catch (err) {
    if (err instanceof SipParseError) return { status: 400, reason: err.reason };
    throw err;
  }
  return undefined;
}

/**
 * RFC 3261 §8.2.2.3: option tags in `Require` we do not support are answered
 * 420 Bad Extension listing them in `Unsupported`. ACK and CANCEL are exempt.
 */
export function checkRequire(request: SipRequest, supported: ReadonlySet<string>): Refusal | undefined {
  if (request.method === 'ACK' || request.method === 'CANCEL') return undefined;
  const unsupported: string[] = [];
  for (const value of request.headers.getAll('Require')) {
    for (const tag of value.split(',')) {
      const t = tag.trim().toLowerCase();
      if (t && !supported.has(t)) unsupported.push(tag.trim());
    }
  }
  if (unsupported.length === 0) return undefined;
  return { status: 420, reason: 'Bad Extension', headers: [['Unsupported', unsupported.join(', ')]] };
}

/**
 * RFC 3261 §8.2.3: a body whose Content-Type the handler does not understand
 * is answered 415 with `Accept` listing what it does. A body-less request passes.
 */
export function checkContentType(request: SipRequest, accept: readonly string[] | undefined): Refusal | undefined {
  if (!accept || request.body.length === 0) return undefined;
  const type = request.contentType;
  if (type && accept.includes(type)) return undefined;
  return { status: 415, reason: 'Unsupported Media Type', headers: [['Accept', accept.join(', ')]] };
}
