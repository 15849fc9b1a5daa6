import type { CancelTimer, Clock } from '../clock.js';
import type { TimerName } from './timers.js';
import type { WaitOwner, WaitTimers } from './wait-timers.js';

/** What the timers of every transaction of a layer share (one object per layer, not per transaction). */
export interface TimerRuntime {
  readonly clock: Clock;
  /** The layer's batched timers; without it every timer is a Clock timer. */
  readonly waits?: WaitTimers;
}

/** Every timer name, so a slot keeps a small number instead of the name. */
const NAMES: readonly TimerName[] = ['A', 'B', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'Trying'];
const INDEX = new Map<TimerName, number>(NAMES.map((n, i) => [n, i]));
/** A slot's code is `queue * 16 + name index` (queue 0 for a Clock timer). */
const NAME_BITS = 16;

/**
 * The running timers of one transaction, by name, as a base class the
 * transactions extend (no timer object per transaction); starting a running
 * timer restarts it. Two slots: no machine of RFC 3261 §17 runs more than two
 * timers at once (A+B, E+F, G+H, then one of D, I, J, K, L, M). Every timer of
 * a machine has one of a few fixed durations per layer (T1 doublings capped at
 * T2, 64·T1, T4, 200 ms), so each goes to the layer's {@link WaitTimers} batch
 * when there is one: no Clock timer, closure and cancel closure per transaction
 * and timer. A slot holds its code (queue and name) and the batch handle, or a
 * Clock cancel function.
 */
export abstract class TimerSet implements WaitOwner {
  private timer0 = 0;
  private handle0: CancelTimer | number | undefined = undefined;
  private timer1 = 0;
  private handle1: CancelTimer | number | undefined = undefined;

  /** The layer's clock and batch. */
  protected abstract readonly timerRuntime: TimerRuntime;

  /** @internal A timer of this transaction fired. */
  abstract timerFired(name: TimerName): void;

  /** Starts (or restarts) timer `name` of `ms`. */
  protected startTimer(name: TimerName, ms: number): void {
    this.stopTimer(name);
    const index = INDEX.get(name) as number;
    const { waits, clock } = this.timerRuntime;
    let handle: CancelTimer | number;
    let code = index;
    if (waits) {
      const queue = waits.queue(ms);
      handle = waits.start(queue, this);
      code += queue * NAME_BITS;
    } else {
      handle = clock.setTimer(ms, () => {
        // Free the slot before dispatching, so the handler may restart the same timer.
        this.freeTimer(index);
        this.timerFired(name);
      });
    }
    if (this.handle0 === undefined) {
      this.timer0 = code;
      this.handle0 = handle;
    } else if (this.handle1 === undefined) {
      this.timer1 = code;
      this.handle1 = handle;
    } else {
      this.cancelHandle(handle, code);
      const running = this.timerNames().join(', ');
      throw new Error(`timer ${name}: a transaction runs at most two timers (${running})`);
    }
  }

  /** Stops timer `name` if it runs. */
  protected stopTimer(name: TimerName): void {
    const index = INDEX.get(name) as number;
    if (this.handle0 !== undefined && this.timer0 % NAME_BITS === index) {
      this.cancelHandle(this.handle0, this.timer0);
      this.handle0 = undefined;
    } else if (this.handle1 !== undefined && this.timer1 % NAME_BITS === index) {
      this.cancelHandle(this.handle1, this.timer1);
      this.handle1 = undefined;
    }
  }

  /** Names of the running timers, oldest slot first (for inspection and tests). */
  protected timerNames(): TimerName[] {
    const out: TimerName[] = [];
    if (this.handle0 !== undefined) out.push(NAMES[this.timer0 % NAME_BITS] as TimerName);
    if (this.handle1 !== undefined) out.push(NAMES[this.timer1 % NAME_BITS] as TimerName);
    return out;
  }

  /** Stops every timer. */
  protected clearTimers(): void {
    this.cancelHandle(this.handle0, this.timer0);
    this.cancelHandle(this.handle1, this.timer1);
    this.handle0 = this.handle1 = undefined;
  }

  /** @internal A batched timer fell due (handles are per queue, so the queue tells the slots apart). */
  waitFired(handle: number, queue: number): void {
    let code: number;
    if (this.handle0 === handle && Math.floor(this.timer0 / NAME_BITS) === queue) {
      code = this.timer0;
      this.handle0 = undefined;
    } else if (this.handle1 === handle && Math.floor(this.timer1 / NAME_BITS) === queue) {
      code = this.timer1;
      this.handle1 = undefined;
    } else return;
    this.timerFired(NAMES[code % NAME_BITS] as TimerName);
  }

  private freeTimer(index: number): void {
    if (this.handle0 !== undefined && this.timer0 % NAME_BITS === index) this.handle0 = undefined;
    else if (this.handle1 !== undefined && this.timer1 % NAME_BITS === index) this.handle1 = undefined;
  }

  private cancelHandle(handle: CancelTimer | number | undefined, code: number): void {
    if (handle === undefined) return;
    if (typeof handle === 'function') handle();
    else this.timerRuntime.waits?.cancel(Math.floor(code / NAME_BITS), handle);
  }
}
