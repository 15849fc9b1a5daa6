/**
 * The event package plug-in contract (DESIGN.md, RFC 6665 §7). One
 * declarative object per package; the engine derives Allow-Events, clamps
 * expiry, negotiates Accept, owns every timer, and asks the package only for
 * bodies (STYLE.md, after pjsip-simple).
 */

/** An expected failure as a value (STYLE.md): the SIP status and reason phrase to answer with. */
export type Verdict<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: number; readonly reason: string };

/** Who a NOTIFY body is rendered for (packages with per-user-agent profiles read it). */
export interface WatcherInfo {
  /** The subscription's id in the store. */
  readonly subscriptionId: string;
  /** The watcher's address-of-record (From URI of the SUBSCRIBE). */
  readonly uri: string;
  readonly displayName?: string;
  /** The SUBSCRIBE's User-Agent, for profiles. */
  readonly userAgent?: string;
  /** The SUBSCRIBE's Accept values, lower-cased, as sent (empty when absent). */
  readonly accept: readonly string[];
}

/** A live RFC 3903 publication as the package sees it. */
export interface PublishedDocument {
  readonly etag: string;
  readonly contentType: string;
  readonly body: Buffer;
  /** What `validatePublish` returned for the body (the parsed document). */
  readonly parsed: unknown;
  /** Clock ms of the last modify (or creation). */
  readonly updatedAt: number;
  readonly expiresAt: number;
}

/** Arguments of {@link EventPackage.render}. */
export interface RenderContext<D = unknown> {
  /** The resource (presentity) URI, e.g. `sip:alice@example.test`. */
  readonly resource: string;
  readonly watcher: WatcherInfo;
  /** Full state, or a partial notification carrying `delta` (packages with `partialNotify`). */
  readonly full: boolean;
  /** The subscription's body version for this NOTIFY (RFC 4235 `version`, RFC 3858 `version`); never goes backwards. */
  readonly version: number;
  /** For a partial notification: the change(s) since the last NOTIFY to this watcher. */
  readonly delta?: readonly D[];
}

/** A rendered NOTIFY body. */
export interface RenderedBody {
  readonly body: Buffer | string;
  /** Content-Type sent; defaults to the negotiated type. */
  readonly contentType?: string;
}

/**
 * One event package. `S` is the resource state the package renders (for
 * presence, the composed presentity); `D` the delta type for partial
 * notifications.
 */
export interface EventPackage<S = unknown, D = unknown> {
  /** Event package name as in the Event header, lower-case (`presence`, `dialog`, `presence.winfo`). */
  readonly event: string;
  /** Content types this package can render, in order of preference. */
  readonly contentTypes: readonly string[];
  /** Type used when the SUBSCRIBE has no Accept (RFC 6665 §4.1.2); default `contentTypes[0]`. */
  readonly defaultContentType?: string;
  /** Expiry in seconds when the SUBSCRIBE has no Expires. */
  readonly defaultExpires: number;
  /** Shorter requests get 423 with Min-Expires (RFC 6665 §4.2.1.1); 0 = no minimum. */
  readonly minExpires: number;
  /** Longer requests are clamped to this. */
  readonly maxExpires: number;
  /** Coalescing window in ms: changes inside it yield one NOTIFY (RFC 3856 §6.4 suggests 5 s for presence). */
  readonly minNotifyInterval: number;
  /** Whether PUBLISH is accepted for this event (RFC 3903 §4). */
  readonly acceptsPublish: boolean;
  /** Content types a PUBLISH may carry (default `contentTypes`). */
  readonly publishContentTypes?: readonly string[];
  /** Whether the package renders partial notifications from deltas. */
  readonly partialNotify?: boolean;
  /** Checks and parses a PUBLISH body; a failure is answered with its status (400, 415, …). */
  validatePublish?(body: Buffer, contentType: string): Verdict<unknown>;
  /**
   * Composes the live publications of one resource into the package state
   * (RFC 3903 §4: the ESC merges them). Absent: the newest publication's
   * parsed value is the state.
   */
  compose?(publications: readonly PublishedDocument[], resource: string): S | undefined;
  /**
   * Renders a NOTIFY body. `state` is undefined when nothing is known yet:
   * render a valid neutral document then (DESIGN.md: phones choke on an empty first NOTIFY).
   */
  render(state: S | undefined, contentType: string, context: RenderContext<D>): RenderedBody;
}
