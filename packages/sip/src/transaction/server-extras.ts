/**
 * What only some server transactions keep, in one object made on demand (issue 7: tens of
 * thousands of finished REGISTER, SUBSCRIBE and NOTIFY transactions wait for Timer J with none).
 */
import type { SipRequest, SipResponse } from '../message/types.js';
import type { Destination, Flow, TransportError } from '../transport/types.js';
import { detach, mergeParts, textTopVia, topViaKey, viaKey } from './keys.js';
import { TimerSet } from './timer-set.js';

/** @internal What the layer computes once for a new server transaction's matching (RFC 3261 §17.2.3, §8.2.2.2). */
export interface ServerTransactionKeys {
  /** Hash of the §17.2.3 key (see `HashIndex`) for an RFC 3261 branch; undefined otherwise. */
  readonly keyHash: number | undefined;
  /** The key of a transaction without an RFC 3261 branch (RFC 2543 fallback key, or a unique one), kept as is. */
  readonly key: string | undefined;
  /** Hash of the merged-request key (§8.2.2.2, see `HashIndex`), undefined for requests with a To tag. */
  readonly mergeHash: number | undefined;
  /** RFC 2543 request (no magic cookie): matched by To tags too (§17.2.3). */
  readonly legacy: boolean;
}

/** Where a finished transaction's bytes go again: the target, or for a connection the flow tried first (§18.2.2). */
export type ResendRoute = Flow | Destination | { readonly flow: Flow; readonly target: Flow | Destination };

/**
 * What only some transactions keep, in one object made on demand: INVITE (its callbacks, the To tag
 * a CANCEL's 200 reuses, §9.2), RFC 2543 requests (To tags to match, §17.2.3), and any callback a
 * TU sets. A finished REGISTER, SUBSCRIBE or NOTIFY server transaction has none (issue 7: tens of
 * thousands wait for Timer J).
 */
export interface Extras {
  onCancel: ((cancel: SipRequest) => void) | undefined;
  onTransportError: ((error: TransportError) => void) | undefined;
  onTimeout: (() => void) | undefined;
  onAck: ((ack: SipRequest, flow: Flow) => void) | undefined;
  onTerminated: (() => void) | undefined;
  requestToTag: string | undefined;
  lastToTag: string | undefined;
  /** The key of a transaction without an RFC 3261 branch, or one its response cannot give back. */
  key: string | undefined;
  /** The merged-request key when the response cannot give it back. */
  mergeKey: string | undefined;
}

/** An empty {@link Extras}, every field present (one shape). */
export function newExtras(): Extras {
  return {
    onCancel: undefined,
    onTransportError: undefined,
    onTimeout: undefined,
    onAck: undefined,
    onTerminated: undefined,
    requestToTag: undefined,
    lastToTag: undefined,
    key: undefined,
    mergeKey: undefined,
  };
}

/**
 * The {@link Extras} of a server transaction and the TU callbacks kept there, as a base class of
 * `ServerTransaction` (accessors keep the callbacks' public API).
 */
export abstract class ServerTransactionExtras extends TimerSet {
  protected extras: Extras | undefined = undefined;

  /** INVITE only: a matching CANCEL arrived while no final response was sent (RFC 3261 §9.2); the TU should answer 487. */
  get onCancel(): ((cancel: SipRequest) => void) | undefined {
    return this.extras?.onCancel;
  }
  set onCancel(fn: ((cancel: SipRequest) => void) | undefined) {
    this.ensureExtras().onCancel = fn;
  }

  /** A response could not be sent; the transaction is over (RFC 3261 §17.2.4). */
  get onTransportError(): ((error: TransportError) => void) | undefined {
    return this.extras?.onTransportError;
  }
  set onTransportError(fn: ((error: TransportError) => void) | undefined) {
    this.ensureExtras().onTransportError = fn;
  }

  /** INVITE only: Timer H fired, the ACK for a non-2xx never came (RFC 3261 §17.2.1). */
  get onTimeout(): (() => void) | undefined {
    return this.extras?.onTimeout;
  }
  set onTimeout(fn: (() => void) | undefined) {
    this.ensureExtras().onTimeout = fn;
  }

  /** INVITE only: an ACK matched the transaction in Accepted (RFC 6026 §8.7); if unset it goes to the layer's onStrayAck. */
  get onAck(): ((ack: SipRequest, flow: Flow) => void) | undefined {
    return this.extras?.onAck;
  }
  set onAck(fn: ((ack: SipRequest, flow: Flow) => void) | undefined) {
    this.ensureExtras().onAck = fn;
  }

  /** The transaction reached Terminated. */
  get onTerminated(): (() => void) | undefined {
    return this.extras?.onTerminated;
  }
  set onTerminated(fn: (() => void) | undefined) {
    this.ensureExtras().onTerminated = fn;
  }

  /** @internal RFC 2543 requests only: the request's To tag ('' when none), for matching (§17.2.3). */
  get requestToTag(): string | undefined {
    return this.extras?.requestToTag;
  }

  protected ensureExtras(): Extras {
    return (this.extras ??= newExtras());
  }
}

/**
 * A finished transaction reads its keys back from the kept response, which carries the request's
 * Via, From, Call-ID and CSeq (RFC 3261 §8.2.6.2). For a TU's response that does not, returns the
 * request's key strings to keep (§17.2.3 key when `key`, §8.2.2.2 key when `mergeKey`).
 */
export function lostKeys(
  req: SipRequest,
  last: SipResponse,
  method: string,
  key: boolean,
  mergeKey: boolean,
): { key?: string; mergeKey?: string } | undefined {
  let lost: { key?: string; mergeKey?: string } | undefined;
  if (key && req.headers.get('Via') !== last.headers.get('Via')) {
    const k = viaKey(req, method);
    if (k !== undefined && viaKey(last, method) !== k) lost = { key: detach(k) };
  }
  const { headers } = req;
  if (
    mergeKey &&
    (headers.get('From') !== last.headers.get('From') ||
      headers.get('Call-ID') !== last.headers.get('Call-ID') ||
      headers.get('CSeq') !== last.headers.get('CSeq'))
  ) {
    const k = mergeParts(req);
    if (k !== undefined && mergeParts(last) !== k) (lost ??= {}).mergeKey = detach(k);
  }
  return lost;
}

/** Whether kept response bytes carry the §17.2.3 key `key` in their first Via line (a shortcut: false is not a no). */
export function textHasKey(text: string, method: string, key: string): boolean {
  const via = textTopVia(text);
  return via !== undefined && topViaKey(via, method) === key;
}

/** The status code of kept response bytes (they start with the status line we wrote: `SIP/2.0 NNN reason`). */
export function keptStatus(text: string): number {
  const sp = text.indexOf(' ');
  return Number(text.slice(sp + 1, sp + 4));
}

/** The reason phrase of kept response bytes when it is ASCII (latin1 bytes decode other text wrongly), else undefined. */
export function keptAsciiReason(text: string): string | undefined {
  const reason = text.slice(text.indexOf(' ') + 5, text.indexOf('\r\n'));
  return /^[\x20-\x7e]*$/.test(reason) ? reason : undefined;
}
