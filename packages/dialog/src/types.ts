/**
 * The dialog-info data model (RFC 4235 §4): what the package parses from
 * PUBLISH bodies, keeps per presentity, and renders into NOTIFY bodies.
 */

/** RFC 4235 §3.7.1 dialog FSM states. */
export type DialogStateName = 'trying' | 'proceeding' | 'early' | 'confirmed' | 'terminated';

/** RFC 4235 §4.1.2 `event` attribute values of a terminated `<state>`. */
export type TerminationEvent = 'cancelled' | 'rejected' | 'replaced' | 'local-bye' | 'remote-bye' | 'error' | 'timeout';

/** RFC 4235 §4.1.1 `direction`: did the presentity send the dialog-creating request? */
export type DialogDirection = 'initiator' | 'recipient';

/** A name-addr: `<identity display="…">uri</identity>` (RFC 4235 §4.1.6.1). */
export interface DialogIdentity {
  readonly uri: string;
  readonly display?: string;
}

/** One side of a dialog: `<local>` or `<remote>` (RFC 4235 §4.1.6). */
export interface DialogParticipant {
  readonly identity?: DialogIdentity;
  /** `<target uri=…>`: the participant's contact (remote target). */
  readonly target?: string;
  /** `<param pname pvalue>` children of `<target>` other than `+sip.rendering` (RFC 4235 §4.1.6.2). */
  readonly targetParams?: ReadonlyArray<readonly [string, string]>;
  /** `+sip.rendering`: false renders `pvalue="no"` (the party does not render media: on hold). */
  readonly rendering?: boolean;
}

/** One `<dialog>` element (RFC 4235 §4.1.1). */
export interface DialogInfo {
  /** Unique within the document, stable across notifications for the same dialog. */
  readonly id: string;
  readonly callId?: string;
  readonly localTag?: string;
  readonly remoteTag?: string;
  readonly direction?: DialogDirection;
  readonly state: DialogStateName;
  /** Only meaningful with `state: 'terminated'` (RFC 4235 §4.1.2). */
  readonly event?: TerminationEvent;
  /** SIP response code that caused the transition (RFC 4235 §4.1.2). */
  readonly code?: number;
  /** Seconds since the dialog was created, as of the state change (RFC 4235 §4.1.3). */
  readonly duration?: number;
  readonly local?: DialogParticipant;
  readonly remote?: DialogParticipant;
}

/** A parsed `<dialog-info>` document. */
export interface DialogInfoDocument {
  readonly entity: string;
  readonly version: number;
  readonly state: 'full' | 'partial';
  readonly dialogs: readonly DialogInfo[];
}

/**
 * The state the package renders for one presentity: every current dialog,
 * including dialogs terminated since the last change (reported once).
 */
export interface DialogResourceState {
  readonly entity: string;
  readonly dialogs: readonly DialogInfo[];
}

/** A partial-notification delta: the dialogs that changed in one state change. */
export type DialogDelta = readonly DialogInfo[];

/** Rank of a state for aggregation and single-dialog profiles (higher = more important). */
export const STATE_RANK: Readonly<Record<DialogStateName, number>> = {
  terminated: 0,
  trying: 1,
  proceeding: 2,
  early: 3,
  confirmed: 4,
};

/** The dialog-info namespace (RFC 4235 §4). */
export const DIALOG_INFO_NS = 'urn:ietf:params:xml:ns:dialog-info';

/** The dialog-info MIME type (RFC 4235 §4). */
export const DIALOG_INFO_TYPE = 'application/dialog-info+xml';
