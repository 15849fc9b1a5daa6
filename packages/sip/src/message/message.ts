import { SipParseError } from './errors.js';
import { HeaderId } from './header-names.js';
import { HeaderList } from './headers.js';
import type { HeaderLine } from './headers.js';
import {
  ONE_CONTACT,
  allValues,
  at,
  firstValue,
  found,
  headerPositions,
  locate,
  locateLine,
  position,
  readContact,
  readContactLine,
} from './lookup.js';
import { parseNameAddr, parseNameAddrIn } from './name-addr.js';
import { parseUri } from './uri.js';
import { deltaSeconds, mediaType, parseCSeq, parseEvent, parseSubscriptionState, readDecimal } from './values.js';
import { parseVia, parseViaIn } from './via.js';
import type {
  CSeq,
  ContactValue,
  EventHeader,
  NameAddr,
  SipRequest,
  SipResponse,
  SubscriptionState,
  SipUri,
  Via,
} from './types.js';

/** How the header section's text maps to octets: UTF-8, or one char per octet when the received bytes were not UTF-8. */
export type HeaderEncoding = 'utf8' | 'latin1';

/** Marks a cached structured value not computed yet (undefined is a valid result: header absent). */
const UNSET: unique symbol = Symbol('unset');
type Slot<T> = T | typeof UNSET;

function malformed(name: string, e: unknown): never {
  if (e instanceof SipParseError) throw new SipParseError('Malformed ' + name + ' header', 400);
  throw e;
}

/**
 * The parts shared by requests and responses: headers, body and the typed
 * accessors, each parsed on first use and cached until its header changes.
 */
abstract class MessageBase {
  readonly headers: HeaderList;
  /** The body once sliced (or set); see {@link bodyFrom}. */
  private cBody: Buffer;
  /**
   * @internal Set by the parser: the datagram whose octets `[bodyStart, bodyEnd)` are the body,
   * sliced into a view on first read of {@link body} (a proxy or a server answering from headers
   * alone never pays for the view).
   */
  bodyFrom: Buffer | undefined = undefined;
  /** @internal See {@link bodyFrom}. */
  bodyStart = 0;
  /** @internal See {@link bodyFrom}. */
  bodyEnd = 0;
  /**
   * @internal Set by the parser when the header text holds one char per octet: the datagram, with
   * `text[i]` at `octets[octetBase + i]`, so in-place readers can read octets instead of chars.
   */
  octets: Uint8Array | undefined = undefined;
  /** @internal See {@link octets}. */
  octetBase = 0;
  /** The text encoding used to write header text back to octets. */
  headerEncoding: HeaderEncoding;
  readonly version: string;

  /** The parsed header text that parsed lines' `start`/`end` offsets point into ('' for a built message). */
  private readonly text: string;
  private cVia: Slot<Via[]> = UNSET;
  /** @internal Set by the parser, which reads the top Via, From, To and CSeq while it checks them. */
  cTopVia: Slot<Via | undefined> = UNSET;
  /** @internal See {@link cTopVia}. */
  cFrom: Slot<NameAddr | undefined> = UNSET;
  /** @internal See {@link cTopVia}. */
  cTo: Slot<NameAddr | undefined> = UNSET;
  /** @internal See {@link cTopVia}. */
  cCSeq: Slot<CSeq | undefined> = UNSET;
  private cContact: Slot<ContactValue | undefined> = UNSET;
  private cMaxForwards: Slot<number | undefined> = UNSET;
  private cExpires: Slot<number | undefined> = UNSET;
  private cEvent: Slot<EventHeader | undefined> = UNSET;
  private cSubState: Slot<SubscriptionState | undefined> = UNSET;
  private cRoute: Slot<NameAddr[]> = UNSET;
  private cRecordRoute: Slot<NameAddr[]> = UNSET;
  /**
   * Where the first line of each header the typed accessors read lies in `headers.lines`, found in
   * one pass over the lines by the first accessor that needs it, so no accessor searches the list
   * again; packed 7 bits each (see `found` in lookup.ts): Via, From, To, Call-ID here; Contact,
   * Expires, Event and "one Contact line" in {@link hy}. 0: not found yet, or a header changed since.
   * @internal Set by the parser, which finds them in its own pass over the lines.
   */
  hx = 0;
  /** @internal See {@link hx}. */
  hy = 0;

