/**
 * The parsers compared by the parse benchmark, behind one shape: parse the
 * wire form, read the fields a proxy or presence server reads on every message
 * through the library's own API, and serialize a parsed message.
 *
 * Inputs are what each library's own transport hands its parser: Herald and
 * npm `sip` get the datagram's Buffer and decode it themselves (npm `sip`'s
 * UDP transport passes the Buffer to `parse`, which calls
 * `toString('binary')`), SIP.js gets a string (its transports receive text:
 * `Core.Parser.parseMessage(string, logger)`). "Read" yields the same facts from every library (top Via branch,
 * From tag/user/host, To tag/user/host, Call-ID, CSeq number and method,
 * Contact host/port, Event type, Expires): npm `sip` returns URIs of From, To
 * and Contact as strings, so reading their user/host goes through its own
 * `parseUri`, as its proxy does; SIP.js parses them while parsing the message.
 */
import { createRequire } from 'node:module';
import { parseMessage, serializeMessage, type SipMessage } from '@herald/sip';
import { Core } from 'sip.js';

/** The fields read per message (undefined when the message has no such header). */
export interface ReadFields {
  readonly branch: string | undefined;
  readonly fromTag: string | undefined;
  readonly fromUser: string | undefined;
  readonly fromHost: string | undefined;
  readonly toTag: string | undefined;
  readonly toUser: string | undefined;
  readonly toHost: string | undefined;
  readonly callId: string | undefined;
  readonly seq: number | undefined;
  readonly method: string | undefined;
  readonly contactHost: string | undefined;
  readonly contactPort: number | undefined;
  readonly event: string | undefined;
  readonly expires: number | undefined;
}

/** One library under test. `prepare` turns the message text into the library's input once, outside the timing. */
export interface ParserUnderTest<In = unknown, Parsed = unknown> {
  readonly name: string;
  readonly prepare: (text: string) => In;
  readonly parse: (input: In) => Parsed;
  readonly read: (parsed: Parsed) => ReadFields;
  /** Undefined when the library cannot serialize a parsed message. */
  readonly serialize: ((parsed: Parsed) => number) | undefined;
}

// ---------------------------------------------------------------- Herald

function heraldRead(m: SipMessage): ReadFields {
  const from = m.from;
  const to = m.to;
  const cseq = m.cseq;
  const contact = m.contact;
  const first = contact === undefined || contact === '*' ? undefined : contact[0];
  return {
    branch: m.topVia?.branch,
    fromTag: from?.params.get('tag') ?? undefined,
    fromUser: from?.uri.user,
    fromHost: from?.uri.host,
    toTag: to?.params.get('tag') ?? undefined,
    toUser: to?.uri.user,
    toHost: to?.uri.host,
    callId: m.callId,
    seq: cseq?.seq,
    method: cseq?.method,
    contactHost: first?.uri.host,
    contactPort: first?.uri.port,
    event: m.event?.event,
    expires: m.expires,
  };
}

/** @herald/sip: `parseMessage(Buffer)`, typed lazy accessors, `serializeMessage` (a Buffer). */
export const herald: ParserUnderTest<Buffer, SipMessage> = {
  name: 'herald',
  prepare: (text) => Buffer.from(text),
  parse: (input) => parseMessage(input),
  read: heraldRead,
  serialize: (m) => serializeMessage(m).length,
};

// ---------------------------------------------------------------- npm sip 0.0.6 (no type declarations)

interface NpmSipAor {
  readonly name?: string;
  readonly uri: string;
  readonly params: Record<string, string | null>;
}
interface NpmSipUri {
  readonly user?: string;
  readonly host: string;
  readonly port: number;
}
interface NpmSipMessage {
  readonly headers: {
    readonly via?: ReadonlyArray<{ readonly params: Record<string, string | null> }>;
    readonly from?: NpmSipAor;
    readonly to?: NpmSipAor;
    readonly 'call-id'?: string;
    readonly cseq?: { readonly seq: number; readonly method: string };
    readonly contact?: '*' | readonly NpmSipAor[];
    readonly event?: string;
    readonly expires?: string;
  };
}
interface NpmSip {
  /** Takes the datagram's Buffer (its UDP transport passes it as received) or a string. */
  parse(s: Buffer | string): NpmSipMessage | undefined;
  stringify(m: NpmSipMessage): string;
  parseUri(s: string): NpmSipUri | undefined;
}

