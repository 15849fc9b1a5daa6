/**
 * The notifier's store writes: each subscription's writes go to the
 * {@link SubscriptionStore} in order (a chain per subscription while one is
 * in flight, none when idle); a failed write is logged, the subscription
 * goes on (DESIGN.md: the answer to a SUBSCRIBE waits for its write).
 */
import type { StoredSubscription, SubscriptionStore } from '../store.js';
import { storedRecord } from './compact.js';
import type { Live } from './live.js';
import type { LiveTable } from './live-table.js';
import type { NotifierLogger } from './types.js';

/** Writes subscriptions of one notifier. */
export class SubscriptionWriter {
  constructor(
    private readonly store: SubscriptionStore,
    private readonly table: LiveTable,
    private readonly logger: NotifierLogger | undefined,
  ) {}

  /** Writes the subscription (with its dialog's newest CSeqs) to the store, after its earlier writes. */
  persist(live: Live): Promise<void> {
    if (live.ephemeral) return Promise.resolve();
    if (live.removed) {
      // Its record is gone, but the dialog's CSeq moved: keep a sibling in the same dialog up to date.
      const sibling = this.table.sibling(live);
      return sibling ? this.persist(sibling) : Promise.resolve();
    }
    // Immutable: the memory store keeps this object itself (one record per subscription, not two).
    live.sub = storedRecord(live.sub, live.shared.dialog);
    const snapshot = live.sub;
    const before = live.saving;
    const done = before === undefined ? this.put(snapshot) : before.then(() => this.store.put(snapshot));
    this.chain(live, done);
    return done;
  }

  /** Deletes the subscription's record after its earlier writes; a failure is only logged. */
  delete(live: Live): void {
    const id = live.sub.id;
    const before = live.saving;
    this.chain(live, before === undefined ? this.remove(id) : before.then(() => this.store.delete(id)));
  }

  /** Makes `write` the subscription's newest; once it settles with nothing newer, no chain is kept (most are idle). */
  private chain(live: Live, write: Promise<unknown>): void {
    const tail: Promise<void> = write.then(
      () => {
        if (live.saving === tail) live.saving = undefined;
      },
      (err: unknown) => {
        this.logger?.warn('notifier: store write failed', { id: live.sub.id, error: String(err) });
        if (live.saving === tail) live.saving = undefined;
      },
    );
    live.saving = tail;
  }

  /** `store.put`, a store that throws instead of rejecting turned into a rejection. */
  private put(record: StoredSubscription): Promise<void> {
    try {
      return this.store.put(record);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private remove(id: string): Promise<unknown> {
    try {
      return this.store.delete(id);
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
