// The restart scenario of issue 6 with sipp against the real Herald process on
// a SQLite store: alice registers (from the port her callee UAS later uses) and
// publishes; bob watches her presence and her dialog state with two sipp
// watchers that stay up; the server is stopped (SIGTERM or SIGKILL) and started
// again on the same ports; alice modifies her publication (SIP-If-Match of the
// pre-restart ETag) and carol calls her. The caller of this module asserts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HeraldProcess,
  SippProcess,
  freeUdpPort,
  scenario,
  sippArgs,
  until,
  type ReceivedNotify,
  type TracedMessage,
} from './harness.js';

export const USERS = { alice: 'alice-secret', bob: 'bob-secret', carol: 'carol-secret' };

/** Something with tap's teardown. */
export interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

/** A temporary directory removed at teardown. */
export function tempDir(t: Teardown, prefix = 'herald-restart-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes the server's config: UDP on `sipPort`, SQLite in `dir`, no jitter, one NOTIFY per change. */
export function writeConfig(dir: string, sipPort: number, extra: Record<string, unknown> = {}): string {
  const file = join(dir, 'herald.json');
  writeFileSync(
    file,
    JSON.stringify({
      domain: 'example.test',
      listen: [`udp:127.0.0.1:${sipPort}`],
      users: USERS,
      http: false,
      store: `sqlite:${join(dir, 'herald.db')}`,
      resumeJitter: 0,
      notifyInterval: 0,
      backSubscribe: false,
      logLevel: 'info',
      ...extra,
    }),
  );
  return file;
}

/** Starts the CLI and waits for `ready`; stopped (SIGKILL) at teardown if still running. */
export async function startHerald(t: Teardown, config: string): Promise<HeraldProcess> {
  const herald = new HeraldProcess(config);
  t.teardown(() => herald.stop('SIGKILL').then(() => undefined));
  if (!(await herald.ready)) throw new Error(`herald did not start:\n${herald.output.slice(-3000)}`);
  return herald;
}

/** Runs a sipp scenario to its end. */
export async function sippOnce(
  dir: string,
  name: string,
  serverPort: number,
  localPort: number,
  extra: readonly string[],
): Promise<{ code: number | null; out: string; messages: TracedMessage[] }> {
  const trace = join(dir, `${name}-${Date.now()}-${Math.random().toString(36).slice(2)}.log`);
  const sipp = new SippProcess(sippArgs(serverPort, localPort, 15, extra), trace, 25_000);
  const { code, out } = await sipp.done;
  return { code, out, messages: sipp.messages() };
}

/** The SIP-ETag of the last 2xx to a PUBLISH in a trace. */
export function etagOf(messages: readonly TracedMessage[]): string | undefined {
  return messages
    .filter((m) => m.direction === 'received' && /^SIP\/2\.0 2\d\d /.test(m.startLine))
    .at(-1)
    ?.headers.get('sip-etag')?.[0];
}

/** A sipp watcher of `resource`'s `event` (as `watcher`) that outlives restarts; killed at teardown. */
export function startWatcher(
  t: Teardown,
  dir: string,
  serverPort: number,
  opts: { watcher: keyof typeof USERS; resource: string; event: string; expires: number },
): SippProcess {
  const args = sippArgs(serverPort, 0, 55, [
    '-sf',
    scenario('watch.xml'),
    '-aa', // see watch.xml
    '-s',
    opts.watcher,
    '-au',
    opts.watcher,
    '-ap',
    USERS[opts.watcher],
    '-auth_uri',
    `${opts.resource}@127.0.0.1:${serverPort}`,
    '-key',
    'resource',
    opts.resource,
    '-key',
    'event',
    opts.event,
    '-key',
    'expires',
    String(opts.expires),
  ]);
  const sipp = new SippProcess(args, join(dir, `watch-${opts.event}-${opts.watcher}.log`), 58_000);
  t.teardown(() => sipp.kill());
  return sipp;
}

/** What the restart scenario observed. */
export interface RestartRun {
  readonly firstExit: number | null;
  readonly register: { code: number | null; out: string };
  readonly publish: { code: number | null; out: string; etag: string | undefined };
  readonly modify: { code: number | null; out: string };
  readonly call: { caller: { code: number | null; out: string }; callee: { code: number | null; out: string } };
  /** NOTIFYs the presence and dialog watchers got before the stop, and after the second start. */
  readonly presence: { before: ReceivedNotify[]; after: ReceivedNotify[] };
  readonly dialog: { before: ReceivedNotify[]; after: ReceivedNotify[] };
  /** Server log lines of the second run. */
  readonly secondLog: ReadonlyArray<Record<string, unknown>>;
}

/** Runs the whole scenario, stopping the first server with `signal`. */
export async function runRestart(t: Teardown, signal: 'SIGTERM' | 'SIGKILL'): Promise<RestartRun> {
  const dir = tempDir(t);
  const sipPort = await freeUdpPort();
  const calleePort = await freeUdpPort();
  const config = writeConfig(dir, sipPort);
  const first = await startHerald(t, config);

  const registerArgs = ['-sf', scenario('register.xml'), '-au', 'alice', '-ap', USERS.alice];
  const register = await sippOnce(dir, 'register', sipPort, calleePort, [
    ...registerArgs,
    '-auth_uri',
    '127.0.0.1',
    '-key',
    'user',
    'alice',
    '-key',
    'domain',
    '127.0.0.1',
  ]);
  const publisher = (file: string, basic: string, note: string, more: string[] = []) =>
    sippOnce(dir, file, sipPort, 0, [
      '-sf',
      scenario(file),
      '-au',
      'alice',
      '-ap',
      USERS.alice,
      '-auth_uri',
      `alice@127.0.0.1:${sipPort}`,
      '-key',
      'user',
      'alice',
      '-key',
      'basic',
      basic,
      '-key',
      'note',
      note,
      ...more,
    ]);
  const published = await publisher('publish.xml', 'open', 'before-restart');
  const presence = startWatcher(t, dir, sipPort, {
    watcher: 'bob',
    resource: 'alice',
    event: 'presence',
    expires: 3600,
  });
  const dialog = startWatcher(t, dir, sipPort, { watcher: 'bob', resource: 'alice', event: 'dialog', expires: 3600 });
  await until(() => presence.notifies().length > 0 && dialog.notifies().length > 0, 15_000);
  const presenceBefore = presence.notifies();
  const dialogBefore = dialog.notifies();

  const firstExit = await first.stop(signal);
  const mark = Date.now();
  const second = await startHerald(t, config);
  const etag = etagOf(published.messages);
  const modify = await publisher('publish-modify.xml', 'closed', 'after-restart', ['-key', 'etag', etag ?? 'none']);
  await until(() => presence.notifies().some((n) => n.body.includes('after-restart')), 10_000);

  const callee = new SippProcess(
    sippArgs(sipPort, calleePort, 8, ['-sf', scenario('call-uas.xml')]),
    join(dir, 'callee.log'),
    25_000,
  );
  await new Promise((r) => setTimeout(r, 200)); // the INVITE is retransmitted anyway (Timer A)
  const caller = await sippOnce(dir, 'caller', sipPort, 0, [
    '-sf',
    scenario('call-uac.xml'),
    '-s',
    'carol',
    '-au',
    'carol',
    '-ap',
    USERS.carol,
    '-auth_uri',
    'alice@127.0.0.1',
    '-key',
    'callee',
    'alice',
    '-key',
    'domain',
    '127.0.0.1',
  ]);
  const calleeDone = await callee.done;
  await until(() => dialog.notifies().some((n) => n.at >= mark && />terminated</.test(n.body)), 10_000);
  const after = (w: SippProcess) => w.notifies().filter((n) => n.at >= mark);
  const run: RestartRun = {
    firstExit,
    register,
    publish: { code: published.code, out: published.out, etag },
    modify,
    call: { caller, callee: calleeDone },
    presence: { before: presenceBefore, after: after(presence) },
    dialog: { before: dialogBefore, after: after(dialog) },
    secondLog: second.lines,
  };
  await presence.kill();
  await dialog.kill();
  await second.stop('SIGTERM');
  return run;
}