const npmSip = createRequire(import.meta.url)('sip') as NpmSip;

function sipRead(m: NpmSipMessage): ReadFields {
  const h = m.headers;
  const from = h.from;
  const to = h.to;
  const fromUri = from === undefined ? undefined : npmSip.parseUri(from.uri);
  const toUri = to === undefined ? undefined : npmSip.parseUri(to.uri);
  const contact = h.contact === undefined || h.contact === '*' ? undefined : h.contact[0];
  const contactUri = contact === undefined ? undefined : npmSip.parseUri(contact.uri);
  const event = h.event;
  const semi = event === undefined ? -1 : event.indexOf(';');
  return {
    branch: h.via?.[0]?.params['branch'] ?? undefined,
    fromTag: from?.params['tag'] ?? undefined,
    fromUser: fromUri?.user,
    fromHost: fromUri?.host,
    toTag: to?.params['tag'] ?? undefined,
    toUser: toUri?.user,
    toHost: toUri?.host,
    callId: h['call-id'],
    seq: h.cseq?.seq,
    method: h.cseq?.method,
    contactHost: contactUri?.host,
    contactPort: contactUri === undefined || Number.isNaN(contactUri.port) ? undefined : contactUri.port,
    event: event === undefined ? undefined : (semi < 0 ? event : event.slice(0, semi)).trim(),
    expires: h.expires === undefined ? undefined : Number(h.expires),
  };
}

/** npm `sip` 0.0.6: regex parser (`parse`), header objects for Via/From/To/CSeq/Contact, `stringify`. */
export const sip: ParserUnderTest<Buffer, NpmSipMessage> = {
  name: 'sip',
  prepare: (text) => Buffer.from(text),
  parse: (input) => {
    const m = npmSip.parse(input);
    if (m === undefined) throw new Error('npm sip could not parse the message');
    return m;
  },
  read: sipRead,
  serialize: (m) => npmSip.stringify(m).length,
};

// ---------------------------------------------------------------- SIP.js core parser

type SipJsMessage = Core.IncomingRequestMessage | Core.IncomingResponseMessage;

const sipJsLogger = (() => {
  const factory = new Core.LoggerFactory();
  factory.builtinEnabled = false;
  return factory.getLogger('bench');
})();

interface SipJsUriLike {
  readonly user?: string;
  readonly host?: string;
  readonly port?: number;
}

function sipJsRead(m: SipJsMessage): ReadFields {
  // parseHeader is typed `any` by SIP.js; narrow what we read.
  const contact = m.parseHeader('contact') as { readonly uri: SipJsUriLike } | undefined;
  const event = m.parseHeader('event') as { readonly event: string } | undefined;
  const expires = m.getHeader('expires');
  return {
    branch: m.viaBranch,
    fromTag: m.fromTag,
    fromUser: m.from.uri.user,
    fromHost: m.from.uri.host,
    toTag: m.toTag,
    toUser: m.to.uri.user,
    toHost: m.to.uri.host,
    callId: m.callId,
    seq: m.cseq,
    method: m.method,
    contactHost: contact?.uri.host,
    contactPort: contact?.uri.port,
    event: event?.event,
    expires: expires === undefined ? undefined : Number(expires),
  };
}

/** SIP.js 0.21 core: `Core.Parser.parseMessage(string, logger)` (PEG grammar for the first line and the parsed headers); no serializer of parsed messages. */
export const sipJs: ParserUnderTest<string, SipJsMessage> = {
  name: 'sip.js',
  prepare: (text) => text,
  parse: (input) => {
    const m = Core.Parser.parseMessage(input, sipJsLogger);
    if (m === undefined) throw new Error('SIP.js could not parse the message');
    return m;
  },
  read: sipJsRead,
  serialize: undefined,
};

/** Every library, Herald first (ratios are Herald / other). */
export const PARSERS: readonly ParserUnderTest[] = [herald, sip, sipJs] as unknown as readonly ParserUnderTest[];
