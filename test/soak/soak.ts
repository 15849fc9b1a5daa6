// The soak of issue 6 ("How this is checked"; not part of npm test):
//
//   npm run soak -- --subscriptions 5000 --duration 120 --kills 4
//
// Starts the real server (examples/server.ts) on a SQLite store, has one sipp
// hold --subscriptions presence subscriptions (subscribe, then refresh in the
// dialog whenever no NOTIFY came for --refresh seconds), SIGKILLs and restarts
// the server --kills times spread over --duration seconds on the same port,
// and reports: subscriptions created, still live in the server (management API
// GET /subscriptions, and the store read after the final stop), NOTIFYs heard
// after each restart, and LOST subscriptions (acknowledged by a 2xx but gone
// from the store, refused on refresh, or terminated). After each restart it
// changes every presentity (API status note) and counts the watchers told of
// it. Exit code 1 when any subscription was lost or deaf. See README.md.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteSubscriptionStore, openSqliteDatabase } from '@herald/server';
import { HeraldProcess, SippProcess, freeTcpPort, freeUdpPort, parseTrace } from '../restart/harness.js';
import { have } from '../interop/helpers.js';
import { restartWindows, watchedSubscriptions, type RestartWindow } from './analyse.js';

const { values } = parseArgs({
  options: {
    subscriptions: { type: 'string', default: '2000' },
    duration: { type: 'string', default: '120' },
    kills: { type: 'string', default: '3' },
    rate: { type: 'string', default: '100' },
    refresh: { type: 'string', default: '40' },
    expires: { type: 'string', default: '300' },
    resources: { type: 'string', default: '100' },
    jitter: { type: 'string', default: '3000' },
    keep: { type: 'boolean', default: false },
  },
});
const num = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a whole number, got ${String(values[name])}`);
  return n;
};
const N = num('subscriptions');
const durationS = num('duration');
const kills = num('kills');
const jitterMs = num('jitter');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (msg: string): void =>
  void process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** What to end if the soak stops half-way. */
const running = new Set<{ kill(): Promise<unknown> }>();

async function startHerald(config: string): Promise<HeraldProcess> {
  const herald = new HeraldProcess(config);
  const entry = { kill: () => herald.stop('SIGKILL') };
  running.add(entry);
  void herald.exited.then(() => running.delete(entry));
  if (!(await herald.ready)) throw new Error(`herald did not start:\n${herald.output.slice(-3000)}`);
  return herald;
}

async function main(): Promise<number> {
  if (!have('sipp')) throw new Error('sipp is not installed (apt-get install sip-tester)');
  const dir = mkdtempSync(join(tmpdir(), 'herald-soak-'));
  const sipPort = await freeUdpPort();
  const httpPort = await freeTcpPort();
  const db = join(dir, 'herald.db');
  const config = join(dir, 'herald.json');
  writeFileSync(
    config,
    JSON.stringify({
      domain: 'example.test',
      listen: [`udp:127.0.0.1:${sipPort}`],
      users: {},
      auth: false, // sipp would double every initial SUBSCRIBE with a challenge; the soak is about state
      http: `127.0.0.1:${httpPort}`,
      store: `sqlite:${db}`,
      resumeJitter: jitterMs,
      backSubscribe: false,
      logLevel: 'info',
      // One sipp from one address holds every subscription: lift the per-source and per-user caps.
      limits: { requestsPerSecond: 0, subscriptionsPerUser: Math.max(2000, N), subscriptionsPerWatcher: 1000 },
    }),
  );
  const resources = Math.max(1, num('resources'));
  writeFileSync(
    join(dir, 'watchers.csv'),
    `SEQUENTIAL\n${Array.from({ length: N }, (_, i) => `w${i};r${i % resources}`).join('\n')}\n`,
  );
  const scenarioFile = join(dir, 'soak.xml');
  writeFileSync(
    scenarioFile,
    readFileSync(new URL('./soak.xml', import.meta.url), 'utf8')
      .replaceAll('@REFRESH_MS@', String(num('refresh') * 1000))
      .replaceAll('@EXPIRES@', String(num('expires'))),
  );

  log(
    `dir ${dir}; server udp:127.0.0.1:${sipPort}, http ${httpPort}; ${N} subscriptions over ${resources} presentities`,
  );
  let herald = await startHerald(config);
  const t0 = Date.now();
  const trace = join(dir, 'sipp-messages.log');
  const sipp = new SippProcess(
    [
      '-sf',
      scenarioFile,
      '-inf',
      join(dir, 'watchers.csv'),
      '-m',
      String(N),
      '-l',
      String(N),
      '-r',
      String(num('rate')),
      '-t',
      'u1',
      '-i',
      '127.0.0.1',
      '-p',
      '0',
      '-aa',
      '-nd',
      '-max_non_invite_retrans',
      '10',
      '-timeout',
      `${durationS + 120}s`,
      `127.0.0.1:${sipPort}`,
    ],
    trace,
    (durationS + 150) * 1000,
  );
  running.add(sipp);

  const restarts: Array<{ killedAt: number; readyAt: number; boot: string }> = [];
  /** Per server process: NOTIFYs answered 2xx / failed (its /metrics just before it died) and its warnings. */
  const processes: Array<{ notifiesOk: number; notifiesFailed: number; warnings: number }> = [];
  const record = async (h: HeraldProcess): Promise<void> => {
    const text = await fetchText(`http://127.0.0.1:${httpPort}/metrics`);
    const sum = (name: string): number =>
      [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
    processes.push({
      notifiesOk: sum('herald_notifies_sent_total'),
      notifiesFailed: sum('herald_notifies_failed_total'),
      warnings: h.lines.filter((l) => l['level'] === 'warn' || l['level'] === 'error').length,
    });
    if (values.keep) writeFileSync(join(dir, `herald-${processes.length}.log`), h.output);
  };
  for (let k = 1; k <= kills; k++) {
    await sleep(Math.max(0, t0 + (durationS * 1000 * k) / (kills + 1) - Date.now()));
    const live = await liveCount(httpPort);
    await record(herald);
    await herald.stop('SIGKILL');
    const killedAt = Date.now();
    herald = await startHerald(config);
    const readyAt = Date.now();
    // The boot line: {"msg":"store","kind":"sqlite","subscriptions":…,"subscriptionsExpired":…,…}
    const boot = herald.lines.find((l) => l['msg'] === 'store');
    const summary = Object.fromEntries(
      Object.entries(boot ?? {}).filter(([key]) => key !== 'time' && key !== 'level' && key !== 'msg'),
    );
    restarts.push({ killedAt, readyAt, boot: JSON.stringify(summary) });
    const marked = await markRestart(httpPort, k, resources);
    log(
      `kill ${k}: ${live} live before (API); back in ${readyAt - killedAt} ms, boot ${JSON.stringify(summary)}; ` +
        `note soak-restart-${k} set on ${marked}/${resources} presentities`,
    );
  }
  await sleep(Math.max(0, t0 + durationS * 1000 - Date.now()) + jitterMs + 5000);
  const liveApi = await liveCount(httpPort);
  const end = Date.now();
  await record(herald);
  await sipp.kill();
  const finalExit = await herald.stop('SIGTERM');

  const database = openSqliteDatabase(db);
  const stored = await new SqliteSubscriptionStore(database).all();
  database.close();
  const storedKeys = new Set(stored.map((s) => `${s.dialog.id.callId}\n${s.dialog.id.localTag}`));
  const subs = watchedSubscriptions(parseTrace(readFileSync(trace, 'utf8')));
  const created = [...subs.values()].filter((s) => Number.isFinite(s.createdAt));
  const lost = created.filter(
    (s) => !storedKeys.has(`${s.callId}\n${s.serverTag}`) || s.failures.length > 0 || s.terminated,
  );
  const createdKeys = new Set(created.map((s) => `${s.callId}\n${s.serverTag}`));
  const extra = stored.filter((s) => !createdKeys.has(`${s.dialog.id.callId}\n${s.dialog.id.localTag}`));
  const windows = restartWindows(subs, restarts, end);
  // Deaf: acknowledged before restart K but never told of the change made after it (a subscription the
  // new process holds but does not serve is as lost to the phone as a deleted one).
  const deaf = created.filter((s) => restarts.some((r, i) => s.createdAt < r.killedAt && !s.marks.has(i + 1)));
  const report = {
    subscriptionsAsked: N,
    created: created.length,
    neverCreated: N - created.length,
    refreshes: created.reduce((n, s) => n + s.refreshes, 0),
    notifies: created.reduce((n, s) => n + s.notifies.length, 0),
    notifyCseqBackwards: created.reduce((n, s) => n + s.backwards, 0),
    liveInServerApi: liveApi,
    liveInStoreAfterStop: stored.length,
    storedButNotAcknowledged: extra.length,
    restarts: windows,
    processes,
    deafAfterRestart: deaf.length,
    lost: lost.length,
    lostSample: lost.slice(0, 10).map((s) => ({ callId: s.callId, failures: s.failures, terminated: s.terminated })),
    finalServerExit: finalExit,
    durationS: Math.round((end - t0) / 1000),
  };
  writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 2));
  printReport(report, windows);
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  else log(`kept ${dir} (trace, database, report.json)`);
  return lost.length === 0 && deaf.length === 0 ? 0 : 1;
}

