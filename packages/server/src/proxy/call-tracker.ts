/**
 * Dialog tracking of proxied calls (OpenSIPS pua_dialoginfo style): turns
 * INVITE / response / BYE / CANCEL events into `CallTrackingUpdate`s for
 * both the caller (initiator) and the callee (recipient) presentity, and
 * counts each presentity's early and confirmed calls.
 */
import type { CallTrackingUpdate } from '@herald/dialog';
import type { SipRequest, SipResponse } from '@herald/sip';
import type { ActiveCallsSink, CallTrackingSink } from '../contracts.js';

type TerminationEvent = NonNullable<CallTrackingUpdate['event']>;

interface Side {
  /** The presentity (`sip:user@host`), when it is one of ours. */
  readonly resource: string | undefined;
  readonly identity: string | undefined;
}

interface TrackedCall {
  readonly callId: string;
  readonly callerTag: string;
  readonly caller: Side;
  readonly callee: Side;
  readonly callerTarget: string | undefined;
  /** Callee targets (Contact) per To tag. */
  readonly calleeTargets: Map<string, string | undefined>;
  /** To tag of the answered branch. */
  answeredTag: string | undefined;
  /** Counted in the active-call totals. */
  active: boolean;
}

/** Who a call is between, as the proxy saw the INVITE. */
export interface CallParties {
  /** Caller presentity when local, else undefined. */
  readonly callerResource: string | undefined;
  /** Callee presentity when local, else undefined. */
  readonly calleeResource: string | undefined;
}

/** A tag parameter (a flag without value counts as none). */
export function tagOf(value: { readonly params: ReadonlyMap<string, string | null> } | undefined): string | undefined {
  return value?.params.get('tag') ?? undefined;
}

function contactUri(message: SipRequest | SipResponse): string | undefined {
  try {
    const contact = message.contact;
    return contact === undefined || contact === '*' ? undefined : contact[0]?.uri.raw;
  } catch {
    return undefined;
  }
}

function sdpOf(message: SipRequest | SipResponse): Buffer | undefined {
  return message.body.length > 0 && message.contentType === 'application/sdp' ? message.body : undefined;
}

/** Tracks the calls the proxy routes and reports them to the dialog package and presence. */
export class CallTracker {
  private readonly calls = new Map<string, TrackedCall>();
  private readonly activeCounts = new Map<string, number>();

  constructor(
    private readonly sink: CallTrackingSink | undefined,
    private readonly onActiveCalls: ActiveCallsSink | undefined,
  ) {}

  /** Number of calls being tracked. */
  get size(): number {
    return this.calls.size;
  }

  /** An out-of-dialog INVITE is being forwarded: both sides are `trying`. */
  invite(request: SipRequest, parties: CallParties): void {
    const callId = request.callId;
    const callerTag = tagOf(request.from);
    if (callId === undefined || callerTag === undefined || this.calls.has(callId)) return;
    if (parties.callerResource === undefined && parties.calleeResource === undefined) return;
    const call: TrackedCall = {
      callId,
      callerTag,
      caller: {
        resource: parties.callerResource,
        identity: request.headers.get('From')?.replace(/;\s*tag=[^;]*/i, ''),
      },
      callee: { resource: parties.calleeResource, identity: request.headers.get('To') },
      callerTarget: contactUri(request),
      calleeTargets: new Map(),
      answeredTag: undefined,
      active: false,
    };
    this.calls.set(callId, call);
    this.report(call, 'trying', undefined);
  }

  /** A 1xx (not 100) of one branch: `early` with a To tag, `proceeding` without (RFC 4235 §3.7.1). */
  provisional(response: SipResponse): void {
    const call = this.find(response);
    if (!call || call.answeredTag !== undefined || response.status === 100) return;
    const tag = tagOf(response.to);
    if (tag !== undefined) call.calleeTargets.set(tag, contactUri(response));
    this.report(call, tag === undefined ? 'proceeding' : 'early', tag);
    this.setActive(call, true);
  }

  /** The 2xx of one branch: `confirmed`. */
  answered(response: SipResponse): void {
    const call = this.find(response);
    const tag = tagOf(response.to);
    if (!call || tag === undefined || call.answeredTag !== undefined) return;
    call.answeredTag = tag;
    call.calleeTargets.set(tag, contactUri(response));
    this.report(call, 'confirmed', tag);
    this.setActive(call, true);
  }

