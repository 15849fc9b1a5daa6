/**
 * Drives the shared sipp harness (`/work/shared/bench/run.sh`, or
 * `$HERALD_SIPP_HARNESS`) against one server and reads its per-step
 * `results.tsv` back into per-scenario maxima; also reads the stored Kamailio
 * reference figures (`reference/<run>/results.tsv`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the shared harness lives. */
export const HARNESS = process.env['HERALD_SIPP_HARNESS'] ?? '/work/shared/bench';

/** Every scenario of the harness, in run order. */
export const ALL_SCENARIOS = [
  'register-cycle',
  'publish-cycle',
  'subscribe-cycle',
  'subscribe-dialog',
  'subscribe-mwi',
  'subscribe-winfo',
  'fanout',
] as const;

/** sipp at or above this share of a core is taken as the limit (the harness, not the server). */
export const SIPP_SATURATED_PCT = 90;

/** The best passing step of one scenario (what run.sh's summary line reports) plus the first failure. */
export interface ScenarioResult {
  readonly scenario: string;
  /** Highest passing rate, calls/s (0: even the lowest step failed). */
  readonly maxRate: number;
  /** True when the highest rate tried passed (the limit is higher). */
  readonly capped: boolean;
  readonly cps: number | undefined;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly serverCpuPct: number | undefined;
  /** The load generator's CPU (fan-out: the busier of publisher and watchers). */
  readonly sippCpuPct: number | undefined;
  readonly hostCpuPct: number | undefined;
  /** Fan-out only: NOTIFYs per second delivered at the best step. */
  readonly notifyPerS: number | undefined;
  /**
   * Fan-out only: the most NOTIFYs per second delivered in a step that failed on nothing but the NOTIFY
   * count (or passed). A notifier that keeps one NOTIFY in flight per subscription and sends only the
   * newest state after it (Herald; RFC 6665 allows it) delivers fewer than one NOTIFY per change when
   * changes come faster than the 200s, and fails the harness's count at every rate; this figure still
   * says how many it delivered. Same as notifyPerS for a server that passes.
   */
  readonly mergedNotifyPerS: number | undefined;
  /**
   * Server CPU per unit of work at the best step, µs: per call (fan-out: per NOTIFY delivered). Less
   * sensitive to other jobs on the host than the max rate, so the ratio still says something on a busy machine.
   */
  readonly serverCpuUs: number | undefined;
  /** Why the first step above the maximum failed. */
  readonly failedNext: string | undefined;
  /** sipp near a full core at the best or the first failing step: the harness, not the server, may be the limit. */
  readonly harnessLimited: boolean;
}

type Row = Record<string, string>;

