/**
 * The sipp part of `npm run bench`: the shared harness against Herald (memory
 * store, then SQLite) and Kamailio (one worker; optionally its default eight),
 * one server at a time, each stopped before the next starts, and the
 * Herald/Kamailio ratio per scenario. By default each server runs all its
 * scenarios in turn; `interleave` runs scenario by scenario, every server
 * back to back, so that a machine whose speed drifts over minutes (a shared
 * VM) treats both alike.
 */
import { join } from 'node:path';
import { ALL_SCENARIOS, HARNESS, referenceResults, runHarness, type ScenarioResult } from './harness.js';
import { kamailioVersion, startHerald, startKamailio, type HeraldStore, type RunningServer } from './servers.js';
import { int, ratio } from './measure.js';

/** Options of {@link runSippBench}. */
export interface SippBenchOptions {
  readonly repo: string;
  readonly out: string;
  readonly quick: boolean;
  readonly scenarios: readonly string[];
  /** Herald stores to run, in order (memory first: the ratios use it). */
  readonly stores: readonly HeraldStore[];
  /** Scenarios of the SQLite run (default: the same). */
  readonly sqliteScenarios: readonly string[] | undefined;
  /** 'live' runs Kamailio, 'reference' reads the stored figures, 'skip' leaves it out. */
  readonly kamailio: 'live' | 'reference' | 'skip';
  /** Also Kamailio with its default 8 workers (information). */
  readonly kamailioDefault: boolean;
  /** Scenario by scenario, every server back to back (a fresh server per scenario), instead of server by server. */
  readonly interleave?: boolean;
  readonly portBase: number;
  readonly heraldPort: number;
  readonly kamailioPort: number;
  readonly progress: (line: string) => void;
}

/** One server's results. */
export interface SippTarget {
  readonly id: string;
  readonly label: string;
  /** 'live' (run now) or 'reference' (stored figures from the shared harness). */
  readonly source: 'live' | 'reference';
  readonly results: ScenarioResult[];
  readonly notes: string[];
}

/** Result of {@link runSippBench}. */
export interface SippBenchResult {
  readonly runOptions: readonly string[];
  readonly targets: SippTarget[];
}

/** run.sh options of the quick and the full mode (full = the harness defaults, as the Kamailio reference). */
export function harnessOptions(quick: boolean): string[] {
  return quick
    ? [
        ...['--rates', '200,500,1000,2000,3000,4000,6000,8000,10000,12000', '--refine', '1', '--duration', '5'],
        ...['--settle', '1', '--cooldown', '5', '--fanout-rates', '5,10,20,50,70,100,140,200'],
      ]
    : [];
}

/** The server under load right now, for {@link stopRunningServer}. */
let running: RunningServer | undefined;

/** Stops the server under load, if any (the bench's SIGINT/SIGTERM handler: Kamailio runs detached from the terminal). */
export async function stopRunningServer(): Promise<void> {
  const server = running;
  running = undefined;
  await server?.stop();
}

async function withServer<T>(start: () => Promise<RunningServer>, body: (s: RunningServer) => Promise<T>): Promise<T> {
  const server = await start();
  running = server;
  try {
    return await body(server);
  } finally {
    running = undefined;
    await server.stop();
  }
}

