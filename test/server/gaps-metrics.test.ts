// The metrics wiring pieces of @herald/server on their own: PUBLISH outcomes and
// their labels, and the scrape-time transaction and parse-error series.
import t from 'tap';
import type { EventHost } from '@herald/events';
import { ManualClock, createRequest, type IncomingRequest, type RequestHandler } from '@herald/sip';
import {
  collectSipMetrics,
  createServerMetrics,
  meterPublishes,
  publishOutcome,
} from '../../packages/server/src/http/server-metrics.js';

t.test('publishOutcome: 2xx accepted, 401/407 challenged, the rest refused', async (t) => {
  t.same([200, 202, 401, 407, 412, 489, 500, undefined].map(publishOutcome), [
    'accepted',
    'accepted',
    'challenged',
    'challenged',
    'refused',
    'refused',
    'refused',
    'refused',
  ]);
});

t.test('meterPublishes counts PUBLISH only, after the handler, with unknown events as "other"', async (t) => {
  const metrics = createServerMetrics();
  const handlers = new Map<string, RequestHandler>();
  const host: EventHost = {
    clock: new ManualClock(0),
    on: (method, handler) => void handlers.set(method, handler),
    request: () => Promise.reject(new Error('not used')),
  };
  const metered = meterPublishes(host, metrics.publishes, ['presence']);
  const during: number[] = [];
  metered.on('PUBLISH', () => void during.push(metrics.publishes.get({ event: 'other', outcome: 'refused' })));
  metered.on('SUBSCRIBE', () => undefined);
  t.same([...handlers.keys()], ['PUBLISH', 'SUBSCRIBE'], 'every method still reaches the host');
  const publish = (event: string, status: number | undefined): IncomingRequest => {
    const request = createRequest({ method: 'PUBLISH', uri: 'sip:alice@example.test', headers: [['Event', event]] });
    // Only what the meter reads: the request and the transaction's last status.
    return {
      request,
      transaction: status === undefined ? undefined : { lastStatus: status },
    } as unknown as IncomingRequest;
  };
  await handlers.get('PUBLISH')?.(publish('Presence;id=1', 200));
  await handlers.get('PUBLISH')?.(publish('x-made-up', 489));
  await handlers.get('SUBSCRIBE')?.(publish('presence', 200));
  t.equal(metrics.publishes.get({ event: 'presence', outcome: 'accepted' }), 1, 'event token, case-folded');
  t.equal(metrics.publishes.get({ event: 'other', outcome: 'refused' }), 1, 'unknown package labelled other');
  t.same(during, [0, 0], 'counted only after the handler answered');
  t.match(metrics.registry.render(), /herald_publishes_total\{event="other",outcome="refused"\} 1/);
});

t.test('collectSipMetrics reads transactions and parse errors at every scrape', async (t) => {
  const metrics = createServerMetrics();
  const transactions = { clientCount: 2, serverCount: 5 };
  const udp = { stats: { parseErrors: 3 } };
  const tcp = { stats: { parseErrors: 1 } };
  collectSipMetrics(metrics, { transactions, sockets: [{ transport: udp }, { transport: tcp }] });
  let text = metrics.registry.render();
  t.match(text, /^herald_transactions_active\{kind="client"\} 2$/m);
  t.match(text, /^herald_transactions_active\{kind="server"\} 5$/m);
  t.match(text, /^herald_parse_errors_total 4$/m, 'the sum over the transports');
  transactions.clientCount = 0;
  udp.stats.parseErrors = 7;
  text = metrics.registry.render();
  t.match(text, /^herald_transactions_active\{kind="client"\} 0$/m, 'a gauge follows the layer');
  t.match(text, /^herald_parse_errors_total 8$/m, 'not added up twice across scrapes');
});
