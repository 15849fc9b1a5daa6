/**
 * The transaction layer (RFC 3261 §17) over a loop transport pair, fed
 * random traffic: real client transactions, requests and responses written
 * to collide with them (same branches, Call-IDs, tags; ACK, CANCEL,
 * RFC 2543 requests without the magic cookie), the same mutated, and time
 * jumps. Properties: nothing throws out of the transport or transaction
 * layer; everything the stack sends parses; every client transaction tells
 * its TU exactly one outcome (final response, timeout or transport error)
 * and terminates; once the TU has answered everything and time has passed,
 * no transaction and no timer is left.
 */
import fc from 'fast-check';
import {
  ManualClock,
  TransactionLayer,
  TransportLayer,
  createLoopPair,
  createRequest,
  createResponse,
  parseMessage,
} from '@herald/sip';
import type {
  ClientTransaction,
  Flow,
  IncomingMessage,
  LoopTransport,
  ServerTransaction,
  SipRequest,
  Transport,
} from '@herald/sip';
import { assemble, messageParts } from './gen-sip.js';
import { check } from './guard.js';
import { mutation, applyMutations } from './mutate.js';
import { describe } from './prop-parser.js';

/** A transport wrapper that records what the stack sends and catches what its handler throws. */
export class Guarded implements Transport {
  readonly sent: Buffer[] = [];
  constructor(
    readonly inner: LoopTransport,
    private readonly errors: string[],
  ) {}
  get protocol(): LoopTransport['protocol'] {
    return this.inner.protocol;
  }
  get reliable(): boolean {
    return this.inner.reliable;
  }
  get local(): LoopTransport['local'] {
    return this.inner.local;
  }
  listen(): Promise<void> {
    return this.inner.listen();
  }
  send(data: Buffer, to: Parameters<Transport['send']>[1]): Promise<Flow> {
    this.sent.push(Buffer.from(data));
    return this.inner.send(data, to);
  }
  onMessage(handler: (incoming: IncomingMessage) => void): void {
    this.inner.onMessage((incoming) => {
      try {
        handler(incoming);
      } catch (e) {
        this.errors.push(`receive threw: ${describe(e)}`);
      }
    });
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  hasConnection(id: string): boolean {
    return this.inner.hasConnection(id);
  }
}

const METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'SUBSCRIBE'] as const;

/** A request to B that collides with the UAC's transactions (branch, Call-ID, tags from small pools). */
function request(method: string, branch: number, call: number, toTag: number, cseq: number): string {
  const b = branch < 4 ? `z9hG4bK-fz-${branch}` : `legacy-${branch}`;
  const cseqMethod = method === 'ACK' || method === 'CANCEL' ? (branch % 2 === 0 ? 'INVITE' : method) : method;
  return (
    `${method} sip:bob@127.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=${b}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:alice@127.0.0.1>;tag=f${call}\r\nTo: <sip:bob@127.0.0.2>${toTag > 0 ? ';tag=t' + toTag : ''}\r\n` +
    `Call-ID: fz-${call}\r\nCSeq: ${cseq} ${method === 'ACK' ? 'ACK' : cseqMethod}\r\nContent-Length: 0\r\n\r\n`
  );
}

/** A response to A for one of the UAC's branches. */
function response(status: number, branch: number, method: string, toTag: number): string {
  return (
    `SIP/2.0 ${status} Fuzz\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-fz-${branch % 4}\r\n` +
    `From: <sip:alice@127.0.0.1>;tag=f1\r\nTo: <sip:bob@127.0.0.2>;tag=t${toTag}\r\nCall-ID: fz-1\r\n` +
    `CSeq: 1 ${method}\r\nContent-Length: 0\r\n\r\n`
  );
}

/** Statuses a TU answers with. */
export const statusArb = fc.constantFrom(100, 180, 183, 200, 202, 401, 404, 481, 486, 487, 500, 603);
const methodArb = fc.constantFrom(...METHODS);
const pool = fc.nat({ max: 5 });

/** One step of a layer case. */
export type LayerStep =
  | { readonly kind: 'send'; readonly method: string; readonly branch: number }
  | { readonly kind: 'inject'; readonly toB: boolean; readonly bytes: Buffer }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'respond'; readonly pick: number; readonly status: number }
  | { readonly kind: 'drop'; readonly onA: boolean }
  | { readonly kind: 'fail'; readonly onA: boolean; readonly on: boolean };

