import type { CancelTimer, Clock } from '../clock.js';
import type { TimerName } from './timers.js';

/** What a {@link TimerSet} reports a firing to: the transaction itself, so no closure per transaction. */
export interface TimerOwner {
  timerFired(name: TimerName): void;
}

/**
 * The running timers of one transaction, by name; starting a running timer
 * restarts it. Two slots instead of a Map: no machine of RFC 3261 §17 runs
 * more than two timers at once (A+B, E+F, G+H, then one of D, I, J, K, L, M),
 * and tens of thousands of transactions wait on Timer J at once under load.
 */
export class TimerSet {
  private name0: TimerName | undefined;
  private cancel0: CancelTimer | undefined;
  private name1: TimerName | undefined;
  private cancel1: CancelTimer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly owner: TimerOwner,
  ) {}

  start(name: TimerName, ms: number): void {
    this.stop(name);
    const cancel: CancelTimer = this.clock.setTimer(ms, () => {
      // Free the slot before dispatching, so the handler may restart the same timer.
      if (this.cancel0 === cancel) this.name0 = this.cancel0 = undefined;
      else if (this.cancel1 === cancel) this.name1 = this.cancel1 = undefined;
      this.owner.timerFired(name);
    });
    if (this.cancel0 === undefined) {
      this.name0 = name;
      this.cancel0 = cancel;
    } else if (this.cancel1 === undefined) {
      this.name1 = name;
      this.cancel1 = cancel;
    } else {
      cancel();
      throw new Error(`timer ${name}: a transaction runs at most two timers (${this.name0}, ${this.name1})`);
    }
  }

  stop(name: TimerName): void {
    if (this.name0 === name) {
      this.cancel0?.();
      this.name0 = this.cancel0 = undefined;
    } else if (this.name1 === name) {
      this.cancel1?.();
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
    this.cancel0?.();
    this.cancel1?.();
    this.name0 = this.cancel0 = this.name1 = this.cancel1 = undefined;
  }
}
