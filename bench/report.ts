/**
 * Prints the report of an earlier `npm run bench` again from its results
 * directory (summary.json, and the harness's results.tsv of each live sipp
 * run, re-read so that a newer report format applies to old runs).
 *
 *   npx tsx --conditions=@herald/source bench/report.ts bench/results/<timestamp>
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readResults, referenceResults } from './harness.js';
import { formatMemory, type MemoryResult } from './memory.js';
import { formatParseBench, type ParseBenchResult } from './parse.js';
import { formatSipp, type SippBenchResult } from './sipp.js';
import { checkTargets, formatTargets } from './targets.js';

interface Summary {
  readonly started: string;
  readonly quick: boolean;
  readonly machine: Record<string, unknown>;
  readonly parse?: Omit<ParseBenchResult, 'disagreements'>;
  readonly memory?: MemoryResult;
  readonly sipp?: SippBenchResult;
}

const dir = process.argv[2];
if (dir === undefined) {
  console.error('usage: report.ts RESULTS_DIR');
  process.exit(2);
}
const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
const lines: string[] = [
  `Herald benchmark ${s.started}${s.quick ? ' (quick mode)' : ''}`,
  JSON.stringify(s.machine),
  '',
];
if (s.parse) lines.push(...formatParseBench({ ...s.parse, disagreements: [] }), '');
if (s.memory) lines.push(...formatMemory(s.memory), '');
let sipp: SippBenchResult | undefined;
if (s.sipp) {
  const targets = s.sipp.targets.map((t) => {
    const scenarios = t.results.map((r) => r.scenario);
    if (t.source === 'reference') {
      const children = t.id === 'kamailio-c8' ? 8 : 1;
      return { ...t, results: referenceResults(children, scenarios) ?? t.results };
    }
    const tsvs = [t.id, `${t.id}-fanout`].map((d) => join(dir, 'sipp', d, 'results.tsv')).filter((f) => existsSync(f));
    if (tsvs.length === 0) return t;
    return { ...t, results: readResults(tsvs.map((f) => readFileSync(f, 'utf8')).join('\n'), scenarios) };
  });
  sipp = { ...s.sipp, targets };
  lines.push(...formatSipp(sipp), '');
}
lines.push(...formatTargets(checkTargets(s.parse && { ...s.parse, disagreements: [] }, sipp, s.memory)));
console.log(lines.join('\n'));