  /** One branch failed while others may still ring: only that branch ends. */
  branchFailed(response: SipResponse): void {
    const call = this.find(response);
    const tag = tagOf(response.to);
    if (!call || tag === undefined || call.answeredTag !== undefined || !call.calleeTargets.has(tag)) return;
    this.report(call, 'terminated', tag, { event: 'rejected', code: response.status });
  }

  /**
   * The INVITE transaction ended without an answer (final failure, CANCEL,
   * timeout): an untagged end ends every branch still ringing.
   */
  unanswered(callId: string, event: TerminationEvent, code?: number): void {
    const call = this.calls.get(callId);
    if (!call || call.answeredTag !== undefined) return;
    this.report(call, 'terminated', undefined, code === undefined ? { event } : { event, code });
    this.forget(call);
  }

  /** A BYE for an answered call: terminated, `local-bye` for the side that sent it, `remote-bye` for the other. */
  bye(request: SipRequest): void {
    const call = request.callId === undefined ? undefined : this.calls.get(request.callId);
    if (!call) return;
    if (call.answeredTag === undefined) {
      // A BYE before the answer (RFC 3261 §15: a caller may not, but some do): treat as a cancel.
      this.unanswered(call.callId, 'cancelled');
      return;
    }
    const byCaller = tagOf(request.from) === call.callerTag;
    this.reportSide(call, 'caller', 'terminated', call.answeredTag, { event: byCaller ? 'local-bye' : 'remote-bye' });
    this.reportSide(call, 'callee', 'terminated', call.answeredTag, { event: byCaller ? 'remote-bye' : 'local-bye' });
    this.forget(call);
  }

  /**
   * An in-dialog offer (re-INVITE, UPDATE) with SDP: the offerer's side gets
   * the SDP, so the dialog package's `isHold` marks it held (sendonly /
   * inactive) or resumed.
   */
  offer(request: SipRequest): void {
    const call = request.callId === undefined ? undefined : this.calls.get(request.callId);
    const sdp = sdpOf(request);
    if (!call || call.answeredTag === undefined || sdp === undefined) return;
    const byCaller = tagOf(request.from) === call.callerTag;
    this.reportSide(call, byCaller ? 'caller' : 'callee', 'confirmed', call.answeredTag, { sdp });
  }

  private find(response: SipResponse): TrackedCall | undefined {
    return response.callId === undefined ? undefined : this.calls.get(response.callId);
  }

  private forget(call: TrackedCall): void {
    this.calls.delete(call.callId);
    this.setActive(call, false);
  }

  private report(
    call: TrackedCall,
    state: CallTrackingUpdate['state'],
    calleeTag: string | undefined,
    extra: Partial<CallTrackingUpdate> = {},
  ): void {
    this.reportSide(call, 'caller', state, calleeTag, extra);
    this.reportSide(call, 'callee', state, calleeTag, extra);
  }

  private reportSide(
    call: TrackedCall,
    side: 'caller' | 'callee',
    state: CallTrackingUpdate['state'],
    calleeTag: string | undefined,
    extra: Partial<CallTrackingUpdate>,
  ): void {
    const calleeTarget = calleeTag === undefined ? undefined : call.calleeTargets.get(calleeTag);
    const caller = side === 'caller';
    const resource = caller ? call.caller.resource : call.callee.resource;
    if (resource === undefined || !this.sink) return;
    const update: CallTrackingUpdate = {
      callId: call.callId,
      direction: caller ? 'initiator' : 'recipient',
      state,
      ...opt('localTag', caller ? call.callerTag : calleeTag),
      ...opt('remoteTag', caller ? calleeTag : call.callerTag),
      ...opt('localIdentity', caller ? call.caller.identity : call.callee.identity),
      ...opt('remoteIdentity', caller ? call.callee.identity : call.caller.identity),
      ...opt('localTarget', caller ? call.callerTarget : calleeTarget),
      ...opt('remoteTarget', caller ? calleeTarget : call.callerTarget),
      ...extra,
    };
    this.sink.update(resource, update);
  }

  private setActive(call: TrackedCall, active: boolean): void {
    if (call.active === active) return;
    call.active = active;
    for (const resource of new Set([call.caller.resource, call.callee.resource])) {
      if (resource === undefined) continue;
      const count = Math.max(0, (this.activeCounts.get(resource) ?? 0) + (active ? 1 : -1));
      if (count === 0) this.activeCounts.delete(resource);
      else this.activeCounts.set(resource, count);
      this.onActiveCalls?.(resource, count);
    }
  }
}

function opt<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