/** Bytes a peer sends: colliding requests (to B) and responses (to A), generator-built messages, mutated. */
export const injected: fc.Arbitrary<{ toB: boolean; bytes: Buffer }> = fc
  .tuple(
    fc.oneof(
      fc
        .tuple(methodArb, pool, pool, pool, fc.nat({ max: 3 }))
        .map(([m, b, c, t, s]) => ({ toB: true, bytes: Buffer.from(request(m, b, c, t, s)) })),
      fc
        .tuple(statusArb, pool, methodArb, pool)
        .map(([s, b, m, t]) => ({ toB: false, bytes: Buffer.from(response(s, b, m, t)) })),
      // Anything else a peer might send: every Via, URI and header shape the parser generators know.
      fc.tuple(messageParts, fc.boolean()).map(([p, toB]) => ({ toB, bytes: assemble(p) })),
    ),
    fc.array(mutation, { maxLength: 2 }),
  )
  .map(([{ toB, bytes }, ms]) => ({ toB, bytes: applyMutations(bytes, ms) }));

const step: fc.Arbitrary<LayerStep> = fc.oneof(
  fc.record({
    kind: fc.constant('send' as const),
    method: methodArb.filter((m) => m !== 'ACK'),
    branch: fc.nat({ max: 3 }),
  }),
  { weight: 3, arbitrary: injected.map((i): LayerStep => ({ kind: 'inject', ...i })) },
  fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(0, 50, 200, 500, 4000, 40000) }),
  fc.record({ kind: fc.constant('respond' as const), pick: fc.nat(), status: statusArb }),
  fc.record({ kind: fc.constant('drop' as const), onA: fc.boolean() }),
  fc.record({ kind: fc.constant('fail' as const), onA: fc.boolean(), on: fc.boolean() }),
);

/** One layer case: transport semantics, the UAS's automatic answers (0 = none), and the steps. */
export const layerCase = fc.record({
  protocol: fc.constantFrom<'udp' | 'tcp'>('udp', 'tcp'),
  policy: fc.array(fc.oneof(fc.constant(0), statusArb), { minLength: 1, maxLength: 4 }),
  steps: fc.array(step, { maxLength: 25 }),
});

/** Running totals over every case (the fuzz entry prints them; they show the cases reach deep). */
export const layerStats = { clientTransactions: 0, finals: 0, timeouts: 0, transportErrors: 0, serverTransactions: 0 };

/** Lets the loop transports deliver (they use microtasks). */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Outcome {
  method: string;
  tx?: ClientTransaction;
  finals: number;
  timeouts: number;
  errors: number;
  terminated: number;
  afterEnd: number;
}

