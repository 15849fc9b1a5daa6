/**
 * The benchmark harness's own logic (bench/): reading run.sh results, the
 * options, the config it starts Herald with, and that every compared parser
 * reads the same facts out of every message. No timing is asserted.
 */
import t from 'tap';
import { validateConfig } from '@herald/server';
import { readResults } from '../../bench/harness.js';
import { parseBenchArgs } from '../../bench/options.js';
import { benchConfig, summarizeWarnings } from '../../bench/servers.js';
import { checkAgreement } from '../../bench/parse.js';
import { geometricMean, median } from '../../bench/measure.js';
import { MESSAGES } from '../../bench/messages.js';
import { PARSERS } from '../../bench/parsers.js';
import { checkTargets } from '../../bench/targets.js';

const COLS =
  'scenario rate calls created successful failed fail_pct wall_s cps rate_pct p50_ms p99_ms max_ms rtds retrans out_of_call auto_answered server_cpu_pct sipp_cpu_pct sipp2_cpu_pct host_cpu_pct udp_drops_server udp_drops_host notify_expected notify_delivered notify_per_s verdict reason';

function row(v: Record<string, string>): string {
  return COLS.split(' ')
    .map((c) => v[c] ?? '-')
    .join('\t');
}

const TSV = [
  COLS.replaceAll(' ', '\t'),
  row({
    scenario: 'register-cycle',
    rate: '1000',
    cps: '998.1',
    p50_ms: '0.5',
    p99_ms: '3.1',
    server_cpu_pct: '40',
    sipp_cpu_pct: '20',
    verdict: 'PASS',
  }),
  row({ scenario: 'register-cycle', rate: '2000', sipp_cpu_pct: '30', verdict: 'FAIL', reason: 'p99 150 ms > 100 ms' }),
  row({ scenario: 'register-cycle', rate: '1500', cps: '1490.0', sipp_cpu_pct: '25', verdict: 'PASS' }),
  row({ scenario: 'publish-cycle', rate: '100', cps: '99.0', sipp_cpu_pct: '95', verdict: 'PASS' }),
  row({ scenario: 'subscribe-cycle', rate: '100', verdict: 'FAIL', reason: 'failed 3% > 0.1%' }),
  row({
    scenario: 'fanout',
    rate: '50',
    notify_per_s: '14900',
    sipp_cpu_pct: '3',
    sipp2_cpu_pct: '40',
    verdict: 'PASS',
  }),
  '',
].join('\n');

t.test(
  'readResults picks the highest passing step, the first failure above it, and flags a saturated sipp',
  async (t) => {
    const [reg, pub, sub, fan, none] = readResults(TSV, [
      'register-cycle',
      'publish-cycle',
      'subscribe-cycle',
      'fanout',
      'subscribe-mwi',
    ]);
    t.match(reg, {
      maxRate: 1500,
      capped: false,
      cps: 1490,
      failedNext: '2000: p99 150 ms > 100 ms',
      harnessLimited: false,
    });
    t.match(pub, { maxRate: 100, capped: true, sippCpuPct: 95, harnessLimited: true });
    t.match(sub, { maxRate: 0, capped: false, failedNext: '100: failed 3% > 0.1%' });
    t.match(fan, { maxRate: 50, notifyPerS: 14900, sippCpuPct: 40, capped: true });
    t.match(none, { maxRate: 0, capped: false, failedNext: undefined });
  },
);

t.test(
  'fan-out: NOTIFYs/s of steps short only of NOTIFYs (merged changes) count apart; several results.tsv concatenate',
  async (t) => {
    const second = [
      COLS.replaceAll(' ', '\t'),
      row({
        scenario: 'fanout',
        rate: '5',
        notify_per_s: '1400',
        verdict: 'FAIL',
        reason: 'NOTIFYs 7400/7500 delivered',
      }),
      row({
        scenario: 'fanout',
        rate: '20',
        notify_per_s: '4000',
        verdict: 'FAIL',
        reason: 'NOTIFYs 25000/30000 delivered',
      }),
      row({
        scenario: 'fanout',
        rate: '50',
        notify_per_s: '9000',
        verdict: 'FAIL',
        reason: 'NOTIFYs 80000/75000 delivered (duplicates: retransmissions?)',
      }),
      row({
        scenario: 'fanout',
        rate: '100',
        notify_per_s: '9500',
        verdict: 'FAIL',
        reason: '7/1000 watcher calls failed',
      }),
    ].join('\n');
    const [fan] = readResults(second, ['fanout']);
    t.match(fan, {
      maxRate: 0,
      notifyPerS: undefined,
      mergedNotifyPerS: 4000,
      failedNext: '5: NOTIFYs 7400/7500 delivered',
    });
    const [both] = readResults(`${TSV}\n${second}`, ['fanout']);
    t.match(both, { maxRate: 50, notifyPerS: 14900, mergedNotifyPerS: 14900 });
  },
);

