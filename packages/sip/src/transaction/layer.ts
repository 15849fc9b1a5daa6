/**
 * The transaction layer (RFC 3261 §17): matches every incoming message to a
 * client or server transaction, creates server transactions for new requests,
 * answers CANCEL, detects merged requests, and hands the rest to the TU.
 */
import type { Clock } from '../clock.js';
import { SipParseError, createResponse } from '../message/index.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.js';
import type { Destination, Flow, TransportUser } from '../transport/types.js';
import { generateBranch } from './branch.js';
// RFC 3261 §8.2.6.2: the To tag of the responses the layer makes itself.
import { generateTag } from '../ids.js';
import type { ClientTransactionRuntime, ClientTransactionUser } from './client-transaction.js';
import { ClientTransaction } from './client-transaction.js';
import { clientKey, clientMapKey, detach, legacyKey, mergeKey, serverKey, toTag } from './keys.js';
import { HashIndex, hashKey } from './merged.js';
import { ServerTransaction } from './server-transaction.js';
import type { ServerTransactionHooks } from './server-transaction.js';
import type { TransactionContext, TransactionTimers } from './timers.js';
import { resolveTimers } from './timers.js';
import { WaitTimers } from './wait-timers.js';

/** Construction options of {@link TransactionLayer}. */
export interface TransactionLayerOptions {
  readonly clock: Clock;
  readonly transport: TransportUser;
  /** T1, T2, T4 overrides (RFC 3261 Table 4). */
  readonly timers?: Partial<TransactionTimers>;
  /** A new request (not a retransmission, ACK or CANCEL) with the server transaction to answer through. */
  onRequest(request: SipRequest, flow: Flow, tx: ServerTransaction): void;
  /** A response matching no client transaction, e.g. a 2xx retransmission after Timer M (RFC 6026 §8.4). */
  onStrayResponse(response: SipResponse, flow: Flow): void;
  /** An ACK matching no transaction (the ACK for a 2xx, RFC 3261 §17.1.1.3), or one passed up by an Accepted IST. */
  onStrayAck?(ack: SipRequest, flow: Flow): void;
}

/** Matches, creates and runs the client and server transactions of one endpoint. */
export class TransactionLayer {
  private readonly clients = new Map<string, ClientTransaction>();
  /** RFC 3261 branches by a hash of their §17.2.3 key (the transactions keep no key string). */
  private readonly servers = new HashIndex((tx, key) => tx.hasKey(key));
  /** RFC 2543 requests (no magic cookie) by fallback key; the To tag is checked per entry. */
  private readonly legacy = new Map<string, ServerTransaction[]>();
  /** Requests without To tag by From tag, Call-ID and CSeq (RFC 3261 §8.2.2.2). */
  private readonly merged = new HashIndex((tx, key) => tx.state !== 'terminated' && tx.mergeKey === key);
  private readonly timers: TransactionTimers;
  /** The two contexts every transaction shares (reliable or not). */
  private readonly contexts: readonly [TransactionContext, TransactionContext];
  private serverSeq = 0;
  /** Timers D, I, J, K, L, M of every transaction, batched per duration. */
  private readonly waits: WaitTimers;
  /** Shared by every server transaction (no closures or per-layer fields per transaction). */
  private readonly serverHooks: ServerTransactionHooks;
  /** Shared by every client transaction. */
  private readonly clientRuntime: ClientTransactionRuntime;

  constructor(private readonly opts: TransactionLayerOptions) {
    this.timers = resolveTimers(opts.timers);
    this.contexts = [
      { timers: this.timers, reliable: false },
      { timers: this.timers, reliable: true },
    ];
    this.waits = new WaitTimers(opts.clock);
    this.clientRuntime = {
      clock: opts.clock,
      waits: this.waits,
      transport: opts.transport,
      onTerminate: (tx) => {
        if (this.clients.get(tx.key) === tx) this.clients.delete(tx.key);
      },
    };
    this.serverHooks = {
      clock: opts.clock,
      waits: this.waits,
      transport: opts.transport,
      onTerminate: (tx) => this.forgetServer(tx),
      onAck: (tx, ack, flow) => {
        if (tx.onAck) tx.onAck(ack, flow);
        else this.opts.onStrayAck?.(ack, flow);
      },
    };
  }

  /** Number of live client transactions. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Number of live server transactions. */
  get serverCount(): number {
    return new Set([...this.servers.values(), ...[...this.legacy.values()].flat()]).size;
  }

