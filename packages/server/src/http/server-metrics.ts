/**
 * The server's metric families (issue 5 item 4): one place that names them,
 * so the composition increments the same series the README documents.
 */
import type { EventHost } from '@herald/events';
import {
  Endpoint,
  type EndpointOptions,
  type HandlerOptions,
  type IncomingRequest,
  type RequestHandler,
  type SendOptions,
  type SipRequest,
  type SipResponse,
} from '@herald/sip';
import { Metrics, type Counter, type Gauge } from './metrics.js';
import { afterPublish } from '../publish-hook.js';

/** The series `@herald/server` keeps; the composition sets and increments them. */
export interface ServerMetrics {
  readonly registry: Metrics;
  /** `herald_registrations`: AoRs with at least one live binding. */
  readonly registrations: Gauge;
  /** `herald_registration_bindings`: live contacts over all AoRs. */
  readonly bindings: Gauge;
  /** `herald_subscriptions{event}`: live subscriptions we serve, by event package. */
  readonly subscriptions: Gauge;
  /** `herald_notifies_sent_total{event}`: NOTIFYs answered 2xx. */
  readonly notifiesSent: Counter;
  /** `herald_notifies_failed_total{event}`: NOTIFYs that got an error, a timeout or a transport error. */
  readonly notifiesFailed: Counter;
  /** `herald_publishes_total{event,outcome}`: PUBLISH requests, `outcome` = accepted | challenged | refused. */
  readonly publishes: Counter;
  /** `herald_transactions_total{kind,method}`: transactions started, `kind` = server | client (see {@link MeteredEndpoint}). */
  readonly transactions: Counter;
  /** `herald_transactions_active{kind}`: transactions not yet terminated. */
  readonly transactionsActive: Gauge;
  /** `herald_parse_errors_total`: SIP messages that could not be parsed. */
  readonly parseErrors: Counter;
}

/** Register the server's families in `registry` (a fresh one by default). */
export function createServerMetrics(registry: Metrics = new Metrics()): ServerMetrics {
  return {
    registry,
    registrations: registry.gauge('herald_registrations', 'Addresses of record with at least one live binding.'),
    bindings: registry.gauge('herald_registration_bindings', 'Live contact bindings over all addresses of record.'),
    subscriptions: registry.gauge('herald_subscriptions', 'Live subscriptions served, by event package.', ['event']),
    notifiesSent: registry.counter('herald_notifies_sent_total', 'NOTIFY requests answered 2xx.', ['event']),
    notifiesFailed: registry.counter(
      'herald_notifies_failed_total',
      'NOTIFY requests that failed (error response, timeout or transport error).',
      ['event'],
    ),
    publishes: registry.counter('herald_publishes_total', 'PUBLISH requests by event and outcome.', [
      'event',
      'outcome',
    ]),
    transactions: registry.counter('herald_transactions_total', 'SIP transactions started, by kind and method.', [
      'kind',
      'method',
    ]),
    transactionsActive: registry.gauge('herald_transactions_active', 'SIP transactions not yet terminated.', ['kind']),
    parseErrors: registry.counter('herald_parse_errors_total', 'SIP messages that could not be parsed.'),
  };
}

/**
 * Counts one NOTIFY outcome (`herald_notifies_sent_total` for a 2xx, else
 * `herald_notifies_failed_total`, by event package) through bound series:
 * a fan-out counts one per watcher per change.
 */
export function notifyOutcomeCounter(metrics: ServerMetrics): (event: string, status: number) => void {
  const bound = new Map<string, { add(delta: number): void }>();
  return (event, status) => {
    const ok = status >= 200 && status < 300;
    const key = ok ? event : '!' + event;
    let series = bound.get(key);
    if (series === undefined) {
      series = (ok ? metrics.notifiesSent : metrics.notifiesFailed).bind({ event });
      // Events are the packages we serve (a handful); past that, count without keeping a handle.
      if (bound.size < 64) bound.set(key, series);
    }
    series.add(1);
  };
}

/** What {@link collectSipMetrics} reads at scrape time. */
export interface SipMetricSources {
  readonly transactions: { readonly clientCount: number; readonly serverCount: number };
  /** The listening sockets' transports (UDP/TCP keep `stats.parseErrors`). */
  readonly sockets: ReadonlyArray<{ readonly transport: { readonly stats: { readonly parseErrors: number } } }>;
  /** Load shedding (limits/overload.ts), when on: its admitted share and requests refused so far. */
  readonly overload?: { readonly admitFraction: number; readonly shed: number } | undefined;
}

