/**
 * The index of ongoing server transactions for merged-request detection (RFC 3261 §8.2.2.2):
 * by a hash of the From tag, Call-ID and CSeq, so a transaction waiting for Timer J keeps a
 * small integer instead of that key string (~64 B each, tens of thousands held under load).
 * A hash hit is confirmed against the transaction's own message (its request while it is
 * active, else the final response it keeps, which carries the same From, Call-ID and CSeq,
 * §8.2.6.2), so distinct keys that share a hash never match.
 */
import type { ServerTransaction } from './server-transaction.js';

/** A 30-bit FNV-1a hash of a string (a small integer: no heap number per transaction). */
export function hashKey(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/** Ongoing transactions by {@link hashKey} of their merged-request key; a hash shared by several holds a list. */
export class MergedRequests {
  private readonly byHash = new Map<number, ServerTransaction | ServerTransaction[]>();

  /** The ongoing (not terminated) transaction whose merged-request key is `key`, if any. */
  find(hash: number, key: string): ServerTransaction | undefined {
    const held = this.byHash.get(hash);
    if (held === undefined) return undefined;
    if (!Array.isArray(held)) return matches(held, key) ? held : undefined;
    return held.find((tx) => matches(tx, key));
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

function matches(tx: ServerTransaction, key: string): boolean {
  return tx.state !== 'terminated' && tx.mergeKey === key;
}
