import type { CancelTimer, Clock } from '../clock.js';
import type { TimerName } from './timers.js';
import type { WaitOwner, WaitTimers } from './wait-timers.js';

/** What a {@link TimerSet} reports a firing to: the transaction itself, so no closure per transaction. */
export interface TimerOwner {
  timerFired(name: TimerName): void;
}

/** The timers a finished transaction waits on before it ends (RFC 3261 §17: D, I, J, K; RFC 6026: L, M). */
const WAITS: ReadonlySet<TimerName> = new Set<TimerName>(['D', 'I', 'J', 'K', 'L', 'M']);

/**
 * The running timers of one transaction, by name; starting a running timer
 * restarts it. Two slots instead of a Map: no machine of RFC 3261 §17 runs
 * more than two timers at once (A+B, E+F, G+H, then one of D, I, J, K, L, M).
 * A slot holds a Clock cancel function, or the handle of a wait timer batched
 * in the layer's {@link WaitTimers}.
 */
export class TimerSet implements WaitOwner {
  private name0: TimerName | undefined;
  private cancel0: CancelTimer | number | undefined;
  private name1: TimerName | undefined;
  private cancel1: CancelTimer | number | undefined;
  /** Duration of the batched wait timer in a slot (at most one runs). */
  private waitMs: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly owner: TimerOwner,
    private readonly waits?: WaitTimers,
  ) {}

  start(name: TimerName, ms: number): void {
    this.stop(name);
    let handle: CancelTimer | number;
    if (this.waits && this.waitMs === undefined && WAITS.has(name)) {
      handle = this.waits.start(ms, this, name);
      this.waitMs = ms;
    } else {
      const cancel: CancelTimer = this.clock.setTimer(ms, () => {
        // Free the slot before dispatching, so the handler may restart the same timer.
        this.free(cancel);
        this.owner.timerFired(name);
      });
      handle = cancel;
    }
    if (this.cancel0 === undefined) {
      this.name0 = name;
      this.cancel0 = handle;
    } else if (this.cancel1 === undefined) {
      this.name1 = name;
      this.cancel1 = handle;
    } else {
      this.cancelHandle(handle);
      throw new Error(`timer ${name}: a transaction runs at most two timers (${this.name0}, ${this.name1})`);
    }
  }

  stop(name: TimerName): void {
    if (this.name0 === name) {
      this.cancelHandle(this.cancel0);
      this.name0 = this.cancel0 = undefined;
    } else if (this.name1 === name) {
      this.cancelHandle(this.cancel1);
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
    this.cancelHandle(this.cancel0);
    this.cancelHandle(this.cancel1);
    this.name0 = this.cancel0 = this.name1 = this.cancel1 = undefined;
  }

  /** @internal A batched wait timer fell due. */
  waitFired(handle: number, name: TimerName): void {
    if (this.cancel0 !== handle && this.cancel1 !== handle) return;
    this.free(handle);
    this.owner.timerFired(name);
  }

  private free(handle: CancelTimer | number): void {
    if (typeof handle === 'number') this.waitMs = undefined;
    if (this.cancel0 === handle) this.name0 = this.cancel0 = undefined;
    else if (this.cancel1 === handle) this.name1 = this.cancel1 = undefined;
  }

  private cancelHandle(handle: CancelTimer | number | undefined): void {
    if (handle === undefined) return;
    if (typeof handle === 'function') {
      handle();
      return;
    }
    if (this.waitMs !== undefined) this.waits?.cancel(this.waitMs, handle);
    this.waitMs = undefined;
  }
}