/**
 * After restart `k`, a presence change on every presentity (API status note
 * `soak-restart-K`): each watcher must get a NOTIFY carrying it from the new
 * process, whether or not the server resends state on boot. Returns how many
 * presentities took it.
 */
async function markRestart(httpPort: number, k: number, resources: number): Promise<number> {
  let ok = 0;
  for (let j = 0; j < resources; j++) {
    try {
      const user = encodeURIComponent(`sip:r${j}@127.0.0.1`); // the watchers' Request-URI host, not the domain
      const res = await fetch(`http://127.0.0.1:${httpPort}/presentities/${user}/status`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ note: `soak-restart-${k}` }),
      });
      if (res.ok) ok++;
      await res.arrayBuffer();
    } catch {
      // counted as not marked
    }
  }
  return ok;
}

/** A GET's body ('' when the server does not answer). */
async function fetchText(url: string): Promise<string> {
  try {
    return await (await fetch(url)).text();
  } catch {
    return '';
  }
}

/** Live subscriptions according to the management API (-1 when it does not answer). */
async function liveCount(httpPort: number): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/subscriptions`);
    const body = (await res.json()) as { subscriptions?: unknown[] };
    return body.subscriptions?.length ?? -1;
  } catch {
    return -1;
  }
}

function printReport(report: Record<string, unknown>, windows: readonly RestartWindow[]): void {
  log('---- report ----');
  for (const [k, v] of Object.entries(report)) {
    if (k === 'restarts' || k === 'lostSample') continue;
    log(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
  for (const w of windows) {
    log(
      `restart ${w.restart}: down ${w.downMs} ms; of ${w.expected} subscriptions made before the kill, ` +
        `${w.changeNotified} got the change made after the restart, ${w.anyNotify} any NOTIFY (${w.notifies} NOTIFYs in the window)`,
    );
  }
  if (Array.isArray(report['lostSample']) && report['lostSample'].length > 0)
    log(`lost (sample): ${JSON.stringify(report['lostSample'])}`);
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await Promise.all([...running].map((r) => r.kill()));
    process.exit(2);
  },
);
