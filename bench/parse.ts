/**
 * Parse and serialize throughput of @herald/sip against npm `sip` and SIP.js's
 * core parser on the same messages (issue 7), in one process: a warm-up round,
 * then interleaved rounds (every message × measure × library in turn, so load
 * from other jobs hits all libraries alike), median per cell, counted per CPU
 * second. Measures: parse alone, parse + read (see parsers.ts), serialize a
 * parsed message.
 *
 *   npx tsx --conditions=@herald/source bench/parse.ts [--quick]
 */
import { pathToFileURL } from 'node:url';
import { MESSAGES, type BenchMessage } from './messages.js';
import { PARSERS, type ParserUnderTest, type ReadFields } from './parsers.js';
import { geometricMean, int, median, ratio, timeLoop } from './measure.js';

/** The three measures per library and message. */
export const MEASURES = ['parse', 'parse+read', 'serialize'] as const;
/** One of {@link MEASURES}. */
export type Measure = (typeof MEASURES)[number];

/** Options of {@link runParseBench}. */
export interface ParseBenchOptions {
  /** Measured rounds after the warm-up round (median over them). */
  readonly rounds: number;
  /** Milliseconds per timed window. */
  readonly windowMs: number;
}

/** Median throughput of one (message, measure, library) cell, messages per CPU second and per wall second. */
export interface ParseCell {
  readonly message: string;
  readonly bytes: number;
  readonly measure: Measure;
  readonly library: string;
  readonly perCpuSecond: number;
  readonly perWallSecond: number;
}

/** Result of {@link runParseBench}: every cell, Herald/other ratios per message and their geometric means. */
export interface ParseBenchResult {
  readonly options: ParseBenchOptions;
  readonly cells: ParseCell[];
  /** ratios[measure][library][message] = herald / library (per CPU second). */
  readonly ratios: Record<string, Record<string, Record<string, number>>>;
  /** geomean[measure][library] over the messages. */
  readonly geomean: Record<string, Record<string, number>>;
  /** Disagreements between the libraries' read fields (should be empty: same facts out of every parser). */
  readonly disagreements: string[];
}

let sink = 0;

function consume(f: ReadFields): void {
  sink += (f.branch?.length ?? 0) + (f.seq ?? 0) + (f.contactPort ?? 0) + (f.callId?.length ?? 0);
}

function operation(p: ParserUnderTest, m: BenchMessage, measure: Measure): (() => void) | undefined {
  const input = p.prepare(m.text);
  switch (measure) {
    case 'parse':
      return () => {
        if (p.parse(input) === undefined) sink++;
      };
    case 'parse+read':
      return () => consume(p.read(p.parse(input)));
    case 'serialize': {
      const serialize = p.serialize;
      if (serialize === undefined) return undefined;
      const parsed = p.parse(input);
      return () => {
        sink += serialize(parsed);
      };
    }
  }
}

/** Checks that every library reads the same facts from every message (a fair "read"). */
export function checkAgreement(parsers: readonly ParserUnderTest[] = PARSERS): string[] {
  const out: string[] = [];
  for (const m of MESSAGES) {
    const reads = parsers.map((p) => [p.name, JSON.stringify(p.read(p.parse(p.prepare(m.text))))] as const);
    for (const [name, json] of reads.slice(1)) {
      if (json !== reads[0][1]) out.push(`${m.name}: ${name} read ${json}, ${reads[0][0]} read ${reads[0][1]}`);
    }
  }
  return out;
}

