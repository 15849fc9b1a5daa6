/**
 * The UA core (RFC 3261 §8.2: `Endpoint`) over a loop transport, fed the
 * same random traffic as the transaction layer target plus the RFC 4475
 * corpus: requests that collide with each other, garbled ones, CANCEL and
 * ACK. Handlers answer by a random policy (sync, async, never, or by
 * throwing). Properties: nothing throws out of the transport layer or the
 * endpoint; everything it sends parses; once every request is answered and
 * time has passed, no transaction and no timer is left.
 */
import fc from 'fast-check';
import { Endpoint, ManualClock, TransportLayer, createLoopPair, parseMessage } from '@herald/sip';
import type { IncomingRequest } from '@herald/sip';
import { rfc4475Seeds } from './gen-sip.js';
import { check } from './guard.js';
import { applyMutations, mutation } from './mutate.js';
import { Guarded, flush, injected, statusArb } from './prop-layer.js';
import { describe } from './prop-parser.js';

/** What a handler does: answer (sync or async), never answer (0), or throw (-1). */
const action = fc.oneof(statusArb, fc.constantFrom(0, -1));

/** One step of an endpoint case. */
export type EndpointStep =
  | { readonly kind: 'inject'; readonly bytes: Buffer }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'answer'; readonly pick: number; readonly status: number };

const corpus = rfc4475Seeds.length > 0 ? fc.constantFrom(...rfc4475Seeds) : fc.constant(Buffer.from('x'));

const step: fc.Arbitrary<EndpointStep> = fc.oneof(
  { weight: 3, arbitrary: injected.map((i): EndpointStep => ({ kind: 'inject', bytes: i.bytes })) },
  fc
    .tuple(corpus, fc.array(mutation, { maxLength: 2 }))
    .map(([b, ms]): EndpointStep => ({ kind: 'inject', bytes: applyMutations(b, ms) })),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(0, 200, 4000, 40000) }),
  fc.record({ kind: fc.constant('answer' as const), pick: fc.nat(), status: statusArb }),
);

/** One endpoint case. */
export const endpointCase = fc.record({
  protocol: fc.constantFrom<'udp' | 'tcp'>('udp', 'tcp'),
  policy: fc.array(fc.tuple(action, fc.boolean()), { minLength: 1, maxLength: 4 }),
  steps: fc.array(step, { maxLength: 20 }),
});

/** Running totals over every case (printed by the fuzz entry). */
export const endpointStats = { handled: 0, sent: 0 };

const METHODS = ['INVITE', 'BYE', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'REGISTER', 'MESSAGE', 'ACK'];

/** The endpoint property for one case. */
export async function checkEndpoint(c: {
  protocol: 'udp' | 'tcp';
  policy: ReadonlyArray<readonly [number, boolean]>;
  steps: readonly EndpointStep[];
}): Promise<void> {
  const errors: string[] = [];
  const clock = new ManualClock();
  const [a, b] = createLoopPair({ clock, protocol: c.protocol });
  const gb = new Guarded(b, errors);
  const endpoint = new Endpoint({
    transport: new TransportLayer({ transports: [gb] }),
    clock,
    timers: { t1: 50, t2: 400, t4: 500 },
    supported: ['timer'],
  });
  const open: IncomingRequest[] = [];
  let n = 0;
  for (const method of METHODS) {
    endpoint.on(
      method,
      (incoming) => {
        if (method === 'ACK') return;
        endpointStats.handled++;
        const [status, async] = c.policy[n++ % c.policy.length] ?? [0, false];
        open.push(incoming);
        const act = (): void => {
          if (status === -1) throw new Error('handler failure (fuzz)');
          if (status > 0) incoming.respond(status);
        };
        if (!async) return act();
        return Promise.resolve().then(act);
      },
      { accept: ['application/sdp', 'application/pidf+xml'], dialogs: method === 'NOTIFY' ? 'handler' : 'endpoint' },
    );
  }
  for (const s of c.steps) {
    switch (s.kind) {
      case 'inject':
        a.send(s.bytes, a.flow).catch(() => undefined);
        break;
      case 'advance':
        clock.advance(s.ms);
        break;
      case 'answer': {
        const incoming = open[s.pick % Math.max(1, open.length)];
        if (incoming && !incoming.finalSent) incoming.respond(s.status);
        break;
      }
    }
    await flush();
  }
  for (let round = 0; round < 60 && (clock.pending > 0 || open.some((i) => !i.finalSent)); round++) {
    for (const incoming of open) if (!incoming.finalSent) incoming.respond(500);
    clock.advance(2000);
    await flush();
  }
  const left = endpoint.transactions.serverCount + endpoint.transactions.clientCount;
  await endpoint.close();

  endpointStats.sent += gb.sent.length;
  check(errors.length === 0, errors.join('\n'));
  for (const data of gb.sent) {
    try {
      parseMessage(data);
    } catch (e) {
      check(false, `the endpoint sent a message that does not parse (${describe(e)}): ${data.toString('latin1')}`);
    }
  }
  check(left === 0, `${left} transactions left over`);
  check(clock.pending === 0, `${clock.pending} timers still pending`);
}
