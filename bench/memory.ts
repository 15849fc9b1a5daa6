/**
 * Memory per live subscription (issue 7): a Herald Server in a child process
 * (bench/memory-server.ts, `--expose-gc`, memory store, TCP so no transaction
 * lingers for Timer J/K), loaded from this process with presence SUBSCRIBEs
 * (Expires 3600, 100 watchers per presentity, every initial NOTIFY answered
 * 200). RSS and V8 heap after GC are read before loading and at each
 * checkpoint; per subscription = growth / subscriptions held.
 *
 * Memory is read twice, before loading and at each checkpoint: right away
 * (right after start; 0.5 s after the last initial NOTIFY was answered) and
 * settled: the idle server's RSS is sampled every second, without forcing
 * GC, until it moved less than 1 % over the last 30 samples and 60 s passed
 * (at most 120 s; {@link DEFAULT_SETTLE}), then read after GC. Settled minus the settled
 * baseline, per subscription, is the figure of record: the resident size a
 * long-running server holds per subscription. Right after a burst (start,
 * or 100,000 SUBSCRIBEs in seconds) V8 still holds old-space pages it
 * filled; its memory reducer compacts and releases them 20–40 s later.
 * No V8 flags: a deployment gets the same.
 *
 *   npx tsx --conditions=@herald/source bench/memory.ts [10000,100000] [--heap-snapshot DIR] [--no-settle | --settle SECONDS]
 *   npx tsx bench/heap-summary.ts DIR/herald-10000.heapsnapshot 10000 40 --base DIR/herald-0.heapsnapshot --retainers 2
 *     # what the heap gained per subscription, by kind and the links that hold it
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Endpoint, TcpTransport, TransportLayer, systemClock } from '@herald/sip';

/** Memory of the server process at one moment. */
export interface MemorySample {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** (rss - baseline rss) / subscriptions. */
  readonly rssPerSubscription: number;
  readonly heapPerSubscription: number;
}

/**
 * Memory at one checkpoint. The top-level figures are the figure of record:
 * settled (see {@link settle}) unless settling was switched off, when they
 * are the figures right after loading.
 */
export interface MemoryPoint extends MemorySample {
  readonly subscriptions: number;
  /** Seconds it took to load the subscriptions since the previous checkpoint. */
  readonly loadSeconds: number;
  /** Right after loading (0.5 s after the last initial NOTIFY was answered), when settling ran. */
  readonly afterLoad?: MemorySample;
  /** Seconds from right after loading until RSS settled (or the cap). */
  readonly settleSeconds?: number;
  /** False when RSS still moved at the cap. */
  readonly settled?: boolean;
}

/**
 * When RSS counts as settled: sampled every `intervalMs` without forcing GC,
 * it moved less than `tolerance` over the last `window` samples; at most
 * `maxMs`; then GC and the figure. V8 keeps old-space pages it filled while
 * loading (and, before loading, while starting) until its memory reducer
 * compacts and releases them, here 20–40 s after the burst: the window waits
 * for it instead of stopping at two equal samples before it ran, and the
 * samples force no GC, as a forced mark-compact restarts the reducer's wait
 * (sampled after GC every second, RSS did not move in 20 s).
 */
export interface SettleRule {
  readonly intervalMs: number;
  readonly window: number;
  readonly tolerance: number;
  /** Wait at least this long: the reducer ran after 18–42 s in these runs, and some 30 s windows ended before it. */
  readonly minMs: number;
  readonly maxMs: number;
}

/** Every second, < 1 % over the last 30 samples, at least 60 s, at most 120 s. */
export const DEFAULT_SETTLE: SettleRule = {
  intervalMs: 1000,
  window: 30,
  tolerance: 0.01,
  minMs: 60_000,
  maxMs: 120_000,
};

