/**
 * One logical dialog per call and presentity, aggregated over fork branches
 * (DESIGN.md: no false or sticky "early"; a CANCELled branch does not show
 * idle while another branch rings). A pure reducer: (call, update) → call;
 * {@link aggregateCall} derives the `<dialog>` the watchers see.
 */
import { createHash } from 'node:crypto';
import {
  STATE_RANK,
  type DialogDirection,
  type DialogIdentity,
  type DialogInfo,
  type DialogParticipant,
  type DialogStateName,
  type TerminationEvent,
} from './types.js';

/** One call-tracking event from the server, for one fork branch (issue 5's `calls.update`). */
export interface CallUpdate {
  readonly callId: string;
  /** The presentity's tag (From tag when initiator, To tag when recipient). */
  readonly localTag?: string;
  /** The peer's tag; differs per fork branch on the initiator side. */
  readonly remoteTag?: string;
  readonly direction: DialogDirection;
  readonly state: DialogStateName;
  readonly localIdentity?: string | DialogIdentity;
  readonly remoteIdentity?: string | DialogIdentity;
  readonly localTarget?: string;
  readonly remoteTarget?: string;
  /** The latest offer; a hold SDP (see `isHold`) marks the call held. */
  readonly hold?: boolean;
  readonly code?: number;
  readonly event?: TerminationEvent;
}

interface Branch {
  readonly localTag?: string;
  readonly remoteTag?: string;
  readonly state: DialogStateName;
  /** Highest state rank this branch reached. */
  readonly reached: number;
  readonly event?: TerminationEvent;
  readonly code?: number;
  readonly remoteTarget?: string;
  readonly localTarget?: string;
  readonly hold: boolean;
  /** Update counter value of the branch's last change (latest wins ties). */
  readonly seq: number;
}

/** The aggregated record of one call for one presentity. */
export interface CallRecord {
  /** Stable `<dialog id>` for this call. */
  readonly id: string;
  readonly callId: string;
  readonly direction: DialogDirection;
  /** Clock ms of the first update. */
  readonly createdAt: number;
  readonly localIdentity?: DialogIdentity;
  readonly remoteIdentity?: DialogIdentity;
  readonly branches: ReadonlyMap<string, Branch>;
  readonly seq: number;
}

/** Key of a call within a presentity: a call to oneself has two records, one per direction. */
export function callKey(callId: string, direction: DialogDirection): string {
  return `${direction}\n${callId}`;
}

/** A stable, opaque `<dialog id>` for a call (RFC 4235 §4.1.1: unique in the document, same across NOTIFYs). */
export function dialogIdOf(callId: string, direction: DialogDirection): string {
  return createHash('sha1').update(callKey(callId, direction)).digest('hex').slice(0, 16);
}

/** Reads `"Display" <uri>`, `Display <uri>`, `<uri>` or a bare URI. */
export function identityOf(value: string | DialogIdentity | undefined): DialogIdentity | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return value;
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^>]*)>/.exec(value);
  if (!m) return value.trim() ? { uri: value.trim() } : undefined;
  const display = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]?.trim();
  return display ? { uri: m[3], display } : { uri: m[3] };
}

/** The tag that tells fork branches apart: the peer's on the initiator side, ours on the recipient side. */
function branchKey(u: {
  readonly direction: DialogDirection;
  readonly localTag?: string;
  readonly remoteTag?: string;
}): string {
  return (u.direction === 'initiator' ? u.remoteTag : u.localTag) ?? '';
}

