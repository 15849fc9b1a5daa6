/** The server transaction shell: runs the IST or NIST reducer and performs its effects. */
import { createResponse, parseMessage } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { Flow, PreparedResponse, SendFailureListener, TransportError, TransportUser } from '../transport/types.js';
import { asTransportError } from './transport-error.js';
import type { ServerEffect } from './effects.js';
import type { IstInput, IstState, IstStateName } from './ist.js';
import { istReduce, istStart } from './ist.js';
import { detach, internMethod, mergeParts, toTag, viaKey } from './keys.js';
import { keptAsciiReason, keptStatus, lostKeys, textHasKey } from './server-extras.js';
import type { NistInput, NistState, NistStateName } from './nist.js';
import { nistReduce, nistStart } from './nist.js';
import type { TimerRuntime } from './timer-set.js';
import { ServerTransactionExtras, newExtras } from './server-extras.js';
import type { ResendRoute, ServerTransactionKeys } from './server-extras.js';
import type { TransactionContext, TimerName } from './timers.js';

type Input = IstInput | NistInput;

/**
 * @internal What the layer gives its server transactions: one object per layer, not per
 * transaction (the clock, the batched wait timers J, I, L, the transport, and what to do on ends).
 */
export interface ServerTransactionHooks extends TimerRuntime {
  readonly transport: TransportUser;
  onTerminate(tx: ServerTransaction): void;
  onAck(tx: ServerTransaction, ack: SipRequest, flow: Flow): void;
}

/**
 * One server transaction (IST for INVITE, NIST otherwise), handed to the TU
 * with each new request. The TU answers through {@link ServerTransaction.respond};
 * the transaction retransmits and absorbs per RFC 3261 §17.2.
 *
 * Once the final response is sent (NIST Completed, IST Completed, Confirmed or
 * Accepted) the transaction keeps only what §17.2 still needs: its keys, the
 * flow, the response's bytes and route, its To tag, and its timer. Thousands
 * wait for Timer J (64·T1) under load, so the parsed messages are dropped.
 */
export class ServerTransaction extends ServerTransactionExtras implements SendFailureListener {
  /** The request's method. */
  readonly method: string;
  /** @internal Hash of the matching key (RFC 3261 §17.2.3) for an RFC 3261 branch, else undefined (see {@link ServerTransaction.key}). */
  readonly keyHash: number | undefined;
  /** @internal Hash of the request's merged-request key (RFC 3261 §8.2.2.2), computed at creation. */
  readonly mergeHash: number | undefined;
  /** The flow the request arrived on; responses go back along it (RFC 3261 §18.2.2). */
  readonly flow: Flow;
  private readonly hooks: ServerTransactionHooks;
  private machine: IstState | NistState;
  private req: SipRequest | undefined;
  /** The last response sent, while the transaction is active (or when the transport cannot prepare bytes). */
  private last: SipResponse | undefined;
  /**
   * The last response's prepared bytes and route while active; once finished its bytes as a
   * latin1 string (1 byte per byte, no Buffer pool slice kept alive), with the route in `route`.
   */
  private sent: PreparedResponse | string | undefined;
  private route: ResendRoute | undefined;

  constructor(
    request: SipRequest,
    flow: Flow,
    keys: ServerTransactionKeys,
    ctx: TransactionContext,
    hooks: ServerTransactionHooks,
  ) {
    super();
    this.method = internMethod(request.method);
    this.keyHash = keys.keyHash;
    this.mergeHash = keys.mergeHash;
    this.flow = flow;
    this.hooks = hooks;
    this.req = request;
    this.last = this.sent = this.route = undefined;
    if (keys.legacy || this.method === 'INVITE' || keys.key !== undefined) {
      const extras = newExtras();
      extras.key = keys.key;
      if (keys.legacy) {
        const tag = toTag(request);
        extras.requestToTag = tag === '' ? '' : detach(tag);
      }
      // §9.2 (a CANCEL's 200) and §17.2.3 (an RFC 2543 ACK) need the final response's To tag without parsing.
      if (keys.legacy || this.method === 'INVITE') extras.lastToTag = '';
      this.extras = extras;
    }
    if (request.method === 'INVITE') {
      const start = istStart(ctx);
      this.machine = start.state;
      this.perform(start.effects);
    } else {
      const start = nistStart(ctx);
      this.machine = start.state;
      this.perform(start.effects);
    }
  }