/** Memory of the idle server before loading. */
export interface MemoryBaseline {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

/** Result of {@link runMemoryBench}. */
export interface MemoryResult {
  /** Right after the server started: what the figures right after loading are relative to. */
  readonly baseline: MemoryBaseline;
  /** After the idle server settled: what settled figures are relative to (when settling ran). */
  readonly settledBaseline?: MemoryBaseline;
  readonly points: MemoryPoint[];
  /** False when the child ran without `--expose-gc` (figures then include garbage). */
  readonly gc: boolean;
}

interface ChildReport {
  readonly memory?: NodeJS.MemoryUsage;
  /** V8 heap pages resident, bytes used in them, and V8's own malloc'd memory. */
  readonly v8?: { readonly physical: number; readonly used: number; readonly malloced: number };
  readonly subscriptions?: number;
  readonly gc?: boolean;
  readonly port?: number;
  readonly snapshot?: string;
}

const PRESENTITIES_EVERY = 100; // watchers per presentity

/** Loads `checkpoints` (ascending) subscriptions into a fresh server and measures at each (`settle` false: right after load only). */
export async function runMemoryBench(
  checkpoints: readonly number[],
  progress: (line: string) => void = () => undefined,
  snapshotDir?: string,
  settle: SettleRule | false = DEFAULT_SETTLE,
): Promise<MemoryResult> {
  const child = fork(fileURLToPath(new URL('./memory-server.ts', import.meta.url)), [], {
    execArgv: ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', '--conditions=@herald/source'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: ChildReport[] = [];
  let waiter: (() => void) | undefined;
  child.on('message', (m: ChildReport) => {
    inbox.push(m);
    waiter?.();
  });
  const next = async (): Promise<ChildReport> => {
    while (inbox.length === 0) {
      if (child.exitCode !== null) throw new Error('memory-server exited');
      await new Promise<void>((resolve) => {
        waiter = resolve;
        setTimeout(resolve, 1000);
      });
    }
    return inbox.shift() as ChildReport;
  };
  const transport = new TcpTransport({ host: '127.0.0.1', port: 0, clock: systemClock });
  const phone = new Endpoint({ transport: new TransportLayer({ transports: [transport] }), clock: systemClock });
  try {
    const hello = await next();
    const port = hello.port;
    if (port === undefined) throw new Error('memory-server sent no port');
    await transport.listen();
    const local = transport.local.port;
    let notifies = 0;
    phone.on(
      'NOTIFY',
      (incoming) => {
        notifies++;
        incoming.respond(200);
      },
      { dialogs: 'handler' },
    );
    const measure = async (): Promise<ChildReport> => {
      child.send('measure');
      return next();
    };
    const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
    /** Waits for RSS to settle (see {@link SettleRule}), then measures after GC. */
    const settleDown = async (
      rule: SettleRule,
      first: number,
    ): Promise<{ report: ChildReport; seconds: number; settled: boolean; samples: number[] }> => {
      const started = performance.now();
      const samples = [first];
      let settled = false;
      while (performance.now() - started < rule.maxMs) {
        await new Promise((resolve) => setTimeout(resolve, rule.intervalMs));
        child.send('peek');
        const rss = (await next()).memory?.rss ?? 0;
        samples.push(rss);
        const recent = samples.slice(-rule.window - 1);
        const long = performance.now() - started >= rule.minMs;
        if (long && recent.length > rule.window && Math.max(...recent) - Math.min(...recent) < rule.tolerance * rss) {
          settled = true;
          break;
        }
      }
      const seconds = (performance.now() - started) / 1000;
      return { report: await measure(), seconds, settled, samples };
    };
    const describe = (what: string, r: ChildReport): string =>
      `${what}: RSS ${mib(r.memory?.rss ?? 0)} MiB (V8 heap pages ${mib(r.v8?.physical ?? 0)} MiB, ${mib(r.v8?.used ?? 0)} used; outside them ${mib((r.memory?.rss ?? 0) - (r.v8?.physical ?? 0))} MiB: code, native, malloc)`;
    const runs = (samples: readonly number[]): string => {
      // Run-length: "143.2×18 135.8 130.6×24".
      const out: string[] = [];
      for (let i = 0; i < samples.length;) {
        let j = i;
        while (j < samples.length && mib(samples[j]) === mib(samples[i])) j++;
        out.push(j - i > 1 ? `${mib(samples[i])}×${j - i}` : mib(samples[i]));
        i = j;
      }
      return out.join(' ');
    };

    const base = await measure();
    const baseline: MemoryBaseline = { rssBytes: base.memory?.rss ?? 0, heapUsedBytes: base.memory?.heapUsed ?? 0 };
    progress(describe('memory: baseline right after start', base));
    let settledBaseline: MemoryBaseline | undefined;
    if (settle !== false) {
      const s = await settleDown(settle, baseline.rssBytes);
      settledBaseline = { rssBytes: s.report.memory?.rss ?? 0, heapUsedBytes: s.report.memory?.heapUsed ?? 0 };
      progress(describe(`memory: baseline settled after ${s.seconds.toFixed(0)} s`, s.report));
    }
    const snapshot = async (n: number): Promise<void> => {
      if (snapshotDir === undefined) return;
      child.send({ snapshot: join(snapshotDir, `herald-${n}.heapsnapshot`) });
      progress(`memory: heap snapshot ${String((await next()).snapshot)}`);
    };
    // Before loading: `heap-summary.ts --base` subtracts it.
    await snapshot(0);
    const sample = (r: ChildReport, held: number, from: MemoryBaseline): MemorySample => {
      const rss = r.memory?.rss ?? 0;
      const heap = r.memory?.heapUsed ?? 0;
      return {
        rssBytes: rss,
        heapUsedBytes: heap,
        rssPerSubscription: (rss - from.rssBytes) / held,
        heapPerSubscription: (heap - from.heapUsedBytes) / held,
      };
    };
    const points: MemoryPoint[] = [];
    let done = 0;
    for (const target of checkpoints) {
      const start = performance.now();
      const parallel = 200;
      let issued = done;
      const worker = async (): Promise<void> => {
        while (issued < target) {
          const i = issued++;
          const req = phone.createRequest({
            method: 'SUBSCRIBE',
            uri: `sip:p${Math.floor(i / PRESENTITIES_EVERY)}@127.0.0.1`,
            from: `<sip:w${i}@127.0.0.1>`,
            contact: `<sip:w${i}@127.0.0.1:${local};transport=tcp>`,
            headers: [
              ['Event', 'presence'],
              ['Accept', 'application/pidf+xml'],
              ['Expires', '3600'],
            ],
          });
          const res = await phone.request(req, { to: { transport: 'tcp', address: '127.0.0.1', port } });
          if (res.status >= 300) throw new Error(`SUBSCRIBE ${i} answered ${res.status}`);
        }
      };
      await Promise.all(Array.from({ length: parallel }, worker));
      while (notifies < target) await new Promise((resolve) => setTimeout(resolve, 20));
      const loadSeconds = (performance.now() - start) / 1000;
      done = target;
      await new Promise((resolve) => setTimeout(resolve, 500));
      const r = await measure();
      const held = r.subscriptions ?? target;
      const loaded = sample(r, held, baseline);
      progress(
        describe(`memory: ${held} subscriptions held (loaded in ${loadSeconds.toFixed(1)} s), right after load`, r),
      );
      if (settle === false || settledBaseline === undefined) {
        points.push({ subscriptions: held, ...loaded, loadSeconds });
      } else {
        const s = await settleDown(settle, loaded.rssBytes);
        progress(
          describe(
            `memory: ${held} ${s.settled ? 'settled' : 'still moving'} after ${s.seconds.toFixed(0)} s (RSS samples ${runs(s.samples)})`,
            s.report,
          ),
        );
        const last = sample(s.report, held, settledBaseline);
        points.push({
          subscriptions: held,
          ...last,
          loadSeconds,
          afterLoad: loaded,
          settleSeconds: s.seconds,
          settled: s.settled,
        });
      }
      await snapshot(held);
    }
    return { baseline, settledBaseline, points, gc: base.gc === true };
  } finally {
    await phone.close().catch(() => undefined);
    if (child.exitCode === null) {
      child.send('stop');
      const exited = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve(true);
        });
      });
      if (!exited) child.kill('SIGKILL');
    }
  }
}

