/**
 * Small measuring helpers shared by the benchmarks: timed loops counted in
 * CPU time (steadier than wall time on a machine shared with other jobs),
 * medians, geometric means and number formatting.
 */

/** Operations per second of one timed window: per CPU second (process user+system) and per wall second. */
export interface Throughput {
  readonly perCpuSecond: number;
  readonly perWallSecond: number;
}

/** Runs `fn` repeatedly for about `ms` of wall time and returns its throughput. */
export function timeLoop(fn: () => void, ms: number): Throughput {
  let n = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let now = start;
  // Check the clock every 16 calls: cheap enough for the slow parsers, fine-grained enough for the fast ones.
  while (now - start < ms) {
    for (let i = 0; i < 16; i++) fn();
    n += 16;
    now = performance.now();
  }
  const used = process.cpuUsage(cpu);
  return {
    perCpuSecond: (n * 1e6) / Math.max(1, used.user + used.system),
    perWallSecond: (n * 1000) / (now - start),
  };
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Geometric mean of positive numbers (NaN for an empty list). */
export function geometricMean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}

/** 1234567 → "1,234,567". */
export function int(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-';
}

/** A ratio with two decimals and a ×, or "-". */
export function ratio(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '-' : `${n.toFixed(2)}×`;
}
