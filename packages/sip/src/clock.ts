/** Cancels a timer set with {@link Clock.setTimer}; calling it twice is harmless. */
export type CancelTimer = () => void;

/**
 * The source of time for every protocol timer (DESIGN.md). Protocol code never
 * calls the global `setTimeout`: production injects {@link systemClock}, tests a
 * {@link ManualClock} they step by hand.
 */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; only differences matter. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): CancelTimer;
}

/**
 * The real clock, on `setTimeout`; timers do not keep the process alive.
 * `now()` is wall-clock time (Unix ms) so values that outlive the process —
 * nonce timestamps, stored expiry instants — still mean something after a restart.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return () => clearTimeout(handle);
  },
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock for tests: time stands still until {@link ManualClock.advance} moves
 * it, firing due timers in order of due time (then of creation).
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    const timer: ManualTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Number of timers still waiting to fire. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: ManualTimer | undefined;
      for (const t of this.timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      this.time = next.at;
      next.cancelled = true;
      next.fn();
    }
    this.time = target;
  }

  /** Fires timers until none is left (or `limitMs` of time has passed). */
  runAll(limitMs = 24 * 3600 * 1000): void {
    this.advance(limitMs);
  }
}