/** Applies one branch update to a call record (creating it on the first update). */
export function applyCallUpdate(call: CallRecord | undefined, u: CallUpdate, now: number): CallRecord {
  const seq = (call?.seq ?? 0) + 1;
  const branches = new Map(call?.branches ?? []);
  const key = branchKey(u);
  const prev = branches.get(key);
  const untagged = branches.get('');
  const terminated = u.state === 'terminated';
  const global = u.event === 'cancelled' || u.event === 'timeout';
  if (terminated && (key === '' || (!prev && global))) {
    // An untagged end, or a CANCEL/timeout from a branch never seen, is the whole INVITE transaction
    // ending: every branch not answered ends with it. A branch's own rejection ends only that branch.
    let ended = 0;
    for (const [k, b] of branches)
      if (b.state !== 'confirmed' && b.state !== 'terminated') {
        branches.set(k, { ...b, state: 'terminated', event: u.event, code: u.code });
        ended++;
      }
    // The branches it ended carry the news; no separate record for the untagged answer.
    if (call && ended > 0) return { ...call, branches, seq };
  }
  // A tagged branch absorbs the untagged "trying" record it grew from.
  if (key !== '' && untagged && !terminated) branches.delete('');
  const base = prev ?? (key !== '' && !terminated ? untagged : undefined);
  const branch: Branch = {
    localTag: u.localTag ?? base?.localTag,
    remoteTag: u.remoteTag ?? base?.remoteTag,
    state: u.state,
    reached: Math.max(base?.reached ?? 0, STATE_RANK[u.state]),
    event: terminated ? u.event : undefined,
    code: u.code,
    localTarget: u.localTarget ?? base?.localTarget,
    remoteTarget: u.remoteTarget ?? base?.remoteTarget,
    hold: u.hold ?? base?.hold ?? false,
    seq,
  };
  branches.set(key, branch);
  if (u.state === 'confirmed') {
    // RFC 3261 §16.7 step 10: once a branch answers, the proxy cancels the others; they no longer count.
    for (const [k, b] of branches) if (k !== key && b.state !== 'confirmed') branches.delete(k);
  }
  return {
    id: call?.id ?? dialogIdOf(u.callId, u.direction),
    callId: u.callId,
    direction: u.direction,
    createdAt: call?.createdAt ?? now,
    localIdentity: identityOf(u.localIdentity) ?? call?.localIdentity,
    remoteIdentity: identityOf(u.remoteIdentity) ?? call?.remoteIdentity,
    branches,
    seq,
  };
}

/** Ends every live branch (the no-sticky-early timeout): event `timeout`. */
export function expireCall(call: CallRecord): CallRecord {
  const seq = call.seq + 1;
  const branches = new Map(call.branches);
  for (const [k, b] of branches)
    if (b.state !== 'terminated')
      branches.set(k, { ...b, state: 'terminated', event: 'timeout', code: undefined, seq });
  return { ...call, branches, seq };
}

/** True when no branch is alive: the call is reported terminated once, then dropped. */
export function callEnded(call: CallRecord): boolean {
  for (const b of call.branches.values()) if (b.state !== 'terminated') return false;
  return true;
}

function pick(branches: Iterable<Branch>, rank: (b: Branch) => number): Branch | undefined {
  let best: Branch | undefined;
  for (const b of branches) if (!best || rank(b) > rank(best) || (rank(b) === rank(best) && b.seq > best.seq)) best = b;
  return best;
}

function participant(
  identity: DialogIdentity | undefined,
  target: string | undefined,
  held: boolean,
): DialogParticipant | undefined {
  if (!identity && target === undefined) return undefined;
  return {
    ...(identity && { identity }),
    ...(target !== undefined && { target }),
    ...(held && { rendering: false }),
  };
}

/**
 * The `<dialog>` watchers see for a call: the most advanced live branch
 * (latest on a tie); when every branch ended, terminated with the event and
 * code of the branch that got furthest.
 */
export function aggregateCall(call: CallRecord, now: number): DialogInfo {
  const live = [...call.branches.values()].filter((b) => b.state !== 'terminated');
  const best =
    live.length > 0 ? pick(live, (b) => STATE_RANK[b.state]) : pick(call.branches.values(), (b) => b.reached);
  const state: DialogStateName = best?.state ?? 'terminated';
  // A held call: the presentity's side does not render media (RFC 4235 §4.1.6.2, +sip.rendering).
  const held = state === 'confirmed' && best?.hold === true;
  const local = participant(call.localIdentity, best?.localTarget, held);
  const remote = participant(call.remoteIdentity, best?.remoteTarget, false);
  return {
    id: call.id,
    callId: call.callId,
    ...(best?.localTag !== undefined && { localTag: best.localTag }),
    ...(best?.remoteTag !== undefined && { remoteTag: best.remoteTag }),
    direction: call.direction,
    state,
    ...(state === 'terminated' && best?.event !== undefined && { event: best.event }),
    ...(best?.code !== undefined && { code: best.code }),
    duration: Math.max(0, Math.floor((now - call.createdAt) / 1000)),
    ...(local && { local }),
    ...(remote && { remote }),
  };
}
