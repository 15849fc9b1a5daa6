/**
 * Long-running fuzzing: `npm run fuzz -- --minutes N [--target parser|xml|transaction|all|<target name>]`.
 * Runs the targets of test/fuzz round-robin with fresh random seeds until the
 * time is up, prints the seed, replay path and shrunk counterexample of every
 * failure, and a summary. Replay one case:
 * `npm run fuzz -- --target <name> --seed <seed> --path <path>`.
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { endpointStats } from '../test/fuzz/prop-endpoint.js';
import { layerStats } from '../test/fuzz/prop-layer.js';
import { allTargets, runTarget } from '../test/fuzz/targets.js';
import type { FuzzReport, FuzzTarget } from '../test/fuzz/targets.js';

const USAGE =
  'usage: npm run fuzz -- [--minutes N] [--target parser|xml|transaction|all|<name>] [--seed S [--path P]] [--round-seconds S]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    target: { type: 'string', default: 'all' },
    seed: { type: 'string' },
    path: { type: 'string' },
    'round-seconds': { type: 'string', default: '10' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\ntargets: ${allTargets.map((t) => t.name).join(', ')}\n`);
  process.exit(0);
}

const minutes = Number(values.minutes);
const roundMs = Number(values['round-seconds']) * 1000;
if (!(minutes > 0) || !(roundMs > 0)) fail('--minutes and --round-seconds must be positive numbers');
const wanted = values.target;
const targets: FuzzTarget[] = allTargets.filter((t) => wanted === 'all' || t.group === wanted || t.name === wanted);
if (targets.length === 0) fail(`unknown target ${wanted}`);

function printFailure(r: FuzzReport): void {
  process.stdout.write(
    `\nFAIL ${r.target}  seed=${r.seed}  path=${r.path ?? ''}\n` +
      `  replay: npm run fuzz -- --target ${r.target} --seed ${r.seed} --path '${r.path ?? ''}'\n` +
      `  error: ${r.error ?? ''}\n` +
      `  counterexample: ${r.counterexample ?? ''}\n`,
  );
}

async function replay(seed: number, path: string | undefined): Promise<void> {
  let failed = false;
  for (const t of targets) {
    let r: FuzzReport;
    try {
      r = await runTarget(t, path === undefined ? { seed, numRuns: 1000 } : { seed, numRuns: 1, path });
    } catch (e) {
      // A path only replays against the generators it was found with (same commit).
      fail(`cannot replay ${t.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    process.stdout.write(`${t.name}: ${r.failed ? 'FAILED' : 'passed'} (${r.numRuns} cases, seed ${seed})\n`);
    if (r.failed) {
      failed = true;
      printFailure(r);
    }
  }
  process.exit(failed ? 1 : 0);
}

async function main(): Promise<void> {
  if (values.seed !== undefined) return replay(Number(values.seed), values.path);
  const deadline = Date.now() + minutes * 60_000;
  const runs = new Map<string, number>(targets.map((t) => [t.name, 0]));
  const failures: FuzzReport[] = [];
  process.stdout.write(`fuzzing ${targets.map((t) => t.name).join(', ')} for ${minutes} min\n`);
  for (let i = 0; Date.now() < deadline; i++) {
    const t = targets[i % targets.length];
    if (t === undefined) break;
    // A target that failed keeps being fuzzed (other seeds may find other bugs), but its report stands.
    const seed = randomInt(0, 2 ** 31 - 1);
    const slice = Math.max(100, Math.min(roundMs, deadline - Date.now()));
    const r = await runTarget(t, { seed, numRuns: 1_000_000_000, timeLimitMs: slice });
    runs.set(t.name, (runs.get(t.name) ?? 0) + r.numRuns);
    process.stdout.write(`${t.name}: seed ${seed}: ${r.numRuns} cases ${r.failed ? 'FAILED' : 'ok'}\n`);
    if (r.failed) {
      failures.push(r);
      printFailure(r);
    }
  }
  process.stdout.write('\nsummary (cases run per target)\n');
  let total = 0;
  for (const [name, n] of runs) {
    const f = failures.filter((r) => r.target === name).length;
    total += n;
    process.stdout.write(`  ${name.padEnd(28)} ${String(n).padStart(10)}  failures: ${f}\n`);
  }
  process.stdout.write(`  ${'total'.padEnd(28)} ${String(total).padStart(10)}  failures: ${failures.length}\n`);
  if (runs.has('transaction/layer')) process.stdout.write(`  layer totals: ${JSON.stringify(layerStats)}\n`);
  if (runs.has('transaction/endpoint')) process.stdout.write(`  endpoint totals: ${JSON.stringify(endpointStats)}\n`);
  process.exit(failures.length > 0 ? 1 : 0);
}

await main();
