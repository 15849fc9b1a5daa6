/**
 * Who may subscribe to watcher information: by default only the presentity
 * itself (RFC 3857 §5.2: the notifier MUST authorize winfo subscriptions;
 * the natural policy is "a user sees their own watchers").
 */
import type { AuthorizeDecision, AuthorizeHook, AuthorizeInfo } from '@herald/events';

/** Options of {@link createWinfoAuthorize}. */
export interface WinfoAuthorizeOptions {
  /** Extra watchers allowed (e.g. an admin); called only when the watcher is not the resource. */
  readonly allow?: (info: AuthorizeInfo) => boolean;
  /** The hook for every other event (default: accept). */
  readonly next?: AuthorizeHook;
}

/** True for a watcher-information event (`presence.winfo`, `dialog.winfo`, …: RFC 3857 §3 template). */
export function isWinfoEvent(event: string): boolean {
  return event.toLowerCase().endsWith('.winfo');
}

/**
 * An authorization hook for the notifier: a `*.winfo` subscription is
 * accepted when the watcher is the resource (both normalized `sip:user@host`)
 * or `allow` says so, else refused with 403; other events go to `next`.
 */
export function createWinfoAuthorize(options: WinfoAuthorizeOptions = {}): AuthorizeHook {
  return (info: AuthorizeInfo): AuthorizeDecision | Promise<AuthorizeDecision> => {
    if (!isWinfoEvent(info.event)) return options.next ? options.next(info) : 'accept';
    if (info.watcher === info.resource || options.allow?.(info) === true) return 'accept';
    return { reject: 403, reason: 'Only The Presentity May See Its Watchers' };
  };
}
