/**
 * The presence data: a parsed or composed PIDF document (RFC 3863 with the
 * RFC 4479 data model and RFC 4480 RPID as far as phones use them) and the
 * distilled presentity state that apps and BLF read.
 */

/** RFC 3863 §4.1.4 basic status. */
export type BasicStatus = 'open' | 'closed';

/** A `<note>` with its optional `xml:lang` (RFC 3863 §4.1.6). */
export interface PresenceNote {
  readonly text: string;
  readonly lang?: string;
}

/** RFC 3863 §4.1.5 contact with its optional priority (0..1). */
export interface PresenceContact {
  readonly uri: string;
  readonly priority?: number;
}

/** RFC 4480 §3.12 user-input: `active` or `idle` with the last input time. */
export interface UserInput {
  readonly value: 'active' | 'idle';
  readonly lastInput?: string;
  readonly idleThreshold?: number;
}

/** RFC 4480 person/tuple/device attributes (each list empty when absent). */
export interface RpidInfo {
  /** §3.2 activities; unknown values are reported as `other` with `otherActivity`. */
  readonly activities: readonly string[];
  /** Text of `<rpid:other>` inside activities. */
  readonly otherActivity?: string;
  /** §3.5 mood values. */
  readonly mood: readonly string[];
  /** §3.7 place-type values (RFC 4589 local names, or the `other` text). */
  readonly placeType: readonly string[];
  /** §3.8 privacy values (audio, text, video, unknown). */
  readonly privacy: readonly string[];
  readonly userInput?: UserInput;
}

/** A PIDF `<tuple>`: one service (RFC 3863 §4.1.2, RFC 4479 §3.2). */
export interface PidfTuple extends RpidInfo {
  readonly id: string;
  readonly basic?: BasicStatus;
  readonly contact?: PresenceContact;
  readonly notes: readonly PresenceNote[];
  /** RFC 3863 §4.1.7 timestamp as written (xs:dateTime). */
  readonly timestamp?: string;
  /** RFC 4479 `<dm:deviceID>` linking the service to a device. */
  readonly deviceId?: string;
}

/** An RFC 4479 `<dm:person>`. */
export interface PidfPerson extends RpidInfo {
  readonly id: string;
  readonly notes: readonly PresenceNote[];
  readonly timestamp?: string;
}

/** An RFC 4479 `<dm:device>`. */
export interface PidfDevice {
  readonly id: string;
  readonly deviceId?: string;
  readonly notes: readonly PresenceNote[];
  readonly timestamp?: string;
  readonly userInput?: UserInput;
}

/** A whole PIDF document (RFC 3863 §4.1). */
export interface PidfDocument {
  /** The presentity URI (`entity` attribute). */
  readonly entity: string;
  readonly tuples: readonly PidfTuple[];
  readonly persons: readonly PidfPerson[];
  readonly devices: readonly PidfDevice[];
  /** Notes directly under `<presence>`. */
  readonly notes: readonly PresenceNote[];
}

/** Where a device tuple of the composed state came from. */
export type PresenceSourceKind = 'publish' | 'phone' | 'registration' | 'api';

/** One device/service of a presentity in the composed state. */
export interface DeviceTuple {
  readonly id: string;
  readonly source: PresenceSourceKind;
  readonly status: BasicStatus;
  readonly deviceId?: string;
  readonly contact?: PresenceContact;
  readonly notes: readonly PresenceNote[];
  readonly dnd: boolean;
  /** Clock ms of the update that produced it. */
  readonly updatedAt: number;
}

/**
 * The distilled state of one presentity (what BLF and apps read) plus the
 * composed PIDF document every renderer starts from.
 */
export interface PresentityState {
  readonly status: BasicStatus;
  readonly notes: readonly PresenceNote[];
  readonly dnd: boolean;
  readonly onThePhone: boolean;
  /** RPID activities of the presentity (busy when DND, on-the-phone when in a call, …). */
  readonly activities: readonly string[];
  /** Per-device tuples that survived composition. */
  readonly devices: readonly DeviceTuple[];
  /** The composed document (entity = the resource URI). */
  readonly document: PidfDocument;
}
