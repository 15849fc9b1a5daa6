/** Choosing the response a forking proxy sends upstream (RFC 3261 §16.7 step 6). */
import type { SipResponse } from '@herald/sip';

/** 4xx codes that tell the caller how to retry, preferred over other 4xx (§16.7 step 6). */
const HELPFUL_4XX = new Set([401, 407, 415, 420, 484]);

function rank(status: number): number {
  // Lower is better: 6xx first, then the lowest class; within 4xx the helpful codes first.
  if (status >= 600) return 0;
  const cls = Math.floor(status / 100);
  const within = cls === 4 && HELPFUL_4XX.has(status) ? 0 : 1;
  return cls * 10 + within;
}

/**
 * The best final response of a finished response context: any 6xx, else the
 * lowest response class, 401/407/415/420/484 before other 4xx; undefined
 * when there is none (then the proxy answers 408).
 */
export function chooseBest(responses: readonly SipResponse[]): SipResponse | undefined {
  let best: SipResponse | undefined;
  for (const r of responses) if (!best || rank(r.status) < rank(best.status)) best = r;
  return best;
}

/** §16.7 step 6: a 503 is not passed on as is (it would make the caller think we are overloaded). */
export function upstreamStatus(status: number): number {
  return status === 503 ? 500 : status;
}
