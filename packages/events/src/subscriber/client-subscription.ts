/**
 * One outgoing subscription (RFC 6665 §4.1): the shell around
 * {@link reduceSubscription}. It builds and sends the SUBSCRIBEs, keeps the
 * dialog, turns responses, NOTIFYs and timer firings into machine inputs and
 * performs the machine's effects. A ClientSubscription lives across attempts:
 * when the notifier ends a subscription that may be renewed (deactivated,
 * timeout, a refresh answered 481, …) it starts a new dialog by itself and
 * says so with a `terminated` event carrying `retry: true`.
 */
import {
  type CancelTimer,
  type Dialog,
  type IncomingRequest,
  type SipRequest,
  type SipResponse,
  createInDialogRequest,
  createUacDialog,
  generateCallId,
  generateInitialCSeq,
  generateTag,
  isLocalResponse,
  receiveResponseInDialog,
} from '@herald/sip';
import type { EventHost } from '../host.js';
import { TypedEmitter } from './emitter.js';
import {
  type MachineEffect,
  type MachineInput,
  type MachineState,
  type Purpose,
  type Termination,
  type TimerName,
  initialMachineState,
  reduceSubscription,
} from './machine.js';
import { matchNotify } from './notify-match.js';
import type { ResolvedTimings, SubscribeOptions } from './options.js';
import { buildInitialSubscribe, headerSeconds, subscribeHeaders } from './subscribe-request.js';

/** The public state of a {@link ClientSubscription}. */
export type ClientSubscriptionState =
  'idle' | 'subscribing' | 'pending' | 'active' | 'retrying' | 'unsubscribing' | 'terminated';

/** One NOTIFY as delivered to the caller. */
export interface NotifyEvent {
  /** Subscription-State value (extension values are reported as `pending`). */
  readonly state: 'active' | 'pending' | 'terminated';
  readonly reason?: string;
  /** Subscription-State `expires` (s). */
  readonly expires?: number;
  /** Subscription-State `retry-after` (s). */
  readonly retryAfter?: number;
  /** Content-Type without parameters, lower-cased; undefined when the NOTIFY has none. */
  readonly contentType: string | undefined;
  readonly body: Buffer;
  readonly request: SipRequest;
}

/** A failure that did not end the subscription. */
export interface SubscriptionError {
  readonly message: string;
  readonly status?: number;
}

/** Events of a {@link ClientSubscription}. */
export interface ClientSubscriptionEvents {
  notify: NotifyEvent;
  state: ClientSubscriptionState;
  /** An attempt ended: `retry: true` when a new one follows, `false` when the subscription is over. */
  terminated: Termination;
  error: SubscriptionError;
}

/** What a subscription needs from its {@link Subscriber}: the NOTIFY routing table and shared settings. */
export interface SubscriptionLink {
  readonly host: EventHost;
  /** Routes NOTIFYs with this Call-ID and To tag to the subscription. */
  bind(key: string, subscription: ClientSubscription): void;
  unbind(key: string): void;
  readonly allowEvents: readonly string[];
}

/** Key of the NOTIFY routing table: Call-ID and our tag (RFC 6665 §4.1.2.4). */
export function notifyKey(callId: string, localTag: string): string {
  return `${callId}\n${localTag}`;
}

interface Attempt {
  readonly callId: string;
  readonly localTag: string;
  /** The initial SUBSCRIBE (for the dialog built from its 2xx). */
  readonly request: SipRequest;
  /** Last CSeq number we used in this attempt. */
  localSeq: number;
  dialog: Dialog | undefined;
}

/** An outgoing subscription; create it with {@link Subscriber.subscribe}. */
export class ClientSubscription extends TypedEmitter<ClientSubscriptionEvents> {
  private machine: MachineState;
  private attempt: Attempt | undefined;
  private readonly timers = new Map<TimerName, { cancel: CancelTimer; generation: number }>();
  private timerGeneration = 0;
  private readonly queue: MachineInput[] = [];
  private running = false;
  private published: ClientSubscriptionState = 'idle';
  private lastTermination: Termination | undefined;
  private readonly done: Promise<Termination>;
  private resolveDone: (termination: Termination) => void = () => undefined;

  /** @internal Use {@link Subscriber.subscribe}. */
  constructor(
    private readonly link: SubscriptionLink,
    /** The options this subscription was made with. */
    readonly options: SubscribeOptions,
    /** Timings with defaults applied (seconds). */
    readonly timings: ResolvedTimings,
  ) {
    super();
    this.machine = initialMachineState(timings.expires);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    // A throwing listener must not break the protocol; it is reported as an `error` event instead.
    this.onListenerError = (err, event) => {
      if (event !== 'error') this.emit('error', { message: `${event} listener failed: ${String(err)}` });
    };
  }

