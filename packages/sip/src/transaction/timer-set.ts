import type { CancelTimer, Clock } from '../clock.js';
import type { TimerName } from './timers.js';
import type { WaitOwner, WaitTimers } from './wait-timers.js';

/** What a {@link TimerSet} reports a firing to: the transaction itself, so no closure per transaction. */
export interface TimerOwner {
  timerFired(name: TimerName): void;
}

/**
 * The running timers of one transaction, by name; starting a running timer
 * restarts it. Two slots instead of a Map: no machine of RFC 3261 §17 runs
 * more than two timers at once (A+B, E+F, G+H, then one of D, I, J, K, L, M).
 * Every timer of a machine has one of a few fixed durations per layer (T1
 * doublings capped at T2, 64·T1, T4, 200 ms), so each goes to the layer's
 * {@link WaitTimers} batch when there is one: no Clock timer, closure and
 * cancel closure per transaction and timer (a NOTIFY's E and F included).
 * A slot holds the batch handle (with its duration), or a Clock cancel function.
 */
export class TimerSet implements WaitOwner {
  private name0: TimerName | undefined;
  private cancel0: CancelTimer | number | undefined;
  private ms0 = 0;
  private name1: TimerName | undefined;
  private cancel1: CancelTimer | number | undefined;
  private ms1 = 0;

  constructor(
    private readonly clock: Clock,
    private readonly owner: TimerOwner,
    private readonly waits?: WaitTimers,
  ) {}

  start(name: TimerName, ms: number): void {
    this.stop(name);
    let handle: CancelTimer | number;
    if (this.waits) {
      handle = this.waits.start(ms, this, name);
    } else {
      const cancel: CancelTimer = this.clock.setTimer(ms, () => {
        // Free the slot before dispatching, so the handler may restart the same timer.
        this.free(name);
        this.owner.timerFired(name);
      });
      handle = cancel;
    }
    if (this.cancel0 === undefined) {
      this.name0 = name;
      this.cancel0 = handle;
      this.ms0 = ms;
    } else if (this.cancel1 === undefined) {
      this.name1 = name;
      this.cancel1 = handle;
      this.ms1 = ms;
    } else {
      this.cancelHandle(handle, ms);
      throw new Error(`timer ${name}: a transaction runs at most two timers (${this.name0}, ${this.name1})`);
    }
  }

  stop(name: TimerName): void {
    if (this.name0 === name) {
      this.cancelHandle(this.cancel0, this.ms0);
      this.name0 = this.cancel0 = undefined;
    } else if (this.name1 === name) {
      this.cancelHandle(this.cancel1, this.ms1);
      this.name1 = this.cancel1 = undefined;
    }
  }

  /** Names of the running timers, oldest slot first (for inspection and tests). */
  names(): TimerName[] {
    const out: TimerName[] = [];
    if (this.name0 !== undefined) out.push(this.name0);
    if (this.name1 !== undefined) out.push(this.name1);
    return out;
  }

  clear(): void {
    this.cancelHandle(this.cancel0, this.ms0);
    this.cancelHandle(this.cancel1, this.ms1);
    this.name0 = this.cancel0 = this.name1 = this.cancel1 = undefined;
  }

  /** @internal A batched timer fell due (handles are per duration, so the name tells the slots apart). */
  waitFired(handle: number, name: TimerName): void {
    if (this.cancel0 === handle && this.name0 === name) this.name0 = this.cancel0 = undefined;
    else if (this.cancel1 === handle && this.name1 === name) this.name1 = this.cancel1 = undefined;
    else return;
    this.owner.timerFired(name);
  }

  private free(name: TimerName): void {
    if (this.name0 === name) this.name0 = this.cancel0 = undefined;
    else if (this.name1 === name) this.name1 = this.cancel1 = undefined;
  }

  private cancelHandle(handle: CancelTimer | number | undefined, ms: number): void {
    if (handle === undefined) return;
    if (typeof handle === 'function') handle();
    else this.waits?.cancel(ms, handle);
  }
}
