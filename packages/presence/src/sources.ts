/**
 * The inputs composition merges for one presentity, as plain data.
 */
import type { BasicStatus, PidfDocument, PresenceContact, PresenceNote } from './model.js';

/** One live PUBLISHed document (from the engine's `compose` call). */
export interface PublicationSource {
  readonly document: PidfDocument;
  /** Clock ms of the publication's last modify. */
  readonly updatedAt: number;
}

/** Registration state of the presentity's AoR (OpenSIPS pua_usrloc style). */
export interface RegistrationInput {
  readonly registered: boolean;
  /** Registered contacts; the highest-q one becomes the tuple contact. */
  readonly contacts?: readonly PresenceContact[];
}

/** What a phone reported about itself (NOTIFY to our back-SUBSCRIBE, Polycom style). */
export interface PresenceReport {
  readonly status?: BasicStatus;
  readonly dnd?: boolean;
  readonly onThePhone?: boolean;
  readonly notes?: readonly PresenceNote[];
  readonly activities?: readonly string[];
}

/** The manual/API status (babble's `presence.status.out`): every field optional, a set field overrides. */
export interface ApiStatus {
  readonly status?: BasicStatus;
  readonly note?: string;
  readonly dnd?: boolean;
  readonly onThePhone?: boolean;
}

/** A value with the clock time it was set. */
export interface Timed<T> {
  readonly value: T;
  readonly updatedAt: number;
}

/** Everything known about one presentity. */
export interface PresenceSources {
  readonly publications: readonly PublicationSource[];
  readonly registration?: RegistrationInput;
  /** Calls in progress (from the proxy's call tracking). */
  readonly activeCalls?: number;
  /** Phone reports by device id. */
  readonly phoneReports?: ReadonlyMap<string, Timed<PresenceReport>>;
  readonly api?: Timed<ApiStatus>;
}
