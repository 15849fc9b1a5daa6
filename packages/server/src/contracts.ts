/**
 * Contracts between the parts of @herald/server (the proxy, the HTTP API and
 * the composition in server.ts), so each can be built and tested alone.
 */
import type { CallTrackingUpdate } from '@herald/dialog';

/** Where the proxy reports calls (the dialog package's `calls` input fits as is). */
export interface CallTrackingSink {
  /** One update per presentity (caller side and callee side), per fork branch and state change. */
  update(resource: string, update: CallTrackingUpdate): void;
}

/** Where the proxy reports how many calls a presentity is in (presence on-the-phone). */
export type ActiveCallsSink = (resource: string, count: number) => void;

/** JSON views the management API serves; the server implements them over its parts. */
export interface ServerView {
  registrations(): Promise<unknown[]>;
  /** Composed presence state and rendered PIDF of one presentity. */
  presentity(resource: string): Promise<unknown>;
  subscriptions(): Promise<unknown[]>;
  mailbox(resource: string): unknown;
  dialogs(resource: string): unknown;
  metrics(): string;
}

/** Commands the management API can give; each returns a verdict the API turns into 200/400/404. */
export interface ServerCommands {
  /** babble `presence.status.out`: status/note/dnd/onthephone; undefined clears the API status. */
  setStatus(
    resource: string,
    status: { status?: 'open' | 'closed'; note?: string; dnd?: boolean; onThePhone?: boolean } | undefined,
  ): void;
  /** babble `presence.voicemail.out`. */
  setMailbox(
    resource: string,
    counts: { newMessages: number; oldMessages: number; urgentNew?: number; urgentOld?: number },
  ): void;
  /** babble `presence.dialog.out`: push dialog state for a presentity. */
  pushDialog(resource: string, update: CallTrackingUpdate): void;
  /** OpenSIPS pua_mi `pua_publish`: publish a raw document for any event. */
  publish(
    event: string,
    resource: string,
    contentType: string,
    body: string,
    expires: number,
  ): Promise<{ status: number; etag?: string }>;
  /** OpenSIPS pua_mi `pua_subscribe`: make the server subscribe to a remote presentity. */
  subscribe(target: string, event: string, expires: number): Promise<{ id: string }>;
  /** Approve or reject a pending watcher (RFC 3857 winfo-driven authorization). */
  authorizeWatcher(subscriptionId: string, decision: 'approve' | 'reject'): Promise<boolean>;
}