t.test('options: defaults, quick mode narrows the SQLite run, mistakes are values', async (t) => {
  const d = parseBenchArgs([]);
  t.not(typeof d, 'string');
  if (typeof d === 'string') return;
  t.same(d.parts, ['parse', 'sipp', 'memory']);
  t.equal(d.kamailio, 'live');
  t.equal(d.sqliteScenarios, undefined);
  t.same(d.memoryCounts, [10_000, 100_000]);
  t.equal(d.interleave, false, 'server by server unless asked');

  const q = parseBenchArgs([
    ...['--quick', '--kamailio-reference', '--micro', '--kamailio-workers', 'default', '--interleave'],
  ]);
  if (typeof q === 'string') return t.fail(q);
  t.same(q.sqliteScenarios, ['register-cycle', 'publish-cycle', 'subscribe-cycle']);
  t.equal(q.kamailio, 'reference');
  t.ok(q.kamailioDefault);
  t.ok(q.interleave);
  t.ok(q.parts.includes('micro'));

  t.match(parseBenchArgs(['--scenarios', 'subscribe-cycle,bogus']), /unknown scenario bogus/);
  t.match(parseBenchArgs(['--frobnicate']), /unknown option/);
  t.match(parseBenchArgs(['--only', 'parse,speed']), /unknown part speed/);
  t.match(parseBenchArgs(['--herald-port', '5183']), /overlap/);
  t.match(parseBenchArgs(['--out']), /needs a value/);
});

t.test('the benchmark config is a valid Herald config with auth, coalescing and the rate limiter off', async (t) => {
  const v = validateConfig(benchConfig(5160, 'sqlite', '/tmp/x'));
  t.ok(v.ok, v.ok ? '' : v.error);
  if (!v.ok) return;
  t.equal(v.config.auth, false);
  t.equal(v.config.backSubscribe, false);
  t.equal(v.config.notifyInterval, 0);
  t.equal(v.config.http, undefined);
  t.equal(v.config.limits.requestsPerSecond, 0);
  t.equal(
    v.config.limits.publicationsPerResource,
    100_000,
    'the fan-out publisher opens several publications per presentity',
  );
  t.same(v.config.store, { kind: 'sqlite', path: '/tmp/x/herald.db' });
});

t.test('every parser reads the same facts from every benchmark message (a fair comparison)', async (t) => {
  t.same(checkAgreement(), []);
  t.equal(MESSAGES.length, 7);
  for (const p of PARSERS) {
    const sub = MESSAGES.find((m) => m.name === 'SUBSCRIBE');
    if (!sub) return t.fail('no SUBSCRIBE');
    t.match(p.read(p.parse(p.prepare(sub.text))), { event: 'dialog', expires: 1800, method: 'SUBSCRIBE' }, p.name);
  }
});

t.test('median and geometric mean', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 2, 3]), 2.5);
  t.equal(geometricMean([1, 4]), 2);
  t.ok(Number.isNaN(geometricMean([])));
});

t.test('issue 7 targets are checked against the figures a run has, and n/a without them', async (t) => {
  const parse = { geomean: { 'parse+read': { sip: 3.2 } } } as unknown as Parameters<typeof checkTargets>[0];
  const memory = {
    baseline: { rssBytes: 0, heapUsedBytes: 0 },
    gc: true,
    points: [
      {
        subscriptions: 100_000,
        rssBytes: 0,
        heapUsedBytes: 0,
        rssPerSubscription: 2500,
        heapPerSubscription: 1000,
        loadSeconds: 1,
      },
    ],
  };
  const [reg] = readResults(TSV, ['register-cycle']);
  const sipp = {
    runOptions: [],
    targets: [
      { id: 'herald-memory', label: 'h', source: 'live' as const, results: [reg], notes: [] },
      { id: 'kamailio-c1', label: 'k', source: 'live' as const, results: [{ ...reg, maxRate: 1000 }], notes: [] },
    ],
  };
  const checks = checkTargets(parse, sipp, memory);
  t.match(checks[0], { met: true, measured: '3.20×' });
  t.match(checks[1], { target: /register-cycle/, met: true, measured: /^1\.50×/ });
  t.match(checks[2], { target: /publish-cycle/, met: undefined });
  t.match(checks.at(-1), { met: false, measured: /^2\.44 KiB/ });
  t.ok(checkTargets(undefined, undefined, undefined).every((c) => c.met === undefined));
});

t.test('server warnings are summarized one line per distinct message', async (t) => {
  const log = [
    '{"level":"warn","msg":"!!! AUTHENTICATION IS OFF (auth: false) !!!"}',
    '{"level":"warn","msg":"publication refused: limit reached","uri":"sip:a@x"}',
    '{"level":"warn","msg":"publication refused: limit reached","uri":"sip:b@x"}',
    '{"level":"error","msg":"boom"}',
    '{"level":"info","msg":"ready"}',
  ].join('\n');
  const lines = summarizeWarnings(log);
  t.equal(lines.length, 2);
  t.match(lines[0], /^2× .*sip:a@x/);
  t.match(lines[1], /^1× .*boom/);
});
