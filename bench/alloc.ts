/**
 * Bytes allocated per call of one sipp scenario, by function: what drives the
 * garbage collector's share of Herald's CPU. Starts the Herald bench server
 * (bench/servers.ts) with V8's sampling heap profiler loaded
 * (bench/alloc-preload.ts), runs a 5 s warm-up step and an 8 s measured step
 * of the scenario through the shared harness's run.sh, then prints bytes per
 * successful call: total, and per function self and inclusive. Allocation
 * counts do not depend on other load on the machine, unlike CPU figures.
 *
 *   npx tsx --conditions=@herald/source bench/alloc.ts SCENARIO [--rate 800] [--top 30]
 *     [--port 5290] [--port-base 5381] [--keep DIR]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ALL_SCENARIOS, runHarness } from './harness.js';
import { startHerald } from './servers.js';

/** One node of a V8 sampling heap profile. */
interface ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

/** Bytes per call of one function: allocated by itself, and by it and everything it called. */
export interface AllocRow {
  readonly fn: string;
  readonly self: number;
  readonly inclusive: number;
}

/** Total bytes and per-function rows of a profile, divided by `calls`; rows sorted by self size. */
export function summarizeProfile(
  head: ProfileNode,
  calls: number,
  repo: string,
): { perCall: number; rows: AllocRow[] } {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  const name = (n: ProfileNode): string => {
    const f = n.callFrame;
    const file = f.url.replace(pathToFileURL(repo).href + '/', '').replace(/.*node_modules\//, '');
    // Code run through tsx reports line 0 for every function: the file alone then.
    return `${f.functionName || '(anonymous)'} ${file}${f.lineNumber > 0 ? `:${f.lineNumber + 1}` : ''}`;
  };
  // Iterative walk (deep stacks): each node with the set of functions above it, counted once each.
  const stack: Array<{ node: ProfileNode; above: ReadonlySet<string> }> = [{ node: head, above: new Set() }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const k = name(item.node);
    const size = item.node.selfSize;
    total += size;
    self.set(k, (self.get(k) ?? 0) + size);
    const here = new Set(item.above).add(k);
    for (const f of here) inclusive.set(f, (inclusive.get(f) ?? 0) + size);
    for (const c of item.node.children) stack.push({ node: c, above: here });
  }
  const rows = [...self.keys(), ...[...inclusive.keys()].filter((k) => !self.has(k))].map((fn) => ({
    fn,
    self: (self.get(fn) ?? 0) / calls,
    inclusive: (inclusive.get(fn) ?? 0) / calls,
  }));
  rows.sort((a, b) => b.self - a.self);
  return { perCall: total / calls, rows };
}

interface AllocOptions {
  scenario: string;
  rate: number;
  top: number;
  port: number;
  portBase: number;
  keep: string | undefined;
}

function parseArgs(argv: readonly string[]): AllocOptions | string {
  const o: AllocOptions = { scenario: '', rate: 800, top: 30, port: 5290, portBase: 5381, keep: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const v = argv[i + 1];
    const n = Number(v);
    if (a === '--keep' && v !== undefined) o.keep = v;
    else if (['--rate', '--top', '--port', '--port-base'].includes(a)) {
      if (!Number.isInteger(n) || n <= 0) return `${a} needs a positive integer, got ${v ?? 'nothing'}`;
      if (a === '--rate') o.rate = n;
      else if (a === '--top') o.top = n;
      else if (a === '--port') o.port = n;
      else o.portBase = n;
    } else if (!a.startsWith('--') && o.scenario === '') {
      o.scenario = a;
      continue;
    } else return `unknown argument ${a}`;
    i++;
  }
  if (!(ALL_SCENARIOS as readonly string[]).includes(o.scenario))
    return `SCENARIO must be one of ${ALL_SCENARIOS.join(', ')}`;
  return o;
}

/** The successful calls of the single step in a run.sh results.tsv. */
function successfulCalls(tsv: string): number {
  const [head, row] = tsv.split('\n');
  const cols = (head ?? '').split('\t');
  const cells = (row ?? '').split('\t');
  return Number(cells[cols.indexOf('successful')] ?? 0);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (typeof o === 'string') {
    console.error(`bench/alloc.ts: ${o}`);
    process.exitCode = 2;
    return;
  }
  const repo = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
  const dir = o.keep ?? mkdtempSync(join(tmpdir(), 'herald-alloc-'));
  const profilePath = join(dir, 'alloc.heapprofile');
  process.env['HERALD_ALLOC_PROFILE'] = profilePath;
  const preload = pathToFileURL(join(repo, 'bench', 'alloc-preload.ts')).href;
  const server = await startHerald(repo, o.port, 'memory', dir, [preload]);
  try {
    const step = async (name: string, seconds: number): Promise<void> => {
      const extra = ['--rates', String(o.rate), '--refine', '0', '--keep-going', '--duration', String(seconds)];
      const label = `herald alloc ${name}`;
      const progress = (line: string): void => {
        if (line.includes('rate=')) console.log(`${name}: ${line.trim()}`);
      };
      await runHarness(o.port, server.pid, {
        scenarios: [o.scenario],
        portBase: o.portBase,
        extra,
        out: join(dir, name),
        label,
        progress,
      });
    };
    await step('warm-up', 5);
    process.kill(server.pid, 'SIGUSR1');
    await step('measure', 8);
    const calls = successfulCalls(readFileSync(join(dir, 'measure', 'results.tsv'), 'utf8'));
    process.kill(server.pid, 'SIGUSR2');
    for (let i = 0; i < 100 && !existsSync(profilePath); i++) await new Promise((r) => setTimeout(r, 100));
    // The write is one call: wait until the JSON is complete.
    await new Promise((r) => setTimeout(r, 500));
    const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as { head: ProfileNode };
    const { perCall, rows } = summarizeProfile(profile.head, Math.max(calls, 1), repo);
    console.log(
      `\n${o.scenario} at ${o.rate} calls/s: ${calls} calls measured, ${Math.round(perCall)} bytes allocated per call`,
    );
    const fmt = (r: AllocRow): string =>
      `${Math.round(r.self).toString().padStart(8)} ${Math.round(r.inclusive).toString().padStart(9)}  ${r.fn}`;
    console.log('\n  self B/call  incl B/call  function (by self)');
    for (const r of rows.slice(0, o.top)) console.log(fmt(r));
    console.log('\n  self B/call  incl B/call  function (by inclusive, Herald code)');
    const herald = rows.filter((r) => r.fn.includes('packages/')).sort((a, b) => b.inclusive - a.inclusive);
    for (const r of herald.slice(0, o.top)) console.log(fmt(r));
  } finally {
    await server.stop();
    if (o.keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
