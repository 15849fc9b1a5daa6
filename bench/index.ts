/**
 * `npm run bench`: the issue 7 comparison in one run — parser throughput
 * against npm `sip` and SIP.js, the sipp scenarios against Herald and Kamailio,
 * memory per live subscription — printed, and written machine-readable to
 * bench/results/<timestamp>/summary.json (plus summary.txt and the harness's
 * per-step files). `npm run bench -- --help` lists the options.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_USAGE, parseBenchArgs } from './options.js';
import { formatParseBench, runParseBench, type ParseBenchResult } from './parse.js';
import { stopHarness } from './harness.js';
import { formatSipp, runSippBench, stopRunningServer, type SippBenchResult } from './sipp.js';
import { checkTargets, formatTargets } from './targets.js';
import { formatMemory, runMemoryBench, type MemoryResult } from './memory.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(BENCH_USAGE);
  process.exit(0);
}
const opts = parseBenchArgs(argv);
if (typeof opts === 'string') {
  console.error(`bench: ${opts}\n${BENCH_USAGE}`);
  process.exit(2);
}

function tryRun(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    // sipp -v exits non-zero after printing its version.
    const e = err as { stdout?: string | Buffer };
    return String(e.stdout ?? '').trim();
  }
}

const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
const out = resolve(opts.out ?? join(repo, 'bench', 'results', stamp));
mkdirSync(out, { recursive: true });

const machine = {
  cpus: cpus().length,
  cpuModel: /model name\s*:\s*(.*)/.exec(tryRun('cat', ['/proc/cpuinfo']))?.[1] ?? cpus()[0]?.model ?? '?',
  ramGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  sipp: /SIPp v\S+/.exec(tryRun('sipp', ['-v']))?.[0] ?? 'not installed',
  kamailio: /version: kamailio (\S+)/.exec(tryRun('kamailio', ['-v']))?.[1] ?? 'not installed',
  commit: tryRun('git', ['-C', repo, 'rev-parse', '--short', 'HEAD']),
  loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
};

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`bench: ${signal}, stopping the harness and the server under load`);
    stopHarness();
    void stopRunningServer().finally(() => process.exit(130));
  });
}

const report: string[] = [];
const print = (lines: string[]): void => {
  for (const l of lines) {
    console.log(l);
    report.push(l);
  }
};
const progress = (line: string): void => console.error(line);

print([
  `Herald benchmark ${stamp}${opts.quick ? ' (quick mode)' : ''} — results in ${out}`,
  `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.ramGiB} GiB RAM, node ${machine.node}, ${machine.sipp}, kamailio ${machine.kamailio}, commit ${machine.commit}, load average ${machine.loadAverageAtStart.join(' ')}`,
  '',
]);

let parse: ParseBenchResult | undefined;
let sipp: SippBenchResult | undefined;
let memory: MemoryResult | undefined;
const errors: string[] = [];

if (opts.parts.includes('parse')) {
  progress('parse: running');
  parse = runParseBench(opts.quick ? { rounds: 3, windowMs: 40 } : { rounds: 7, windowMs: 100 });
  print([...formatParseBench(parse), '']);
}
if (opts.parts.includes('memory')) {
  try {
    memory = await runMemoryBench(opts.memoryCounts, progress);
    print([...formatMemory(memory), '']);
  } catch (err) {
    errors.push(`memory: ${String(err)}`);
    print([`Memory: FAILED ${String(err)}`, '']);
  }
}
if (opts.parts.includes('sipp')) {
  sipp = await runSippBench({
    repo,
    out,
    quick: opts.quick,
    scenarios: opts.scenarios,
    stores: opts.sqlite ? ['memory', 'sqlite'] : ['memory'],
    sqliteScenarios: opts.sqliteScenarios,
    kamailio: opts.kamailio,
    kamailioDefault: opts.kamailioDefault,
    interleave: opts.interleave,
    portBase: opts.portBase,
    heraldPort: opts.heraldPort,
    kamailioPort: opts.kamailioPort,
    progress,
  });
  print([...formatSipp(sipp), '']);
}
if (opts.parts.includes('micro')) {
  print(['Micro benchmarks (events, render-*):']);
  for (const suite of ['./events.ts', './render-mwi-winfo.ts', './render-dialog.ts', './render-presence.ts']) {
    await import(suite);
  }
  print(['']);
}

const targets = checkTargets(parse, sipp, memory);
print([...formatTargets(targets), '']);

const summary = {
  started: stamp,
  quick: opts.quick,
  options: opts,
  machine,
  loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
  parse: parse && { options: parse.options, ratios: parse.ratios, geomean: parse.geomean, cells: parse.cells },
  memory,
  sipp,
  targets,
  errors,
};
writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
writeFileSync(join(out, 'summary.txt'), report.join('\n') + '\n');
console.log(`summary: ${join(out, 'summary.json')}`);
