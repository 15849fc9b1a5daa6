/**
 * The server's metric families (issue 5 item 4): one place that names them,
 * so the composition increments the same series the README documents.
 */
import { Metrics, type Counter, type Gauge } from './metrics.js';

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
  /** `herald_publishes_total{event,outcome}`: PUBLISH requests, `outcome` = accepted | refused. */
  readonly publishes: Counter;
  /** `herald_transactions_total{kind,method}`: transactions started, `kind` = server | client. */
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