/** The layer property for one case. */
export async function checkLayer(c: {
  protocol: 'udp' | 'tcp';
  policy: readonly number[];
  steps: readonly LayerStep[];
}): Promise<void> {
  const errors: string[] = [];
  const clock = new ManualClock();
  const [a, b] = createLoopPair({ clock, protocol: c.protocol });
  const ga = new Guarded(a, errors);
  const gb = new Guarded(b, errors);
  const ta = new TransportLayer({ transports: [ga] });
  const tb = new TransportLayer({ transports: [gb] });
  const timers = { t1: 50, t2: 400, t4: 500 };
  const servers: ServerTransaction[] = [];
  // The TU keeps the requests it answers later (a server transaction drops its own once finished).
  const requestOf = new Map<ServerTransaction, SipRequest>();
  let n = 0;
  const uac = new TransactionLayer({
    clock,
    transport: ta,
    timers,
    onRequest: () => undefined,
    onStrayResponse: () => undefined,
  });
  const uas = new TransactionLayer({
    clock,
    transport: tb,
    timers,
    onRequest: (req, _flow, tx) => {
      servers.push(tx);
      requestOf.set(tx, req);
      const status = c.policy[n++ % c.policy.length] ?? 0;
      if (status > 0) tx.respond(createResponse(req, status, undefined, { toTag: 'uas' }));
    },
    onStrayResponse: () => undefined,
  });
  ta.onMessage(({ message, source }) => uac.receive(message, source));
  tb.onMessage(({ message, source }) => uas.receive(message, source));
  const outcomes: Outcome[] = [];
  const dest = { transport: c.protocol, address: b.local.address, port: b.local.port } as const;

  for (const s of c.steps) {
    switch (s.kind) {
      case 'send': {
        const req: SipRequest = createRequest({
          method: s.method,
          uri: 'sip:bob@127.0.0.2',
          headers: [
            ['Via', `SIP/2.0/${c.protocol.toUpperCase()} 127.0.0.1:5060;branch=z9hG4bK-fz-${s.branch}`],
            ['Max-Forwards', '70'],
            ['From', '<sip:alice@127.0.0.1>;tag=f1'],
            ['To', '<sip:bob@127.0.0.2>'],
            ['Call-ID', 'fz-1'],
            ['CSeq', `1 ${s.method}`],
          ],
        });
        const o: Outcome = { method: s.method, finals: 0, timeouts: 0, errors: 0, terminated: 0, afterEnd: 0 };
        const done = (): boolean => o.finals > 0 || o.timeouts > 0 || o.errors > 0;
        try {
          o.tx = uac.sendRequest(req, dest, {
            onResponse: (r) => {
              if (o.timeouts + o.errors > 0) o.afterEnd++;
              if (r.status >= 200) o.finals++;
            },
            onTimeout: () => {
              if (done()) o.afterEnd++;
              o.timeouts++;
            },
            onTransportError: () => {
              // RFC 3261 Figure 5: in Completed, a failed ACK still informs the TU (after the final response).
              const ackFailed = s.method === 'INVITE' && o.finals > 0 && o.errors === 0 && o.timeouts === 0;
              if (done() && !ackFailed) o.afterEnd++;
              o.errors++;
            },
            onTerminated: () => {
              o.terminated++;
            },
          });
          outcomes.push(o);
        } catch (e) {
          // Reusing a running branch is a programmer error the layer refuses (RFC 3261 §17.1.3 keys).
          if (!(e instanceof TypeError && /already running/.test(e.message)))
            errors.push(`sendRequest threw: ${describe(e)}`);
        }
        break;
      }
      case 'inject':
        (s.toB ? a : b).send(s.bytes, (s.toB ? a : b).flow).catch(() => undefined);
        break;
      case 'advance':
        clock.advance(s.ms);
        break;
      case 'respond': {
        const tx = servers[s.pick % Math.max(1, servers.length)];
        const req = tx && requestOf.get(tx);
        if (tx && req) tx.respond(createResponse(req, s.status, undefined, { toTag: 'uas' }));
        break;
      }
      case 'drop':
        // Loss only where it can happen: a reliable transport does not lose messages.
        if (c.protocol === 'udp') (s.onA ? a : b).dropNext(1);
        break;
      case 'fail':
        (s.onA ? a : b).fail = s.on;
        break;
    }
    await flush();
  }
  // Let the TU answer whatever is still open, then let every timer run out.
  a.fail = false;
  b.fail = false;
  for (
    let round = 0;
    round < 60 && (clock.pending > 0 || servers.some((t) => t.state === 'trying' || t.state === 'proceeding'));
    round++
  ) {
    for (const tx of servers) {
      const req = requestOf.get(tx);
      if ((tx.state === 'trying' || tx.state === 'proceeding') && req)
        tx.respond(createResponse(req, 500, undefined, { toTag: 'uas' }));
    }
    clock.advance(2000);
    await flush();
  }
  // RFC 3261 §17.1.1.2: an ICT in Proceeding waits for a final response as long as it takes (the TU
  // would CANCEL); one stays when the remote never answers its INVITE finally (e.g. only an injected 1xx came).
  const isWaiting = (o: Outcome): boolean => o.method === 'INVITE' && o.tx?.state === 'proceeding';
  const waiting = new Set(outcomes.filter(isWaiting));
  const left = [uac.clientCount - waiting.size, uas.serverCount];
  uac.close();
  uas.close();

  layerStats.serverTransactions += servers.length;
  for (const o of outcomes) {
    layerStats.clientTransactions++;
    layerStats.finals += o.finals > 0 ? 1 : 0;
    layerStats.timeouts += o.timeouts;
    layerStats.transportErrors += o.errors;
  }
  check(errors.length === 0, errors.join('\n'));
  for (const [side, g] of [
    ['A', ga],
    ['B', gb],
  ] as const) {
    for (const data of g.sent) {
      try {
        parseMessage(data);
      } catch (e) {
        check(false, `side ${side} sent a message that does not parse (${describe(e)}): ${data.toString('latin1')}`);
      }
    }
  }
  for (const outcome of outcomes) {
    if (waiting.has(outcome)) continue;
    const o = { ...outcome, tx: undefined };
    const ackFailed = o.method === 'INVITE' && o.finals > 0 && o.errors === 1 ? 1 : 0;
    const told = (o.finals > 0 ? 1 : 0) + o.timeouts + o.errors - ackFailed;
    check(told === 1, `${o.method} client transaction told its TU ${told} outcomes: ${JSON.stringify(o)}`);
    check(o.afterEnd === 0, `${o.method} client transaction spoke after its outcome: ${JSON.stringify(o)}`);
    check(o.terminated === 1, `${o.method} client transaction terminated ${o.terminated} times`);
    if (o.method !== 'INVITE') check(o.finals <= 1, `${o.method} passed ${o.finals} final responses up`);
  }
  check(left[0] === 0 && left[1] === 0, `transactions left over: ${left[0]} client, ${left[1]} server`);
  check(clock.pending === 0, `${clock.pending} timers still pending after every transaction should have ended`);
}