  constructor(lines: HeaderLine[], body: Buffer, version: string, encoding: HeaderEncoding, text: string) {
    this.text = text;
    this.headers = new HeaderList(lines);
    this.headers.listener = this;
    this.cBody = body;
    this.version = version;
    this.headerEncoding = encoding;
  }

  get body(): Buffer {
    if (this.bodyFrom !== undefined) {
      this.cBody = this.bodyFrom.subarray(this.bodyStart, this.bodyEnd);
      this.bodyFrom = undefined;
    }
    return this.cBody;
  }

  set body(b: Buffer) {
    this.cBody = b;
    this.bodyFrom = undefined;
  }

  /** @internal Drops the cached structured value of header `key` (lower-case canonical name). */
  headerChanged(key: string): void {
    // Lines moved: the parser's positions no longer hold.
    this.hx = 0;
    this.hy = 0;
    switch (key) {
      case 'via':
        this.cVia = UNSET;
        this.cTopVia = UNSET;
        break;
      case 'from':
        this.cFrom = UNSET;
        break;
      case 'to':
        this.cTo = UNSET;
        break;
      case 'cseq':
        this.cCSeq = UNSET;
        break;
      case 'contact':
        this.cContact = UNSET;
        break;
      case 'max-forwards':
        this.cMaxForwards = UNSET;
        break;
      case 'expires':
        this.cExpires = UNSET;
        break;
      case 'event':
        this.cEvent = UNSET;
        break;
      case 'subscription-state':
        this.cSubState = UNSET;
        break;
      case 'route':
        this.cRoute = UNSET;
        break;
      case 'record-route':
        this.cRecordRoute = UNSET;
        break;
      default:
    }
  }

  get via(): Via[] {
    if (this.cVia === UNSET) {
      try {
        this.cVia = allValues(this.headers.lines, HeaderId.Via).map(parseVia);
      } catch (e) {
        malformed('Via', e);
      }
    }
    return this.cVia;
  }

  get topVia(): Via | undefined {
    if (this.cVia !== UNSET) return this.cVia[0];
    if (this.cTopVia === UNSET) {
      try {
        this.cTopVia = this.find(position(this.positions().hx, 0), HeaderId.Via)
          ? parseViaIn(at.s, at.start, at.end, this.octetsOf(at.s), this.octetBase)
          : undefined;
      } catch (e) {
        malformed('Via', e);
      }
    }
    return this.cTopVia;
  }

  get from(): NameAddr | undefined {
    if (this.cFrom === UNSET) this.cFrom = this.address(position(this.positions().hx, 7), HeaderId.From, 'From');
    return this.cFrom;
  }

  get to(): NameAddr | undefined {
    if (this.cTo === UNSET) this.cTo = this.address(position(this.positions().hx, 14), HeaderId.To, 'To');
    return this.cTo;
  }

  /** Finds the accessors' header lines ({@link hx}, {@link hy}) unless already found; returns `this`. */
  private positions(): this {
    if (this.hx === 0) {
      headerPositions(this.headers.lines);
      this.hx = found.hx;
      this.hy = found.hy;
    }
    return this;
  }

  /** {@link octets} when `s` is the parsed header text (a value read in place), else undefined. */
  private octetsOf(s: string): Uint8Array | undefined {
    return s === this.text ? this.octets : undefined;
  }

  /** {@link locate} of header `id`, straight at line `index` when known. */
  private find(index: number, id: HeaderId): boolean {
    if (index === -1) return false;
    if (index >= 0 && locateLine(this.headers.lines[index] as HeaderLine, this.text)) return true;
    return locate(this.headers.lines, this.text, id);
  }

  /** The first value of the single-value header `id` ({@link firstValue}), straight at line `index` when known. */
  private single(index: number, id: HeaderId): string | undefined {
    if (index === -1) return undefined;
    if (index >= 0) return (this.headers.lines[index] as HeaderLine).value;
    return firstValue(this.headers.lines, id);
  }

  private address(index: number, id: HeaderId, name: string): NameAddr | undefined {
    if (!this.find(index, id)) return undefined;
    try {
      return parseNameAddrIn(at.s, at.start, at.end, this.octetsOf(at.s), this.octetBase);
    } catch (e) {
      return malformed(name, e);
    }
  }

  get callId(): string | undefined {
    return this.single(position(this.positions().hx, 21), HeaderId.CallId);
  }

  get cseq(): CSeq | undefined {
    if (this.cCSeq === UNSET) {
      const v = firstValue(this.headers.lines, HeaderId.CSeq);
      this.cCSeq = v === undefined ? undefined : parseCSeq(v);
    }
    return this.cCSeq;
  }

