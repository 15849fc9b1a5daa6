/**
 * Group commit for the SQLite stores (issue 7: "SQLite writes batched per
 * tick"): the writes made during one turn of the event loop run in one
 * transaction at its end, instead of one commit each. A commit costs far more
 * than the row it writes (WAL append, locks), so under load this is most of
 * the store's cost.
 *
 * The stores' contract holds: a write's promise resolves only once its
 * transaction is committed (callers answer the request after that, so a
 * process crash still loses nothing that was answered), and reads see every
 * write made before them (a read commits what is queued first). When a
 * batch fails, its writes are retried one transaction each, so only the write
 * that fails rejects.
 */
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from './sqlite.js';

interface Queued {
  readonly run: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/** The queue of writes to one database, committed together once per event-loop turn. */
export class WriteBatch {
  /** Transactions committed so far (a batch counts once), for tests and metrics. */
  commits = 0;
  private queue: Queued[] = [];
  private scheduled = false;
  private readonly all: Database.Transaction<(batch: readonly Queued[]) => unknown[]>;

  constructor(private readonly db: SqliteDatabase) {
    this.all = db.transaction((batch: readonly Queued[]) => batch.map((w) => w.run()));
  }

  /** Queues `run` (synchronous statements) for the next commit; resolves with its result once committed. */
  write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued now (reads call it first, and closing the database). */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    if (!this.db.open) {
      for (const w of batch) w.reject(new Error('database closed'));
      return;
    }
    let results: unknown[];
    try {
      results = this.all.immediate(batch);
      this.commits++;
    } catch {
      // Rolled back whole: find the write that fails by committing each on its own, in order.
      for (const w of batch) this.one(w);
      return;
    }
    for (let i = 0; i < batch.length; i++) batch[i]?.resolve(results[i]);
  }

  private one(w: Queued): void {
    try {
      const result = this.db.transaction(w.run).immediate();
      this.commits++;
      w.resolve(result);
    } catch (err) {
      w.reject(err);
    }
  }
}
