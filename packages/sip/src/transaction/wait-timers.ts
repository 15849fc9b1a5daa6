/**
 * The wait timers of finished transactions (RFC 3261 §17: D, I, J, K; RFC 6026:
 * L, M), batched. Each has a fixed duration per layer, so the timers of one
 * duration fall due in the order they were started: a FIFO with one Clock
 * timer for its head replaces a Clock timer, a closure and a cancel closure per
 * transaction (tens of thousands wait on Timer J at 1,000+ requests/s).
 */
import type { CancelTimer, Clock } from '../clock.js';
import type { TimerName } from './timers.js';

/** What a waiting timer reports to: the transaction's timer set. */
export interface WaitOwner {
  waitFired(handle: number, name: TimerName): void;
}

/** Timers of one duration, oldest first, in parallel arrays (no object per timer). */
class Fifo {
  /** Due times, in ms after the owning {@link WaitTimers}' epoch (small integers). */
  due: number[] = [];
  owners: Array<WaitOwner | undefined> = [];
  names: TimerName[] = [];
  /** Handle of `due[0]`: handles count up from 0 over the queue's life. */
  base = 0;
  head = 0;
  live = 0;
  cancelClock: CancelTimer | undefined;
}

/** One FIFO per duration; handles are stable numbers a transaction keeps to cancel. */
export class WaitTimers {
  private readonly queues = new Map<number, Fifo>();
  private readonly epoch: number;

  constructor(private readonly clock: Clock) {
    this.epoch = clock.now();
  }

  /** Starts a timer of `ms` for `owner`; returns the handle to {@link WaitTimers.cancel} it with. */
  start(ms: number, owner: WaitOwner, name: TimerName): number {
    let q = this.queues.get(ms);
    if (!q) {
      q = new Fifo();
      this.queues.set(ms, q);
    }
    const handle = q.base + q.due.length;
    q.due.push(this.now() + ms);
    q.owners.push(owner);
    q.names.push(name);
    q.live++;
    if (!q.cancelClock) this.arm(ms, q, ms);
    return handle;
  }

  /** Cancels a timer; its slot is skipped when it falls due. */
  cancel(ms: number, handle: number): void {
    const q = this.queues.get(ms);
    if (!q) return;
    const i = handle - q.base;
    if (i < q.head || i >= q.owners.length || q.owners[i] === undefined) return;
    q.owners[i] = undefined;
    if (--q.live === 0) this.reset(q);
  }

  /** Cancels everything (layer shutdown). */
  clear(): void {
    for (const q of this.queues.values()) this.reset(q);
  }

  private now(): number {
    return this.clock.now() - this.epoch;
  }

  private arm(ms: number, q: Fifo, delay: number): void {
    q.cancelClock = this.clock.setTimer(delay, () => this.fire(ms, q));
  }

  private fire(ms: number, q: Fifo): void {
    q.cancelClock = undefined;
    // The head is due: a wall clock stepping back must not hold the rest (systemClock is Date.now()).
    const now = Math.max(this.now(), q.due[q.head] ?? 0);
    while (q.head < q.due.length && (q.due[q.head] as number) <= now) {
      const i = q.head++;
      const owner = q.owners[i];
      if (owner === undefined) continue;
      q.owners[i] = undefined;
      q.live--;
      owner.waitFired(q.base + i, q.names[i] as TimerName);
    }
    if (q.live === 0) {
      this.reset(q);
      return;
    }
    this.compact(q);
    // A callback may have started a timer of this duration (armed for itself): re-arm for the head.
    this.disarm(q);
    this.arm(ms, q, Math.max(0, (q.due[q.head] as number) - this.now()));
  }

  /** Drops the fired prefix once it is most of the arrays. */
  private compact(q: Fifo): void {
    if (q.head < 1024 || q.head * 2 < q.due.length) return;
    q.due = q.due.slice(q.head);
    q.owners = q.owners.slice(q.head);
    q.names = q.names.slice(q.head);
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
    q.names = [];
    q.head = 0;
    q.live = 0;
  }
}