  /**
   * Starts a client transaction for `request` (not ACK: RFC 3261 §17.1.1.3 puts
   * the ACK for a 2xx outside any transaction). Adds a branch to the top Via
   * when it has none, and a Via when there is none (the transport stamps its
   * sent-by).
   */
  sendRequest(request: SipRequest, to: Destination | Flow, user: ClientTransactionUser): ClientTransaction {
    if (request.method === 'ACK') throw new TypeError('ACK is sent without a transaction (RFC 3261 §17.1.1.3)');
    const branch = ensureBranch(request, to.transport);
    let key = clientMapKey(branch, request.method);
    const held = this.clients.get(key);
    if (held && held.method !== request.method) key = clientKey(branch, request.method);
    if (held && (held.method === request.method || this.clients.has(key)))
      throw new TypeError(`a client transaction with branch ${branch} is already running`);
    const ctx = this.context(this.opts.transport.isReliable(to));
    const tx = new ClientTransaction(request, branch, key, to, user, ctx, this.clientRuntime);
    // The constructor sends and may already have terminated on a synchronous failure path.
    if (tx.state !== 'terminated') this.clients.set(key, tx);
    return tx;
  }

  /** Feeds one message from the transport layer. */
  receive(message: SipMessage, flow: Flow): void {
    try {
      if (message.kind === 'response') this.receiveResponse(message, flow);
      else this.receiveRequest(message, flow);
    } catch (err) {
      // A malformed Via, CSeq, From or To the transport let through: nothing can be matched, drop it.
      // Anything else (a TU callback throwing) is not ours to hide.
      if (!(err instanceof SipParseError)) throw err;
    }
  }

  /** Stops every transaction without notifying anyone (shutdown). */
  close(): void {
    for (const tx of this.clients.values()) tx.abort();
    for (const tx of this.servers.values()) tx.abort();
    for (const list of this.legacy.values()) for (const tx of list) tx.abort();
    this.clients.clear();
    this.servers.clear();
    this.legacy.clear();
    this.merged.clear();
    this.waits.clear();
  }

  private context(reliable: boolean): TransactionContext {
    return this.contexts[reliable ? 1 : 0];
  }

  private receiveResponse(response: SipResponse, flow: Flow): void {
    // RFC 3261 §17.1.3: top Via branch + CSeq method.
    const branch = response.topVia?.branch;
    const method = response.cseq?.method;
    if (branch === undefined || method === undefined) {
      this.opts.onStrayResponse(response, flow);
      return;
    }
    let tx = this.clients.get(clientMapKey(branch, method));
    if (tx && tx.method !== method) tx = this.clients.get(clientKey(branch, method));
    if (tx) tx.receiveResponse(response);
    else this.opts.onStrayResponse(response, flow);
  }

  private receiveRequest(request: SipRequest, flow: Flow): void {
    if (!request.topVia || !request.cseq) return;
    // §17.2.3 key, computed once for the lookup and, for a new request, its transaction.
    const key = serverKey(request);
    const hash = key === undefined ? undefined : hashKey(key);
    const tx = this.findServer(request, undefined, key, hash);
    if (tx) {
      if (request.method === 'ACK') tx.receiveAck(request, flow);
      else tx.receiveRetransmission();
      return;
    }
    if (request.method === 'ACK') {
      this.opts.onStrayAck?.(request, flow);
      return;
    }
    // Read From and To now (mergeKey parses them): a malformed one drops the request here, like a
    // malformed Via or CSeq, instead of throwing from a timer when its transaction ends (forgetServer).
    const mkey = mergeKey(request);
    if (request.method === 'CANCEL') {
      this.receiveCancel(request, flow);
      return;
    }
    // RFC 3261 §8.2.2.2: same From tag, Call-ID and CSeq as a pending request but another branch.
    const mhash = mkey === undefined ? undefined : hashKey(mkey);
    const original = mhash === undefined ? undefined : this.merged.find(mhash, mkey as string);
    if (original) {
      const loop = this.createServer(request, flow, mhash, key, hash);
      loop.respond(createResponse(request, 482, 'Loop Detected', { toTag: generateTag() }));
      return;
    }
    const server = this.createServer(request, flow, mhash, key, hash);
    if (mhash !== undefined) this.merged.add(mhash, server);
    this.opts.onRequest(request, flow, server);
  }

