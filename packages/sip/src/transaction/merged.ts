/**
 * Server transactions indexed by a hash of a key string: the §17.2.3 matching key (branch,
 * sent-by, method) and the §8.2.2.2 merged-request key (From tag, Call-ID, CSeq). A
 * transaction waiting for Timer J keeps two small integers instead of two key strings
 * (~64 B each, tens of thousands held under load). A hash hit is confirmed against the
 * transaction's own message (its request while it is active, else the final response it
 * keeps, which carries the same Via, From, Call-ID and CSeq, RFC 3261 §8.2.6.2), so
 * distinct keys that share a hash never match.
 */
import type { ServerTransaction } from './server-transaction.js';

/** A 30-bit FNV-1a hash of a string (a small integer: no heap number per transaction). */
export function hashKey(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/** Fewest slots of a {@link HashIndex} (a power of two). */
const MIN_SLOTS = 64;

/**
 * Transactions by {@link hashKey} of a key, in an open-addressing table: linear probing over a
 * typed array of `hash + 1` (0: empty) beside an array of the transactions, at most half full.
 * Under load hundreds of thousands wait for Timer J, and nearly every lookup is a miss (a new
 * request): it reads a few adjacent integers, where a `Map` walked its bucket's chain through
 * scattered entries, and growing or shrinking no longer rehashes a `Map` of that size.
 * Transactions sharing a hash sit in probe order (the order they were added).
 */
export class HashIndex {
  private hashes = new Int32Array(MIN_SLOTS);
  private txs: Array<ServerTransaction | undefined> = new Array<ServerTransaction | undefined>(MIN_SLOTS).fill(
    undefined,
  );
  private mask = MIN_SLOTS - 1;
  private count = 0;

  /** `matches(tx, key)` confirms a hash hit: whether `tx`'s key is `key` (and, as the index wants, `tx` still counts). */
  constructor(private readonly matches: (tx: ServerTransaction, key: string) => boolean) {}

  /** Number of transactions held. */
  get size(): number {
    return this.count;
  }

  /** The first transaction added whose key is `key` (`hash` being {@link hashKey} of it), if any. */
  find(hash: number, key: string): ServerTransaction | undefined {
    const hashes = this.hashes;
    const mask = this.mask;
    const h = hash + 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const at = hashes[i] as number;
      if (at === 0) return undefined;
      if (at === h) {
        const tx = this.txs[i] as ServerTransaction;
        if (this.matches(tx, key)) return tx;
      }
    }
  }

  /** Every transaction held. */
  values(): ServerTransaction[] {
    const out: ServerTransaction[] = [];
    for (let i = 0; i < this.hashes.length; i++) if (this.hashes[i] !== 0) out.push(this.txs[i] as ServerTransaction);
    return out;
  }

  /** Adds a transaction under its hash. */
  add(hash: number, tx: ServerTransaction): void {
    if ((this.count + 1) * 2 > this.hashes.length) this.resize(this.hashes.length * 2);
    this.place(hash + 1, tx);
    this.count++;
  }

  /** Removes a transaction (when it terminates); a no-op when it is not held under `hash`. */
  delete(hash: number, tx: ServerTransaction): void {
    const hashes = this.hashes;
    const txs = this.txs;
    const mask = this.mask;
    const h = hash + 1;
    let i = hash & mask;
    for (; ; i = (i + 1) & mask) {
      const at = hashes[i] as number;
      if (at === 0) return;
      if (at === h && txs[i] === tx) break;
    }
    // Backward shift (no tombstones): move each later entry of the run whose home is not in (i, j] into the hole.
    for (let j = (i + 1) & mask; hashes[j] !== 0; j = (j + 1) & mask) {
      const home = ((hashes[j] as number) - 1) & mask;
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      hashes[i] = hashes[j] as number;
      txs[i] = txs[j];
      i = j;
    }
    hashes[i] = 0;
    txs[i] = undefined;
    this.count--;
    if (this.count * 8 < hashes.length && hashes.length > MIN_SLOTS) this.resize(hashes.length / 2);
  }

  clear(): void {
    this.hashes = new Int32Array(MIN_SLOTS);
    this.txs = new Array<ServerTransaction | undefined>(MIN_SLOTS).fill(undefined);
    this.mask = MIN_SLOTS - 1;
    this.count = 0;
  }

  /** Inserts at the first free slot of the probe sequence (the caller keeps the load at most one half). */
  private place(h: number, tx: ServerTransaction): void {
    const hashes = this.hashes;
    const mask = this.mask;
    let i = (h - 1) & mask;
    while (hashes[i] !== 0) i = (i + 1) & mask;
    hashes[i] = h;
    this.txs[i] = tx;
  }

  /** Re-inserts every entry into `slots` slots, in slot order (entries of one hash keep their order). */
  private resize(slots: number): void {
    const hashes = this.hashes;
    const txs = this.txs;
    this.hashes = new Int32Array(slots);
    this.txs = new Array<ServerTransaction | undefined>(slots).fill(undefined);
    this.mask = slots - 1;
    // Start at an empty slot, so that a run wrapping around the end is re-inserted in its own order.
    let start = 0;
    while (hashes[start] !== 0) start++;
    for (let n = 0; n < hashes.length; n++) {
      const i = (start + n) % hashes.length;
      const h = hashes[i] as number;
      if (h !== 0) this.place(h, txs[i] as ServerTransaction);
    }
  }
}