function num(v: string | undefined): number | undefined {
  if (v === undefined || v === '' || v === '-') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function sippCpu(row: Row | undefined): number | undefined {
  if (!row) return undefined;
  const values = [num(row['sipp_cpu_pct']), num(row['sipp2_cpu_pct'])].filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : Math.max(...values);
}

/** Reads a run.sh `results.tsv` into one result per scenario, in the order given. */
export function readResults(tsv: string, scenarios: readonly string[]): ScenarioResult[] {
  const [head, ...lines] = tsv.split('\n').filter((l) => l.trim() !== '');
  const cols = (head ?? '').split('\t');
  const rows: Row[] = lines.map((l) => {
    const cells = l.split('\t');
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
  });
  return scenarios.map((scenario) => {
    const mine = rows.filter((r) => r['scenario'] === scenario);
    const passed = mine.filter((r) => r['verdict'] === 'PASS');
    const best = passed.reduce<Row | undefined>(
      (b, r) => (b === undefined || Number(r['rate']) > Number(b['rate']) ? r : b),
      undefined,
    );
    const maxRate = best ? Number(best['rate']) : 0;
    const failures = mine
      .filter((r) => r['verdict'] !== 'PASS' && Number(r['rate']) > maxRate)
      .sort((a, b) => Number(a['rate']) - Number(b['rate']));
    const fail = failures[0];
    const limited = [best, fail].some((r) => (sippCpu(r) ?? 0) >= SIPP_SATURATED_PCT);
    const cpu = num(best?.['server_cpu_pct']);
    const work = scenario === 'fanout' ? num(best?.['notify_per_s']) : num(best?.['cps']);
    return {
      scenario,
      maxRate,
      capped: best !== undefined && fail === undefined,
      cps: num(best?.['cps']),
      p50Ms: num(best?.['p50_ms']),
      p99Ms: num(best?.['p99_ms']),
      serverCpuPct: num(best?.['server_cpu_pct']),
      sippCpuPct: sippCpu(best),
      hostCpuPct: num(best?.['host_cpu_pct']),
      notifyPerS: num(best?.['notify_per_s']),
      mergedNotifyPerS: mine
        .filter((r) => r['verdict'] === 'PASS' || /^NOTIFYs \d+\/\d+ delivered$/.test(r['reason'] ?? ''))
        .map((r) => num(r['notify_per_s']))
        .reduce<number | undefined>((m, v) => (v === undefined ? m : Math.max(m ?? 0, v)), undefined),
      // pct of a core = pct * 10,000 µs of CPU per second
      serverCpuUs: cpu !== undefined && work !== undefined && work > 0 ? (cpu * 10_000) / work : undefined,
      failedNext: fail ? `${fail['rate']}: ${fail['reason'] ?? '?'}` : undefined,
      harnessLimited: limited,
    };
  });
}

/** Process groups of the run.sh instances running now. */
const harnessGroups = new Set<number>();

/** Ends every running run.sh with its sipp instances (SIGTERM to their process group). */
export function stopHarness(): void {
  // run.sh starts sipp under coreutils `timeout`, which makes its own process group: collect descendants first.
  const parent = new Map<number, number>();
  try {
    for (const line of execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).split('\n')) {
      const [pid, ppid] = line.trim().split(/\s+/).map(Number);
      if (pid && ppid) parent.set(pid, ppid);
    }
  } catch {
    // no ps: the group signal below still ends run.sh
  }
  const descends = (pid: number, root: number): boolean => {
    for (let p = parent.get(pid), hops = 0; p !== undefined && hops < 64; p = parent.get(p), hops++) {
      if (p === root) return true;
    }
    return false;
  };
  for (const root of harnessGroups) {
    const victims = [...parent.keys()].filter((pid) => descends(pid, root));
    for (const target of [-root, ...victims]) {
      try {
        process.kill(target, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
  harnessGroups.clear();
}

/** Options passed to run.sh for one server. */
export interface HarnessOptions {
  readonly scenarios: readonly string[];
  readonly portBase: number;
  /** Extra run.sh options (rates, durations, refine). */
  readonly extra: readonly string[];
  readonly out: string;
  readonly label: string;
  /** Called with each progress line run.sh writes to stderr. */
  readonly progress: (line: string) => void;
}

/** Runs run.sh against 127.0.0.1:port and returns the per-scenario results (read from `out/results.tsv`). */
export async function runHarness(port: number, serverPid: number, o: HarnessOptions): Promise<ScenarioResult[]> {
  const args = [
    join(HARNESS, 'run.sh'),
    '127.0.0.1',
    String(port),
    '--server-pid',
    String(serverPid),
    '--scenarios',
    o.scenarios.join(','),
    '--port-base',
    String(o.portBase),
    '--label',
    o.label,
    '--out',
    o.out,
    ...o.extra,
  ];
  // Its own process group, so that stopHarness() ends run.sh and the sipp instances it started together.
  const child = spawn('bash', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  if (child.pid !== undefined) harnessGroups.add(child.pid);
  child.on('exit', () => child.pid !== undefined && harnessGroups.delete(child.pid));
  let pending = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const p of parts) if (p.trim() !== '') o.progress(p);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (pending.trim() !== '') o.progress(pending);
  const tsv = join(o.out, 'results.tsv');
  if (!existsSync(tsv)) throw new Error(`run.sh exited with ${code} and wrote no ${tsv}`);
  return readResults(readFileSync(tsv, 'utf8'), o.scenarios);
}

/** The stored Kamailio figures (`reference/kamailio-c1` or `-c8`), or undefined when absent. */
export function referenceResults(children: 1 | 8, scenarios: readonly string[]): ScenarioResult[] | undefined {
  const tsv = join(HARNESS, 'reference', `kamailio-c${children}`, 'results.tsv');
  if (!existsSync(tsv)) return undefined;
  return readResults(readFileSync(tsv, 'utf8'), scenarios);
}
