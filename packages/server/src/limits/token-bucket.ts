/**
 * Token buckets keyed by source address (issue 6: requests per second per
 * source). A pure structure on the injected Clock: no timers; buckets refill
 * lazily when read, and every `take` also looks at a couple of other buckets
 * and drops those full again (a fresh bucket is the same), so the map holds
 * only sources seen within about one refill time, without a stop-the-world
 * sweep (a full pass over 100 000 sources took ~100 ms here).
 */
import type { Clock } from '@herald/sip';

/** Options of {@link TokenBuckets}. */
export interface TokenBucketOptions {
  readonly clock: Pick<Clock, 'now'>;
  /** Sustained tokens per second per source (> 0). */
  readonly rate: number;
  /** Bucket size: requests a source may send at once before the rate applies (>= 1). */
  readonly burst: number;
  /** Buckets examined for sweeping per `take` (> 1 so sweeping outpaces new sources). Default 2. */
  readonly sweepPerTake?: number;
  /**
   * Most sources tracked at once (e.g. spoofed UDP sources); past it new
   * sources share one overflow bucket until sweeping makes room. Default 100 000.
   */
  readonly maxSources?: number;
}

/** Outcome of {@link TokenBuckets.take}. */
export type TakeResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Whole seconds until a token is available (>= 1): the `Retry-After` value (RFC 3261 §20.33). */
      readonly retryAfter: number;
      /** True for the first refusal since this source was last allowed (log once per episode, not per request). */
      readonly first: boolean;
    };

interface Bucket {
  tokens: number;
  /** When `tokens` was computed, ms. */
  at: number;
  refusing: boolean;
}

const ALLOWED: TakeResult = { ok: true };

/** Key of the bucket shared by sources that arrive while the table is full. */
export const OVERFLOW_SOURCE = '*overflow*';

/** Per-source token buckets: `take(source)` spends one token or says how long to wait. */
export class TokenBuckets {
  private readonly clock: Pick<Clock, 'now'>;
  private readonly perMs: number;
  private readonly burst: number;
  private readonly sweepPerTake: number;
  private readonly maxSources: number;
  private readonly buckets = new Map<string, Bucket>();
  /** Where incremental sweeping goes on (Map iterators survive deletions and see later insertions). */
  private cursor: Iterator<[string, Bucket]> | undefined;

  constructor(options: TokenBucketOptions) {
    if (!(options.rate > 0)) throw new RangeError('TokenBuckets: rate must be > 0');
    if (!(options.burst >= 1)) throw new RangeError('TokenBuckets: burst must be >= 1');
    this.clock = options.clock;
    this.perMs = options.rate / 1000;
    this.burst = options.burst;
    this.sweepPerTake = options.sweepPerTake ?? 2;
    this.maxSources = options.maxSources ?? 100_000;
  }

  /** Sources currently tracked (full buckets are dropped by sweeps). */
  get size(): number {
    return this.buckets.size;
  }

  /** Spends one token of `source`'s bucket, or refuses with the wait until one is there. */
  take(source: string): TakeResult {
    const now = this.clock.now();
    this.sweepSome(now, this.sweepPerTake);
    const bucket = this.bucketOf(source, now);
    // A wall clock stepping back must not take tokens away.
    const tokens = Math.min(this.burst, bucket.tokens + Math.max(0, now - bucket.at) * this.perMs);
    bucket.at = now;
    if (tokens >= 1) {
      bucket.tokens = tokens - 1;
      bucket.refusing = false;
      return ALLOWED;
    }
    bucket.tokens = tokens;
    const first = !bucket.refusing;
    bucket.refusing = true;
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)), first };
  }

  /** Drops every bucket that has refilled completely (a new one starts full: same answer). O(sources). */
  sweep(now: number = this.clock.now()): void {
    for (const [source, bucket] of this.buckets) if (this.full(bucket, now)) this.buckets.delete(source);
  }

  private full(bucket: Bucket, now: number): boolean {
    return bucket.tokens + (now - bucket.at) * this.perMs >= this.burst;
  }

  /** Examines up to `count` buckets where the last call stopped, dropping full ones. */
  private sweepSome(now: number, count: number): void {
    for (let i = 0; i < count; i++) {
      this.cursor ??= this.buckets.entries();
      const next = this.cursor.next();
      if (next.done === true) {
        this.cursor = undefined;
        return;
      }
      const [source, bucket] = next.value;
      if (this.full(bucket, now)) this.buckets.delete(source);
    }
  }

  private bucketOf(source: string, now: number): Bucket {
    const known = this.buckets.get(source);
    if (known) return known;
    if (this.buckets.size >= this.maxSources) {
      const overflow = this.buckets.get(OVERFLOW_SOURCE);
      if (overflow) return overflow;
      source = OVERFLOW_SOURCE;
    }
    const fresh: Bucket = { tokens: this.burst, at: now, refusing: false };
    this.buckets.set(source, fresh);
    return fresh;
  }
}
