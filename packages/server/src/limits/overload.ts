/**
 * Load shedding (issue 7): when the event loop has been saturated for a
 * while, new work is refused with `503 Service Unavailable` and a
 * `Retry-After` (RFC 3261 §21.5.4, §20.33) while work already accepted —
 * in-dialog requests (refreshes, un-SUBSCRIBEs), PUBLISH refreshes, our own
 * NOTIFYs and their answers — goes on. An overloaded UDP server that keeps
 * accepting falls into a spiral: the kernel drops datagrams, both sides
 * retransmit, and subscriptions whose first NOTIFY never got through keep
 * retransmitting long after the burst. Refusing early keeps it serving
 * what it can (Asterisk's PJSIP does the same on task-processor overload).
 */
import { performance } from 'node:perf_hooks';
import type { Clock, IncomingRequest } from '@herald/sip';
import type { Logger } from '../logger.js';

/** Reason phrase of the 503. */
export const OVERLOAD_REASON = 'Service Unavailable (Overloaded)';

/** Busy fraction (0–1) of the event loop since the previous call. */
export type LoadSampler = () => number;

/**
 * The process's own load: Node's event-loop utilisation (time running
 * callbacks rather than waiting for I/O), capped by the CPU time the process
 * really got. A process starved by others looks busy to the event loop (a
 * callback descheduled mid-way counts as running) without doing more work;
 * refusing requests would not help it, so that is not overload.
 */
export function eventLoopSampler(): LoadSampler {
  let last = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  let at = performance.now();
  return () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    const used = process.cpuUsage(cpu);
    const t = performance.now();
    const share = (used.user + used.system) / 1000 / Math.max(t - at, 1);
    last = now;
    cpu = process.cpuUsage();
    at = t;
    return Math.min(utilization, share);
  };
}

/** Options of {@link OverloadGuard}. */
export interface OverloadOptions {
  readonly clock: Clock;
  /** Load (percent, 1–100) two windows in a row must reach to start shedding. */
  readonly percent: number;
  readonly logger: Pick<Logger, 'warn' | 'info'>;
  /** Default: {@link eventLoopSampler}. */
  readonly sample?: LoadSampler;
  /** Sampling window, ms (default 250). */
  readonly intervalMs?: number;
}

/** Shedding stops once one window falls this many points under the threshold. */
const HYSTERESIS = 10;

/** Watches the event loop's load and refuses new out-of-dialog requests while it is saturated. */
export class OverloadGuard {
  /** True while new requests are refused. */
  overloaded = false;
  /** Requests refused so far. */
  shed = 0;
  private hot = 0;
  private shedThisEpisode = 0;
  private cancel: (() => void) | undefined;
  private readonly sample: LoadSampler;
  private readonly intervalMs: number;

  constructor(private readonly options: OverloadOptions) {
    this.sample = options.sample ?? eventLoopSampler();
    this.intervalMs = options.intervalMs ?? 250;
  }

  /** Starts sampling on the clock. */
  start(): void {
    if (this.cancel) return;
    this.sample(); // the first window starts now
    const tick = (): void => {
      this.observe(this.sample());
      this.cancel = this.options.clock.setTimer(this.intervalMs, tick);
    };
    this.cancel = this.options.clock.setTimer(this.intervalMs, tick);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  /** Feeds one window's load (0–1): two windows at or over the threshold start shedding, one well under it stops. */
  observe(load: number): void {
    const percent = load * 100;
    if (!this.overloaded) {
      this.hot = percent >= this.options.percent ? this.hot + 1 : 0;
      if (this.hot < 2) return;
      this.overloaded = true;
      this.shedThisEpisode = 0;
      this.options.logger.warn('overload: refusing new requests with 503', { load: Math.round(percent) });
    } else if (percent < this.options.percent - HYSTERESIS) {
      this.overloaded = false;
      this.hot = 0;
      this.options.logger.info('overload over: accepting new requests', { refused: this.shedThisEpisode });
    }
  }

  /**
   * True when `incoming` was refused (answered 503 + Retry-After): while
   * overloaded, requests outside a dialog except PUBLISH refreshes
   * (SIP-If-Match, RFC 3903 §4.4) — an expiring publication would be state
   * lost, not work deferred. CANCEL and ACK never reach handlers here.
   */
  refuse(incoming: IncomingRequest): boolean {
    if (!this.overloaded) return false;
    const request = incoming.request;
    if (request.to?.params.has('tag') === true) return false;
    if (request.method === 'PUBLISH' && request.headers.has('SIP-If-Match')) return false;
    this.shed++;
    this.shedThisEpisode++;
    // Spread the retries over 1–4 s so refused phones do not come back in one wave.
    incoming.respond(503, OVERLOAD_REASON, { headers: [['Retry-After', String(1 + (this.shed % 4))]] });
    return true;
  }
}