/** Runs every target in turn; a target that cannot start is reported in its notes, not thrown. */
export async function runSippBench(o: SippBenchOptions): Promise<SippBenchResult> {
  const extra = harnessOptions(o.quick);
  const targets: SippTarget[] = [];
  const live = async (
    id: string,
    scenarios: readonly string[],
    start: (phase: 'cycles' | 'fanout') => Promise<RunningServer>,
    port: number,
    outName: string = id,
  ): Promise<SippTarget> => {
    o.progress(`sipp: ${id} (${scenarios.join(', ')})`);
    try {
      const common = { portBase: o.portBase, progress: (l: string) => o.progress(`  [${id}] ${l}`) };
      const cycles = scenarios.filter((s) => s !== 'fanout');
      const results: ScenarioResult[] = [];
      const notes: string[] = [];
      let label = id;
      if (cycles.length > 0) {
        await withServer(
          () => start('cycles'),
          async (server) => {
            label = server.label;
            const opts = { ...common, label, scenarios: cycles, extra, out: join(o.out, 'sipp', outName) };
            results.push(...(await runHarness(port, server.pid, opts)));
            notes.push(...server.warnings());
          },
        );
      }
      if (scenarios.includes('fanout')) {
        // A fresh server: subscriptions left by a failed cycle step (their un-SUBSCRIBE never came) would
        // otherwise expire a minute later and NOTIFY the fan-out's watchers, which reuse the same sipp ports.
        // Every fan-out rate, not only up to the first failure (a server that merges changes fails the
        // NOTIFY count at every rate; its delivered NOTIFYs/s at the higher rates is the figure left).
        await withServer(
          () => start('fanout'),
          async (server) => {
            label = server.label;
            const fan = { ...common, label, scenarios: ['fanout'], extra: [...extra, '--keep-going'] };
            results.push(
              ...(await runHarness(port, server.pid, { ...fan, out: join(o.out, 'sipp', `${outName}-fanout`) })),
            );
            notes.push(...server.warnings());
          },
        );
      }
      return { id, source: 'live', label, results, notes };
    } catch (err) {
      return { id, label: id, source: 'live', results: [], notes: [`did not run: ${String(err)}`] };
    }
  };
  /** The live servers in order: Herald per store, then Kamailio (when run live). */
  const specs: LiveSpec[] = o.stores.map((store) => ({
    id: `herald-${store}`,
    scenarios: store === 'sqlite' && o.sqliteScenarios ? o.sqliteScenarios : o.scenarios,
    start: (phase) =>
      startHerald(o.repo, o.heraldPort, store, join(o.out, phase === 'fanout' ? 'herald-fanout' : 'herald')),
    port: o.heraldPort,
  }));
  // The reference config refuses presence.winfo (489): Kamailio 5.6 crashes on it with memory-only subscriptions.
  const kScenarios = o.scenarios.filter((s) => s !== 'subscribe-winfo');
  const workers: Array<1 | 8> = o.kamailioDefault ? [1, 8] : [1];
  let mode = o.kamailio;
  if (mode === 'live' && kScenarios.length > 0 && (await kamailioVersion()) === undefined) {
    o.progress('sipp: kamailio is not installed; using the stored reference figures');
    mode = 'reference';
  }
  const stored: SippTarget[] = [];
  for (const n of workers) {
    if (mode === 'skip' || kScenarios.length === 0) break;
    if (mode === 'live') {
      const start = (): Promise<RunningServer> => startKamailio(HARNESS, o.kamailioPort, n);
      specs.push({ id: `kamailio-c${n}`, scenarios: kScenarios, start, port: o.kamailioPort });
    } else {
      const results = referenceResults(n, kScenarios);
      stored.push({
        id: `kamailio-c${n}`,
        label: `kamailio 5.6.3, children=${n} — STORED REFERENCE (${HARNESS}/reference/kamailio-c${n}, full mode, not this run)`,
        source: 'reference',
        results: results ?? [],
        notes: results ? [] : ['no stored reference found'],
      });
    }
  }
  if (o.interleave !== true) {
    for (const t of specs) targets.push(await live(t.id, t.scenarios, t.start, t.port));
  } else {
    for (const t of specs) targets.push({ id: t.id, label: t.id, source: 'live', results: [], notes: [] });
    for (const scenario of o.scenarios) {
      for (const [i, t] of specs.entries()) {
        if (!t.scenarios.includes(scenario)) continue;
        const one = await live(t.id, [scenario], t.start, t.port, join(t.id, scenario));
        const into = targets[i] as SippTarget;
        targets[i] = {
          ...into,
          label: one.label,
          results: [...into.results, ...one.results],
          notes: [...into.notes, ...one.notes],
        };
      }
    }
  }
  targets.push(...stored);
  return { runOptions: extra, targets };
}

/** A server run live: its scenarios and how to start it (fresh for the cycles, fresh again for the fan-out). */
interface LiveSpec {
  readonly id: string;
  readonly scenarios: readonly string[];
  readonly start: (phase: 'cycles' | 'fanout') => Promise<RunningServer>;
  readonly port: number;
}

function cell(r: ScenarioResult | undefined): string {
  if (!r) return '-';
  const rate = r.maxRate === 0 ? '0' : `${int(r.maxRate)}${r.capped ? '+' : ''}`;
  return `${rate}${r.harnessLimited ? '*' : ''}`;
}

/** NOTIFYs/s of a fan-out result; 0 when even the lowest step failed. */
function notifies(r: ScenarioResult | undefined): number | undefined {
  if (!r) return undefined;
  return r.maxRate === 0 ? 0 : r.notifyPerS;
}

function quotient(x: number | undefined, y: number | undefined): number | undefined {
  return x !== undefined && y !== undefined && y > 0 ? x / y : undefined;
}

