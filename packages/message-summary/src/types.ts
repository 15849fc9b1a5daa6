/**
 * The RFC 3842 message summary model: what `application/simple-message-summary`
 * bodies carry, as plain immutable data.
 */

/** RFC 3458 message-context-class values used by RFC 3842 §5.2, lower-case. */
export type MessageClass =
  'voice-message' | 'fax-message' | 'pager-message' | 'multimedia-message' | 'text-message' | 'none';

/** Every message class in the order Herald renders them. */
export const MESSAGE_CLASSES: readonly MessageClass[] = [
  'voice-message',
  'fax-message',
  'pager-message',
  'multimedia-message',
  'text-message',
  'none',
];

/** Counts of one message class: `new/old (urgentNew/urgentOld)` (RFC 3842 §5.2). */
export interface MessageCounts {
  readonly new: number;
  readonly old: number;
  /** Urgent new messages; rendered only when one of the urgent counts is set. */
  readonly urgentNew?: number;
  readonly urgentOld?: number;
}

/** One header of the optional message-headers section (RFC 3842 §5.2 `opt-msg-headers`). */
export type MessageHeader = readonly [name: string, value: string];

/** A whole message summary body. */
export interface MessageSummary {
  /** `Messages-Waiting: yes|no`. */
  readonly waiting: boolean;
  /** `Message-Account` URI, when given. */
  readonly account?: string;
  /** Counts per message class (absent classes are not rendered). */
  readonly counts: Readonly<Partial<Record<MessageClass, MessageCounts>>>;
  /** Optional per-message header blocks, one array per message, in order. */
  readonly messages?: readonly (readonly MessageHeader[])[];
  /** Summary-section lines with names Herald does not know, kept as written (never fatal). */
  readonly extensions?: readonly MessageHeader[];
}

/** babble-style mailbox counts (`presence.voicemail.out`: newcount, oldcount, newurgent, oldurgent). */
export interface MailboxCounts {
  readonly newcount: number;
  readonly oldcount: number;
  readonly newurgent?: number;
  readonly oldurgent?: number;
}

/**
 * Why the embedding app sets a mailbox (babble's reasons): `init` seeds the
 * state and NOTIFYs only when it differs from what is known; `update` always
 * NOTIFYs.
 */
export type MailboxReason = 'init' | 'update';

/** Largest count RFC 3842 §5.2 allows (msgcount MUST NOT exceed 2^32-1). */
export const MAX_MESSAGE_COUNT = 0xffffffff;