  /** Public state. */
  get state(): ClientSubscriptionState {
    switch (this.machine.phase) {
      case 'idle':
      case 'delayed':
        return 'idle';
      case 'subscribing':
        return this.machine.status ?? 'subscribing';
      case 'subscribed':
        return this.machine.status ?? 'pending';
      case 'retrying':
      case 'unsubscribing':
      case 'terminated':
        return this.machine.phase;
    }
  }

  /** The current dialog (undefined before the 2xx or first NOTIFY, and between attempts). */
  get dialog(): Dialog | undefined {
    return this.attempt?.dialog;
  }

  /** Clock ms at which the subscription lapses unless refreshed (undefined when not established). */
  get expiresAt(): number | undefined {
    return this.machine.phase === 'subscribed' || this.machine.phase === 'unsubscribing'
      ? this.machine.expiresAt
      : undefined;
  }

  /** Expires (s) asked for in the next SUBSCRIBE (raised by a 423). */
  get requestedExpires(): number {
    return this.machine.expires;
  }

  /** How the last attempt ended (its status tells why a phone refused: 489, 405, …). */
  get termination(): Termination | undefined {
    return this.lastTermination;
  }

  /** Resolves once the subscription is over for good. */
  whenTerminated(): Promise<Termination> {
    return this.done;
  }

  /** Sends a refresh now (ignored unless established and no refresh is in flight). */
  refresh(): void {
    this.input({ type: 'refresh' });
  }

  /**
   * Unsubscribes (RFC 6665 §4.1.2.3: SUBSCRIBE with Expires 0) and resolves
   * when the terminated NOTIFY arrived or `waitForTerminalNotify` passed.
   */
  unsubscribe(): Promise<Termination> {
    this.input({ type: 'unsubscribe' });
    return this.done;
  }

  /** @internal Starts the first attempt after `delayMs` (the Subscriber's random start delay). */
  start(delayMs: number): void {
    this.input({ type: 'start', delayMs });
  }

  /** @internal Stops every timer without unsubscribing; ends with reason `closed`. */
  close(): void {
    this.input({ type: 'close' });
  }

  /**
   * @internal A NOTIFY the Subscriber routed here by Call-ID and To tag.
   * RFC 6665 §4.1.3: answered 489 for another event package, 481 for another
   * `id` or another fork (RFC 6665 §4.1.4: we keep the first dialog), 400 without
   * Subscription-State, 200 otherwise; then delivered as a `notify` event.
   */
  handleNotify(incoming: IncomingRequest): void {
    const request = incoming.request;
    const attempt = this.attempt;
    if (!attempt) {
      incoming.respond(481, 'Subscription Does Not Exist');
      return;
    }
    const verdict = matchNotify(request, {
      event: this.options.event.toLowerCase(),
      eventId: this.options.eventId,
      localTag: attempt.localTag,
      localSeq: attempt.localSeq,
      dialog: attempt.dialog,
    });
    if (!verdict.ok) {
      incoming.respond(verdict.status, verdict.reason, { headers: verdict.headers });
      return;
    }
    attempt.dialog = verdict.dialog;
    const substate = verdict.substate;
    incoming.respond(200, 'OK');
    const state = substate.state === 'active' || substate.state === 'terminated' ? substate.state : 'pending';
    this.emit('notify', {
      state,
      reason: substate.reason,
      expires: substate.expires,
      retryAfter: substate.retryAfter,
      contentType: request.contentType,
      body: request.body,
      request,
    });
    this.input({
      type: 'notify',
      state: substate.state,
      reason: substate.reason,
      expires: substate.expires,
      retryAfter: substate.retryAfter,
    });
  }

