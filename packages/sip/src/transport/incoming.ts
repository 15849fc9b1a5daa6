/**
 * Turning received bytes into messages, and unparsable requests into the
 * stateless error answer RFC 3261 §16.3/§8.2 asks for when enough survived.
 * Shared by every transport so they fail the same way.
 */
import { randomBytes } from 'node:crypto';
import { createResponse, parseMessage, SipParseError, statelessErrorResponse } from '../message/index.js';
import type { SipMessage, SipResponse } from '../message/types.js';
import type { ParseLimits } from './options.js';

/** Outcome of parsing received bytes; expected failures are values. */
export type ParseOutcome =
  | { readonly ok: true; readonly message: SipMessage }
  | { readonly ok: false; readonly reason: string; readonly response?: SipResponse };

/** True when `data` holds only CR and LF bytes (a keep-alive, RFC 5626 §3.5.1). */
export function isKeepAlive(data: Buffer): boolean {
  if (data.length === 0) return true;
  for (const b of data) if (b !== 0x0d && b !== 0x0a) return false;
  return true;
}

/** Parses one whole message; on failure returns the 400/505/413 to send back, if one can be built. */
export function parseIncoming(data: Buffer, limits: ParseLimits = {}): ParseOutcome {
  try {
    return { ok: true, message: parseMessage(data, limits) };
  } catch (err) {
    if (!(err instanceof SipParseError)) return { ok: false, reason: err instanceof Error ? err.message : String(err) };
    const response = err.partial?.isRequest ? statelessErrorResponse(err) : undefined;
    return response ? { ok: false, reason: err.reason, response } : { ok: false, reason: err.reason };
  }
}

/**
 * For a stream message that could not be framed (RFC 3261 §18.3: no
 * Content-Length, or too large): builds the error answer from the header
 * block when it is a request that parses well enough.
 */
export function framingErrorResponse(
  head: Buffer,
  status: 400 | 413,
  reason: string,
  limits: ParseLimits = {},
): SipResponse | undefined {
  const parsed = parseIncoming(head, limits);
  if (!parsed.ok) {
    // The head alone never parses cleanly when it announces a body it does not hold; too large is the answer then.
    if (parsed.response && status === 413) Object.assign(parsed.response, { status, reason });
    return parsed.response;
  }
  const msg = parsed.message;
  if (msg.kind !== 'request') return undefined;
  try {
    const toTag = msg.to?.params.has('tag') ? undefined : randomBytes(6).toString('hex');
    return createResponse(msg, status, reason, toTag ? { toTag } : {});
  } catch {
    // Headers too broken to mirror (e.g. a malformed Via): nothing to answer.
    return undefined;
  }
}
