// The real Herald process and long-running sipp peers for the restart tests
// (issue 6, "How this is checked") and the soak script: start the CLI on a
// config file, wait for its `ready` log line, stop it with SIGTERM or SIGKILL;
// run sipp with a message trace and read back what it received.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A scenario file of this folder. */
export const scenario = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** A UDP port that was free on 127.0.0.1 a moment ago (to configure the same port across restarts). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A TCP port that was free on 127.0.0.1 a moment ago (the management API). */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** Polls `check` every 25 ms until it holds or `ms` pass; returns its last value. */
export async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  return check();
}

/** One JSON log line of the server. */
export type LogLine = Record<string, unknown>;

/** The Herald CLI (examples/server.ts) running as a child process. */
export class HeraldProcess {
  readonly lines: LogLine[] = [];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Resolves true on the `ready` line, false if the process ended first. */
  readonly ready: Promise<boolean>;
  private readonly child: ChildProcess;
  private stderr = '';
  private code: number | null | undefined;

  constructor(configPath: string) {
    this.child = spawn(
      process.execPath,
      ['--conditions=@herald/source', '--import', 'tsx', join(root, 'examples/server.ts'), '--config', configPath],
      // cwd: the repository, so that `--import tsx` resolves; tap's NODE_OPTIONS (its loaders) stay out.
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code) => {
        this.code = code;
        resolve(code);
      }),
    );
    this.ready = new Promise((resolve) => {
      let buffered = '';
      this.child.stderr?.on('data', (d: Buffer) => {
        const text = d.toString();
        this.stderr += text;
        buffered += text;
        let nl;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          try {
            const o = JSON.parse(line) as LogLine;
            this.lines.push(o);
            if (o['msg'] === 'ready') resolve(true);
          } catch {
            // not a log line (a stack trace, a Node warning)
          }
        }
      });
      void this.exited.then(() => resolve(false));
    });
  }

  /** The process's stderr so far (for diagnostics). */
  get output(): string {
    return this.stderr;
  }

  /** The port of the first `listening` line of `transport` (udp, tcp, http). */
  port(transport: string): number | undefined {
    const line = this.lines.find((l) => l['msg'] === 'listening' && l['transport'] === transport);
    return typeof line?.['port'] === 'number' ? line['port'] : undefined;
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs` if it lingers). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<number | null> {
    if (this.code !== undefined) return this.code;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** One message in a sipp message trace. */
export interface TracedMessage {
  readonly direction: 'received' | 'sent';
  /** Epoch ms of the trace line's timestamp. */
  readonly at: number;
  readonly startLine: string;
  /** Header name (lower case) → values in order. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: string;
}

/** Splits a sipp `-trace_msg` file into messages. */
export function parseTrace(text: string): TracedMessage[] {
  const out: TracedMessage[] = [];
  const blocks = text.split(/^-{20,} (\d{4}-\d\d-\d\d\s+[\d:.]+)\s*$/m);
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const at = Date.parse((blocks[i] ?? '').replace(/\s+/, 'T').replace(/(\.\d{3})\d*$/, '$1'));
    const block = blocks[i + 1] ?? '';
    const head = /^\s*(?:UDP|TCP) message (received|sent)[^\n]*\n\n?/.exec(block);
    if (!head) continue;
    const message = block.slice(head[0].length).replace(/\r/g, '');
    const split = message.indexOf('\n\n');
    const headerText = split >= 0 ? message.slice(0, split) : message;
    const body = split >= 0 ? message.slice(split + 2).trimEnd() : '';
    const [startLine = '', ...headerLines] = headerText.split('\n');
    const headers = new Map<string, string[]>();
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
    }
    out.push({ direction: head[1] === 'sent' ? 'sent' : 'received', at, startLine, headers, body });
  }
  return out;
}

/** A NOTIFY as a watcher received it. */
export interface ReceivedNotify {
  readonly at: number;
  readonly callId: string;
  readonly cseq: number;
  readonly state: string;
  /** The body's `version` attribute (dialog-info, watcherinfo), if any. */
  readonly version: number | undefined;
  readonly body: string;
}

/** The NOTIFYs in a trace (retransmissions included once per CSeq and Call-ID). */
export function notifiesOf(messages: readonly TracedMessage[]): ReceivedNotify[] {
  const seen = new Set<string>();
  const out: ReceivedNotify[] = [];
  for (const m of messages) {
    if (m.direction !== 'received' || !m.startLine.startsWith('NOTIFY ')) continue;
    const callId = m.headers.get('call-id')?.[0] ?? m.headers.get('i')?.[0] ?? '';
    const cseq = Number.parseInt(m.headers.get('cseq')?.[0] ?? '', 10);
    const key = `${callId} ${cseq}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const version = /<(?:dialog-info|watcherinfo)\b[^>]*\bversion="(\d+)"/.exec(m.body)?.[1];
    out.push({
      at: m.at,
      callId,
      cseq,
      state: m.headers.get('subscription-state')?.[0] ?? '',
      version: version === undefined ? undefined : Number(version),
      body: m.body,
    });
  }
  return out;
}

/** A sipp process writing its message trace to `trace`. */
export class SippProcess {
  /** Resolves with the exit code and output once sipp ends. */
  readonly done: Promise<{ code: number | null; out: string }>;
  private readonly child: ChildProcess;

  constructor(
    args: readonly string[],
    readonly trace: string,
    timeoutMs: number,
  ) {
    this.child = spawn('sipp', ['-trace_msg', '-message_file', trace, '-nostdin', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    this.child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    this.done = new Promise((resolve) =>
      this.child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      }),
    );
  }

  /** What the trace holds so far (sipp flushes it per message). */
  messages(): TracedMessage[] {
    return existsSync(this.trace) ? parseTrace(readFileSync(this.trace, 'utf8')) : [];
  }

  /** The NOTIFYs received so far. */
  notifies(): ReceivedNotify[] {
    return notifiesOf(this.messages());
  }

  /** Ends sipp now (idempotent) and waits for it. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.done;
  }
}

/** The arguments every sipp of these tests shares: one call, UDP, loopback, exit code on timeout. */
export function sippArgs(serverPort: number, localPort: number, timeoutS: number, extra: readonly string[]): string[] {
  return [
    '-m',
    '1',
    '-t',
    'u1',
    '-i',
    '127.0.0.1',
    '-p',
    String(localPort),
    '-timeout',
    `${timeoutS}s`,
    '-timeout_error',
    ...extra,
    `127.0.0.1:${serverPort}`,
  ];
}
