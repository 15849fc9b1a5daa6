/**
 * Renders RFC 3842 §5.2 bodies, and builds summaries from mailbox counts.
 */
import {
  MAX_MESSAGE_COUNT,
  MESSAGE_CLASSES,
  type MailboxCounts,
  type MessageClass,
  type MessageCounts,
  type MessageHeader,
  type MessageSummary,
} from './types.js';

/** The content type of RFC 3842 bodies (sent exactly, without parameters). */
export const MESSAGE_SUMMARY_TYPE = 'application/simple-message-summary';

const CLASS_NAMES: Readonly<Record<MessageClass, string>> = {
  'voice-message': 'Voice-Message',
  'fax-message': 'Fax-Message',
  'pager-message': 'Pager-Message',
  'multimedia-message': 'Multimedia-Message',
  'text-message': 'Text-Message',
  none: 'None',
};

/** Counts are non-negative integers up to 2^32-1 (RFC 3842 §5.2); anything else is clamped. */
function count(n: number | undefined): number {
  if (n === undefined || !Number.isFinite(n) || n < 0) return 0;
  return Math.min(Math.floor(n), MAX_MESSAGE_COUNT);
}

/** A header value on one line: CR/LF would let a caller inject lines into the body. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').trim();
}

/** `n/o` or `n/o (un/uo)`. */
export function formatMessageCounts(c: MessageCounts): string {
  const base = `${count(c.new)}/${count(c.old)}`;
  return c.urgentNew === undefined && c.urgentOld === undefined
    ? base
    : `${base} (${count(c.urgentNew)}/${count(c.urgentOld)})`;
}

function headerLines(headers: readonly MessageHeader[]): string {
  let out = '';
  for (const [name, value] of headers) {
    if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(name)) continue; // not a token: cannot be rendered as a header
    out += `${name}: ${oneLine(value)}\r\n`;
  }
  return out;
}

/**
 * Renders a summary: `Messages-Waiting`, then `Message-Account`, then one
 * line per class in RFC 3458 order, then extension lines, then each
 * message's header block after an empty line (RFC 3842 §5.2).
 */
export function renderMessageSummary(summary: MessageSummary): string {
  let out = `Messages-Waiting: ${summary.waiting ? 'yes' : 'no'}\r\n`;
  if (summary.account !== undefined) out += `Message-Account: ${oneLine(summary.account)}\r\n`;
  for (const cls of MESSAGE_CLASSES) {
    const c = summary.counts[cls];
    if (c) out += `${CLASS_NAMES[cls]}: ${formatMessageCounts(c)}\r\n`;
  }
  if (summary.extensions) out += headerLines(summary.extensions);
  for (const message of summary.messages ?? []) {
    const block = headerLines(message);
    if (block) out += `\r\n${block}`;
  }
  return out;
}

/**
 * A voice mailbox summary from babble-style counts: waiting when any new
 * message is there (RFC 3842 §5.2: "yes" means new messages are waiting).
 */
export function summaryFromCounts(counts: MailboxCounts, account?: string): MessageSummary {
  const voice: MessageCounts = {
    new: count(counts.newcount),
    old: count(counts.oldcount),
    urgentNew: count(counts.newurgent),
    urgentOld: count(counts.oldurgent),
  };
  return {
    waiting: voice.new > 0,
    ...(account !== undefined ? { account } : {}),
    counts: { 'voice-message': voice },
  };
}

/** True when two summaries render the same body. */
export function sameSummary(a: MessageSummary | undefined, b: MessageSummary | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return renderMessageSummary(a) === renderMessageSummary(b);
}
