/**
 * Load shedding (issue 7): when the server falls behind — its UDP receive
 * queues fill up, or (optional) its event loop stays saturated — part of the
 * new work is refused with `503 Service Unavailable` and a
 * `Retry-After` (RFC 3261 §21.5.4, §20.33) while work already accepted —
 * in-dialog requests (refreshes, un-SUBSCRIBEs), PUBLISH refreshes, our own
 * NOTIFYs and their answers — goes on. An overloaded UDP server that keeps
 * accepting falls into a spiral: the kernel drops datagrams, both sides
 * retransmit, and subscriptions whose first NOTIFY never got through keep
 * retransmitting long after the burst. Refusing early keeps it serving
 * what it can (Asterisk's PJSIP does the same on task-processor overload).
 *
 * Refusing everything is not the answer either: a client that ignores
 * Retry-After and sends faster than even 503s can be written keeps the queue
 * full, and then nothing new is ever served. So the share of new requests
 * admitted adapts (AIMD, as RED does for packets): halved while the queue
 * stays full, raised by steps while it drains, never under 1/16.
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

/** A fill fraction (0–1) of the receive queues, or undefined when it cannot be read (not Linux). */
export type QueueSampler = () => Promise<number | undefined>;

/** Options of {@link OverloadGuard}. */
export interface OverloadOptions {
  readonly clock: Clock;
  /** Event-loop load (percent, 1–100) two windows in a row must reach to start shedding; 0 = not watched. */
  readonly percent: number;
  readonly logger: Pick<Logger, 'warn' | 'info'>;
  /** Default: {@link eventLoopSampler}. */
  readonly sample?: LoadSampler;
  /** Receive-queue fill (percent of the socket buffer) two samples in a row must reach; 0 or absent = not watched. */
  readonly queuePercent?: number;
  /** Reads the receive queues' fill (see udp-queue.ts); needed when `queuePercent` is set. */
  readonly queueSample?: QueueSampler;
  /** Sampling window, ms (default 250). */
  readonly intervalMs?: number;
}

/** A signal stops counting as overload once one window falls this many points under its threshold. */
const HYSTERESIS = 10;

/** Lowest share of new requests admitted while overloaded: some goodput even under a flood that ignores Retry-After. */
export const ADMIT_FLOOR = 1 / 16;
/** Share admitted on entering overload; halved (down to {@link ADMIT_FLOOR}) per sample still at the threshold. */
const ADMIT_START = 1 / 2;
/** Added to the share per sample under the threshold (within the hysteresis). */
const ADMIT_STEP = 1 / 8;

/** One watched measure: its threshold and how many windows in a row reached it. */
interface Signal {
  readonly name: 'event loop' | 'receive queue';
  readonly percent: number;
  hot: number;
  over: boolean;
}

/**
 * Watches the process's load and refuses new out-of-dialog requests while it
 * is overloaded. Two signals, each optional: the event loop's busy share
 * (`percent`) and the fill of the UDP receive queues (`queuePercent`). The
 * queue is the direct one: it grows only when requests arrive faster than
 * they are served, while a loop can be 100 % busy and keep up. Shedding
 * starts when either signal held its threshold for two windows and stops
 * when every signal is back under its threshold by the hysteresis. While
 * shedding, a deterministic credit admits {@link OverloadGuard.admitFraction}
 * of the new requests (exactly 1 in 16 at the floor) and refuses the rest.
 */
export class OverloadGuard {
  /** True while new requests are shed. */
  overloaded = false;
  /** Requests refused so far. */
  shed = 0;
  private shedThisEpisode = 0;
  private admittedThisEpisode = 0;
  private lowestThisEpisode = 1;
  private admit = 1;
  /** Admission credit: `admit` per new request, one spent per request admitted. */
  private credit = 0;
  /** The over signal whose samples steer `admit` (the one that started the episode, until it cools). */
  private driver: Signal | undefined;
  private cancel: (() => void) | undefined;
  private readonly sample: LoadSampler;
  private readonly intervalMs: number;
  private readonly loop: Signal;
  private readonly queue: Signal;
  /** A queue read is in flight (reads are asynchronous; one at a time). */
  private reading = false;

  constructor(private readonly options: OverloadOptions) {
    this.sample = options.sample ?? eventLoopSampler();
    this.intervalMs = options.intervalMs ?? 250;
    this.loop = { name: 'event loop', percent: options.percent, hot: 0, over: false };
    this.queue = { name: 'receive queue', percent: options.queuePercent ?? 0, hot: 0, over: false };
  }

