/**
 * Text parser for RFC 3842 §5.2 `application/simple-message-summary` bodies.
 * Line-oriented: names are case-insensitive, CRLF or bare LF ends a line,
 * the summary section and the optional message-headers section are split by
 * the first empty line. Every failure is a value with a 400 reason.
 */
import type { Verdict } from '@herald/events';
import {
  MAX_MESSAGE_COUNT,
  MESSAGE_CLASSES,
  type MessageClass,
  type MessageCounts,
  type MessageHeader,
  type MessageSummary,
} from './types.js';

/** Largest body accepted (a summary is a few lines; headers of many messages stay well under this). */
export const MAX_SUMMARY_BYTES = 64 * 1024;

/** Most lines accepted; bounds the work on hostile input. */
const MAX_LINES = 2000;

const CLASS_SET: ReadonlySet<string> = new Set(MESSAGE_CLASSES);
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
// RFC 3842 §5.2: newmsgs SLASH oldmsgs [ LPAREN new-urgentmsgs SLASH old-urgentmsgs RPAREN ] (SWS around separators).
const COUNTS = /^(\d{1,10})[ \t]*\/[ \t]*(\d{1,10})(?:[ \t]*\([ \t]*(\d{1,10})[ \t]*\/[ \t]*(\d{1,10})[ \t]*\))?$/;

type Fail = { readonly ok: false; readonly status: number; readonly reason: string };
const bad = (reason: string): Fail => ({ ok: false, status: 400, reason });

/** Splits `name: value` (HCOLON allows whitespace before the colon). */
function splitHeader(line: string): MessageHeader | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  const name = line.slice(0, colon).trim();
  if (!TOKEN.test(name)) return undefined;
  return [name, line.slice(colon + 1).trim()];
}

/** Parses `n/o (un/uo)`; undefined when malformed or out of range. */
export function parseMessageCounts(value: string): MessageCounts | undefined {
  const m = COUNTS.exec(value.trim());
  if (!m) return undefined;
  const nums = [m[1], m[2], m[3], m[4]].map((s) => (s === undefined ? undefined : Number(s)));
  if (nums.some((n) => n !== undefined && n > MAX_MESSAGE_COUNT)) return undefined;
  const [n, o, un, uo] = nums as [number, number, number | undefined, number | undefined];
  return un === undefined ? { new: n, old: o } : { new: n, old: o, urgentNew: un, urgentOld: uo };
}

/** Joins folded lines (a line starting with whitespace continues the previous one). */
function unfold(lines: readonly string[]): Verdict<string[]> {
  const out: string[] = [];
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && out.length > 0) out[out.length - 1] += ` ${line.trim()}`;
    else if (line.startsWith(' ') || line.startsWith('\t')) return bad('Message Summary Starts With A Continuation');
    else out.push(line);
  }
  return { ok: true, value: out };
}

/** Parses the optional message-headers section: blocks of headers separated by empty lines. */
function parseMessages(lines: readonly string[]): Verdict<MessageHeader[][]> {
  const messages: MessageHeader[][] = [];
  let block: string[] = [];
  const flush = (): Fail | undefined => {
    if (block.length === 0) return undefined;
    const unfolded = unfold(block);
    block = [];
    if (!unfolded.ok) return unfolded;
    const headers: MessageHeader[] = [];
    for (const line of unfolded.value) {
      const header = splitHeader(line);
      if (!header) return bad(`Bad Message Header Line: ${line.slice(0, 40)}`);
      headers.push(header);
    }
    messages.push(headers);
    return undefined;
  };
  for (const line of lines) {
    if (line.trim() === '') {
      const failed = flush();
      if (failed) return failed;
    } else block.push(line);
  }
  const failed = flush();
  if (failed) return failed;
  return { ok: true, value: messages };
}

/**
 * Parses an RFC 3842 body. Requires `Messages-Waiting: yes|no`; counts lines
 * of known classes must match `n/o (un/uo)`; unknown summary lines are kept in
 * `extensions`. Order of the summary lines is not enforced (servers differ).
 */
export function parseMessageSummary(body: Buffer | string): Verdict<MessageSummary> {
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (size > MAX_SUMMARY_BYTES) return { ok: false, status: 413, reason: 'Message Summary Too Large' };
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.includes('\0')) return bad('Message Summary Contains NUL');
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_LINES) return { ok: false, status: 413, reason: 'Message Summary Too Many Lines' };
  // Leading empty lines are tolerated; the first empty line after content ends the summary section.
  let start = 0;
  while (start < lines.length && lines[start].trim() === '') start++;
  let end = start;
  while (end < lines.length && lines[end].trim() !== '') end++;
  const summary = unfold(lines.slice(start, end));
  if (!summary.ok) return summary;

  let waiting: boolean | undefined;
  let account: string | undefined;
  const counts: Partial<Record<MessageClass, MessageCounts>> = {};
  const extensions: MessageHeader[] = [];
  for (const line of summary.value) {
    const header = splitHeader(line);
    if (!header) return bad(`Bad Message Summary Line: ${line.slice(0, 40)}`);
    const [name, value] = header;
    const lower = name.toLowerCase();
    if (lower === 'messages-waiting') {
      if (waiting !== undefined) return bad('Duplicate Messages-Waiting');
      const v = value.toLowerCase();
      if (v !== 'yes' && v !== 'no') return bad('Messages-Waiting Must Be yes Or no');
      waiting = v === 'yes';
    } else if (lower === 'message-account') {
      if (account !== undefined) return bad('Duplicate Message-Account');
      // RFC 3842 §5.2: Account-URI = SIP-URI / SIPS-URI / absoluteURI (a scheme is required).
      const uri = value.startsWith('<') && value.endsWith('>') ? value.slice(1, -1).trim() : value;
      if (!/^[A-Za-z][A-Za-z0-9+\-.]*:\S+$/.test(uri)) return bad('Bad Message-Account URI');
      account = uri;
    } else if (CLASS_SET.has(lower)) {
      const cls = lower as MessageClass;
      if (counts[cls]) return bad(`Duplicate ${name}`);
      const parsed = parseMessageCounts(value);
      if (!parsed) return bad(`Bad Counts For ${name}`);
      counts[cls] = parsed;
    } else extensions.push(header);
  }
  if (waiting === undefined) return bad('Missing Messages-Waiting');

  const rest = parseMessages(lines.slice(end));
  if (!rest.ok) return rest;
  const value: MessageSummary = {
    waiting,
    ...(account !== undefined ? { account } : {}),
    counts,
    ...(rest.value.length > 0 ? { messages: rest.value } : {}),
    ...(extensions.length > 0 ? { extensions } : {}),
  };
  return { ok: true, value };
}
