import { randomBytes } from 'node:crypto';
import { hasTag } from './create.js';
import type { SipParseError } from './errors.js';
import { headerDef } from './header-names.js';
import type { HeaderLine } from './headers.js';
import { Response } from './message.js';
import type { SipResponse } from './types.js';

/** Makes a reason phrase safe to write: printable, one line, bounded. */
function safeReason(reason: string): string {
  let out = '';
  for (let i = 0; i < reason.length && out.length < 120; i++) {
    const c = reason.charCodeAt(i);
    out += c < 32 || c === 127 ? ' ' : reason[i];
  }
  return out.trim() || 'Bad Request';
}

/**
 * The stateless answer to a request that failed to parse (RFC 3261 §8.2 and
 * §21.4.1): status 400, 505 or 413 with the error's reason, built from the raw
 * Via (all), From, To (a tag added when it has none, §8.2.6.2), Call-ID and
 * CSeq that survived. Undefined for a response, or when one of those headers
 * is missing (the request cannot be answered).
 */
export function statelessErrorResponse(err: SipParseError, opts?: { toTag?: string }): SipResponse | undefined {
  const partial = err.partial;
  if (partial === undefined || !partial.isRequest) return undefined;
  const lines: HeaderLine[] = [];
  const seen = new Set<string>();
  for (const [name, value] of partial.headers) {
    const def = headerDef(name);
    if (def.key === 'via') lines.push({ def, value, parts: undefined, start: -1, end: -1 });
    else if (def.key === 'from' || def.key === 'call-id' || def.key === 'cseq' || def.key === 'to') {
      if (seen.has(def.key)) continue;
      seen.add(def.key);
      const tag = opts?.toTag ?? randomBytes(6).toString('hex');
      const v = def.key === 'to' && !hasTag(value) ? value + ';tag=' + tag : value;
      lines.push({ def, value: v, parts: undefined, start: -1, end: -1 });
    }
  }
  if (seen.size < 4 || !lines.some((l) => l.def.key === 'via')) return undefined;
  return new Response(err.status, safeReason(err.reason), lines, Buffer.alloc(0));
}
