import { SipParseError } from './errors.js';
import { HeaderList } from './headers.js';
import type { HeaderLine } from './headers.js';
import { parseNameAddr } from './name-addr.js';
import { parseUri } from './uri.js';
import {
  deltaSeconds,
  mediaType,
  parseCSeq,
  parseContact,
  parseEvent,
  parseSubscriptionState,
  readDecimal,
} from './values.js';
import { parseVia } from './via.js';
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

/** Rethrows a value parser's failure with the header named in the reason. */
function typed<T>(name: string, parse: () => T): T {
  const reason = name === 'Request-URI' ? 'Malformed Request-URI' : 'Malformed ' + name + ' header';
  try {
    return parse();
  } catch (e) {
    if (e instanceof SipParseError) throw new SipParseError(reason, 400);
    throw e;
  }
}

interface ViaCache {
  top?: Via | undefined;
  all?: Via[];
}

/** The parts shared by requests and responses: headers, body and the typed, lazily parsed accessors. */
abstract class MessageBase {
  readonly headers: HeaderList;
  body: Buffer;
  /** The text encoding used to write header text back to octets. */
  headerEncoding: HeaderEncoding;
  readonly version: string;

  constructor(lines: HeaderLine[], body: Buffer, version: string, encoding: HeaderEncoding) {
    this.headers = new HeaderList(lines);
    this.body = body;
    this.version = version;
    this.headerEncoding = encoding;
  }

  private viaCache(): ViaCache {
    return this.headers.cached('via', (): ViaCache => ({}));
  }

  get via(): Via[] {
    const c = this.viaCache();
    if (c.all === undefined) c.all = typed('Via', () => this.headers.getAll('via').map(parseVia));
    return c.all;
  }

  get topVia(): Via | undefined {
    const c = this.viaCache();
    if (c.all !== undefined) return c.all[0];
    if (!('top' in c)) {
      const v = this.headers.get('via');
      c.top = v === undefined ? undefined : typed('Via', () => parseVia(v));
    }
    return c.top;
  }

  private address(key: string, name: string): NameAddr | undefined {
    return this.headers.cached(key, () => {
      const v = this.headers.get(key);
      return v === undefined ? undefined : typed(name, () => parseNameAddr(v));
    });
  }

  get from(): NameAddr | undefined {
    return this.address('from', 'From');
  }

  get to(): NameAddr | undefined {
    return this.address('to', 'To');
  }

  get callId(): string | undefined {
    return this.headers.get('call-id');
  }

  get cseq(): CSeq | undefined {
    return this.headers.cached('cseq', () => {
      const v = this.headers.get('cseq');
      return v === undefined ? undefined : parseCSeq(v);
    });
  }

  get contact(): ContactValue | undefined {
    return this.headers.cached('contact', () => {
      const values = this.headers.getAll('contact');
      return values.length === 0 ? undefined : typed('Contact', () => parseContact(values));
    });
  }

  get maxForwards(): number | undefined {
    return this.headers.cached('max-forwards', () => {
      const v = this.headers.get('max-forwards');
      if (v === undefined) return undefined;
      // RFC 3261 §20.22: an integer in the range 0-255.
      const n = readDecimal(v, 255);
      if (n < 0) throw new SipParseError('Malformed Max-Forwards header');
      return n;
    });
  }

  get expires(): number | undefined {
    return this.headers.cached('expires', () => {
      const v = this.headers.get('expires');
      return v === undefined ? undefined : deltaSeconds(v, 'Expires');
    });
  }

  get event(): EventHeader | undefined {
    return this.headers.cached('event', () => {
      const v = this.headers.get('event');
      return v === undefined ? undefined : parseEvent(v);
    });
  }

  get subscriptionState(): SubscriptionState | undefined {
    return this.headers.cached('subscription-state', () => {
      const v = this.headers.get('subscription-state');
      return v === undefined ? undefined : parseSubscriptionState(v);
    });
  }

  get contentType(): string | undefined {
    const v = this.headers.get('content-type');
    return v === undefined ? undefined : mediaType(v);
  }

  get route(): NameAddr[] {
    return this.headers.cached('route', () => typed('Route', () => this.headers.getAll('route').map(parseNameAddr)));
  }

  get recordRoute(): NameAddr[] {
    return this.headers.cached('record-route', () =>
      typed('Record-Route', () => this.headers.getAll('record-route').map(parseNameAddr)),
    );
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
  ) {
    super(lines, body, version, encoding);
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
      const raw = this.ruri;
      this.parsedUri = typed('Request-URI', () => parseUri(raw));
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
  ) {
    super(lines, body, version, encoding);
    this.status = status;
    this.reason = reason;
  }

  get kind(): 'response' {
    return 'response';
  }
}
