/**
 * Memory per live subscription (issue 7): a Herald Server in a child process
 * (bench/memory-server.ts, `--expose-gc`, memory store, TCP so no transaction
 * lingers for Timer J/K), loaded from this process with presence SUBSCRIBEs
 * (Expires 3600, 100 watchers per presentity, every initial NOTIFY answered
 * 200). RSS and V8 heap after GC are read before loading and at each
 * checkpoint; per subscription = growth / subscriptions held.
 *
 *   npx tsx --conditions=@herald/source bench/memory.ts [10000,100000] [--heap-snapshot DIR]
 *   npx tsx bench/heap-summary.ts DIR/herald-10000.heapsnapshot 10000   # what the heap holds per subscription
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Endpoint, TcpTransport, TransportLayer, systemClock } from '@herald/sip';

/** Memory of the server process at one checkpoint. */
export interface MemoryPoint {
  readonly subscriptions: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** (rss - baseline rss) / subscriptions. */
  readonly rssPerSubscription: number;
  readonly heapPerSubscription: number;
  /** Seconds it took to load the subscriptions since the previous checkpoint. */
  readonly loadSeconds: number;
}

/** Result of {@link runMemoryBench}. */
export interface MemoryResult {
  readonly baseline: { readonly rssBytes: number; readonly heapUsedBytes: number };
  readonly points: MemoryPoint[];
  /** False when the child ran without `--expose-gc` (figures then include garbage). */
  readonly gc: boolean;
}

interface ChildReport {
  readonly memory?: NodeJS.MemoryUsage;
  readonly subscriptions?: number;
  readonly gc?: boolean;
  readonly port?: number;
  readonly snapshot?: string;
}

const PRESENTITIES_EVERY = 100; // watchers per presentity

/** Loads `checkpoints` (ascending) subscriptions into a fresh server and measures at each. */
export async function runMemoryBench(
  checkpoints: readonly number[],
  progress: (line: string) => void = () => undefined,
  snapshotDir?: string,
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
    const base = await measure();
    const baseRss = base.memory?.rss ?? 0;
    const baseHeap = base.memory?.heapUsed ?? 0;
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
      const rss = r.memory?.rss ?? 0;
      const heap = r.memory?.heapUsed ?? 0;
      const held = r.subscriptions ?? target;
      points.push({
        subscriptions: held,
        rssBytes: rss,
        heapUsedBytes: heap,
        rssPerSubscription: (rss - baseRss) / held,
        heapPerSubscription: (heap - baseHeap) / held,
        loadSeconds,
      });
      if (snapshotDir !== undefined) {
        child.send({ snapshot: join(snapshotDir, `herald-${held}.heapsnapshot`) });
        progress(`memory: heap snapshot ${String((await next()).snapshot)}`);
      }
      progress(
        `memory: ${held} subscriptions held, RSS ${(rss / 2 ** 20).toFixed(1)} MiB, heap ${(heap / 2 ** 20).toFixed(1)} MiB (loaded in ${loadSeconds.toFixed(1)} s)`,
      );
    }
    return { baseline: { rssBytes: baseRss, heapUsedBytes: baseHeap }, points, gc: base.gc === true };
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
  const lines = [
    `Memory per live subscription (Herald Server, memory store, presence, TCP; after GC${r.gc ? '' : ' — WITHOUT --expose-gc'}; baseline RSS ${(r.baseline.rssBytes / 2 ** 20).toFixed(1)} MiB)`,
    '  subscriptions   RSS MiB   heap MiB   RSS KiB/sub   heap KiB/sub   load s',
  ];
  for (const p of r.points) {
    lines.push(
      '  ' +
        String(p.subscriptions).padStart(13) +
        (p.rssBytes / 2 ** 20).toFixed(1).padStart(10) +
        (p.heapUsedBytes / 2 ** 20).toFixed(1).padStart(11) +
        kib(p.rssPerSubscription).padStart(14) +
        kib(p.heapPerSubscription).padStart(15) +
        p.loadSeconds.toFixed(1).padStart(9),
    );
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const counts = (process.argv[2] ?? '10000,100000').split(',').map(Number);
  const at = process.argv.indexOf('--heap-snapshot');
  const dir = at > 0 ? process.argv[at + 1] : undefined;
  const r = await runMemoryBench(counts, (l) => console.error(l), dir);
  console.log(formatMemory(r).join('\n'));
}
