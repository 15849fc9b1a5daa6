/** Transaction matching keys (RFC 3261 §17.1.3, §17.2.3, §8.2.2.2). */
import type { SipRequest, SipResponse, Via } from '../message/types.js';
import { isRfc3261Branch } from './branch.js';
import { COMMON_METHODS } from '../message/names.js';
import { parseVia } from '../message/index.js';

const SEP = '\u0000';

/** Client key of a request we send: branch + method (§17.1.3). */
export function clientKey(branch: string, method: string): string {
  return branch + SEP + method;
}

/**
 * The key a client transaction is usually held under: its branch alone. Our branches are unique
 * per request (§8.1.1.7) but for a CANCEL, which reuses its request's branch (§9.1), so only a
 * CANCEL needs the method in its key; the layer checks the method of the others on a match, and
 * falls back to {@link clientKey} for a caller that reuses a branch anyway. No string is built
 * per request or response.
 */
export function clientMapKey(branch: string, method: string): string {
  return method === 'CANCEL' ? clientKey(branch, method) : branch;
}

function sentBy(via: Via): string {
  return `${via.host.toLowerCase()}:${via.port ?? ''}`;
}

/** The method a request's transaction was created by: an ACK belongs to its INVITE's transaction (§17.2.3). */
export function transactionMethod(method: string): string {
  return method === 'ACK' ? 'INVITE' : method;
}

/**
 * Server key for an RFC 3261 branch (§17.2.3: branch + sent-by + method, ACK
 * as INVITE), or undefined for an RFC 2543 request (no magic cookie).
 * `method` overrides the request's own (a CANCEL looks up its INVITE).
 */
export function serverKey(request: SipRequest, method = transactionMethod(request.method)): string | undefined {
  return viaKey(request, method);
}

/**
 * {@link serverKey} from any message's top Via with the transaction's method: a response carries
 * its request's Via (RFC 3261 §8.2.6.2), so a finished transaction reads its key from the kept response.
 */
export function viaKey(message: SipRequest | SipResponse, method: string): string | undefined {
  const via = message.topVia;
  return via ? topViaKey(via, method) : undefined;
}

/** {@link serverKey} of a top Via and a method; undefined without an RFC 3261 branch. */
export function topViaKey(via: Via, method: string): string | undefined {
  if (!isRfc3261Branch(via.branch)) return undefined;
  return via.branch + SEP + sentBy(via) + SEP + method;
}

/** The first Via header line of serialized message text (`Via:` or compact `v:`, any case). */
const VIA_LINE = /\r\n(?:via|v)[ \t]*:[ \t]*/i;

/**
 * The top Via of serialized message text, read from its first Via line alone (no parse of the
 * whole message); undefined when there is none or it does not parse. A shortcut only: a caller
 * that gets a mismatch must confirm with a full parse.
 */
export function textTopVia(text: string): Via | undefined {
  const m = VIA_LINE.exec(text);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  let end = text.indexOf('\r\n', start);
  if (end < 0) end = text.length;
  let quoted = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) quoted = !quoted;
    else if (c === 0x2c && !quoted) {
      end = i;
      break;
    }
  }
  try {
    return parseVia(text.slice(start, end).trim());
  } catch {
    return undefined;
  }
}

function tag(params: ReadonlyMap<string, string | null> | undefined): string {
  return params?.get('tag') ?? '';
}

/**
 * RFC 2543 fallback key (§17.2.3): Request-URI, From tag, Call-ID, CSeq number
 * and method (ACK as INVITE), and the top Via. The To tag is compared apart:
 * an ACK carries the tag of the response, not of the INVITE.
 */
export function legacyKey(request: SipRequest, method = transactionMethod(request.method)): string | undefined {
  const via = request.topVia;
  const cseq = request.cseq;
  if (!via || !cseq || request.callId === undefined) return undefined;
  return [
    request.requestUri,
    tag(request.from?.params),
    request.callId,
    String(cseq.seq),
    method,
    via.transport,
    sentBy(via),
    via.branch ?? '',
  ].join(SEP);
}

/** The To tag of a message ('' when none). */
export function toTag(message: SipRequest | SipResponse): string {
  return tag(message.to?.params);
}

/**
 * Merged-request key (§8.2.2.2): From tag, Call-ID and CSeq of a request with
 * no To tag; undefined for in-dialog requests.
 */
export function mergeKey(request: SipRequest): string | undefined {
  if (toTag(request) !== '') return undefined;
  return mergeParts(request);
}

/**
 * The merged-request key's parts (From tag, Call-ID, CSeq) of any message, To tag or not: a
 * response carries its request's (§8.2.6.2). Undefined when CSeq or Call-ID is missing.
 */
export function mergeParts(message: SipRequest | SipResponse): string | undefined {
  const cseq = message.cseq;
  if (!cseq || message.callId === undefined) return undefined;
  return [tag(message.from?.params), message.callId, String(cseq.seq), cseq.method].join(SEP);
}

/** Only code units 0–255 (so a latin1 round trip is exact). */
const LATIN1 = /^[\u0000-\u00ff]*$/;

/**
 * A flat copy of `s` sharing no memory with the string it was cut from. V8 keeps
 * the parent of a sliced or concatenated string alive, so a key or tag kept for
 * Timer J (32 s) would otherwise keep the whole header text of its message.
 */
export function detach(s: string): string {
  // Short strings are never slices; a latin1 round trip builds a flat string without a slice header.
  if (s.length < 13) return s;
  return LATIN1.test(s) ? Buffer.from(s, 'latin1').toString('latin1') : (' ' + s).slice(1);
}

const METHODS = new Map(COMMON_METHODS.map((m) => [m, m]));

/** The shared constant for a known method (a parsed method is a fresh string per message), else a detached copy. */
export function internMethod(method: string): string {
  return METHODS.get(method) ?? detach(method);
}
