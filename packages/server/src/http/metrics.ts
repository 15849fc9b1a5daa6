/**
 * A small Prometheus metrics registry: counters and gauges with labels,
 * rendered in the text exposition format 0.0.4. No dependency: the server
 * needs a dozen series, not a client library.
 */

/** Label values of one series, keyed by label name. */
export type Labels = Readonly<Record<string, string>>;

/** The `Content-Type` of {@link Metrics.render}'s output. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Series {
  readonly labels: Labels;
  value: number;
}

/** What both metric kinds share: name, help, declared label names and the series. */
abstract class Family {
  protected readonly series = new Map<string, Series>();
  /** Bumped by {@link Family.reset}: bound handles look their series up again. */
  private generation = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!NAME.test(name)) throw new Error(`metrics: invalid metric name ${JSON.stringify(name)}`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) {
        throw new Error(`metrics: invalid label name ${JSON.stringify(label)} on ${name}`);
      }
    }
  }

  abstract readonly type: 'counter' | 'gauge';

  /** The current value of one series (0 when it was never touched). */
  get(labels: Labels = {}): number {
    this.checkExtra(labels);
    return this.series.get(this.key(labels))?.value ?? 0;
  }

  /** Forget every series (a gauge recomputed from scratch on collect). */
  reset(): void {
    this.series.clear();
    this.generation++;
  }

  /**
   * A handle on one series for a hot path: adding through it builds no key
   * and looks nothing up (once per {@link Family.reset}). Throws at once on
   * labels that do not match the declaration.
   */
  bind(labels: Labels): { add(delta: number): void } {
    this.checkExtra(labels);
    this.key(labels);
    let series: Series | undefined;
    let generation = -1;
    return {
      add: (delta: number): void => {
        if (generation !== this.generation || series === undefined) {
          series = this.entry(labels);
          generation = this.generation;
        }
        series.value += delta;
      },
    };
  }

  protected add(labels: Labels, delta: number): void {
    this.entry(labels).value += delta;
  }

  protected put(labels: Labels, value: number): void {
    this.entry(labels).value = value;
  }

  /** `# HELP`, `# TYPE` and one line per series; an unlabelled family always shows its value. */
  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    if (this.labelNames.length === 0 && this.series.size === 0) lines.push(`${this.name} 0`);
    for (const s of this.series.values()) lines.push(`${this.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
    return lines.join('\n') + '\n';
  }

  private entry(labels: Labels): Series {
    const key = this.key(labels);
    let s = this.series.get(key);
    if (s === undefined) {
      this.checkExtra(labels);
      const copy: Record<string, string> = {};
      for (const name of this.labelNames) copy[name] = labels[name] as string;
      s = { labels: copy, value: 0 };
      this.series.set(key, s);
    }
    return s;
  }

  /** Series key from the declared labels; throws on a missing one (a programmer error). */
  private key(labels: Labels): string {
    // Hot path (every SIP transaction increments a counter): a loop, no intermediate arrays. Undeclared
    // extra labels are caught where a series is created or read (checkExtra), not on every increment.
    const names = this.labelNames;
    let key = '';
    for (let i = 0; i < names.length; i++) {
      const value = labels[names[i] as string];
      if (typeof value !== 'string') this.badLabels(labels);
      // NUL cannot occur in a label value we keep apart; the key only has to be unique per value tuple.
      key = i === 0 ? value : `${key}\u0000${value}`;
    }
    return key;
  }

  /** Throws when `labels` holds a label that is not declared. */
  private checkExtra(labels: Labels): void {
    let given = 0;
    for (const n in labels) if (Object.prototype.hasOwnProperty.call(labels, n)) given++;
    if (given !== this.labelNames.length) this.badLabels(labels);
  }

  private badLabels(labels: Labels): never {
    throw new Error(
      `metrics: ${this.name} takes labels [${this.labelNames.join(', ')}], got [${Object.keys(labels).join(', ')}]`,
    );
  }
}

/** A monotonically increasing count (Prometheus `counter`; names end in `_total`). */
export class Counter extends Family {
  readonly type = 'counter';

  /** Add `by` (default 1, never negative) to the series named by `labels`. */
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`metrics: counter ${this.name} cannot go down (${by})`);
    this.add(labels, by);
  }
}

/** A value that goes up and down (Prometheus `gauge`). */
export class Gauge extends Family {
  readonly type = 'gauge';

  /** Set the series named by `labels` (or the unlabelled series: `set(3)`). */
  set(labels: Labels | number, value?: number): void {
    if (typeof labels === 'number') this.put({}, labels);
    else this.put(labels, value ?? 0);
  }

  inc(labels: Labels = {}, by = 1): void {
    this.add(labels, by);
  }

  dec(labels: Labels = {}, by = 1): void {
    this.add(labels, -by);
  }
}

/** A registry of counters and gauges; `render()` is the body of `GET /metrics`. */
export class Metrics {
  private readonly families = new Map<string, Counter | Gauge>();
  private readonly collectors: Array<() => void> = [];

  /** Get or create a counter; asking again with the same name returns the same one. */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.family(name, 'counter', () => new Counter(name, help, labelNames)) as Counter;
  }

  /** Get or create a gauge; asking again with the same name returns the same one. */
  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.family(name, 'gauge', () => new Gauge(name, help, labelNames)) as Gauge;
  }

  /** Run `fn` before every render, to refresh gauges that are cheaper to compute on scrape. */
  onCollect(fn: () => void): void {
    this.collectors.push(fn);
  }

  /** The whole registry in the Prometheus text exposition format 0.0.4. */
  render(): string {
    for (const fn of this.collectors) fn();
    let out = '';
    for (const f of this.families.values()) out += f.render();
    return out;
  }

  private family(name: string, type: 'counter' | 'gauge', make: () => Counter | Gauge): Counter | Gauge {
    const existing = this.families.get(name);
    if (existing !== undefined) {
      if (existing.type !== type) throw new Error(`metrics: ${name} is already a ${existing.type}`);
      return existing;
    }
    const created = make();
    this.families.set(name, created);
    return created;
  }
}

/** Exposition format: label values escape backslash, double quote and line feed. */
function formatLabels(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  const parts = names.map((n) => `${n}="${(labels[n] as string).replace(/[\\"\n]/g, escapeChar)}"`);
  return `{${parts.join(',')}}`;
}

/** Exposition format: HELP text escapes backslash and line feed. */
function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, escapeChar);
}

function escapeChar(c: string): string {
  return c === '\n' ? '\\n' : `\\${c}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
