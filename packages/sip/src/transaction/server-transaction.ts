/** The server transaction shell: runs the IST or NIST reducer and performs its effects. */
import type { Clock } from '../clock.js';
import { createResponse } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { Flow, TransportError, TransportUser } from '../transport/types.js';
import { asTransportError } from './transport-error.js';
import type { ServerEffect } from './effects.js';
import type { IstInput, IstState, IstStateName } from './ist.js';
import { istReduce, istStart } from './ist.js';
import type { NistInput, NistState, NistStateName } from './nist.js';
import { nistReduce, nistStart } from './nist.js';
import { TimerSet } from './timer-set.js';
import type { TransactionContext, TimerName } from './timers.js';

type Machine = { kind: 'ist'; state: IstState } | { kind: 'nist'; state: NistState };
type Input = IstInput | NistInput;

/**
 * One server transaction (IST for INVITE, NIST otherwise), handed to the TU
 * with each new request. The TU answers through {@link ServerTransaction.respond};
 * the transaction retransmits and absorbs per RFC 3261 §17.2.
 */
export class ServerTransaction {
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
  private machine: Machine;
  private readonly timers: TimerSet;
  private last: SipResponse | undefined;
  private lastError: TransportError | undefined;
  private aborted = false;

  constructor(
    readonly request: SipRequest,
    /** The flow the request arrived on; responses go back along it (RFC 3261 §18.2.2). */
    readonly flow: Flow,
    readonly key: string,
    clock: Clock,
    private readonly transport: TransportUser,
    ctx: TransactionContext,
    private readonly hooks: {
      onTerminate(tx: ServerTransaction): void;
      onAck(ack: SipRequest, flow: Flow): void;
    },
  ) {
    this.timers = new TimerSet(clock, (name) => this.input({ type: 'timer', name } as Input));
    let effects: readonly ServerEffect[];
    if (request.method === 'INVITE') {
      const start = istStart(ctx);
      this.machine = { kind: 'ist', state: start.state };
      effects = start.effects;
    } else {
      const start = nistStart(ctx);
      this.machine = { kind: 'nist', state: start.state };
      effects = start.effects;
    }
    this.perform(effects);
  }

  /** The machine's state name (`proceeding`, `trying`, `completed`, `confirmed`, `accepted`, `terminated`). */
  get state(): IstStateName | NistStateName {
    return this.aborted ? 'terminated' : this.machine.state.name;
  }

  /** The request's method. */
  get method(): string {
    return this.request.method;
  }

  /** The most recent response sent (what request retransmissions get). */
  get lastResponse(): SipResponse | undefined {
    return this.last;
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
    this.input({ type: 'ack' }, undefined, () => this.hooks.onAck(ack, flow));
  }

  /** Stops the transaction silently (layer shutdown). */
  abort(): void {
    this.timers.clear();
    this.aborted = true;
  }

  /** Runs one input; true when the TU's response was sent. */
  private input(input: Input, response?: SipResponse, passAck?: () => void): boolean {
    if (this.aborted) return false;
    let effects: readonly ServerEffect[];
    if (this.machine.kind === 'ist') {
      const next = istReduce(this.machine.state, input as IstInput);
      this.machine = { kind: 'ist', state: next.state };
      effects = next.effects;
    } else {
      const next = nistReduce(this.machine.state, input as NistInput);
      this.machine = { kind: 'nist', state: next.state };
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
            this.last = response;
            this.send(response);
            sent = true;
          }
          break;
        case 'send_last_response':
          if (this.last) this.send(this.last);
          break;
        case 'send_trying': {
          // RFC 3261 §8.2.6.1: 100 Trying carries no To tag.
          const trying = createResponse(this.request, 100, 'Trying');
          this.last = trying;
          this.send(trying);
          break;
        }
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
    return sent;
  }

  private send(response: SipResponse): void {
    this.transport.sendResponse(response, this.flow).then(
      () => undefined,
      (err: unknown) => {
        if (this.state === 'terminated') return;
        this.lastError = asTransportError(err, this.flow);
        this.input({ type: 'transport_error' });
      },
    );
  }
}
