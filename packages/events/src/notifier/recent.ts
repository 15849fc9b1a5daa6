/**
 * A bounded cache that keeps what was used recently and lets the rest go,
 * for per-dialog data worth keeping only while a dialog is busy (issue 7: a
 * server holds 100,000 mostly idle subscriptions, and a cache entry per
 * dialog kept for its whole life was a quarter of each one's memory).
 * Two generations instead of a linked LRU list: a hit costs one or two Map
 * lookups and no reordering; an entry survives as long as it is used at
 * least once per `generation` insertions.
 */

/** Map-like cache holding at most 2 × `generation` entries, the recently used ones. */
export class RecentMap<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(private readonly generation: number) {
    if (!(generation >= 1)) throw new RangeError('generation must be at least 1');
  }

  /** Entries held (at most twice the generation). */
  get size(): number {
    return this.young.size + this.old.size;
  }

  /** The value, if it was used recently enough; a hit in the older generation moves it to the younger. */
  get(key: K): V | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) {
      this.old.delete(key);
      this.set(key, aged);
    }
    return aged;
  }

  /** Stores the value; when the younger generation is full it becomes the older one and the oldest go. */
  set(key: K, value: V): void {
    if (!this.young.has(key) && this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.old.delete(key);
    this.young.set(key, value);
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}