  /** RFC 3261 §9.2: CANCEL matching an INVITE transaction gets 200 and cancels it; otherwise 481. */
  private receiveCancel(cancel: SipRequest, flow: Flow): void {
    const invite = this.findServer(cancel, 'INVITE');
    // A CANCEL never enters `merged` (§9.2 matches it to its INVITE instead).
    const key = serverKey(cancel);
    const tx = this.createServer(cancel, flow, undefined, key, key === undefined ? undefined : hashKey(key));
    if (!invite) {
      tx.respond(createResponse(cancel, 481, 'Call/Transaction Does Not Exist', { toTag: generateTag() }));
      return;
    }
    // §9.2: the To tag of the 200 to CANCEL SHOULD equal the one of the INVITE's response.
    const inviteTag = invite.responseToTag;
    tx.respond(createResponse(cancel, 200, 'OK', { toTag: inviteTag || generateTag() }));
    // §9.2: a CANCEL has no effect on a transaction that already sent a final response.
    const original = invite.request;
    if (invite.state !== 'proceeding' || !original) return;
    if (invite.onCancel) invite.onCancel(cancel);
    else invite.respond(createResponse(original, 487, 'Request Terminated', { toTag: inviteTag || generateTag() }));
  }

  /** RFC 3261 §17.2.3 matching; `method` overrides the request's (a CANCEL looks up its INVITE). */
  private findServer(
    request: SipRequest,
    method?: string,
    key = serverKey(request, method),
    hash = key === undefined ? undefined : hashKey(key),
  ): ServerTransaction | undefined {
    if (key !== undefined) return this.servers.find(hash as number, key);
    const lkey = legacyKey(request, method);
    if (lkey === undefined) return undefined;
    const tag = toTag(request);
    return this.legacy.get(lkey)?.find((tx) => {
      // §17.2.3: an ACK carries the To tag of the response; other requests that of the original.
      if (request.method === 'ACK') return tx.hasResponded && tx.responseToTag === tag;
      return tx.requestToTag === tag;
    });
  }

  /** `key`: the request's {@link serverKey} and `hash` its {@link hashKey}, already computed by the caller. */
  private createServer(
    request: SipRequest,
    flow: Flow,
    mhash: number | undefined,
    key: string | undefined,
    hash: number | undefined,
  ): ServerTransaction {
    const rawLkey = key === undefined ? legacyKey(request) : undefined;
    // A fallback key outlives the request (Timer J): copy it out of its header text.
    const lkey = rawLkey === undefined ? undefined : detach(rawLkey);
    const ctx = this.context(this.opts.transport.isReliable(flow));
    const tx = new ServerTransaction(
      request,
      flow,
      {
        keyHash: hash,
        key: key !== undefined ? undefined : (lkey ?? `anonymous:${this.serverSeq++}`),
        mergeHash: mhash,
        legacy: lkey !== undefined,
      },
      ctx,
      this.serverHooks,
    );
    if (hash !== undefined) this.servers.add(hash, tx);
    else if (lkey !== undefined) {
      const list = this.legacy.get(lkey);
      if (list) list.push(tx);
      else this.legacy.set(lkey, [tx]);
    }
    return tx;
  }

  private forgetServer(tx: ServerTransaction): void {
    if (tx.keyHash !== undefined) this.servers.delete(tx.keyHash, tx);
    const lkey = tx.legacyKey;
    const list = lkey === undefined ? undefined : this.legacy.get(lkey);
    if (lkey !== undefined && list) {
      const rest = list.filter((t) => t !== tx);
      if (rest.length > 0) this.legacy.set(lkey, rest);
      else this.legacy.delete(lkey);
    }
    if (tx.mergeHash !== undefined) this.merged.delete(tx.mergeHash, tx);
  }
}

/** Returns the top Via branch, adding one (or a whole Via) when missing (RFC 3261 §8.1.1.7). */
function ensureBranch(request: SipRequest, transport: string): string {
  const top = request.topVia;
  if (top?.branch) return top.branch;
  const branch = generateBranch();
  const values = request.headers.getAll('Via');
  if (values.length === 0) {
    // Placeholder sent-by: the transport layer stamps the real one (RFC 3261 §18.1.1).
    request.headers.set('Via', `SIP/2.0/${transport.toUpperCase()} 0.0.0.0;branch=${branch}`);
  } else {
    request.headers.set('Via', [`${values[0]};branch=${branch}`, ...values.slice(1)]);
  }
  return branch;
}
