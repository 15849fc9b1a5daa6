/**
 * The SIP message model contract (RFC 3261 §7). Everything above the parser
 * codes against these shapes; `message.ts` implements them.
 *
 * Structured values are parsed lazily on first access and cached; setting a
 * header drops its cached value. Structured values returned by accessors are
 * snapshots: to change a header, build a new value and `set` it.
 */

/** Generic `;name=value` parameters. Keys are lower-cased; a flag without value maps to `null`. Quoted values keep their quotes out (the serializer re-quotes what needs it). */
export type Params = Map<string, string | null>;

/** A `sip:`, `sips:` or `tel:` URI, or an opaque URI of another scheme (RFC 3261 §19.1). */
export interface SipUri {
  /** Lower-cased scheme: `sip`, `sips`, `tel`, or any other (then only `raw` is meaningful). */
  readonly scheme: string;
  /** User part with `%` escapes decoded (for `tel:` the number). */
  readonly user?: string;
  /** Password with `%` escapes decoded. */
  readonly password?: string;
  /** Host as written, lower-cased; IPv6 references keep their brackets (`[::1]`). */
  readonly host: string;
  readonly port?: number;
  /** URI parameters (`;transport=tcp;lr`). */
  readonly params: Params;
  /** URI headers (`?Subject=x&Priority=y`), names as written, values `%`-decoded. */
  readonly headers: Map<string, string>;
  /** The URI exactly as it appeared on the wire (or as built). */
  readonly raw: string;
}

/** A name-addr or addr-spec with its header parameters (From, To, Contact, Route, Record-Route, …). */
export interface NameAddr {
  /** Display name without surrounding quotes and with `\`-escapes resolved. */
  readonly displayName?: string;
  readonly uri: SipUri;
  /** Header parameters after the address (`;tag=…`, `;expires=…`, `;q=…`). */
  readonly params: Params;
}

/** One Via header value (RFC 3261 §20.42, RFC 3581). */
export interface Via {
  /** `SIP/2.0`. */
  readonly protocol: string;
  /** Upper-cased transport: `UDP`, `TCP`, `TLS`, `SCTP`, `WS`, `WSS` or other. */
  readonly transport: string;
  readonly host: string;
  readonly port?: number;
  readonly params: Params;
  readonly branch?: string;
  readonly received?: string;
  /** `rport` absent → undefined; present without value → `true`; with value → the port. */
  readonly rport?: number | true;
  readonly maddr?: string;
  readonly ttl?: number;
}

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** The Event header (RFC 6665 §8.2.1). */
export interface EventHeader {
  /** The event package with template, lower-cased, e.g. `presence` or `presence.winfo`. */
  readonly event: string;
  readonly id?: string;
  readonly params: Params;
}

/** The Subscription-State header (RFC 6665 §8.2.3). */
export interface SubscriptionState {
  /** Lower-cased: `active`, `pending`, `terminated` or an extension value. */
  readonly state: string;
  readonly reason?: string;
  readonly expires?: number;
  readonly retryAfter?: number;
  readonly params: Params;
}

/** Contact header: either `*` or a list of addresses (RFC 3261 §20.10). */
export type ContactValue = '*' | NameAddr[];

/**
 * Header storage. Names are matched case-insensitively and compact forms are
 * understood (`v` = Via, `f` = From, …); `get`/`getAll` accept either form.
 * Values are raw strings (folded lines already joined); multi-valued headers
 * are split on top-level commas (not inside quotes or `<>`), except for headers
 * whose grammar contains commas in one value (WWW-Authenticate, Authorization,
 * Proxy-Authenticate, Proxy-Authorization, Date, …), which stay whole.
 */
export interface SipHeaders {
  /** First value, or undefined. */
  get(name: string): string | undefined;
  /** All values in order, across repeated header lines. */
  getAll(name: string): string[];
  has(name: string): boolean;
  /** Replaces every value of the header. */
  set(name: string, value: string | readonly string[]): void;
  /** Adds values after the existing ones. */
  append(name: string, value: string | readonly string[]): void;
  /** Adds values before the existing ones (e.g. a new top Via or Record-Route). */
  prepend(name: string, value: string | readonly string[]): void;
  delete(name: string): void;
  /** Every header as [canonical name, value] in message order, one entry per value. */
  entries(): IterableIterator<[string, string]>;
}

interface SipMessageBase {
  readonly headers: SipHeaders;
  /** Body bytes (empty buffer when none). Setting it does not touch Content-Length; the serializer writes it. */
  body: Buffer;
  /** All Via values, top first. Throws SipParseError if a value is malformed. */
  readonly via: Via[];
  /** The top Via (undefined when missing). */
  readonly topVia: Via | undefined;
  readonly from: NameAddr | undefined;
  readonly to: NameAddr | undefined;
  readonly callId: string | undefined;
  readonly cseq: CSeq | undefined;
  readonly contact: ContactValue | undefined;
  readonly maxForwards: number | undefined;
  readonly expires: number | undefined;
  readonly event: EventHeader | undefined;
  readonly subscriptionState: SubscriptionState | undefined;
  /** Content-Type as written, without parameters, lower-cased (`application/pidf+xml`). */
  readonly contentType: string | undefined;
  /** Route / Record-Route as lists. */
  readonly route: NameAddr[];
  readonly recordRoute: NameAddr[];
}

export interface SipRequest extends SipMessageBase {
  readonly kind: 'request';
  /** Upper-case as received (methods are case-sensitive, RFC 3261 §7.1). */
  method: string;
  /** Request-URI as a string; parsed form in `uri`. Setting one updates the other. */
  requestUri: string;
  readonly uri: SipUri;
  /** `SIP/2.0`. */
  readonly version: string;
}

export interface SipResponse extends SipMessageBase {
  readonly kind: 'response';
  status: number;
  reason: string;
  readonly version: string;
}

export type SipMessage = SipRequest | SipResponse;