  /**
   * The transaction's matching key (RFC 3261 §17.2.3). For an RFC 3261 branch it is read from the
   * request, or once that is dropped from the kept final response (same top Via, §8.2.6.2): the
   * layer reads it only to confirm a hash match.
   */
  get key(): string {
    const kept = this.extras?.key;
    if (kept !== undefined) return kept;
    const message = this.req ?? this.lastResponse;
    return (message && viaKey(message, this.method)) ?? '';
  }

  /** @internal Whether the matching key is `key` (a hash hit, §17.2.3); only a mismatch parses kept bytes. */
  hasKey(key: string): boolean {
    const kept = this.extras?.key;
    if (kept !== undefined) return kept === key;
    if (this.req) return viaKey(this.req, this.method) === key;
    if (typeof this.sent === 'string' && textHasKey(this.sent, this.method, key)) return true;
    return this.key === key;
  }

  /** @internal The key of a transaction without an RFC 3261 branch (RFC 2543 fallback key, or a unique one). */
  get legacyKey(): string | undefined {
    return this.keyHash === undefined ? this.extras?.key : undefined;
  }

  /**
   * @internal Merged-request key of the request (RFC 3261 §8.2.2.2), undefined for a request
   * with a To tag. Read from the request, or once it is dropped from the kept final response
   * (same From, Call-ID and CSeq, §8.2.6.2): only to confirm a hash match, so rarely.
   */
  get mergeKey(): string | undefined {
    if (this.mergeHash === undefined) return undefined;
    const kept = this.extras?.mergeKey;
    if (kept !== undefined) return kept;
    const message = this.req ?? this.lastResponse;
    return message ? mergeParts(message) : undefined;
  }

  /** The layer's clock and wait timers (for {@link TimerSet}). */
  protected get timerRuntime(): ServerTransactionHooks {
    return this.hooks;
  }

  /** The machine's state name (`proceeding`, `trying`, `completed`, `confirmed`, `accepted`, `terminated`). */
  get state(): IstStateName | NistStateName {
    return this.machine.name;
  }

  /**
   * The request, until the final response is sent; undefined afterwards (RFC 3261 §17.2:
   * absorbing retransmissions needs only the key, so the parsed request is not kept).
   */
  get request(): SipRequest | undefined {
    return this.req;
  }

  /**
   * The most recent response sent (what request retransmissions get). Once the final
   * response is sent this is a copy parsed back from the bytes kept for retransmission.
   */
  get lastResponse(): SipResponse | undefined {
    if (this.last) return this.last;
    const text = this.sent;
    if (typeof text !== 'string') return undefined;
    const parsed = parseMessage(Buffer.from(text, 'latin1'));
    return parsed.kind === 'response' ? parsed : undefined;
  }

  /** Status code of the last response sent (cheap: no parsing once finished). */
  get lastStatus(): number | undefined {
    if (this.last) return this.last.status;
    return typeof this.sent === 'string' ? keptStatus(this.sent) : undefined;
  }

  /** Reason phrase of the last response sent (cheap for ASCII phrases once finished). */
  get lastReason(): string | undefined {
    if (this.last) return this.last.reason;
    if (typeof this.sent !== 'string') return undefined;
    // The bytes are kept as latin1: a non-ASCII phrase needs the message's own decoding.
    return keptAsciiReason(this.sent) ?? this.lastResponse?.reason;
  }