function targetLines(t: SippTarget): string[] {
  const lines = [`  ${t.id}: ${t.label}`];
  lines.push(
    '    scenario           max_rate       cps    p50_ms    p99_ms  srv_cpu  cpu_us  sipp_cpu  host_cpu  next step failed with',
  );
  for (const s of t.results) {
    lines.push(
      '    ' +
        s.scenario.padEnd(17) +
        cell(s).padStart(10) +
        (s.cps?.toFixed(1) ?? '-').padStart(10) +
        (s.p50Ms?.toFixed(2) ?? '-').padStart(10) +
        (s.p99Ms?.toFixed(2) ?? '-').padStart(10) +
        `${s.serverCpuPct ?? '-'}%`.padStart(9) +
        (s.serverCpuUs === undefined ? '-' : int(s.serverCpuUs)).padStart(8) +
        `${s.sippCpuPct ?? '-'}%`.padStart(10) +
        `${s.hostCpuPct ?? '-'}%`.padStart(10) +
        '  ' +
        (s.capped ? 'none (highest rate tried passed)' : (s.failedNext ?? '-')) +
        (s.notifyPerS !== undefined ? `  [${int(s.notifyPerS)} NOTIFY/s]` : '') +
        (s.mergedNotifyPerS !== undefined && s.mergedNotifyPerS !== s.notifyPerS
          ? `  [${int(s.mergedNotifyPerS)} NOTIFY/s in a step short only of NOTIFYs: changes merged]`
          : ''),
    );
  }
  for (const n of t.notes) lines.push(`    note: ${n}`);
  return lines;
}

/** Printable lines: per target the harness figures, then Herald/Kamailio per scenario and fan-out NOTIFYs/s. */
export function formatSipp(r: SippBenchResult): string[] {
  const lines: string[] = [
    `sipp scenarios (${HARNESS}/run.sh ${r.runOptions.join(' ') || '(defaults)'}; max rate = highest step with <= 0.1% failed calls, p99 <= 100 ms)`,
  ];
  for (const t of r.targets) lines.push('', ...targetLines(t));
  const byId = (id: string): SippTarget | undefined => r.targets.find((t) => t.id === id);
  // Herald (memory) against Kamailio c=1 is the comparison; SQLite and c=8 are for information.
  const pairs = [
    ['herald-memory', 'kamailio-c1'],
    ['herald-sqlite', 'kamailio-c1'],
    ['herald-memory', 'kamailio-c8'],
    ['herald-sqlite', 'herald-memory'],
  ]
    .map(([a, b]) => [byId(a), byId(b)] as const)
    .filter((p): p is readonly [SippTarget, SippTarget] => p[0] !== undefined && p[1] !== undefined);
  if (pairs.length > 0) {
    const scenarios = [...new Set(r.targets.flatMap((t) => t.results.map((s) => s.scenario)))];
    lines.push(
      '',
      '  Ratios: max rate (fan-out: NOTIFYs/s), and in [] work per server CPU second (calls or NOTIFYs per CPU s; steadier on a busy host)',
    );
    lines.push('    scenario         ' + pairs.map(([a, b]) => `${a.id} / ${b.id}`.padStart(40)).join(''));
    for (const sc of scenarios) {
      const row = pairs.map(([a, b]) => {
        const x = a.results.find((s) => s.scenario === sc);
        const y = b.results.find((s) => s.scenario === sc);
        if (!x || !y) return '-'.padStart(40);
        const fan = sc === 'fanout';
        const q = fan ? quotient(notifies(x), notifies(y)) : quotient(x.maxRate, y.maxRate);
        const shown = fan
          ? `${int(notifies(x) ?? Number.NaN)} vs ${int(notifies(y) ?? Number.NaN)}`
          : `${cell(x)} vs ${cell(y)}`;
        const eff = quotient(y.serverCpuUs, x.serverCpuUs);
        return `${ratio(q)} (${shown}) [${ratio(eff)}]`.padStart(40);
      });
      lines.push('    ' + sc.padEnd(17) + row.join(''));
      if (sc === 'fanout') {
        const merged = pairs.map(([a, b]) => {
          const x = a.results.find((s) => s.scenario === sc)?.mergedNotifyPerS;
          const y = b.results.find((s) => s.scenario === sc)?.mergedNotifyPerS;
          return `${ratio(quotient(x, y))} (${int(x ?? Number.NaN)} vs ${int(y ?? Number.NaN)})`.padStart(40);
        });
        lines.push('    ' + 'fanout (merged)'.padEnd(17) + merged.join(''));
      }
    }
  }
  lines.push(
    '',
    '  cpu_us = server CPU per call (fan-out: per NOTIFY) at the best step, µs',
    '  fanout (merged) = most NOTIFYs/s in a step that failed only on the NOTIFY count (a server that merges changes; Herald with notifyInterval 0 pipelines one NOTIFY per change, up to 16 in flight per subscription)',
    '  + = the highest rate tried passed (the limit is higher); * = sipp used >= 90% of a core at the best or next step: the load generator, not the server, is the limit',
  );
  return lines;
}

/** The default scenario list (every harness scenario). */
export const DEFAULT_SCENARIOS: readonly string[] = ALL_SCENARIOS;
