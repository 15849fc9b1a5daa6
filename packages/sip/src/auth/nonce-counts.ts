/**
 * Nonce-count replay protection (RFC 7616 §3.4: the server "should" reject a
 * request whose nc it has already seen for that nonce).
 *
 * Phones reuse one nonce for many requests with an incrementing nc, and send
 * them concurrently (thirty BLF SUBSCRIBEs at boot over UDP), so requests may
 * arrive out of order. Each nonce keeps the highest nc seen plus a 32-wide
 * window of the counts just below it (the IPsec anti-replay scheme): any
 * unseen count inside the window is accepted once, anything older or repeated
 * is a replay.
 *
 * The map is bounded. Entries past the nonce lifetime are dropped (their
 * nonces are stale anyway); if the map is still full the oldest entries go,
 * and a watermark remembers their issue time so an evicted nonce can never be
 * replayed: any untracked nonce issued at or before it counts as a replay.
 */
import { isNonceExpired } from './nonce.js';

const WINDOW = 32;

interface Entry {
  readonly issuedAt: number;
  max: number;
  /** Bit k set: count `max - k` was seen. */
  seen: number;
}

/** Options for {@link NonceCountTracker}. */
export interface NonceCountTrackerOptions {
  readonly lifetimeMs: number;
  /** Most nonces tracked at once (default 10 000). */
  readonly maxEntries?: number;
}

/** Remembers, per nonce, which nonce counts were used. */
export class NonceCountTracker {
  private readonly entries = new Map<string, Entry>();
  private readonly lifetimeMs: number;
  private readonly maxEntries: number;
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(options: NonceCountTrackerOptions) {
    this.lifetimeMs = options.lifetimeMs;
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
  }

  /** Nonces currently tracked. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Records `nc` for a nonce if it was not used before; `false` means a
   * replay (or a count older than the window). Call only after the digest
   * response was verified, so forged requests cannot burn counts.
   */
  accept(nonce: string, issuedAt: number, nc: number, now: number): boolean {
    const entry = this.entries.get(nonce);
    if (!entry) {
      if (issuedAt <= this.watermark) return false;
      this.makeRoom(now);
      this.entries.set(nonce, { issuedAt, max: nc, seen: 1 });
      return true;
    }
    if (nc > entry.max) {
      const shift = nc - entry.max;
      entry.seen = shift >= WINDOW ? 1 : ((entry.seen << shift) | 1) >>> 0;
      entry.max = nc;
      return true;
    }
    const back = entry.max - nc;
    if (back >= WINDOW || ((entry.seen >>> back) & 1) === 1) return false;
    entry.seen = (entry.seen | (1 << back)) >>> 0;
    return true;
  }

  private makeRoom(now: number): void {
    if (this.entries.size < this.maxEntries) return;
    for (const [nonce, e] of this.entries) {
      if (isNonceExpired(e.issuedAt, now, this.lifetimeMs)) this.entries.delete(nonce);
    }
    // Still full: evict the oldest tenth at once so the sweep above stays amortised.
    let evict = this.entries.size - this.maxEntries + 1;
    if (evict > 0) evict = Math.max(evict, Math.ceil(this.maxEntries / 10));
    for (const [nonce, e] of this.entries) {
      if (evict-- <= 0) break;
      this.watermark = Math.max(this.watermark, e.issuedAt);
      this.entries.delete(nonce);
    }
  }
}
