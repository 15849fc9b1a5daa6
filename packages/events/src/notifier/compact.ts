/**
 * Compact copies of what a subscription keeps for its whole life. Strings
 * taken from a parsed message are often V8 slices of the whole message text
 * (an Accept value or a Contact URI kept a 400-byte SUBSCRIBE alive per
 * subscription), and keys built with templates are rope ("cons") strings.
 * {@link ownString} returns a flat, internalized copy instead: it holds no
 * parent, and equal values (addresses, event names, content types) share one
 * copy. Used only when a record is created or replaced, never per NOTIFY.
 */
import type { Dialog, Flow } from '@herald/sip';
import type { StoredSubscription } from '../store.js';

/** A flat internalized copy of `s` (V8 internalizes property keys, which flattens and detaches them). */
export function ownString(s: string): string {
  for (const k in { [s]: 0 }) return k;
  return s;
}

function ownOptional(s: string | undefined): string | undefined {
  return s === undefined ? undefined : ownString(s);
}

/** The flow with its addresses owned. */
export function ownFlow(flow: Flow): Flow {
  return {
    ...flow,
    local: { address: ownString(flow.local.address), port: flow.local.port },
    remote: { address: ownString(flow.remote.address), port: flow.remote.port },
  };
}

/** The dialog with its strings owned. */
export function ownDialog(d: Dialog): Dialog {
  return {
    ...d,
    id: { callId: ownString(d.id.callId), localTag: ownString(d.id.localTag), remoteTag: ownString(d.id.remoteTag) },
    local: ownString(d.local),
    remote: ownString(d.remote),
    remoteTarget: ownString(d.remoteTarget),
    routeSet: d.routeSet.length === 0 ? EMPTY : d.routeSet.map(ownString),
  };
}

const EMPTY: readonly string[] = Object.freeze([]);

/** A dialog updated by an in-dialog request: a changed remote target (RFC 3261 §12.2.2 target refresh) is owned. */
export function ownUpdatedDialog(before: Dialog, after: Dialog): Dialog {
  return after.remoteTarget === before.remoteTarget ? after : { ...after, remoteTarget: ownString(after.remoteTarget) };
}

/** A new subscription record with every string it keeps owned (the dialog: see {@link ownDialog}). */
export function ownSubscription(s: StoredSubscription): StoredSubscription {
  return {
    ...s,
    id: ownString(s.id),
    event: ownString(s.event),
    eventId: ownOptional(s.eventId),
    resource: ownString(s.resource),
    watcher: ownString(s.watcher),
    watcherDisplayName: ownOptional(s.watcherDisplayName),
    userAgent: ownOptional(s.userAgent),
    accept: s.accept.map(ownString),
    contentType: ownString(s.contentType),
    flow: ownFlow(s.flow),
  };
}
