import type { NameAddr, SipMessage, SipRequest, SipResponse } from '../message/types.js';
import { formatNameAddr } from '../message/index.js';

/** What identifies a dialog at one end (RFC 3261 §12): Call-ID and both tags, seen from this side. */
export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/**
 * Dialog state (RFC 3261 §12.1): plain data, so a subscription store can
 * persist it and resume the dialog after a restart.
 */
export interface Dialog {
  readonly id: DialogId;
  /** `early` after a provisional response with a To tag, `confirmed` after a 2xx (or at once for UAS of SUBSCRIBE). */
  readonly state: 'early' | 'confirmed';
  /** The side that sent the dialog-creating request. */
  readonly role: 'uac' | 'uas';
  /** Local party as a name-addr without the tag (From when UAC, To when UAS). */
  readonly local: string;
  /** Remote party as a name-addr without the tag. */
  readonly remote: string;
  /** Last CSeq number we sent; undefined until we send a request (UAS side). */
  readonly localSeq: number | undefined;
  /** Last CSeq number received from the peer; undefined until it sends one. */
  readonly remoteSeq: number | undefined;
  /** Where in-dialog requests go: the peer's Contact URI. */
  readonly remoteTarget: string;
  /** Route set as name-addr strings, in the order requests must carry them. */
  readonly routeSet: readonly string[];
  /** True when the dialog-creating request went to a SIPS URI over TLS (§12.1.1). */
  readonly secure: boolean;
}

/** Dialog key used by tables: Call-ID plus both tags. */
export function dialogKey(id: DialogId): string {
  return `${id.callId}\n${id.localTag}\n${id.remoteTag}`;
}

/** The party of a From/To header as a name-addr without its tag parameter. */
export function partyWithoutTag(party: NameAddr): string {
  if (!party.params.has('tag')) return formatNameAddr(party);
  const params = new Map(party.params);
  params.delete('tag');
  return formatNameAddr({ ...party, params });
}

function firstContactUri(message: SipMessage): string | undefined {
  const contact = message.contact;
  if (!contact || contact === '*' || contact.length === 0) return undefined;
  return contact[0].uri.raw;
}

function routeValues(message: SipMessage): string[] {
  return message.recordRoute.map((r) => formatNameAddr(r));
}

/**
 * The dialog id of an incoming request as seen by its receiver (UAS side):
 * local tag from To, remote tag from From. Undefined when a tag is missing.
 */
export function dialogIdOfIncomingRequest(request: SipRequest): DialogId | undefined {
  const callId = request.callId;
  const localTag = request.to?.params.get('tag');
  const remoteTag = request.from?.params.get('tag');
  if (!callId || !localTag || !remoteTag) return undefined;
  return { callId, localTag, remoteTag };
}

/** The dialog id of a response to our own request (UAC side): local tag from From, remote from To. */
export function dialogIdOfResponse(response: SipResponse): DialogId | undefined {
  const callId = response.callId;
  const localTag = response.from?.params.get('tag');
  const remoteTag = response.to?.params.get('tag');
  if (!callId || !localTag || !remoteTag) return undefined;
  return { callId, localTag, remoteTag };
}

/** Outcome of building a dialog from messages: a value, not an exception (STYLE.md). */
export type DialogResult = { ok: true; dialog: Dialog } | { ok: false; status: number; reason: string };

/**
 * UAC side (RFC 3261 §12.1.2): a dialog from our request and a 1xx (with To
 * tag) or 2xx response. Route set is the response's Record-Route reversed;
 * remote target its Contact.
 */
