/**
 * Building NOTIFY requests and the header values the notifier sends
 * (RFC 6665 §4.2.2, §8.2.1, §8.2.3).
 */
import { createInDialogRequest } from '@herald/sip';
import type { Dialog, Flow, SipRequest } from '@herald/sip';
import type { RenderedBody } from '../package.js';
import type { SubscriptionStatus } from '../store.js';
import type { NotifyKind } from './delivery.js';

/** The parts of one NOTIFY. */
export interface NotifyParts {
  readonly dialog: Dialog;
  readonly event: string;
  readonly eventId: string | undefined;
  readonly subscriptionState: string;
  readonly contact: string;
  readonly body: RenderedBody;
  /** Content-Type when the rendered body names none (the negotiated type). */
  readonly contentType: string;
}

/** The Event header value: the package and, when the SUBSCRIBE had one, the same `id` (RFC 6665 §8.2.1). */
export function eventHeaderValue(event: string, eventId: string | undefined): string {
  return eventId === undefined ? event : `${event};id=${eventId}`;
}

/**
 * The Subscription-State value (RFC 6665 §4.2.2): `active;expires=N` or
 * `pending;expires=N` with the seconds left (rounded up, so the initial
 * NOTIFY repeats the granted duration), or `terminated;reason=R`.
 */
export function subscriptionStateValue(
  status: SubscriptionStatus,
  kind: NotifyKind,
  expiresAt: number,
  now: number,
): string {
  if (kind.kind === 'final' || status === 'terminated') {
    return kind.kind === 'final' ? `terminated;reason=${kind.reason}` : 'terminated';
  }
  const seconds = Math.max(0, Math.ceil((expiresAt - now) / 1000));
  return `${status};expires=${seconds}`;
}

function hostOf(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/**
 * Our Contact for 2xx and NOTIFY (RFC 6665 §4.2.1.1: a 2xx to SUBSCRIBE
 * carries one): the configured value, or the local address of the flow the
 * SUBSCRIBE came on, with `transport` unless it is UDP.
 */
export function contactValue(flow: Flow, configured: string | undefined): string {
  if (configured !== undefined) return configured.includes('<') ? configured : `<${configured}>`;
  const transport = flow.transport === 'udp' ? '' : `;transport=${flow.transport}`;
  return `<sip:${hostOf(flow.local.address)}:${flow.local.port}${transport}>`;
}

/**
 * A NOTIFY in the subscription's dialog: CSeq one above the dialog's local
 * sequence, Route from the stored route set, Request-URI the remote target
 * (RFC 3261 §12.2.1.1). Returns the dialog with the local sequence advanced.
 */
export function buildNotify(parts: NotifyParts): { request: SipRequest; dialog: Dialog } {
  const headers: Array<[string, string]> = [
    ['Event', eventHeaderValue(parts.event, parts.eventId)],
    ['Subscription-State', parts.subscriptionState],
    ['Contact', parts.contact],
    ['Content-Type', parts.body.contentType ?? parts.contentType],
  ];
  return createInDialogRequest(parts.dialog, 'NOTIFY', { headers, body: parts.body.body });
}
