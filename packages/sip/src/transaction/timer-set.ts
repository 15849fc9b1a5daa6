import type { CancelTimer, Clock } from '../clock.js';
import type { TimerName } from './timers.js';

/** The running timers of one transaction, by name; starting a running timer restarts it. */
export class TimerSet {
  private readonly running = new Map<TimerName, CancelTimer>();

  constructor(
    private readonly clock: Clock,
    private readonly fire: (name: TimerName) => void,
  ) {}

  start(name: TimerName, ms: number): void {
    this.stop(name);
    const cancel = this.clock.setTimer(ms, () => {
      // Drop the entry before dispatching, so the handler may restart the same timer.
      if (this.running.get(name) === cancel) this.running.delete(name);
      this.fire(name);
    });
    this.running.set(name, cancel);
  }

  stop(name: TimerName): void {
    const cancel = this.running.get(name);
    if (cancel) {
      cancel();
      this.running.delete(name);
    }
  }

  /** Names of the running timers (for inspection and tests). */
  names(): TimerName[] {
    return [...this.running.keys()];
  }

  clear(): void {
    for (const cancel of this.running.values()) cancel();
    this.running.clear();
  }
}
