import type { SipRequest } from '../message/types.js';
import { type Dialog, type DialogId, dialogIdOfIncomingRequest, dialogKey } from './dialog.js';

/**
 * Dialogs of one user agent keyed by Call-ID and tags. Requests that carry a
 * To tag but match no dialog are answered 481 by the caller (§12.2.2).
 */
export class DialogTable {
  private readonly dialogs = new Map<string, Dialog>();

  get size(): number {
    return this.dialogs.size;
  }

  /** Adds or replaces a dialog (dialog values are immutable; store the newest). */
  put(dialog: Dialog): void {
    this.dialogs.set(dialogKey(dialog.id), dialog);
  }

  get(id: DialogId): Dialog | undefined {
    return this.dialogs.get(dialogKey(id));
  }

  delete(id: DialogId): boolean {
    return this.dialogs.delete(dialogKey(id));
  }

  /** The dialog an incoming in-dialog request belongs to (UAS view), if any. */
  matchRequest(request: SipRequest): Dialog | undefined {
    const id = dialogIdOfIncomingRequest(request);
    return id ? this.get(id) : undefined;
  }

  values(): IterableIterator<Dialog> {
    return this.dialogs.values();
  }
}
