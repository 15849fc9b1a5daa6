/**
 * A fuzz target: a named fast-check property with the number of cases the
 * bounded `npm test` run gives it. Both the tap tests and the long-running
 * `npm run fuzz` entry run targets through {@link runTarget}.
 */
import fc from 'fast-check';
import { PropertyViolation } from './guard.js';

/** Time budget of one whole case of an asynchronous (multi-step) target; single calls have guard.ts's 1 s. */
const CASE_MS = 5000;

/** Which `npm run fuzz -- --target` group a target belongs to. */
export type FuzzGroup = 'parser' | 'xml' | 'transaction';

/** One property to fuzz. */
export interface FuzzTarget {
  readonly name: string;
  readonly group: FuzzGroup;
  /** Cases per `npm test` run (kept small: the whole harness stays within seconds). */
  readonly testRuns: number;
  /** Builds the property (async properties for targets that drive the event loop). */
  readonly property: () => fc.IRawProperty<[unknown], boolean>;
}

/** What a run found. */
export interface FuzzReport {
  readonly target: string;
  readonly failed: boolean;
  readonly numRuns: number;
  readonly seed: number;
  /** fast-check's replay path of the shrunk counterexample. */
  readonly path?: string;
  /** The shrunk counterexample, as fast-check prints it (paste it into a regression test). */
  readonly counterexample?: string;
  /** The error the shrunk counterexample raised. */
  readonly error?: string;
  /** fast-check's full report (seed, path, counterexample). */
  readonly message?: string;
}

/** Wraps a property over one generated value as a target. */
export function target<T>(
  name: string,
  group: FuzzGroup,
  testRuns: number,
  arb: fc.Arbitrary<T>,
  predicate: (value: T) => void | Promise<void>,
  isAsync = false,
): FuzzTarget {
  const property = (): fc.IRawProperty<[unknown], boolean> => {
    const p = isAsync
      ? fc.asyncProperty(arb, async (v) => {
          // A whole multi-step case (dozens of sends and clock steps) gets a looser budget than one call.
          const start = Date.now();
          await predicate(v);
          const took = Date.now() - start;
          if (took > CASE_MS) throw new PropertyViolation(`hang: one case took ${took} ms (budget ${CASE_MS} ms)`);
        })
      : fc.property(arb, (v) => {
          const r = predicate(v);
          if (r instanceof Promise) throw new TypeError('synchronous target returned a promise');
        });
    return p as unknown as fc.IRawProperty<[unknown], boolean>;
  };
  return { name, group, testRuns, property };
}

/** Runs `numRuns` cases of a target from `seed` (`path` replays one case; `timeLimitMs` stops early, not as a failure). */
export async function runTarget(
  t: FuzzTarget,
  opts: { seed: number; numRuns: number; path?: string; timeLimitMs?: number },
): Promise<FuzzReport> {
  const params: fc.Parameters<[unknown]> = { seed: opts.seed, numRuns: opts.numRuns };
  if (opts.path !== undefined) params.path = opts.path;
  if (opts.timeLimitMs !== undefined) {
    params.interruptAfterTimeLimit = opts.timeLimitMs;
    params.markInterruptAsFailure = false;
  }
  const details = await fc.check(t.property(), params);
  const report: FuzzReport = { target: t.name, failed: details.failed, numRuns: details.numRuns, seed: details.seed };
  if (!details.failed) return report;
  return {
    ...report,
    path: details.counterexamplePath ?? undefined,
    counterexample: details.counterexample ? fc.stringify(details.counterexample[0]) : undefined,
    error: details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance),
    message: fc.defaultReportMessage(details),
  };
}
