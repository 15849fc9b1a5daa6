/**
 * One timer for every subscription's expiry (RFC 6665 §4.2.2: a subscription
 * not refreshed in time ends, reason timeout). A Node timer per subscription
 * cost a `Timeout`, a closure and its context — about 220 bytes each at
 * 100,000 subscriptions (issue 7). Here the due instants sit in a binary heap
 * (parallel arrays, no object per entry) and one {@link Clock} timer is armed
 * for the earliest; it fires each item exactly at its instant, in order of
 * instant and then of scheduling, like separate timers would.
 */
import type { CancelTimer, Clock } from '@herald/sip';

/** What the scheduler can hold: it keeps the item's place in its queue here (-1 when not queued). */
export interface Expiring {
  expirySlot: number;
}

/** Fires `fire(item)` at each scheduled item's instant (clock ms); one clock timer in all. */
export class ExpiryScheduler<T extends Expiring> {
  private readonly due: number[] = [];
  private readonly order: number[] = [];
  private readonly items: T[] = [];
  private seq = 0;
  private cancelTimer: CancelTimer | undefined;
  private timerAt = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (item: T) => void,
  ) {}

  /** Items waiting. */
  get size(): number {
    return this.items.length;
  }

  /** Fires `item` at clock instant `at` (at once, on the timer, when `at` has passed); replaces its previous instant. */
  schedule(item: T, at: number): void {
    if (item.expirySlot >= 0) this.removeAt(item.expirySlot);
    const i = this.items.length;
    this.due.push(at);
    this.order.push(this.seq++);
    this.items.push(item);
    item.expirySlot = i;
    this.up(i);
    this.arm();
  }

  /** Forgets `item` (harmless when not scheduled). */
  cancel(item: T): void {
    if (item.expirySlot < 0) return;
    this.removeAt(item.expirySlot);
    // The timer stays for a later item (it re-arms when it finds nothing due); none left, none needed.
    if (this.items.length === 0) this.disarm();
  }

  /** Forgets every item and stops the timer. */
  clear(): void {
    for (const item of this.items) item.expirySlot = -1;
    this.due.length = 0;
    this.order.length = 0;
    this.items.length = 0;
    this.disarm();
  }

  private arm(): void {
    const next = this.due[0];
    if (next === undefined || next >= this.timerAt) return;
    this.disarm();
    this.timerAt = next;
    this.cancelTimer = this.clock.setTimer(Math.max(0, next - this.clock.now()), () => this.onTimer());
  }

  private disarm(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerAt = Infinity;
  }

  private onTimer(): void {
    this.cancelTimer = undefined;
    this.timerAt = Infinity;
    // `fire` may schedule or cancel: take each due item out first, and look again every time. What
    // `fire` schedules waits for the next timer, as it would on a timer of its own.
    const before = this.seq;
    while (this.items.length > 0 && this.due[0] <= this.clock.now() && this.order[0] < before) {
      const item = this.items[0];
      this.removeAt(0);
      this.fire(item);
    }
    this.arm();
  }

  private removeAt(i: number): void {
    const last = this.items.length - 1;
    this.items[i].expirySlot = -1;
    if (i !== last) {
      this.move(last, i);
      this.pop();
      if (!this.up(i)) this.down(i);
    } else this.pop();
  }

  private pop(): void {
    this.due.pop();
    this.order.pop();
    this.items.pop();
  }

  private before(a: number, b: number): boolean {
    return this.due[a] < this.due[b] || (this.due[a] === this.due[b] && this.order[a] < this.order[b]);
  }

  private move(from: number, to: number): void {
    this.due[to] = this.due[from];
    this.order[to] = this.order[from];
    const item = this.items[from];
    this.items[to] = item;
    item.expirySlot = to;
  }

  private swap(a: number, b: number): void {
    const due = this.due[a];
    const order = this.order[a];
    const item = this.items[a];
    this.move(b, a);
    this.due[b] = due;
    this.order[b] = order;
    this.items[b] = item;
    item.expirySlot = b;
  }

  /** Sifts entry `i` up; true when it moved. */
  private up(i: number): boolean {
    const start = i;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
    return i !== start;
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const child = r < n && this.before(r, l) ? r : l;
      if (!this.before(child, i)) return;
      this.swap(i, child);
      i = child;
    }
  }
}