  get contact(): ContactValue | undefined {
    if (this.cContact === UNSET) {
      try {
        const i = position(this.positions().hy, 0);
        this.cContact =
          i === -1
            ? undefined
            : i >= 0 && (this.hy & ONE_CONTACT) !== 0
              ? readContactLine(this.headers.lines, i, this.text, this.octets, this.octetBase)
              : readContact(this.headers.lines, this.text, this.octets, this.octetBase);
      } catch (e) {
        malformed('Contact', e);
      }
    }
    return this.cContact;
  }

  get maxForwards(): number | undefined {
    if (this.cMaxForwards === UNSET) {
      const v = firstValue(this.headers.lines, HeaderId.MaxForwards);
      // RFC 3261 §20.22: an integer in the range 0-255.
      const n = v === undefined ? 0 : readDecimal(v, 255);
      if (n < 0) throw new SipParseError('Malformed Max-Forwards header');
      this.cMaxForwards = v === undefined ? undefined : n;
    }
    return this.cMaxForwards;
  }

  get expires(): number | undefined {
    if (this.cExpires === UNSET) {
      const v = this.single(position(this.positions().hy, 7), HeaderId.Expires);
      this.cExpires = v === undefined ? undefined : deltaSeconds(v, 'Expires');
    }
    return this.cExpires;
  }

  get event(): EventHeader | undefined {
    if (this.cEvent === UNSET) {
      const v = this.single(position(this.positions().hy, 14), HeaderId.Event);
      this.cEvent = v === undefined ? undefined : parseEvent(v);
    }
    return this.cEvent;
  }

  get subscriptionState(): SubscriptionState | undefined {
    if (this.cSubState === UNSET) {
      const v = firstValue(this.headers.lines, HeaderId.SubscriptionState);
      this.cSubState = v === undefined ? undefined : parseSubscriptionState(v);
    }
    return this.cSubState;
  }

  get contentType(): string | undefined {
    const v = this.headers.get('content-type');
    return v === undefined ? undefined : mediaType(v);
  }

  get route(): NameAddr[] {
    if (this.cRoute === UNSET) {
      try {
        this.cRoute = allValues(this.headers.lines, HeaderId.Route).map(parseNameAddr);
      } catch (e) {
        malformed('Route', e);
      }
    }
    return this.cRoute;
  }

  get recordRoute(): NameAddr[] {
    if (this.cRecordRoute === UNSET) {
      try {
        this.cRecordRoute = allValues(this.headers.lines, HeaderId.RecordRoute).map(parseNameAddr);
      } catch (e) {
        malformed('Record-Route', e);
      }
    }
    return this.cRecordRoute;
  }
}

/** A SIP request (RFC 3261 §7.1). */
export class Request extends MessageBase implements SipRequest {
  method: string;
  private ruri: string;
  private parsedUri: SipUri | undefined;

  constructor(
    method: string,
    requestUri: string,
    lines: HeaderLine[],
    body: Buffer,
    version = 'SIP/2.0',
    encoding: HeaderEncoding = 'utf8',
    text = '',
  ) {
    super(lines, body, version, encoding, text);
    this.method = method;
    this.ruri = requestUri;
  }

  get kind(): 'request' {
    return 'request';
  }

  get requestUri(): string {
    return this.ruri;
  }

  set requestUri(v: string) {
    this.ruri = v;
    this.parsedUri = undefined;
  }

  /** The parsed Request-URI; throws SipParseError (400) when malformed. */
  get uri(): SipUri {
    if (this.parsedUri === undefined) {
      try {
        this.parsedUri = parseUri(this.ruri);
      } catch (e) {
        if (e instanceof SipParseError) throw new SipParseError('Malformed Request-URI', 400);
        throw e;
      }
    }
    return this.parsedUri;
  }
}

/** A SIP response (RFC 3261 §7.2). */
export class Response extends MessageBase implements SipResponse {
  status: number;
  reason: string;

  constructor(
    status: number,
    reason: string,
    lines: HeaderLine[],
    body: Buffer,
    version = 'SIP/2.0',
    encoding: HeaderEncoding = 'utf8',
    text = '',
  ) {
    super(lines, body, version, encoding, text);
    this.status = status;
    this.reason = reason;
  }

  get kind(): 'response' {
    return 'response';
  }
}