  /** The To tag of the last response sent ('' when none): a CANCEL's 200 reuses it (RFC 3261 §9.2), an RFC 2543 ACK matches it (§17.2.3). */
  get responseToTag(): string {
    if (this.last) return toTag(this.last);
    const kept = this.extras?.lastToTag;
    if (kept !== undefined) return kept;
    const parsed = this.lastResponse;
    return parsed ? toTag(parsed) : '';
  }

  /** @internal Whether any response was sent (an RFC 2543 ACK matches only then, §17.2.3). */
  get hasResponded(): boolean {
    return this.last !== undefined || this.sent !== undefined;
  }

  /** Names of the timers now running (for inspection). */
  get runningTimers(): TimerName[] {
    return this.timerNames();
  }

  /**
   * Sends a response to the request through the transaction. Returns false
   * when the machine discards it (a final response was already sent, or the
   * transaction is over); 2xx retransmissions are accepted in Accepted (RFC 6026).
   */
  respond(response: SipResponse): boolean {
    return this.input({ type: 'tu_response', status: response.status }, response);
  }

  /** @internal A retransmission of the request arrived. */
  receiveRetransmission(): void {
    this.input({ type: 'request_retransmission' });
  }

  /** @internal An ACK matched this (INVITE) transaction. */
  receiveAck(ack: SipRequest, flow: Flow): void {
    this.input({ type: 'ack' }, undefined, () => this.hooks.onAck(this, ack, flow));
  }

  /** @internal A timer of this transaction fired. */
  timerFired(name: TimerName): void {
    this.input({ type: 'timer', name } as Input);
  }

  /** Stops the transaction silently (layer shutdown). */
  abort(): void {
    this.clearTimers();
    // Terminated without the terminate effect: nobody is told (the layer forgets everything itself).
    this.machine = { ...this.machine, name: 'terminated' };
  }

  /** Runs one input; `error` is the transport failure a `transport_error` input reports. */
  private input(input: Input, response?: SipResponse, passAck?: () => void, error?: TransportError): boolean {
    // Terminated (or aborted): every machine stays put and sends nothing.
    if (this.machine.name === 'terminated') return false;
    let effects: readonly ServerEffect[];
    if (this.method === 'INVITE') {
      const next = istReduce(this.machine as IstState, input as IstInput);
      this.machine = next.state;
      effects = next.effects;
    } else {
      const next = nistReduce(this.machine as NistState, input as NistInput);
      this.machine = next.state;
      effects = next.effects;
    }
    return this.perform(effects, response, passAck, error);
  }

  /** Performs the machine's effects; true when the TU's response was sent. */
  private perform(
    effects: readonly ServerEffect[],
    response?: SipResponse,
    passAck?: () => void,
    error?: TransportError,
  ): boolean {
    let sent = false;
    for (const effect of effects) {
      switch (effect.type) {
        case 'start_timer':
          this.startTimer(effect.name, effect.ms);
          break;
        case 'stop_timer':
          this.stopTimer(effect.name);
          break;
        case 'send_response':
          if (response) {
            this.sendNew(response);
            sent = true;
          }
          break;
        case 'send_last_response':
          this.resend();
          break;
        case 'send_trying':
          // RFC 3261 §8.2.6.1: 100 Trying carries no To tag.
          if (this.req) this.sendNew(createResponse(this.req, 100, 'Trying'));
          break;
        case 'pass_ack':
          passAck?.();
          break;
        case 'report_timeout':
          this.extras?.onTimeout?.();
          break;
        case 'report_transport_error':
          if (error) this.extras?.onTransportError?.(error);
          break;
        case 'terminate':
          this.clearTimers();
          this.hooks.onTerminate(this);
          this.extras?.onTerminated?.();
          break;
      }
    }
    if ((this.req !== undefined || typeof this.sent === 'object') && this.finished()) this.slim();
    return sent;
  }

  /** Whether the final response went out (RFC 3261 §17.2.1–17.2.2): from here on only retransmissions are absorbed. */
  private finished(): boolean {
    const name = this.machine.name;
    return name !== 'trying' && name !== 'proceeding';
  }

