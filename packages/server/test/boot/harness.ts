// Restart harness: a Server on a temp SQLite file and a manual clock, stopped and started again on
// the same ports and file; NOTIFYs the server sends are recorded with the clock time they left at.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, type SipRequest } from '@herald/sip';
import { Server, type HeraldConfig } from '../../src/index.js';
import { recordingLogger, testConfig, type LogLine } from '../server/helpers.js';

type Teardown = { teardown(fn: () => Promise<void> | void): void };

/** A temp directory removed at teardown. */
export function tempDir(t: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-boot-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A NOTIFY as it left the server. */
export interface SentNotify {
  readonly at: number;
  readonly request: SipRequest;
}

/** One running server of a restart sequence. */
export interface Running {
  readonly server: Server;
  readonly clock: ManualClock;
  readonly udpPort: number;
  readonly tcpPort: number;
  readonly notifies: SentNotify[];
  readonly lines: LogLine[];
}

/** Starts a server; `ports` pins the UDP/TCP ports (a restart), else port 0. */
export async function boot(
  t: Teardown,
  opts: {
    db: string;
    now: number;
    ports?: { udp: number; tcp: number };
    extra?: Record<string, unknown>;
  },
): Promise<Running> {
  const udp = opts.ports?.udp ?? 0;
  const tcp = opts.ports?.tcp ?? 0;
  const config: HeraldConfig = testConfig({
    listen: [`udp:127.0.0.1:${udp}`, `tcp:127.0.0.1:${tcp}`],
    store: `sqlite:${opts.db}`,
    resumeJitter: 0,
    ...opts.extra,
  });
  const clock = new ManualClock(opts.now);
  const { logger, lines } = recordingLogger();
  const server = new Server(config, { clock, logger });
  const notifies: SentNotify[] = [];
  const send = server.endpoint.request.bind(server.endpoint);
  server.endpoint.request = (request, options) => {
    if (request.method === 'NOTIFY') notifies.push({ at: clock.now(), request });
    return send(request, options);
  };
  t.teardown(() => server.stop());
  await server.start();
  const port = (kind: 'udp' | 'tcp'): number => server.ports.find((p) => p.transport === kind)?.port ?? 0;
  return { server, clock, udpPort: port('udp'), tcpPort: port('tcp'), notifies, lines };
}

/** Lets queued microtasks and I/O callbacks run (store writes, sends) without moving the manual clock. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Waits (bounded, real time) until `cond` holds. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The CSeq number of a request. */
export function cseqOf(request: SipRequest): number {
  return request.cseq?.seq ?? -1;
}