  /** Share (1/16–1) of new out-of-dialog requests admitted: 1 unless overloaded. */
  get admitFraction(): number {
    return this.admit;
  }

  /** Starts sampling on the clock. */
  start(): void {
    if (this.cancel) return;
    if (this.loop.percent > 0) this.sample(); // the first window starts now
    const tick = (): void => {
      if (this.loop.percent > 0) this.observe(this.sample());
      if (this.queue.percent > 0) this.readQueue();
      this.cancel = this.options.clock.setTimer(this.intervalMs, tick);
    };
    this.cancel = this.options.clock.setTimer(this.intervalMs, tick);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  /** Feeds one window's event-loop load (0–1): two windows at or over the threshold start shedding, one well under it stops. */
  observe(load: number): void {
    this.feed(this.loop, load * 100);
  }

  /** Feeds one sample of the receive queues' fill (0–1), like {@link OverloadGuard.observe}. */
  observeQueue(fill: number): void {
    this.feed(this.queue, fill * 100);
  }

  private readQueue(): void {
    const read = this.options.queueSample;
    if (!read || this.reading) return;
    this.reading = true;
    read().then(
      (fill) => {
        this.reading = false;
        if (fill !== undefined && this.cancel) this.observeQueue(fill);
      },
      (err: unknown) => {
        this.reading = false;
        this.options.logger.warn('overload: cannot read the receive queues', { error: String(err) });
      },
    );
  }

  private feed(signal: Signal, percent: number): void {
    if (signal.percent <= 0) return;
    if (!signal.over) {
      signal.hot = percent >= signal.percent ? signal.hot + 1 : 0;
      if (signal.hot < 2) return;
      signal.over = true;
      this.driver ??= signal;
    } else if (percent < signal.percent - HYSTERESIS) {
      signal.over = false;
      signal.hot = 0;
      if (this.driver === signal) this.driver = this.loop.over ? this.loop : this.queue.over ? this.queue : undefined;
    } else {
      if (this.driver === signal) this.steer(percent >= signal.percent);
      return;
    }
    const overloaded = this.loop.over || this.queue.over;
    if (overloaded === this.overloaded) return;
    this.overloaded = overloaded;
    this.credit = 0;
    if (overloaded) {
      this.admit = this.lowestThisEpisode = ADMIT_START;
      this.shedThisEpisode = this.admittedThisEpisode = 0;
      const detail = signal.name === 'event loop' ? { load: Math.round(percent) } : { queue: Math.round(percent) };
      this.options.logger.warn('overload: refusing new requests with 503', {
        signal: signal.name,
        ...detail,
        admit: this.admit,
      });
    } else {
      this.admit = 1;
      this.options.logger.info('overload over: accepting new requests', {
        refused: this.shedThisEpisode,
        admitted: this.admittedThisEpisode,
        lowestAdmit: this.lowestThisEpisode,
      });
    }
  }

  /** AIMD on the admitted share: halve while the driving signal is at its threshold, else add a step. */
  private steer(hot: boolean): void {
    this.admit = hot ? Math.max(ADMIT_FLOOR, this.admit / 2) : Math.min(1, this.admit + ADMIT_STEP);
    this.lowestThisEpisode = Math.min(this.lowestThisEpisode, this.admit);
  }

  /**
   * True when `incoming` was refused (answered 503 + Retry-After): while
   * overloaded, the share of new requests the credit does not admit. Never
   * refused: in-dialog requests, and PUBLISH refreshes (SIP-If-Match,
   * RFC 3903 §4.4) — an expiring publication would be state lost, not work
   * deferred. CANCEL and ACK never reach handlers here.
   */
  refuse(incoming: IncomingRequest): boolean {
    if (!this.overloaded) return false;
    const request = incoming.request;
    if (request.to?.params.has('tag') === true) return false;
    if (request.method === 'PUBLISH' && request.headers.has('SIP-If-Match')) return false;
    this.credit += this.admit;
    if (this.credit >= 1) {
      this.credit -= 1;
      this.admittedThisEpisode++;
      return false;
    }
    this.shed++;
    this.shedThisEpisode++;
    // Spread the retries over 1–4 s so refused phones do not come back in one wave.
    incoming.respond(503, OVERLOAD_REASON, { headers: [['Retry-After', String(1 + (this.shed % 4))]] });
    return true;
  }
}