  /** Drops the parsed request and response, keeping the bytes to retransmit and the tags to match. */
  private slim(): void {
    const last = this.last;
    if (last && this.req) this.checkKeys(this.req, last);
    this.req = undefined;
    const extras = this.extras;
    if (last && extras && extras.lastToTag !== undefined) {
      const tag = toTag(last);
      extras.lastToTag = tag === '' ? '' : detach(tag);
    }
    const prepared = this.sent;
    if (typeof prepared === 'object') {
      this.sent = prepared.data.toString('latin1');
      this.route = prepared.flow ? { flow: prepared.flow, target: prepared.target } : prepared.target;
      this.last = undefined;
    }
  }

  /** Keeps the request's key strings when its response cannot give them back (see {@link lostKeys}). */
  private checkKeys(req: SipRequest, last: SipResponse): void {
    const lost = lostKeys(req, last, this.method, this.keyHash !== undefined, this.mergeHash !== undefined);
    if (!lost) return;
    const extras = this.ensureExtras();
    extras.key ??= lost.key;
    extras.mergeKey ??= lost.mergeKey;
  }

  /** Sends a response the machine just produced and remembers it as the last one. */
  private sendNew(response: SipResponse): void {
    if (this.req === undefined && typeof this.sent === 'string') {
      // A response after the request was dropped (a TU's 2xx retransmission in Accepted, RFC 6026):
      // keep the keys read from the response sent before, whatever the new one carries.
      const extras = this.ensureExtras();
      if (this.keyHash !== undefined) extras.key ??= this.key;
      if (this.mergeHash !== undefined) extras.mergeKey ??= this.mergeKey;
    }
    this.last = response;
    this.sent = this.route = undefined;
    const transport = this.hooks.transport;
    const { prepareResponse, sendPrepared } = transport;
    if (!prepareResponse || !sendPrepared) {
      this.watch(transport.sendResponse(response, this.flow));
      return;
    }
    let prepared: PreparedResponse;
    try {
      prepared = prepareResponse.call(transport, response, this.flow);
    } catch (err) {
      this.watch(Promise.reject(err));
      return;
    }
    this.sent = prepared;
    this.sendBytes(prepared);
  }

  /** Sends prepared bytes: without a promise when the transport can (failures come back to sendFailed). */
  private sendBytes(prepared: PreparedResponse): void {
    const transport = this.hooks.transport;
    const { postPrepared, sendPrepared } = transport;
    if (postPrepared) postPrepared.call(transport, prepared, this);
    else if (sendPrepared) this.watch(sendPrepared.call(transport, prepared));
  }

  /** @internal A send made without a promise failed (RFC 3261 §17.2.4). */
  sendFailed(error: TransportError): void {
    if (this.state === 'terminated') return;
    this.input({ type: 'transport_error' }, undefined, undefined, error);
  }

  /** Retransmits the last response, byte for byte (RFC 3261 §17.2.1, §17.2.2). */
  private resend(): void {
    const transport = this.hooks.transport;
    const { sendPrepared } = transport;
    const sent = this.sent;
    const route = this.route;
    if (typeof sent === 'string' && route && sendPrepared) {
      const data = Buffer.from(sent, 'latin1');
      const prepared: PreparedResponse =
        'target' in route ? { data, flow: route.flow, target: route.target } : { data, target: route };
      this.sendBytes(prepared);
    } else if (typeof sent === 'object' && sendPrepared) {
      this.sendBytes(sent);
    } else if (this.last) {
      this.watch(transport.sendResponse(this.last, this.flow));
    }
  }

  private watch(sending: Promise<Flow>): void {
    sending.then(
      () => undefined,
      (err: unknown) => {
        if (this.state === 'terminated') return;
        this.input({ type: 'transport_error' }, undefined, undefined, asTransportError(err, this.flow));
      },
    );
  }
}
