/**
 * The servers under load for the sipp benchmark: Herald (`examples/server.ts`
 * in its own Node process with a benchmark config) and the Kamailio reference
 * (the shared harness's start/stop scripts). Each start returns the pid the
 * harness samples and a stop function; callers stop in `finally`.
 */
import { spawn, execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A started server: its pid (for `--server-pid`), a label and how to stop it. */
export interface RunningServer {
  readonly pid: number;
  readonly label: string;
  /** Resolves once the process is gone. */
  stop(): Promise<void>;
  /** Lines of its log worth showing (warnings), read at stop time. */
  warnings(): string[];
}

/** Herald store choice for a run. */
export type HeraldStore = 'memory' | 'sqlite';

/** The benchmark configuration: no auth, no back-SUBSCRIBE, no coalescing, no rate limit, no HTTP. */
export function benchConfig(port: number, store: HeraldStore, dir: string): Record<string, unknown> {
  return {
    domain: '127.0.0.1',
    listen: [`udp:127.0.0.1:${port}`, `tcp:127.0.0.1:${port}`],
    users: {},
    http: false,
    store: store === 'memory' ? 'memory' : `sqlite:${join(dir, 'herald.db')}`,
    auth: false,
    backSubscribe: false,
    notifyInterval: 0,
    logLevel: 'warn',
    limits: {
      requestsPerSecond: 0,
      // The fan-out holds 1,000 watchers on 10 presentities; cycle scenarios use fresh users per call.
      subscriptionsPerUser: 100_000,
      subscriptionsPerWatcher: 100_000,
      // The fan-out publisher opens a new publication (new Call-ID) per call, several per presentity at once.
      publicationsPerResource: 100_000,
    },
  };
}

/** Sends OPTIONS until a 200 comes back (the server is ready) or `timeoutMs` passes. */
export async function waitForOptions(port: number, timeoutMs: number): Promise<boolean> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  const local = sock.address().port;
  let ok = false;
  sock.on('message', (buf) => {
    if (/^SIP\/2\.0 200/.test(buf.toString('latin1'))) ok = true;
  });
  const deadline = Date.now() + timeoutMs;
  for (let i = 1; !ok && Date.now() < deadline; i++) {
    const branch = `z9hG4bK-bench-ready-${i}-${process.pid}`;
    const req =
      `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${local};branch=${branch};rport\r\n` +
      `Max-Forwards: 70\r\nFrom: <sip:bench@127.0.0.1>;tag=ready${i}\r\nTo: <sip:127.0.0.1:${port}>\r\n` +
      `Call-ID: ready-${i}-${process.pid}@127.0.0.1\r\nCSeq: ${i} OPTIONS\r\nContent-Length: 0\r\n\r\n`;
    sock.send(req, port, '127.0.0.1');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  sock.close();
  return ok;
}

function waitExit(pid: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const start = Date.now();
    const tick = (): void => {
      try {
        process.kill(pid, 0);
      } catch {
        resolve(true);
        return;
      }
      if (Date.now() - start > ms) resolve(false);
      else setTimeout(tick, 100);
    };
    tick();
  });
}

/** Warning and error lines of a Herald JSON log, one per distinct message with its count and first occurrence. */
export function summarizeWarnings(log: string): string[] {
  const seen = new Map<string, { count: number; first: string }>();
  for (const line of log.split('\n')) {
    if (!/warn|error/i.test(line) || /AUTHENTICATION IS OFF/.test(line)) continue;
    const msg = /"msg":"([^"]*)"/.exec(line)?.[1] ?? line.slice(0, 120);
    const entry = seen.get(msg) ?? { count: 0, first: line.slice(0, 300) };
    entry.count++;
    seen.set(msg, entry);
  }
  return [...seen.values()].map((e) => `${e.count}× ${e.first}`);
}

/**
 * Starts `examples/server.ts` (tsx loader, source condition) with {@link benchConfig}; logs go to
 * `dir/herald.log`. `preload`: modules loaded (`--import`) after the tsx loader, e.g. a profiler.
 */
export async function startHerald(
  repo: string,
  port: number,
  store: HeraldStore,
  dir: string,
  preload: readonly string[] = [],
): Promise<RunningServer> {
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, `herald-${store}.json`);
  writeFileSync(configPath, JSON.stringify(benchConfig(port, store, dir), null, 2));
  const logPath = join(dir, `herald-${store}.log`);
  const log = openSync(logPath, 'w');
  const child = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', ...preload.flatMap((m) => ['--import', m]), '--conditions=@herald/source'],
      ...['examples/server.ts', '--config', configPath],
    ],
    { cwd: repo, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the Herald server');
  let exited = false;
  child.on('exit', () => (exited = true));
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    if (!(await waitExit(pid, 10_000))) child.kill('SIGKILL');
    await waitExit(pid, 5_000);
  };
  if (!(await waitForOptions(port, 30_000)) || exited) {
    await stop();
    throw new Error(`Herald did not answer OPTIONS on 127.0.0.1:${port}; see ${logPath}`);
  }
  return {
    pid,
    label: `herald (examples/server.ts, store ${store})`,
    stop,
    warnings: () => summarizeWarnings(readFileSync(logPath, 'utf8')),
  };
}

/** Starts the reference Kamailio with `children` workers through the shared harness's start-kamailio.sh. */
export async function startKamailio(harness: string, port: number, children: number): Promise<RunningServer> {
  const { stdout } = await run(join(harness, 'kamailio/start-kamailio.sh'), [String(port), String(children)]);
  const pid = Number(/KAMAILIO_PID=(\d+)/.exec(stdout)?.[1]);
  const rundir = /KAMAILIO_RUNDIR=(\S+)/.exec(stdout)?.[1];
  if (!Number.isInteger(pid) || rundir === undefined) throw new Error(`start-kamailio.sh said: ${stdout}`);
  const { stdout: version } = await run('kamailio', ['-v']).catch(() => ({ stdout: '' }));
  const v = /version: kamailio (\S+)/.exec(version)?.[1] ?? '?';
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return {
    pid,
    label: `kamailio ${v}, children=${children}`,
    stop: async () => {
      await run(join(harness, 'kamailio/stop-kamailio.sh'), [rundir]).catch(() => undefined);
      await waitExit(pid, 5_000);
    },
    warnings: () => [],
  };
}

/** `kamailio -v` version, or undefined when Kamailio is not installed. */
export async function kamailioVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run('kamailio', ['-v']);
    return /version: kamailio (\S+)/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}
