/** The server transaction shell: runs the IST or NIST reducer and performs its effects. */
import type { Clock } from '../clock.js';
import { createResponse, parseMessage } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type {
  Destination,
  Flow,
  PreparedResponse,
  SendFailureListener,
  TransportError,
  TransportUser,
} from '../transport/types.js';
import { asTransportError } from './transport-error.js';
import type { ServerEffect } from './effects.js';
import type { IstInput, IstState, IstStateName } from './ist.js';
import { istReduce, istStart } from './ist.js';
import { detach, internMethod, toTag } from './keys.js';
import type { NistInput, NistState, NistStateName } from './nist.js';
import { nistReduce, nistStart } from './nist.js';
import { TimerSet } from './timer-set.js';
import type { TimerOwner } from './timer-set.js';
import type { TransactionContext, TimerName } from './timers.js';
import type { WaitTimers } from './wait-timers.js';

type Input = IstInput | NistInput;

/** @internal What the layer does for its server transactions (one object per layer, not per transaction). */
export interface ServerTransactionHooks {
  /** The layer's batched wait timers (J, I, L). */
  readonly waits?: WaitTimers;
  onTerminate(tx: ServerTransaction): void;
  onAck(tx: ServerTransaction, ack: SipRequest, flow: Flow): void;
}

/** @internal What the layer computes once for a new server transaction's matching (RFC 3261 §17.2.3, §8.2.2.2). */
export interface ServerTransactionKeys {
  readonly key: string;
  /** Merged-request key (§8.2.2.2), undefined for requests with a To tag. */
  readonly mergeKey: string | undefined;
  /** RFC 2543 request (no magic cookie): matched by To tags too (§17.2.3). */
  readonly legacy: boolean;
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
export class ServerTransaction implements TimerOwner, SendFailureListener {
  /** INVITE only: a matching CANCEL arrived while no final response was sent (RFC 3261 §9.2); the TU should answer 487. */
  onCancel: ((cancel: SipRequest) => void) | undefined;
  /** A response could not be sent; the transaction is over (RFC 3261 §17.2.4). */
  onTransportError: ((error: TransportError) => void) | undefined;
  /** INVITE only: Timer H fired, the ACK for a non-2xx never came (RFC 3261 §17.2.1). */
  onTimeout: (() => void) | undefined;
  /** INVITE only: an ACK matched the transaction in Accepted (RFC 6026 §8.7); if unset it goes to the layer's onStrayAck. */
  onAck: ((ack: SipRequest, flow: Flow) => void) | undefined;
  /** The transaction reached Terminated. */
  onTerminated: (() => void) | undefined;
  /** The request's method. */
  readonly method: string;
  /** The transaction's matching key (RFC 3261 §17.2.3). */
  readonly key: string;
  /** @internal Merged-request key of the request (RFC 3261 §8.2.2.2), computed at creation. */
  readonly mergeKey: string | undefined;
  /** @internal RFC 2543 requests only: the request's To tag ('' when none), for matching (§17.2.3). */
  readonly requestToTag: string | undefined;
  private machine: IstState | NistState;
  private readonly timers: TimerSet;
  private req: SipRequest | undefined;
  /** The last response sent, while the transaction is active (or when the transport cannot prepare bytes). */
  private last: SipResponse | undefined;
  private lastPrepared: PreparedResponse | undefined;
  /** Once finished: the last response's bytes as a latin1 string (1 byte per byte, no Buffer pool slice kept alive). */
  private resendText: string | undefined;
  private resendFlow: Flow | undefined;
  private resendTarget: Flow | Destination | undefined;
  /** The final response's To tag once the response object is dropped; undefined: read it from the bytes. */
  private lastToTag: string | undefined;
  private lastError: TransportError | undefined;

  constructor(
    request: SipRequest,
    /** The flow the request arrived on; responses go back along it (RFC 3261 §18.2.2). */
    readonly flow: Flow,
    keys: ServerTransactionKeys,
    clock: Clock,
    private readonly transport: TransportUser,
    ctx: TransactionContext,
    private readonly hooks: ServerTransactionHooks,
  ) {
    this.req = request;
    this.method = internMethod(request.method);
    this.key = keys.key;
    this.mergeKey = keys.mergeKey;
    if (keys.legacy) {
      const tag = toTag(request);
      this.requestToTag = tag === '' ? '' : detach(tag);
    }
    // §9.2 (a CANCEL's 200) and §17.2.3 (an RFC 2543 ACK) need the final response's To tag without parsing.
    if (keys.legacy || this.method === 'INVITE') this.lastToTag = '';
    this.timers = new TimerSet(clock, this, hooks.waits);
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
    if (this.resendText === undefined) return undefined;
    const parsed = parseMessage(Buffer.from(this.resendText, 'latin1'));
    return parsed.kind === 'response' ? parsed : undefined;
  }

  /** Status code of the last response sent (cheap: no parsing once finished). */
  get lastStatus(): number | undefined {
    if (this.last) return this.last.status;
    const text = this.resendText;
    if (text === undefined) return undefined;
    // The kept bytes start with the status line we wrote: `SIP/2.0 NNN reason`.
    const sp = text.indexOf(' ');
    return Number(text.slice(sp + 1, sp + 4));
  }

