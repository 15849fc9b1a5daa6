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

/** Transactions by {@link hashKey} of a key; a hash shared by several holds a list. */
export class HashIndex {
  private readonly byHash = new Map<number, ServerTransaction | ServerTransaction[]>();

  /** `matches(tx, key)` confirms a hash hit: whether `tx`'s key is `key` (and, as the index wants, `tx` still counts). */
  constructor(private readonly matches: (tx: ServerTransaction, key: string) => boolean) {}

  /** The transaction whose key is `key` (`hash` being {@link hashKey} of it), if any. */
  find(hash: number, key: string): ServerTransaction | undefined {
    const held = this.byHash.get(hash);
    if (held === undefined) return undefined;
    if (!Array.isArray(held)) return this.matches(held, key) ? held : undefined;
    return held.find((tx) => this.matches(tx, key));
  }

  /** Every transaction held. */
  values(): ServerTransaction[] {
    return [...this.byHash.values()].flat();
  }

  /** Adds a transaction under its hash. */
  add(hash: number, tx: ServerTransaction): void {
    const held = this.byHash.get(hash);
    if (held === undefined) this.byHash.set(hash, tx);
    else if (Array.isArray(held)) held.push(tx);
    else this.byHash.set(hash, [held, tx]);
  }

  /** Removes a transaction (when it terminates). */
  delete(hash: number, tx: ServerTransaction): void {
    const held = this.byHash.get(hash);
    if (held === tx) this.byHash.delete(hash);
    else if (Array.isArray(held)) {
      const rest = held.filter((t) => t !== tx);
      if (rest.length === held.length) return;
      if (rest.length > 1) this.byHash.set(hash, rest);
      else if (rest.length === 1) this.byHash.set(hash, rest[0] as ServerTransaction);
      else this.byHash.delete(hash);
    }
  }

  clear(): void {
    this.byHash.clear();
  }
}