/**
 * At every scrape: live client/server transactions and the transports' parse-error total;
 * with load shedding on, `herald_overload_admit_ratio` and `herald_overload_shed_total` too.
 */
export function collectSipMetrics(metrics: ServerMetrics, sources: SipMetricSources): void {
  const overload = sources.overload;
  if (overload !== undefined) {
    const admit = metrics.registry.gauge(
      'herald_overload_admit_ratio',
      'Share of new out-of-dialog requests admitted (1 unless shedding load).',
    );
    const shed = metrics.registry.counter('herald_overload_shed_total', 'Requests refused with 503 to shed load.');
    metrics.registry.onCollect(() => {
      admit.set(overload.admitFraction);
      shed.reset();
      shed.inc({}, overload.shed);
    });
  }
  metrics.registry.onCollect(() => {
    metrics.transactionsActive.set({ kind: 'client' }, sources.transactions.clientCount);
    metrics.transactionsActive.set({ kind: 'server' }, sources.transactions.serverCount);
    // A counter mirrored from the transports' own monotonic counts.
    metrics.parseErrors.reset();
    metrics.parseErrors.inc(
      {},
      sources.sockets.reduce((sum, s) => sum + s.transport.stats.parseErrors, 0),
    );
  });
}

/** `outcome` of a PUBLISH from its final status: accepted (2xx), challenged (401/407), refused (anything else). */
export function publishOutcome(status: number | undefined): 'accepted' | 'challenged' | 'refused' {
  if (status !== undefined && status >= 200 && status < 300) return 'accepted';
  return status === 401 || status === 407 ? 'challenged' : 'refused';
}

/**
 * `host` with its PUBLISH handler counted in `herald_publishes_total{event,outcome}`
 * once the handler has answered (RFC 3903 §6). Event packages not in `events`
 * are labelled `other` (the label must not grow with what peers send).
 */
export function meterPublishes(host: EventHost, counter: Counter, events: readonly string[]): EventHost {
  const known = new Set(events);
  const record = (incoming: IncomingRequest): void => {
    const event = (incoming.request.headers.get('Event') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    counter.inc({
      event: known.has(event) ? event : 'other',
      outcome: publishOutcome(incoming.transaction?.lastStatus),
    });
  };
  return afterPublish(host, record);
}

/**
 * The endpoint counting `herald_transactions_total{kind,method}`: `server` for
 * every new request reaching a handler (RFC 3261 §17.2: retransmissions are
 * absorbed by the transaction; the ACK to a 2xx has none and is not counted),
 * `client` for every request the server itself sends with `request()`
 * (NOTIFY, back-SUBSCRIBE; the proxy's forwarded branches are not included).
 */
export class MeteredEndpoint extends Endpoint {
  private readonly counter: Counter;
  /** Bound series per request method we send (NOTIFY: one per watcher per change). */
  private readonly sent = new Map<string, { add(delta: number): void }>();
  /** Checked before each handler: true when it answered the request itself (load shedding, limits/overload.ts). */
  refuse: ((incoming: IncomingRequest) => boolean) | undefined;

  constructor(counter: Counter, options: EndpointOptions) {
    super(options);
    this.counter = counter;
  }

  override on(method: string, handler: RequestHandler, options?: HandlerOptions): void {
    const m = method.toUpperCase();
    if (m === 'ACK') return super.on(method, handler, options);
    // `counter` is read when a request arrives: the base constructor registers OPTIONS before it is set.
    let received: { add(delta: number): void } | undefined;
    super.on(
      method,
      (incoming) => {
        (received ??= this.counter.bind({ kind: 'server', method: m })).add(1);
        if (this.refuse?.(incoming) === true) return undefined;
        return handler(incoming);
      },
      options,
    );
  }

  override request(request: SipRequest, options?: SendOptions): Promise<SipResponse> {
    let series = this.sent.get(request.method);
    if (series === undefined) {
      series = this.counter.bind({ kind: 'client', method: request.method });
      // Bounded by the methods we send (NOTIFY, SUBSCRIBE, OPTIONS, …); an unknown one is counted unbound.
      if (this.sent.size < 32) this.sent.set(request.method, series);
    }
    series.add(1);
    return super.request(request, options);
  }
}
