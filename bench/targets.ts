/**
 * The issue 7 targets, checked against one run's figures: parse + read ≥ 3×
 * npm `sip`; register, publish and subscribe cycles and fan-out NOTIFYs/s ≥
 * 1.0× Kamailio with one worker; ≤ 2 KiB resident per live subscription at
 * 100,000.
 */
import type { ScenarioResult } from './harness.js';
import type { MemoryResult } from './memory.js';
import type { ParseBenchResult } from './parse.js';
import type { SippBenchResult } from './sipp.js';
import { int, ratio } from './measure.js';

/** One target: what was measured against what was asked. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** undefined when the run lacks the figure. */
  readonly met: boolean | undefined;
  readonly note?: string;
}

function find(r: SippBenchResult | undefined, id: string, scenario: string): ScenarioResult | undefined {
  return r?.targets.find((t) => t.id === id)?.results.find((s) => s.scenario === scenario);
}

/** Checks every target the run has figures for. */
export function checkTargets(
  parse: ParseBenchResult | undefined,
  sipp: SippBenchResult | undefined,
  memory: MemoryResult | undefined,
): TargetCheck[] {
  const out: TargetCheck[] = [];
  const pr = parse?.geomean['parse+read']?.['sip'];
  out.push({
    target: 'parse + read ≥ 3× npm sip (geometric mean)',
    measured: ratio(pr),
    met: pr === undefined ? undefined : pr >= 3,
  });
  const kamailio = sipp?.targets.find((t) => t.id === 'kamailio-c1');
  const ref = kamailio?.source === 'reference' ? ' (Kamailio: stored reference)' : '';
  for (const sc of ['register-cycle', 'publish-cycle', 'subscribe-cycle']) {
    const h = find(sipp, 'herald-memory', sc);
    const k = find(sipp, 'kamailio-c1', sc);
    const q = h && k && k.maxRate > 0 ? h.maxRate / k.maxRate : undefined;
    out.push({
      target: `${sc} ≥ 1.0× Kamailio c=1`,
      measured: h && k ? `${ratio(q)} (${int(h.maxRate)} vs ${int(k.maxRate)} calls/s)${ref}` : '-',
      met: q === undefined ? undefined : q >= 1,
      note: h?.harnessLimited || k?.harnessLimited ? 'sipp near a full core: harness-limited' : undefined,
    });
  }
  const hf = find(sipp, 'herald-memory', 'fanout');
  const kf = find(sipp, 'kamailio-c1', 'fanout');
  const strict = (r: ScenarioResult | undefined): number | undefined => (r && r.maxRate === 0 ? 0 : r?.notifyPerS);
  const fs = strict(hf);
  const fk = strict(kf);
  const qf = fs !== undefined && fk !== undefined && fk > 0 ? fs / fk : undefined;
  const qm = hf?.mergedNotifyPerS !== undefined && fk !== undefined && fk > 0 ? hf.mergedNotifyPerS / fk : undefined;
  out.push({
    target: 'fan-out NOTIFY/s ≥ 1.0× Kamailio c=1 (1,000 watchers)',
    measured:
      hf && kf
        ? `${ratio(qf)} (${int(fs ?? Number.NaN)} vs ${int(fk ?? Number.NaN)}/s); merged changes allowed ${ratio(qm)}${ref}`
        : '-',
    met: qf === undefined ? undefined : qf >= 1,
  });
  const last = memory?.points.at(-1);
  out.push({
    target: `≤ 2 KiB resident per live subscription at ${int(last?.subscriptions ?? 100_000)}`,
    measured: last
      ? `${(last.rssPerSubscription / 1024).toFixed(2)} KiB (heap ${(last.heapPerSubscription / 1024).toFixed(2)} KiB)`
      : '-',
    met: last === undefined ? undefined : last.rssPerSubscription <= 2048,
    note: last && last.subscriptions < 100_000 ? 'fewer than 100,000 held' : undefined,
  });
  return out;
}

/** Printable lines. */
export function formatTargets(checks: readonly TargetCheck[]): string[] {
  const lines = ['Issue 7 targets (this run)'];
  for (const c of checks) {
    const verdict = c.met === undefined ? 'n/a ' : c.met ? 'MET ' : 'MISS';
    lines.push(`  ${verdict}  ${c.target.padEnd(58)} ${c.measured}${c.note ? `  — ${c.note}` : ''}`);
  }
  return lines;
}
