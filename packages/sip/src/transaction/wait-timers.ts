/**
 * The wait timers of finished transactions (RFC 3261 §17: D, I, J, K; RFC 6026:
 * L, M), batched. Each has a fixed duration per layer, so the timers of one
 * duration fall due in the order they were started: a FIFO with one Clock
 * timer for its head replaces a Clock timer, a closure and a cancel closure per
 * transaction (tens of thousands wait on Timer J at 1,000+ requests/s).
 */
import type { CancelTimer, Clock } from '../clock.js';

/**
 * What a waiting timer reports to: the transaction (its timer slots). The queue id and the
 * handle together name one timer, so the queue keeps no timer name per entry.
 */
export interface WaitOwner {
  waitFired(handle: number, queue: number): void;
}

/** Timers of one duration, oldest first, in parallel arrays (no object per timer). */
class Fifo {
  /** Due times, in ms after the owning {@link WaitTimers}' epoch (small integers). */
  due: number[] = [];
  owners: Array<WaitOwner | undefined> = [];
  /** Handle of `due[0]`: handles count up from 0 over the queue's life. */
  base = 0;
  head = 0;
  live = 0;
  cancelClock: CancelTimer | undefined;

  constructor(
    readonly id: number,
    readonly ms: number,
  ) {}
}

/** One FIFO per duration, known by a small id; handles are stable numbers a transaction keeps to cancel. */
export class WaitTimers {
  private readonly byMs = new Map<number, Fifo>();
  private readonly queues: Fifo[] = [];
  private readonly epoch: number;

  constructor(private readonly clock: Clock) {
    this.epoch = clock.now();
  }

  /** The id of the queue of timers of `ms` (a small integer, the same for the layer's life). */
  queue(ms: number): number {
    let q = this.byMs.get(ms);
    if (!q) {
      q = new Fifo(this.queues.length, ms);
      this.byMs.set(ms, q);
      this.queues.push(q);
    }
    return q.id;
  }

  /** Starts a timer in queue `queue` (see {@link WaitTimers.queue}) for `owner`; returns the handle to cancel it with. */
  start(queue: number, owner: WaitOwner): number {
    const q = this.queues[queue];
    if (!q) throw new RangeError(`no wait queue ${queue}`);
    const handle = q.base + q.due.length;
    q.due.push(this.now() + q.ms);
    q.owners.push(owner);
    q.live++;
    if (!q.cancelClock) this.arm(q, q.ms);
    return handle;
  }

  /** Cancels a timer; its slot is skipped when it falls due. */
  cancel(queue: number, handle: number): void {
    const q = this.queues[queue];
    if (!q) return;
    const i = handle - q.base;
    if (i < q.head || i >= q.owners.length || q.owners[i] === undefined) return;
    q.owners[i] = undefined;
    if (--q.live === 0) this.reset(q);
  }

  /** Cancels everything (layer shutdown). */
  clear(): void {
    for (const q of this.queues) this.reset(q);
  }

  private now(): number {
    return this.clock.now() - this.epoch;
  }

  private arm(q: Fifo, delay: number): void {
    q.cancelClock = this.clock.setTimer(delay, () => this.fire(q));
  }

  private fire(q: Fifo): void {
    q.cancelClock = undefined;
    // The head is due: a wall clock stepping back must not hold the rest (systemClock is Date.now()).
    const now = Math.max(this.now(), q.due[q.head] ?? 0);
    while (q.head < q.due.length && (q.due[q.head] as number) <= now) {
      const i = q.head++;
      const owner = q.owners[i];
      if (owner === undefined) continue;
      q.owners[i] = undefined;
      q.live--;
      owner.waitFired(q.base + i, q.id);
    }
    if (q.live === 0) {
      this.reset(q);
      return;
    }
    this.compact(q);
    // A callback may have started a timer of this duration (armed for itself): re-arm for the head.
    this.disarm(q);
    this.arm(q, Math.max(0, (q.due[q.head] as number) - this.now()));
  }

  /** Drops the fired prefix once it is most of the arrays. */
  private compact(q: Fifo): void {
    if (q.head < 1024 || q.head * 2 < q.due.length) return;
    q.due = q.due.slice(q.head);
    q.owners = q.owners.slice(q.head);
    q.base += q.head;
    q.head = 0;
  }

  private disarm(q: Fifo): void {
    q.cancelClock?.();
    q.cancelClock = undefined;
  }

  private reset(q: Fifo): void {
    this.disarm(q);
    q.base += q.due.length;
    q.due = [];
    q.owners = [];
    q.head = 0;
    q.live = 0;
  }
}