/** Printable lines. */
export function formatMemory(r: MemoryResult): string[] {
  const kib = (b: number): string => (b / 1024).toFixed(2);
  const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
  const settling = r.points.some((p) => p.afterLoad !== undefined);
  const lines = [
    `Memory per live subscription (Herald Server, memory store, presence, TCP; after GC${r.gc ? '' : ' — WITHOUT --expose-gc'}; baseline RSS ${mib(r.baseline.rssBytes)} MiB right after start${r.settledBaseline ? `, ${mib(r.settledBaseline.rssBytes)} MiB settled` : ''})`,
    settling
      ? '  figure of record: settled (idle ≥ 60 s until RSS moved < 1 % over 30 s, then GC; minus the settled baseline); right after load (minus the baseline right after start) beside it'
      : '  right after load (settling switched off)',
    '  subscriptions   RSS MiB   heap MiB   RSS KiB/sub   heap KiB/sub   load s' +
      (settling ? '   after load: RSS KiB/sub  heap KiB/sub   settle s' : ''),
  ];
  for (const p of r.points) {
    const a = p.afterLoad;
    lines.push(
      '  ' +
        String(p.subscriptions).padStart(13) +
        mib(p.rssBytes).padStart(10) +
        mib(p.heapUsedBytes).padStart(11) +
        kib(p.rssPerSubscription).padStart(14) +
        kib(p.heapPerSubscription).padStart(15) +
        p.loadSeconds.toFixed(1).padStart(9) +
        (a === undefined
          ? ''
          : kib(a.rssPerSubscription).padStart(26) +
            kib(a.heapPerSubscription).padStart(14) +
            `${(p.settleSeconds ?? 0).toFixed(0)}${p.settled === false ? ' (cap)' : ''}`.padStart(11)),
    );
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const counts = (process.argv[2] ?? '10000,100000').split(',').map(Number);
  const at = process.argv.indexOf('--heap-snapshot');
  const dir = at > 0 ? process.argv[at + 1] : undefined;
  const window = process.argv.indexOf('--settle');
  const settle = process.argv.includes('--no-settle')
    ? false
    : window > 0
      ? {
          ...DEFAULT_SETTLE,
          window: Number(process.argv[window + 1]),
          minMs: 2000 * Number(process.argv[window + 1]),
          maxMs: 4000 * Number(process.argv[window + 1]),
        }
      : DEFAULT_SETTLE;
  const r = await runMemoryBench(counts, (l) => console.error(l), dir, settle);
  console.log(formatMemory(r).join('\n'));
}