/** Runs the comparison; prints nothing. */
export function runParseBench(options: ParseBenchOptions): ParseBenchResult {
  const samples = new Map<string, { cpu: number[]; wall: number[] }>();
  const key = (m: string, measure: string, lib: string): string => `${m}\u0000${measure}\u0000${lib}`;
  const ops = MESSAGES.flatMap((m) =>
    MEASURES.flatMap((measure) => PARSERS.map((p) => ({ m, measure, lib: p.name, fn: operation(p, m, measure) }))),
  );
  for (let round = 0; round <= options.rounds; round++) {
    for (const op of ops) {
      if (op.fn === undefined) continue;
      // Round 0 warms up (JIT, inline caches) and is discarded.
      const t = timeLoop(op.fn, round === 0 ? Math.max(20, options.windowMs / 2) : options.windowMs);
      if (round === 0) continue;
      const k = key(op.m.name, op.measure, op.lib);
      const s = samples.get(k) ?? { cpu: [], wall: [] };
      s.cpu.push(t.perCpuSecond);
      s.wall.push(t.perWallSecond);
      samples.set(k, s);
    }
  }
  const cells: ParseCell[] = [];
  for (const op of ops) {
    const s = samples.get(key(op.m.name, op.measure, op.lib));
    if (!s) continue;
    cells.push({
      message: op.m.name,
      bytes: Buffer.byteLength(op.m.text),
      measure: op.measure,
      library: op.lib,
      perCpuSecond: median(s.cpu),
      perWallSecond: median(s.wall),
    });
  }
  const ratios: ParseBenchResult['ratios'] = {};
  const geomean: ParseBenchResult['geomean'] = {};
  const [base, ...others] = PARSERS;
  for (const measure of MEASURES) {
    ratios[measure] = {};
    geomean[measure] = {};
    for (const other of others) {
      const per: Record<string, number> = {};
      for (const m of MESSAGES) {
        const find = (lib: string): ParseCell | undefined =>
          cells.find((c) => c.message === m.name && c.measure === measure && c.library === lib);
        const h = find(base.name);
        const o = find(other.name);
        if (h && o) per[m.name] = h.perCpuSecond / o.perCpuSecond;
      }
      if (Object.keys(per).length === 0) continue;
      ratios[measure][other.name] = per;
      geomean[measure][other.name] = geometricMean(Object.values(per));
    }
  }
  if (sink === 0.5) console.log('');
  return { options, cells, ratios, geomean, disagreements: checkAgreement() };
}

/** The result as printable lines: one table per measure, geometric means last. */
export function formatParseBench(r: ParseBenchResult): string[] {
  const libs = PARSERS.map((p) => p.name);
  const others = libs.slice(1);
  const lines: string[] = [
    `Parser throughput, messages per CPU second (median of ${r.options.rounds} interleaved rounds of ${r.options.windowMs} ms after a warm-up round)`,
  ];
  for (const measure of MEASURES) {
    lines.push('', `  ${measure}`);
    lines.push(
      '  ' +
        'message'.padEnd(15) +
        'bytes'.padStart(6) +
        libs.map((l) => l.padStart(12)).join('') +
        others.map((o) => `herald/${o}`.padStart(15)).join(''),
    );
    for (const m of MESSAGES) {
      const cell = (lib: string): ParseCell | undefined =>
        r.cells.find((c) => c.message === m.name && c.measure === measure && c.library === lib);
      lines.push(
        '  ' +
          m.name.padEnd(15) +
          String(Buffer.byteLength(m.text)).padStart(6) +
          libs.map((l) => (cell(l) ? int(cell(l)?.perCpuSecond ?? 0) : 'n/a').padStart(12)).join('') +
          others.map((o) => ratio(r.ratios[measure]?.[o]?.[m.name]).padStart(15)).join(''),
      );
    }
    lines.push(
      '  ' +
        'geometric mean'.padEnd(21 + 12 * libs.length) +
        others.map((o) => ratio(r.geomean[measure]?.[o]).padStart(15)).join(''),
    );
  }
  lines.push(
    '',
    '  (sip.js serialize: n/a, SIP.js has no serializer of parsed messages; herald and sip parse the datagram Buffer, sip.js a string; herald serializes to a Buffer, sip to a string)',
  );
  for (const d of r.disagreements) lines.push(`  WARNING read mismatch: ${d}`);
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const result = runParseBench(quick ? { rounds: 3, windowMs: 40 } : { rounds: 7, windowMs: 100 });
  console.log(formatParseBench(result).join('\n'));
}
