// The same-turn path of the registrar (a plain memory store and bindings known without the store)
// against its lock: REGISTERs handed to the handler directly, so that several arrive within one
// turn, between an expiry's start and its end.
import t from 'tap';
import {
  IncomingRequest,
  ManualClock,
  parseMessage,
  type Flow,
  type RequestHandler,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
} from '@herald/sip';
import { MemoryBindingStore, Registrar, type RegistrarEventName, type StoredBinding } from '../src/index.js';

const FLOW: Flow = {
  transport: 'udp',
  local: { address: '127.0.0.2', port: 5060 },
  remote: { address: '192.0.2.10', port: 5062 },
};

function registerText(contact: string, expires: number, callId: string, cseq: number): SipRequest {
  const text =
    'REGISTER sip:example.test SIP/2.0\r\n' +
    `Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-${callId}-${cseq}\r\n` +
    'Max-Forwards: 70\r\n' +
    'From: <sip:alice@example.test>;tag=f1\r\n' +
    'To: <sip:alice@example.test>\r\n' +
    `Call-ID: ${callId}\r\n` +
    `CSeq: ${cseq} REGISTER\r\n` +
    `Contact: <${contact}>\r\n` +
    `Expires: ${expires}\r\n` +
    'Content-Length: 0\r\n\r\n';
  return parseMessage(Buffer.from(text)) as SipRequest;
}

/** A registrar on a host that only keeps the REGISTER handler; answers are recorded, not sent. */
function bench(store?: MemoryBindingStore) {
  const clock = new ManualClock(1_700_000_000_000);
  let handler: RequestHandler | undefined;
  const registrar = new Registrar({
    host: { clock, on: (_method, h) => void (handler = h) },
    domain: 'example.test',
    auth: false,
    ...(store ? { store } : {}),
  });
  const events: string[] = [];
  for (const name of ['registered', 'refreshed', 'expired', 'unregistered'] as RegistrarEventName[]) {
    registrar.on(name, (e) => events.push(`${name} ${e.bindings.map((b) => b.contact).join(',')}`));
  }
  const answers: SipResponse[] = [];
  const transaction = {
    respond: (r: SipResponse) => {
      answers.push(r);
      return true;
    },
  } as unknown as ServerTransaction;
  /** Hands a REGISTER to the handler; resolves when it is done (at once on the same-turn path). */
  const deliver = (request: SipRequest): { sync: boolean; done: Promise<void> } => {
    if (!handler) throw new Error('no REGISTER handler');
    const result = handler(new IncomingRequest(request, FLOW, transaction));
    return { sync: !(result instanceof Promise), done: Promise.resolve(result) };
  };
  return { clock, registrar, events, answers, deliver };
}

t.test('with its own memory store the registrar answers in the calling turn', async (t) => {
  const b = bench();
  t.teardown(() => b.registrar.close());
  const reg = b.deliver(registerText('sip:alice@192.0.2.10:5062', 60, 'c1', 1));
  t.ok(reg.sync, 'no promise');
  t.equal(b.answers.at(-1)?.status, 200, 'answered before the handler returned');
  const unreg = b.deliver(registerText('sip:alice@192.0.2.10:5062', 0, 'c1', 2));
  t.ok(unreg.sync);
  t.equal(b.answers.at(-1)?.status, 200);
  t.same(b.events, ['registered sip:alice@192.0.2.10:5062', 'unregistered sip:alice@192.0.2.10:5062']);
  t.equal(await b.registrar.store.count(), 0);
});

t.test('a REGISTER arriving while the AoR expiry finishes waits for it', async (t) => {
  const b = bench();
  t.teardown(() => b.registrar.close());
  b.deliver(registerText('sip:alice@192.0.2.10:5062', 60, 'c1', 1));
  // The expiry starts in advance() and holds the AoR's lock until its store write settles.
  b.clock.advance(60_000);
  const late = b.deliver(registerText('sip:alice@192.0.2.11:5062', 60, 'c2', 1));
  t.notOk(late.sync, 'queued behind the expiry, not applied at once');
  t.equal(b.answers.length, 1, 'not answered yet');
  await late.done;
  t.equal(b.answers.at(-1)?.status, 200);
  t.same(b.events, [
    'registered sip:alice@192.0.2.10:5062',
    'expired sip:alice@192.0.2.10:5062',
    'registered sip:alice@192.0.2.11:5062',
  ]);
  t.same(
    b.registrar.lookup('sip:alice@example.test').map((x) => x.contact),
    ['sip:alice@192.0.2.11:5062'],
  );
});

class GatedReads extends MemoryBindingStore {
  readonly waiting: Array<() => void> = [];
  override async byAor(aor: string): Promise<StoredBinding[]> {
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return super.byAor(aor);
  }
}

t.test('a given store is read until resume; later REGISTERs of the AoR queue behind the read', async (t) => {
  const store = new GatedReads();
  const b = bench(store);
  t.teardown(() => b.registrar.close());
  const first = b.deliver(registerText('sip:alice@192.0.2.10:5062', 60, 'c1', 1));
  const second = b.deliver(registerText('sip:alice@192.0.2.11:5062', 60, 'c2', 1));
  t.notOk(first.sync, 'the store may hold bindings this process has not seen');
  t.notOk(second.sync, 'queued behind the first');
  await new Promise((r) => setImmediate(r));
  t.equal(store.waiting.length, 1, 'one read at a time');
  store.waiting.shift()?.();
  const third = b.deliver(registerText('sip:alice@192.0.2.10:5062', 0, 'c1', 2));
  t.notOk(third.sync, 'the lock is still held');
  await Promise.all([first.done, second.done, third.done]);
  t.same(b.events, [
    'registered sip:alice@192.0.2.10:5062',
    'registered sip:alice@192.0.2.11:5062',
    'unregistered sip:alice@192.0.2.10:5062',
  ]);
  t.same(
    b.answers.map((a) => a.status),
    [200, 200, 200],
  );
  const resumed = await b.registrar.resume();
  t.same(resumed, { loaded: 1, dropped: 0 });
  const after = b.deliver(registerText('sip:alice@192.0.2.12:5062', 60, 'c3', 1));
  t.ok(after.sync, 'after resume the cache is complete: no store read');
});

class OverriddenWrites extends MemoryBindingStore {
  writes = 0;
  override async replaceAor(aor: string, bindings: readonly StoredBinding[]): Promise<void> {
    this.writes++;
    return super.replaceAor(aor, bindings);
  }
}

t.test('a memory store subclass that overrides replaceAor sees every write', async (t) => {
  const store = new OverriddenWrites();
  const b = bench(store);
  t.teardown(() => b.registrar.close());
  await b.registrar.resume();
  const r = b.deliver(registerText('sip:alice@192.0.2.10:5062', 60, 'c1', 1));
  t.notOk(r.sync, 'its write is awaited');
  await r.done;
  t.equal(store.writes, 1);
  t.equal(b.answers.at(-1)?.status, 200);
});