  /** Reason phrase of the last response sent (cheap for ASCII phrases once finished). */
  get lastReason(): string | undefined {
    if (this.last) return this.last.reason;
    const text = this.resendText;
    if (text === undefined) return undefined;
    const reason = text.slice(text.indexOf(' ') + 5, text.indexOf('\r\n'));
    // The bytes are kept as latin1: a non-ASCII phrase needs the message's own decoding.
    return /^[\x20-\x7e]*$/.test(reason) ? reason : this.lastResponse?.reason;
  }

  /** The To tag of the last response sent ('' when none): a CANCEL's 200 reuses it (RFC 3261 §9.2), an RFC 2543 ACK matches it (§17.2.3). */
  get responseToTag(): string {
    if (this.last) return toTag(this.last);
    if (this.lastToTag !== undefined) return this.lastToTag;
    const kept = this.lastResponse;
    return kept ? toTag(kept) : '';
  }

  /** @internal Whether any response was sent (an RFC 2543 ACK matches only then, §17.2.3). */
  get hasResponded(): boolean {
    return this.last !== undefined || this.resendText !== undefined;
  }

  /** Names of the timers now running (for inspection). */
  get runningTimers(): TimerName[] {
    return this.timers.names();
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
    this.timers.clear();
    // Terminated without the terminate effect: nobody is told (the layer forgets everything itself).
    this.machine = { ...this.machine, name: 'terminated' };
  }

  /** Runs one input; true when the TU's response was sent. */
  private input(input: Input, response?: SipResponse, passAck?: () => void): boolean {
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
    return this.perform(effects, response, passAck);
  }

  private perform(effects: readonly ServerEffect[], response?: SipResponse, passAck?: () => void): boolean {
    let sent = false;
    for (const effect of effects) {
      switch (effect.type) {
        case 'start_timer':
          this.timers.start(effect.name, effect.ms);
          break;
        case 'stop_timer':
          this.timers.stop(effect.name);
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
          this.onTimeout?.();
          break;
        case 'report_transport_error':
          if (this.lastError) this.onTransportError?.(this.lastError);
          break;
        case 'terminate':
          this.timers.clear();
          this.hooks.onTerminate(this);
          this.onTerminated?.();
          break;
      }
    }
    if ((this.req !== undefined || this.lastPrepared !== undefined) && this.finished()) this.slim();
    return sent;
  }

  /** Whether the final response went out (RFC 3261 §17.2.1–17.2.2): from here on only retransmissions are absorbed. */
  private finished(): boolean {
    const name = this.machine.name;
    return name !== 'trying' && name !== 'proceeding';
  }

  /** Drops the parsed request and response, keeping the bytes to retransmit and the tags to match. */
  private slim(): void {
    this.req = undefined;
    const last = this.last;
    if (last && this.lastToTag !== undefined) {
      const tag = toTag(last);
      this.lastToTag = tag === '' ? '' : detach(tag);
    }
    const prepared = this.lastPrepared;
    if (prepared) {
      this.resendText = prepared.data.toString('latin1');
      this.resendFlow = prepared.flow;
      this.resendTarget = prepared.target;
      this.lastPrepared = undefined;
      this.last = undefined;
    }
  }

  /** Sends a response the machine just produced and remembers it as the last one. */
  private sendNew(response: SipResponse): void {
    this.last = response;
    this.resendText = this.resendFlow = this.resendTarget = undefined;
    const { prepareResponse, sendPrepared } = this.transport;
    if (!prepareResponse || !sendPrepared) {
      this.lastPrepared = undefined;
      this.watch(this.transport.sendResponse(response, this.flow));
      return;
    }
    let prepared: PreparedResponse;
    try {
      prepared = prepareResponse.call(this.transport, response, this.flow);
    } catch (err) {
      this.lastPrepared = undefined;
      this.watch(Promise.reject(err));
      return;
    }
    this.lastPrepared = prepared;
    this.sendBytes(prepared);
  }

  /** Sends prepared bytes: without a promise when the transport can (failures come back to sendFailed). */
  private sendBytes(prepared: PreparedResponse): void {
    const { postPrepared, sendPrepared } = this.transport;
    if (postPrepared) postPrepared.call(this.transport, prepared, this);
    else if (sendPrepared) this.watch(sendPrepared.call(this.transport, prepared));
  }

  /** @internal A send made without a promise failed (RFC 3261 §17.2.4). */
  sendFailed(error: TransportError): void {
    if (this.state === 'terminated') return;
    this.lastError = error;
    this.input({ type: 'transport_error' });
  }

  /** Retransmits the last response, byte for byte (RFC 3261 §17.2.1, §17.2.2). */
  private resend(): void {
    const { sendPrepared } = this.transport;
    if (this.resendText !== undefined && this.resendTarget && sendPrepared) {
      const data = Buffer.from(this.resendText, 'latin1');
      const prepared: PreparedResponse = this.resendFlow
        ? { data, flow: this.resendFlow, target: this.resendTarget }
        : { data, target: this.resendTarget };
      this.sendBytes(prepared);
    } else if (this.lastPrepared && sendPrepared) {
      this.sendBytes(this.lastPrepared);
    } else if (this.last) {
      this.watch(this.transport.sendResponse(this.last, this.flow));
    }
  }

  private watch(sending: Promise<Flow>): void {
    sending.then(
      () => undefined,
      (err: unknown) => {
        if (this.state === 'terminated') return;
        this.lastError = asTransportError(err, this.flow);
        this.input({ type: 'transport_error' });
      },
    );
  }
}
