/** The client transaction shell: runs the ICT or NICT reducer and performs its effects. */
import type { SipRequest, SipResponse } from '../message/types.js';
import type { Destination, Flow, SendFailureListener, TransportUser } from '../transport/types.js';
import { TransportError } from '../transport/types.js';
import { asTransportError } from './transport-error.js';
import type { ClientEffect, TransactionTransition } from './effects.js';
import type { IctInput, IctState, IctStateName } from './ict.js';
import { ictReduce, ictStart } from './ict.js';
import type { NictInput, NictState, NictStateName } from './nict.js';
import { nictReduce, nictStart } from './nict.js';
import { createAck } from './requests.js';
import { TimerSet } from './timer-set.js';
import type { TimerRuntime } from './timer-set.js';
import type { TransactionContext, TimerName } from './timers.js';

/** What a client transaction reports to its transaction user (RFC 3261 §17.1). */
export interface ClientTransactionUser {
  /** Every response the machine passes up (provisionals, the final, and 2xx retransmissions in Accepted). */
  onResponse(response: SipResponse): void;
  /** Timer B or F fired (the TU treats it as a 408, RFC 3261 §8.1.3.1). */
  onTimeout(): void;
  onTransportError(error: TransportError): void;
  /** The transaction reached Terminated (after any of the above). */
  onTerminated?(): void;
}

type Input = IctInput | NictInput;

/** @internal What the layer gives its client transactions: one object per layer (clock, wait timers D, K, M, transport). */
export interface ClientTransactionRuntime extends TimerRuntime {
  readonly transport: TransportUser;
  onTerminate(tx: ClientTransaction): void;
}

/**
 * One client transaction (ICT for INVITE, NICT otherwise); created by `TransactionLayer.sendRequest`.
 * A NICT in Completed (Timer K) only absorbs response retransmissions (RFC 3261 §17.1.2.2), so
 * it drops the request and, unless it asked for `onTerminated`, its user.
 */
export class ClientTransaction extends TimerSet implements SendFailureListener {
  /** The flow the request went out on, once the transport said so. */
  flow: Flow | undefined;
  /** The request's method. */
  readonly method: string;
  /** The top Via branch of the request. */
  readonly branch: string;
  readonly key: string;
  private readonly destination: Flow | Destination;
  private readonly runtime: ClientTransactionRuntime;
  private machine: IctState | NictState;
  private req: SipRequest | undefined;
  private user: ClientTransactionUser | undefined;
  private ack: SipRequest | undefined;

  constructor(
    request: SipRequest,
    branch: string,
    key: string,
    destination: Flow | Destination,
    user: ClientTransactionUser,
    ctx: TransactionContext,
    runtime: ClientTransactionRuntime,
  ) {
    super();
    this.flow = undefined;
    this.method = request.method;
    this.branch = branch;
    this.key = key;
    this.destination = destination;
    this.runtime = runtime;
    this.req = request;
    this.user = user;
    this.ack = undefined;
    if (request.method === 'INVITE') {
      const start = ictStart(ctx);
      this.machine = start.state;
      this.perform(start.effects, undefined);
    } else {
      const start = nictStart(ctx);
      this.machine = start.state;
      this.perform(start.effects, undefined);
    }
  }

  /** The machine's state name (`calling`, `trying`, `proceeding`, `completed`, `accepted`, `terminated`). */
  get state(): IctStateName | NictStateName {
    return this.machine.name;
  }

  /** The layer's clock and wait timers (for {@link TimerSet}). */
  protected get timerRuntime(): ClientTransactionRuntime {
    return this.runtime;
  }

  /** The request, until the transaction completes; undefined afterwards (a NICT in Completed or an ICT in Completed, which keeps only its ACK). */
  get request(): SipRequest | undefined {
    return this.req;
  }

  /** Names of the timers now running (for inspection). */
  get runningTimers(): TimerName[] {
    return this.timerNames();
  }

  /** Feeds a response that matched this transaction (§17.1.3). */
  receiveResponse(response: SipResponse): void {
    this.input({ type: 'response', status: response.status }, response);
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
  private input(input: Input, response?: SipResponse, error?: TransportError): void {
    // Terminated (or aborted): every machine stays put and sends nothing.
    if (this.machine.name === 'terminated') return;
    let t: TransactionTransition<IctState | NictState, ClientEffect>;
    if (this.method === 'INVITE') {
      const next = ictReduce(this.machine as IctState, input as IctInput);
      this.machine = next.state;
      t = next;
    } else {
      const next = nictReduce(this.machine as NictState, input as NictInput);
      this.machine = next.state;
      t = next;
    }
    this.perform(t.effects, response, error);
  }

  private perform(effects: readonly ClientEffect[], response: SipResponse | undefined, error?: TransportError): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'start_timer':
          this.startTimer(effect.name, effect.ms);
          break;
        case 'stop_timer':
          this.stopTimer(effect.name);
          break;
        case 'send_request':
          if (this.req) this.send(this.req, this.flow === undefined);
          break;
        case 'send_ack':
          if (response) {
            // RFC 3261 §17.1.1.3: the same ACK for every retransmission of the final response.
            const ack = this.ack ?? (this.req ? createAck(this.req, response) : undefined);
            this.ack = ack;
            if (ack) this.send(ack, false);
          }
          break;
        case 'pass_response':
          if (response) this.user?.onResponse(response);
          break;
        case 'report_timeout':
          this.user?.onTimeout();
          break;
        case 'report_transport_error':
          this.user?.onTransportError(error ?? new TransportError('transport error', this.destination));
          break;
        case 'terminate':
          this.clearTimers();
          this.runtime.onTerminate(this);
          this.user?.onTerminated?.();
          break;
      }
    }
    if (this.req && this.machine.name === 'completed') this.slim();
  }

  /**
   * Completed only absorbs retransmitted responses until Timer K or D (RFC 3261 §17.1.1.2,
   * §17.1.2.2): drop the request (an ICT keeps its ACK), and a NICT its user unless it
   * waits for `onTerminated` (an ICT may still report a transport error sending the ACK).
   */
  private slim(): void {
    this.req = undefined;
    if (this.method !== 'INVITE' && !this.user?.onTerminated) this.user = undefined;
  }

  /** @internal A send made without a promise failed (the transport tells the transaction itself: no closure per send). */
  sendFailed(error: TransportError): void {
    if (this.state === 'terminated') return;
    this.input({ type: 'transport_error' }, undefined, error);
  }

  private send(message: SipRequest, first: boolean): void {
    // RFC 3261 §17.1.1.3 / §18.1.1: retransmissions and the ACK follow the flow of the first send.
    const to = this.flow ?? this.destination;
    const transport = this.runtime.transport;
    const post = transport.postRequest;
    const sending = post ? post.call(transport, message, to, this) : transport.sendRequest(message, to);
    if (!(sending instanceof Promise)) {
      // Sent at once as a datagram (an unreliable flow: nothing more to decide), or failed (reported to sendFailed).
      if (sending !== undefined && this.flow === undefined) this.flow = sending;
      return;
    }
    sending.then(
      (flow) => {
        if (this.flow !== undefined) return;
        this.flow = flow;
        if (first && this.state !== 'terminated' && !this.machine.ctx.reliable) {
          if (transport.isReliable(flow)) this.input({ type: 'reliable_flow' });
        }
      },
      (err: unknown) => {
        if (this.state === 'terminated') return;
        this.input({ type: 'transport_error' }, undefined, asTransportError(err, to));
      },
    );
  }
}
