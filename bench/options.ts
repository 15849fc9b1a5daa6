/**
 * Command-line options of `npm run bench` (bench/index.ts). Bad options are
 * returned as an error string, never thrown.
 */
import { ALL_SCENARIOS } from './harness.js';

/** The parts of the benchmark. */
export const PARTS = ['parse', 'sipp', 'memory', 'micro'] as const;
/** One of {@link PARTS}. */
export type Part = (typeof PARTS)[number];

/** Parsed options. */
export interface BenchOptions {
  readonly quick: boolean;
  readonly parts: readonly Part[];
  readonly scenarios: readonly string[];
  readonly sqlite: boolean;
  readonly sqliteScenarios: readonly string[] | undefined;
  readonly kamailio: 'live' | 'reference' | 'skip';
  readonly kamailioDefault: boolean;
  /** sipp scenario by scenario, every server back to back, instead of server by server. */
  readonly interleave: boolean;
  readonly memoryCounts: readonly number[];
  readonly portBase: number;
  readonly heraldPort: number;
  readonly kamailioPort: number;
  readonly out: string | undefined;
}

/** Usage text. */
export const BENCH_USAGE = `usage: npm run bench [-- options]
  --quick                    fewer rates, 5 s steps, one bisection, shorter parser rounds (npm run bench:quick)
  --only LIST                parts to run: ${PARTS.join(',')} (default parse,sipp,memory)
  --micro                    also run the micro benchmarks (events, render-*)
  --scenarios LIST           sipp scenarios (default all: ${ALL_SCENARIOS.join(',')})
  --no-sqlite                skip the Herald run with the SQLite store
  --sqlite-scenarios LIST    scenarios of the SQLite run (default: quick mode register-cycle,publish-cycle,subscribe-cycle; else all)
  --skip-kamailio            Herald only
  --kamailio-reference       Kamailio figures from the stored reference runs instead of a live run
  --kamailio-workers default also compare with Kamailio's default 8 workers (information)
  --interleave               sipp: scenario by scenario, every server back to back (a fresh server each), so
                             a machine whose speed drifts over minutes treats Herald and Kamailio alike
  --memory-counts LIST       subscriptions held for the memory figures (default 10000,100000)
  --port-base N              sipp's local ports N..N+8 (default 5181)
  --herald-port N            Herald's UDP/TCP port (default 5160)
  --kamailio-port N          Kamailio's port (default 5170)
  --out DIR                  results directory (default bench/results/<timestamp>)`;

const list = (s: string): string[] => s.split(',').filter((x) => x !== '');

/** Parses argv (without node and script); a string is an error message. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions | string {
  let quick = false;
  let parts: Part[] = ['parse', 'sipp', 'memory'];
  let micro = false;
  let scenarios: string[] = [...ALL_SCENARIOS];
  let sqlite = true;
  let sqliteScenarios: string[] | undefined;
  let kamailio: BenchOptions['kamailio'] = 'live';
  let kamailioDefault = false;
  let interleave = false;
  let memoryCounts = [10_000, 100_000];
  let portBase = 5181;
  let heraldPort = 5160;
  let kamailioPort = 5170;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const port = (): number => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${a}: expected a port number`);
      return n;
    };
    try {
      switch (a) {
        case '--quick':
          quick = true;
          break;
        case '--only': {
          const wanted = list(value());
          const bad = wanted.filter((p) => !(PARTS as readonly string[]).includes(p));
          if (bad.length > 0) return `--only: unknown part ${bad.join(', ')} (known: ${PARTS.join(', ')})`;
          parts = wanted as Part[];
          break;
        }
        case '--micro':
          micro = true;
          break;
        case '--scenarios':
        case '--sqlite-scenarios': {
          const wanted = list(value());
          const bad = wanted.filter((s) => !(ALL_SCENARIOS as readonly string[]).includes(s));
          if (bad.length > 0) return `${a}: unknown scenario ${bad.join(', ')}`;
          if (a === '--scenarios') scenarios = wanted;
          else sqliteScenarios = wanted;
          break;
        }
        case '--no-sqlite':
          sqlite = false;
          break;
        case '--skip-kamailio':
          kamailio = 'skip';
          break;
        case '--kamailio-reference':
          kamailio = 'reference';
          break;
        case '--kamailio-workers': {
          const v = value();
          if (v !== 'default' && v !== '8') return '--kamailio-workers: expected "default"';
          kamailioDefault = true;
          break;
        }
        case '--interleave':
          interleave = true;
          break;
        case '--memory-counts': {
          const counts = list(value()).map(Number);
          if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1)) {
            return '--memory-counts: expected positive integers';
          }
          memoryCounts = [...counts].sort((x, y) => x - y);
          break;
        }
        case '--port-base':
          portBase = port();
          break;
        case '--herald-port':
          heraldPort = port();
          break;
        case '--kamailio-port':
          kamailioPort = port();
          break;
        case '--out':
          out = value();
          break;
        default:
          return `unknown option ${a}`;
      }
    } catch (err) {
      return (err as Error).message;
    }
  }
  if (micro && !parts.includes('micro')) parts = [...parts, 'micro'];
  if (sqliteScenarios === undefined && quick) {
    sqliteScenarios = scenarios.filter((s) => ['register-cycle', 'publish-cycle', 'subscribe-cycle'].includes(s));
  }
  const ports = [heraldPort, kamailioPort];
  if (ports.some((p) => p >= portBase && p <= portBase + 8))
    return 'server ports overlap sipp ports (--port-base N uses N..N+8)';
  return {
    quick,
    parts,
    scenarios,
    sqlite,
    sqliteScenarios,
    kamailio,
    kamailioDefault,
    interleave,
    memoryCounts,
    portBase,
    heraldPort,
    kamailioPort,
    out,
  };
}
