/**
 * Per-user-agent rendering quirks as data (DESIGN.md: profiles chosen from
 * User-Agent, never scattered `if`s): a table of regexes to profiles, first
 * match wins, overridable by the embedding app.
 */
import { STATE_RANK, type DialogInfo } from './types.js';

/** How one family of phones wants its dialog-info documents shaped. */
export interface DialogProfile {
  /** Name for logs and tests. */
  readonly name: string;
  /** Render at most one `<dialog>`: the most important one (some Linksys/Cisco SPA). */
  readonly singleDialog: boolean;
  /** When idle, render one dummy terminated dialog instead of none (softphones that want at least one). */
  readonly dummyWhenIdle: boolean;
  /** Omit `<local>`/`<remote>` (identities and targets). */
  readonly hideIdentity: boolean;
  /** Leave out dialogs in trying, proceeding or early state (no ringing indication). */
  readonly suppressEarly: boolean;
  /** Whether the phone copes with `state="partial"`; false (or `singleDialog`) always renders full state. */
  readonly partial: boolean;
}

/** One row of the profile table. */
export interface DialogProfileRule {
  /** Tested against the SUBSCRIBE's User-Agent. */
  readonly userAgent: RegExp;
  /** What differs from {@link DEFAULT_DIALOG_PROFILE}. */
  readonly profile: Partial<DialogProfile> & { readonly name: string };
}

/**
 * The default suits Yealink, Polycom, Snom, Grandstream and Cisco: full
 * dialog identifiers (call-id, tags, remote identity and target), so BLF
 * directed pickup with Replaces works (DESIGN.md).
 */
export const DEFAULT_DIALOG_PROFILE: DialogProfile = {
  name: 'default',
  singleDialog: false,
  dummyWhenIdle: false,
  hideIdentity: false,
  suppressEarly: false,
  partial: true,
};

/** Built-in table; pass your own (e.g. `[...mine, ...DEFAULT_DIALOG_PROFILE_RULES]`) to override. */
export const DEFAULT_DIALOG_PROFILE_RULES: readonly DialogProfileRule[] = [
  // Linksys/Sipura/Cisco SPA ATAs and phones read only the first <dialog> and ignore partial state.
  {
    userAgent: /\b(Linksys|Sipura|Cisco)[/-]?SPA|\bSPA\d{3}/i,
    profile: { name: 'spa', singleDialog: true, partial: false },
  },
  // CounterPath eyeBeam / X-Lite (and older Bria) clear the BLF lamp only on a terminated dialog.
  {
    userAgent: /eyeBeam|X-Lite|Bria 3/i,
    profile: { name: 'counterpath-legacy', dummyWhenIdle: true, partial: false },
  },
];

/** Picks the profile for a User-Agent: the first matching rule's overrides on the default. */
export function selectDialogProfile(
  userAgent: string | undefined,
  rules: readonly DialogProfileRule[] = DEFAULT_DIALOG_PROFILE_RULES,
  base: DialogProfile = DEFAULT_DIALOG_PROFILE,
): DialogProfile {
  if (userAgent !== undefined) {
    for (const rule of rules) if (rule.userAgent.test(userAgent)) return { ...base, ...rule.profile };
  }
  return base;
}

/** The dummy dialog rendered for an idle presentity under `dummyWhenIdle`. */
export const IDLE_DUMMY_DIALOG: DialogInfo = { id: 'herald-idle', direction: 'recipient', state: 'terminated' };

const EARLY_STATES: ReadonlySet<string> = new Set(['trying', 'proceeding', 'early']);

/** The most important dialog: highest state rank, the latest listed on a tie. */
export function mostImportantDialog(dialogs: readonly DialogInfo[]): DialogInfo | undefined {
  let best: DialogInfo | undefined;
  for (const d of dialogs) if (!best || STATE_RANK[d.state] >= STATE_RANK[best.state]) best = d;
  return best;
}

/**
 * Applies a profile to the dialogs of a document: early suppression, the
 * single-dialog rule, and the idle dummy (full documents only: a partial
 * document lists changes, and an empty one is valid).
 */
export function shapeDialogs(dialogs: readonly DialogInfo[], profile: DialogProfile, full: boolean): DialogInfo[] {
  let out = profile.suppressEarly ? dialogs.filter((d) => !EARLY_STATES.has(d.state)) : [...dialogs];
  if (profile.singleDialog && out.length > 1) {
    const best = mostImportantDialog(out);
    out = best ? [best] : [];
  }
  if (full && profile.dummyWhenIdle && out.length === 0) out = [IDLE_DUMMY_DIALOG];
  return out;
}
