/**
 * Bounded fuzzing of the xml group in `npm test`: each target runs its
 * `testRuns` cases from a fixed seed (deterministic; `npm run fuzz` runs
 * the same targets longer with random seeds). See fuzz/README.md.
 */
import t from 'tap';
import { allTargets, runTarget } from './targets.js';

const SEED = 0x4e7a1d;

for (const target of allTargets.filter((x) => x.group === 'xml')) {
  t.test(target.name, async (t) => {
    const report = await runTarget(target, { seed: SEED, numRuns: target.testRuns });
    t.notOk(
      report.failed,
      report.failed ? `${report.error ?? ''}\n${report.message ?? ''}` : `${report.numRuns} cases`,
    );
    t.equal(report.numRuns, target.testRuns, 'every case ran');
  });
}