export function createUacDialog(request: SipRequest, response: SipResponse): DialogResult {
  const id = dialogIdOfResponse(response);
  if (!id) return { ok: false, status: 400, reason: 'Missing Dialog Tag' };
  const from = request.from;
  const to = response.to;
  const target = firstContactUri(response);
  const cseq = request.cseq;
  if (!from || !to || !cseq) return { ok: false, status: 400, reason: 'Missing From, To or CSeq' };
  // RFC 6665 §4.1.2.4: a NOTIFY-created dialog may lack Contact only if malformed; a
  // 1xx without Contact cannot create an early dialog we can route in.
  if (!target) return { ok: false, status: 400, reason: 'Missing Contact' };
  return {
    ok: true,
    dialog: {
      id,
      state: response.status >= 200 ? 'confirmed' : 'early',
      role: 'uac',
      local: partyWithoutTag(from),
      remote: partyWithoutTag(to),
      localSeq: cseq.seq,
      remoteSeq: undefined,
      remoteTarget: target,
      routeSet: routeValues(response).reverse(),
      secure: request.uri.scheme === 'sips' && (request.topVia?.transport ?? '') === 'TLS',
    },
  };
}

/**
 * UAS side (RFC 3261 §12.1.1): a dialog from a request we answer with a
 * response carrying `localTag`. Route set is the request's Record-Route in
 * order; remote target its Contact.
 */
export function createUasDialog(
  request: SipRequest,
  localTag: string,
  state: 'early' | 'confirmed' = 'confirmed',
): DialogResult {
  const from = request.from;
  const to = request.to;
  const callId = request.callId;
  const cseq = request.cseq;
  const remoteTag = from?.params.get('tag');
  if (!from || !to || !callId || !cseq) return { ok: false, status: 400, reason: 'Missing From, To, Call-ID or CSeq' };
  if (!remoteTag) return { ok: false, status: 400, reason: 'Missing From Tag' };
  const target = firstContactUri(request);
  if (!target) return { ok: false, status: 400, reason: 'Missing Contact' };
  return {
    ok: true,
    dialog: {
      id: { callId, localTag, remoteTag },
      state,
      role: 'uas',
      local: partyWithoutTag(to),
      remote: partyWithoutTag(from),
      localSeq: undefined,
      remoteSeq: cseq.seq,
      remoteTarget: target,
      routeSet: routeValues(request),
      secure: request.uri.scheme === 'sips' && (request.topVia?.transport ?? '') === 'TLS',
    },
  };
}

/** Methods whose requests (and 2xx) refresh the remote target (RFC 3261 §12.2, RFC 6665 §4.1.2, RFC 3311, RFC 3515). */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

/**
 * UAS processing of an in-dialog request (RFC 3261 §12.2.2): a CSeq lower
 * than the last one seen is answered 500; otherwise the remote CSeq advances
 * and target-refresh requests update the remote target. ACK and CANCEL carry
 * the INVITE's CSeq and do not advance it.
 */
export function receiveInDialogRequest(dialog: Dialog, request: SipRequest): DialogResult {
  const cseq = request.cseq;
  if (!cseq) return { ok: false, status: 400, reason: 'Missing CSeq' };
  let remoteSeq = dialog.remoteSeq;
  if (request.method !== 'ACK' && request.method !== 'CANCEL') {
    if (remoteSeq !== undefined && cseq.seq <= remoteSeq) {
      // §12.2.2: a lower CSeq MUST be rejected with 500. Retransmissions never get here (the
      // transaction layer absorbs them), so an equal CSeq is a new request out of order too.
      return { ok: false, status: 500, reason: 'CSeq Out of Order' };
    }
    remoteSeq = cseq.seq;
  }
  let remoteTarget = dialog.remoteTarget;
  if (TARGET_REFRESH.has(request.method)) remoteTarget = firstContactUri(request) ?? remoteTarget;
  return { ok: true, dialog: { ...dialog, remoteSeq, remoteTarget } };
}

/**
 * UAC processing of a response to an in-dialog or dialog-creating request:
 * a 2xx confirms an early dialog and recomputes its route set (§13.2.2.4); a
 * 2xx to a target-refresh request updates the remote target (§12.2.1.2).
 */
export function receiveResponseInDialog(dialog: Dialog, request: SipRequest, response: SipResponse): Dialog {
  if (response.status < 200 || response.status >= 300) return dialog;
  let next = dialog;
  if (dialog.state === 'early') {
    next = { ...next, state: 'confirmed', routeSet: routeValues(response).reverse() };
  }
  if (TARGET_REFRESH.has(request.method)) {
    const target = firstContactUri(response);
    if (target) next = { ...next, remoteTarget: target };
  }
  return next;
}