  private input(input: MachineInput): void {
    this.queue.push(input);
    if (this.running) return; // a listener called back into us: run after the current input
    this.running = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.step(next);
    } finally {
      this.running = false;
    }
  }

  private step(input: MachineInput): void {
    const { state, effects } = reduceSubscription(this.machine, input, {
      now: this.link.host.clock.now(),
      timings: this.timings,
    });
    this.machine = state;
    const notices: Array<() => void> = [];
    for (const effect of effects) this.perform(effect, notices);
    const current = this.state;
    if (current !== this.published) {
      this.published = current;
      this.emit('state', current);
    }
    for (const notice of notices) notice();
  }

  private perform(effect: MachineEffect, notices: Array<() => void>): void {
    switch (effect.type) {
      case 'send':
        if (effect.purpose === 'initial') this.sendInitial(effect.expires);
        else this.sendInDialog(effect.purpose, effect.expires);
        return;
      case 'setTimer':
        this.setTimer(effect.name, effect.ms);
        return;
      case 'cancelTimer':
        this.cancelTimer(effect.name);
        return;
      case 'terminated': {
        const termination = effect.termination;
        this.lastTermination = termination;
        this.endAttempt();
        notices.push(() => this.emit('terminated', termination));
        if (!termination.retry) notices.push(() => this.resolveDone(termination));
        return;
      }
      case 'error': {
        const error: SubscriptionError = { message: effect.message, status: effect.status };
        notices.push(() => this.emit('error', error));
        return;
      }
    }
  }

  private setTimer(name: TimerName, ms: number): void {
    this.cancelTimer(name);
    const generation = ++this.timerGeneration;
    const cancel = this.link.host.clock.setTimer(ms, () => {
      // A firing whose generation was replaced is stale (after reSIProcate's sequenced timers).
      if (this.timers.get(name)?.generation !== generation) return;
      this.timers.delete(name);
      this.input({ type: 'timer', name });
    });
    this.timers.set(name, { cancel, generation });
  }

  private cancelTimer(name: TimerName): void {
    const timer = this.timers.get(name);
    if (!timer) return;
    timer.cancel();
    this.timers.delete(name);
  }

  private endAttempt(): void {
    if (this.attempt) this.link.unbind(notifyKey(this.attempt.callId, this.attempt.localTag));
    this.attempt = undefined;
  }

  private sendInitial(expires: number): void {
    this.endAttempt();
    const ids = { callId: generateCallId(), localTag: generateTag(), seq: generateInitialCSeq() };
    const { callId, localTag } = ids;
    const request = buildInitialSubscribe(this.options, this.link.allowEvents, ids, expires);
    const attempt: Attempt = { callId, localTag, request, localSeq: ids.seq, dialog: undefined };
    this.attempt = attempt;
    // Bound before sending: the NOTIFY may overtake the 2xx (RFC 6665 §4.1.2.4).
    this.link.bind(notifyKey(callId, localTag), this);
    this.send(attempt, 'initial', request);
  }

  private sendInDialog(purpose: Purpose, expires: number): void {
    const attempt = this.attempt;
    if (!attempt?.dialog) {
      this.input({ type: 'response', purpose, status: 481, local: true });
      return;
    }
    const built = createInDialogRequest({ ...attempt.dialog, localSeq: attempt.localSeq }, 'SUBSCRIBE', {
      headers: subscribeHeaders(this.options, this.link.allowEvents, expires),
    });
    attempt.dialog = built.dialog;
    attempt.localSeq = built.dialog.localSeq ?? attempt.localSeq;
    this.send(attempt, purpose, built.request);
  }

  private send(attempt: Attempt, purpose: Purpose, request: SipRequest): void {
    const o = this.options;
    this.link.host.request(request, { to: o.destination, auth: o.credentials }).then(
      (response) => this.onResponse(attempt, purpose, request, response),
      (err: unknown) => {
        // No route to the target (DNS, unsupported scheme): a local failure, retried like a 503.
        this.emit('error', { message: `SUBSCRIBE not sent: ${String(err)}` });
        if (attempt === this.attempt) this.input({ type: 'response', purpose, status: 503, local: true });
      },
    );
  }

  private onResponse(attempt: Attempt, purpose: Purpose, request: SipRequest, response: SipResponse): void {
    if (attempt !== this.attempt) return; // an answer to an attempt already over
    // A challenged request was re-sent with CSeq + 1 (RFC 3261 §22.2): keep our sequence ahead.
    const seq = response.cseq?.seq;
    if (seq !== undefined && seq > attempt.localSeq) attempt.localSeq = seq;
    const ok = response.status >= 200 && response.status < 300;
    let dialogError: string | undefined;
    if (ok && purpose === 'initial') dialogError = this.joinDialog(attempt, request, response);
    else if (ok && attempt.dialog) attempt.dialog = receiveResponseInDialog(attempt.dialog, request, response);
    this.input({
      type: 'response',
      purpose,
      status: response.status,
      local: isLocalResponse(response),
      expires: response.expires,
      minExpires: headerSeconds(response, 'Min-Expires'),
      retryAfter: headerSeconds(response, 'Retry-After'),
      dialogError,
    });
  }

  /** The 2xx to the initial SUBSCRIBE creates the dialog, or joins the one a NOTIFY created. */
  private joinDialog(attempt: Attempt, request: SipRequest, response: SipResponse): string | undefined {
    if (attempt.dialog) {
      // Same notifier: take its 2xx's Contact as the target. Another fork's 2xx: keep the first dialog.
      if (response.to?.params.get('tag') === attempt.dialog.id.remoteTag) {
        attempt.dialog = receiveResponseInDialog(attempt.dialog, request, response);
      }
      attempt.dialog = { ...attempt.dialog, localSeq: attempt.localSeq };
      return undefined;
    }
    const created = createUacDialog(request, response);
    if (!created.ok) return created.reason;
    attempt.dialog = { ...created.dialog, localSeq: attempt.localSeq };
    return undefined;
  }
}
