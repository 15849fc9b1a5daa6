/**
 * One response context of the stateful proxy (RFC 3261 §16.7): the server
 * transaction of the incoming request and one client transaction per
 * target (parallel forking), best-response selection, and CANCEL of the
 * other branches once one answers or the caller cancels (§16.10).
 */
import {
  createCancel,
  type CancelTimer,
  type Clock,
  createResponse,
  type ClientTransaction,
  type Destination,
  type Flow,
  type IncomingRequest,
  type SipRequest,
  type SipResponse,
  type TransactionLayer,
} from '@herald/sip';
import { chooseBest, upstreamStatus } from './best-response.js';
import { upstreamCopy } from './forward.js';

/** One forwarded copy and where it goes. */
export interface ForwardTarget {
  readonly request: SipRequest;
  readonly to: Flow | Destination;
}

/** What a response context reports (the proxy feeds dialog tracking from it). */
export interface ResponseContextEvents {
  /** A 1xx other than 100 from one branch (already forwarded upstream). */
  onProvisional?(response: SipResponse): void;
  /** The first 2xx (already forwarded upstream). */
  onAnswer?(response: SipResponse): void;
  /** One branch ended with a final failure. */
  onBranchFailure?(response: SipResponse): void;
  /** The context ended without a 2xx: the best response went upstream, or the caller cancelled. */
  onUnanswered?(outcome: { cancelled: true } | { cancelled: false; status: number; timedOut: boolean }): void;
}

interface Branch {
  readonly target: ForwardTarget;
  tx: ClientTransaction | undefined;
  provisional: boolean;
  done: boolean;
  /** CANCEL asked before any provisional: sent when one arrives (RFC 3261 §9.1). */
  cancelWanted: boolean;
  /** Timer C (RFC 3261 §16.6 step 11), re-armed by every provisional. */
  timerC: CancelTimer | undefined;
}

/** Timer C: longer than 3 minutes (RFC 3261 §16.6 step 11). */
export const TIMER_C_MS = 181_000;

/** Runs one incoming request's branches and answers it upstream. */
export class ResponseContext {
  private readonly branches: Branch[] = [];
  private readonly finals: SipResponse[] = [];
  /** Finals we made up for a timeout or transport error. */
  private readonly local = new WeakSet<SipResponse>();
  private answered = false;
  private finished = false;
  private readonly invite: boolean;

  constructor(
    private readonly incoming: IncomingRequest,
    private readonly transactions: TransactionLayer,
    private readonly events: ResponseContextEvents = {},
    private readonly clock?: Clock,
    private readonly timerCMs = TIMER_C_MS,
  ) {
    this.invite = incoming.request.method === 'INVITE';
  }

  /** Whether the upstream transaction got its final response. */
  get done(): boolean {
    return this.finished;
  }

  /** Starts one client transaction per target (§16.6 step 10). */
  start(targets: readonly ForwardTarget[]): void {
    if (this.finished) return; // cancelled while the targets were being resolved
    for (const target of targets)
      this.branches.push({
        target,
        tx: undefined,
        provisional: false,
        done: false,
        cancelWanted: false,
        timerC: undefined,
      });
    for (const branch of this.branches) {
      if (this.invite) this.armTimerC(branch);
      branch.tx = this.transactions.sendRequest(branch.target.request, branch.target.to, {
        onResponse: (response) => this.receive(branch, response),
        onTimeout: () => this.fail(branch, 408, 'Request Timeout', true),
        onTransportError: () => this.fail(branch, 503, 'Service Unavailable', false),
      });
    }
  }

  /** §16.10: the caller's CANCEL cancels every pending branch; the caller gets 487 at once. */
  cancel(): void {
    if (this.finished) return;
    this.finished = true;
    for (const branch of this.branches) this.cancelBranch(branch);
    this.incoming.respond(487, 'Request Terminated');
    this.events.onUnanswered?.({ cancelled: true });
  }

  private receive(branch: Branch, response: SipResponse): void {
    if (response.status < 200) {
      if (response.status > 100) {
        branch.provisional = true;
        this.armTimerC(branch);
      }
      if (branch.cancelWanted) this.cancelBranch(branch);
      // §16.7 step 5: forward provisionals but 100 (we sent our own 100).
      if (response.status === 100 || this.finished) return;
      this.incoming.send(upstreamCopy(response));
      this.events.onProvisional?.(response);
      return;
    }
    branch.timerC?.();
    if (response.status < 300) {
      branch.done = true;
      // §16.7 step 5: every 2xx to an INVITE goes upstream (the UAC ACKs each); else only the first final.
      if (this.finished && !(this.invite && this.answered)) return;
      this.incoming.send(upstreamCopy(response));
      if (!this.answered) {
        this.answered = true;
        this.finished = true;
        // §16.7 step 10: cancel the branches still pending.
        for (const other of this.branches) if (other !== branch) this.cancelBranch(other);
        this.events.onAnswer?.(response);
      }
      return;
    }
    if (branch.done) return;
    branch.done = true;
    this.finals.push(response);
    if (!this.finished) this.events.onBranchFailure?.(response);
    // §16.7 step 5: a 6xx ends the search: cancel the rest.
    if (this.invite && response.status >= 600) for (const other of this.branches) this.cancelBranch(other);
    this.settle(false);
  }

  private fail(branch: Branch, status: number, reason: string, timedOut: boolean): void {
    if (branch.done) return;
    branch.done = true;
    branch.timerC?.();
    // §16.7 step 2 / §16.8: a branch that timed out or could not be sent counts as a 408 / 503.
    const response = createResponse(branch.target.request, status, reason);
    this.local.add(response);
    this.finals.push(response);
    this.settle(timedOut);
  }

  /** §16.7 step 6: once every branch ended, the best response goes upstream. */
  private settle(timedOut: boolean): void {
    if (this.finished || this.branches.some((b) => !b.done)) return;
    this.finished = true;
    const best = chooseBest(this.finals);
    const status = upstreamStatus(best?.status ?? 408);
    if (best && best.status === status && !this.local.has(best)) {
      this.incoming.send(upstreamCopy(best));
    } else {
      // Locally made (timeout/transport error) or a 503 turned 500: our own response.
      this.incoming.respond(status, status === 408 ? 'Request Timeout' : best?.reason);
    }
    const allTimedOut = timedOut && this.finals.every((r) => r.status === 408);
    this.events.onUnanswered?.({ cancelled: false, status, timedOut: allTimedOut });
  }

  /** §16.8: when Timer C fires, a ringing branch is CANCELled and counts as a 408 (timeout). */
  private armTimerC(branch: Branch): void {
    if (!this.clock) return;
    branch.timerC?.();
    branch.timerC = this.clock.setTimer(this.timerCMs, () => {
      branch.timerC = undefined;
      if (branch.done) return;
      this.cancelBranch(branch);
      this.fail(branch, 408, 'Request Timeout', true);
    });
  }

  private cancelBranch(branch: Branch): void {
    if (!this.invite || branch.done || !branch.tx) return;
    if (!branch.provisional) {
      branch.cancelWanted = true;
      return;
    }
    branch.cancelWanted = false;
    // The request the ICT sent (same object; the transaction drops its own reference once completed).
    const cancel = createCancel(branch.target.request);
    this.transactions.sendRequest(cancel, branch.tx.flow ?? branch.target.to, {
      onResponse: () => undefined,
      onTimeout: () => undefined,
      onTransportError: () => undefined,
    });
  }
}
