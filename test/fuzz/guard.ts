/**
 * Failure helpers shared by the fuzz properties: a per-call time budget
 * (a hang detector, not a benchmark) and an error type for broken
 * properties, so a counterexample says what went wrong.
 */

/** The per-call budget: a call slower than this is reported as a hang. */
export const HANG_MS = 1000;

/** A property that does not hold; the message names it. */
export class PropertyViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PropertyViolation';
  }
}

function overdue(label: string, start: number): void {
  const took = Date.now() - start;
  if (took > HANG_MS) throw new PropertyViolation(`hang: ${label} took ${took} ms (budget ${HANG_MS} ms)`);
}

/** Runs `fn` and fails when it takes longer than {@link HANG_MS} (the hang verdict wins over a throw). */
export function timed<T>(label: string, fn: () => T): T {
  const start = Date.now();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    overdue(label, start);
    throw e;
  }
  overdue(label, start);
  return result;
}

/** Fails with `message` unless `cond` holds. */
export function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new PropertyViolation(message);
}

/**
 * `v` with every Map-like value (parameter lists are Maps by behaviour, not by
 * their fields, and a usual URI's are read on first use) replaced by a plain
 * Map of its entries, arrays and plain objects walked, so `isDeepStrictEqual`
 * compares what values hold rather than how far they have been read.
 */
export function contents(v: unknown): unknown {
  if (v instanceof Map) return new Map([...(v as Map<unknown, unknown>)].map(([k, x]) => [k, contents(x)]));
  if (Array.isArray(v)) return v.map(contents);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, contents(x)]));
  }
  return v;
}
