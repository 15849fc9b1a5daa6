/**
 * Whether an incoming NOTIFY belongs to a subscription, as a value
 * (STYLE.md: expected failures are values): the dialog after it, or the
 * status to answer with.
 */
import {
  type Dialog,
  type SipRequest,
  type SubscriptionState,
  createUasDialog,
  receiveInDialogRequest,
} from '@herald/sip';

/** What the NOTIFY must match: our event package and `id`, our tag, our dialog if there is one yet. */
export interface NotifyExpectation {
  /** Event package, lower-case. */
  readonly event: string;
  readonly eventId: string | undefined;
  readonly localTag: string;
  /** Our last CSeq (for a dialog a NOTIFY creates). */
  readonly localSeq: number;
  readonly dialog: Dialog | undefined;
}

/** An accepted NOTIFY with the dialog after it, or the refusal to answer with. */
export type NotifyVerdict =
  | { readonly ok: true; readonly dialog: Dialog; readonly substate: SubscriptionState }
  | {
      readonly ok: false;
      readonly status: number;
      readonly reason: string;
      readonly headers?: Array<[string, string]>;
    };

/**
 * Checks a NOTIFY already routed to the subscription by Call-ID and To tag
 * (RFC 6665 §4.1.3): another event package → 489; another `id` → 481; no
 * Subscription-State → 400; another fork than the dialog's → 481 (RFC 6665
 * §4.1.4: we keep the first dialog); a CSeq out of order → 500 (RFC 3261
 * §12.2.2). Before any dialog exists, the NOTIFY creates it (RFC 6665
 * §4.1.2.4): remote target from its Contact, route set from its Record-Route.
 */
export function matchNotify(request: SipRequest, expected: NotifyExpectation): NotifyVerdict {
  const event = request.event;
  if (!event || event.event !== expected.event) {
    return { ok: false, status: 489, reason: 'Bad Event', headers: [['Allow-Events', expected.event]] };
  }
  if ((event.id ?? undefined) !== expected.eventId)
    return { ok: false, status: 481, reason: 'Subscription Does Not Exist' };
  const substate = request.subscriptionState;
  if (!substate) return { ok: false, status: 400, reason: 'Missing Subscription-State' };
  if (expected.dialog) {
    if (request.from?.params.get('tag') !== expected.dialog.id.remoteTag) {
      return { ok: false, status: 481, reason: 'Subscription Does Not Exist' };
    }
    const next = receiveInDialogRequest(expected.dialog, request);
    return next.ok ? { ok: true, dialog: next.dialog, substate } : next;
  }
  const created = createUasDialog(request, expected.localTag);
  if (!created.ok) return created;
  // Built like a UAS dialog from the request, but the subscription is ours: we are the UAC.
  return { ok: true, dialog: { ...created.dialog, role: 'uac', localSeq: expected.localSeq }, substate };
}
