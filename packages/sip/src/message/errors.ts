/** What survived of a message that failed to parse, for a stateless answer (RFC 3261 §8.2, §21.4.1). */
export interface ParsePartial {
  /** True when the start line looked like a request. */
  readonly isRequest: boolean;
  /** Header lines that were read before (or despite) the failure, canonical names, raw values. */
  readonly headers: Array<[string, string]>;
}

/** SIP status a parse failure maps to: 400 (malformed), 505 (unknown SIP version), 413 (too large). */
export type ParseErrorStatus = 400 | 505 | 413;

/**
 * A malformed SIP message or header value. `reason` is short and fit for a
 * 400 reason phrase; `status` is the answer a UAS gives to a request.
 */
export class SipParseError extends Error {
  readonly reason: string;
  readonly status: ParseErrorStatus;
  readonly partial?: ParsePartial;

  constructor(reason: string, status: ParseErrorStatus = 400, partial?: ParsePartial) {
    super(reason);
    this.name = 'SipParseError';
    this.reason = reason;
    this.status = status;
    if (partial) this.partial = partial;
  }
}

/** Throws a 400 {@link SipParseError}; typed `never` so callers can use it in expressions. */
export function fail(reason: string): never {
  throw new SipParseError(reason, 400);
}
