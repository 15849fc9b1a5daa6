/**
 * The header name table: canonical spelling, compact forms (RFC 3261 §7.3.3
 * and the extensions that define them), and the value shape of each header.
 */

/**
 * How a header's values are stored: `Single` may appear once with one value
 * (a second makes the message malformed); `List` is a `#element` list split on
 * top-level commas; `Whole` is one value per line, never split (its grammar has
 * commas inside one value, or the header is unknown).
 */
export const HeaderShape = { Single: 0, List: 1, Whole: 2 } as const;
export type HeaderShape = (typeof HeaderShape)[keyof typeof HeaderShape];

/** Small integer ids of the headers the parser and the typed accessors handle specially (0 for the rest). */
export const HeaderId = {
  Other: 0,
  Via: 1,
  From: 2,
  To: 3,
  CallId: 4,
  CSeq: 5,
  ContentLength: 6,
  MaxForwards: 7,
  Contact: 8,
  Expires: 9,
  Event: 10,
  SubscriptionState: 11,
  Route: 12,
  RecordRoute: 13,
} as const;
export type HeaderId = (typeof HeaderId)[keyof typeof HeaderId];

/** What the parser and the header store know about one header name. */
export interface HeaderDef {
  /** Canonical spelling, used on output. */
  readonly name: string;
  /** Lower-cased canonical name: the lookup key. */
  readonly key: string;
  readonly shape: HeaderShape;
  readonly id: HeaderId;
  /** For single-value headers, a distinct bit, so a parser can spot a repeated one with a bit mask; else 0. */
  readonly bit: number;
  /** Char codes of `key` for a header in the table (matched in place by {@link headerDefAt}); undefined for other names. */
  readonly codes: Uint8Array | undefined;
}

const S = HeaderShape.Single;
const L = HeaderShape.List;
const W = HeaderShape.Whole;

const KNOWN: Array<[string, HeaderShape, string?]> = [
  ['Accept', L],
  ['Accept-Contact', L, 'a'],
  ['Accept-Encoding', L],
  ['Accept-Language', L],
  ['Accept-Resource-Priority', L],
  ['Alert-Info', L],
  ['Allow', L],
  ['Allow-Events', L, 'u'],
  ['Authentication-Info', W],
  ['Authorization', W],
  ['Call-ID', S, 'i'],
  ['Call-Info', L],
  ['Contact', L, 'm'],
  ['Content-Disposition', S],
  ['Content-Encoding', L, 'e'],
  ['Content-Language', L],
  ['Content-Length', S, 'l'],
  ['Content-Type', S, 'c'],
  ['CSeq', S],
  ['Date', W],
  ['Error-Info', L],
  ['Event', S, 'o'],
  ['Expires', S],
  ['From', S, 'f'],
  ['History-Info', L],
  ['Identity', W, 'y'],
  ['Identity-Info', W],
  ['In-Reply-To', L],
  ['Max-Forwards', S],
  ['MIME-Version', S],
  ['Min-Expires', S],
  ['Min-SE', S],
  ['Organization', W],
  ['P-Asserted-Identity', L],
  ['P-Associated-URI', L],
  ['P-Preferred-Identity', L],
  ['Path', L],
  ['Priority', S],
  ['Privacy', W],
  ['Proxy-Authenticate', W],
  ['Proxy-Authorization', W],
  ['Proxy-Require', L],
  ['RAck', S],
  ['Reason', L],
  ['Record-Route', L],
  ['Refer-To', S, 'r'],
  ['Referred-By', S, 'b'],
  ['Reject-Contact', L, 'j'],
  ['Reply-To', S],
  ['Request-Disposition', L, 'd'],
  ['Require', L],
  ['Retry-After', W],
  ['Route', L],
  ['RSeq', S],
  ['Security-Client', L],
  ['Security-Server', L],
  ['Security-Verify', L],
  ['Server', W],
  ['Service-Route', L],
  ['Session-Expires', S, 'x'],
  ['SIP-ETag', S],
  ['SIP-If-Match', S],
  ['Subject', W, 's'],
  ['Subscription-State', S],
  ['Supported', L, 'k'],
  ['Timestamp', S],
  ['To', S, 't'],
  ['Unsupported', L],
  ['User-Agent', W],
  ['Via', L, 'v'],
  ['Warning', L],
  ['WWW-Authenticate', W],
];

const IDS: Record<string, HeaderId> = {
  via: HeaderId.Via,
  from: HeaderId.From,
  to: HeaderId.To,
  'call-id': HeaderId.CallId,
  cseq: HeaderId.CSeq,
  'content-length': HeaderId.ContentLength,
  'max-forwards': HeaderId.MaxForwards,
  contact: HeaderId.Contact,
  expires: HeaderId.Expires,
  event: HeaderId.Event,
  'subscription-state': HeaderId.SubscriptionState,
  route: HeaderId.Route,
  'record-route': HeaderId.RecordRoute,
};

const TABLE = new Map<string, HeaderDef>();
/** Known headers by name length and first letter, for lookups straight from the message text. */
const BY_SHAPE: Array<HeaderDef[] | undefined> = new Array<HeaderDef[] | undefined>(32 * 128).fill(undefined);
const shapeKey = (length: number, firstLower: number): number => length * 128 + firstLower;
/** Compact forms by lower-case char code. */
const COMPACT: Array<HeaderDef | undefined> = new Array<HeaderDef | undefined>(128).fill(undefined);
let nextBit = 0;
for (const [name, shape, compact] of KNOWN) {
  const key = name.toLowerCase();
  // At most 31 single-value headers fit the bit mask; any further ones are simply not checked for repeats.
  const bit = shape === HeaderShape.Single && nextBit < 31 ? 1 << nextBit++ : 0;
  const codes = Uint8Array.from(key, (ch) => ch.charCodeAt(0));
  const def: HeaderDef = { name, key, shape, id: IDS[key] ?? HeaderId.Other, bit, codes };
  TABLE.set(def.key, def);
  TABLE.set(name, def);
  const sk = shapeKey(key.length, key.charCodeAt(0));
  (BY_SHAPE[sk] ??= []).push(def);
  if (compact !== undefined) {
    TABLE.set(compact, def);
    TABLE.set(compact.toUpperCase(), def);
    COMPACT[compact.charCodeAt(0)] = def;
  }
}

/** Names seen that are not in the table, bounded so hostile input cannot grow it without end. */
const UNKNOWN = new Map<string, HeaderDef>();
const UNKNOWN_LIMIT = 2048;

/**
 * The definition of a header by any spelling: case-insensitive, compact forms
 * understood. Unknown headers keep their spelling as canonical name and are
 * never split.
 */
export function headerDef(name: string): HeaderDef {
  const hit = TABLE.get(name) ?? UNKNOWN.get(name);
  if (hit !== undefined) return hit;
  const lower = name.toLowerCase();
  const known = TABLE.get(lower);
  if (known !== undefined) return known;
  const def: HeaderDef = { name, key: lower, shape: W, id: HeaderId.Other, bit: 0, codes: undefined };
  if (UNKNOWN.size < UNKNOWN_LIMIT) UNKNOWN.set(name, def);
  return def;
}

/**
 * {@link headerDef} for the name at `s[start, end)`, which must already be a
 * token: compares chars in place (ASCII case folded) so the parser's hot path
 * neither slices nor hashes known names.
 */
export function headerDefAt(s: string, start: number, end: number): HeaderDef {
  const len = end - start;
  if (len === 1) {
    const compact = COMPACT[s.charCodeAt(start) | 0x20];
    if (compact !== undefined) return compact;
  } else if (len < 32) {
    const candidates = BY_SHAPE[shapeKey(len, (s.charCodeAt(start) | 0x20) & 127)];
    if (candidates !== undefined) {
      for (let c = 0; c < candidates.length; c++) {
        // A byte array read is cheaper than a second charCodeAt (or a native startsWith call) per char.
        const codes = (candidates[c] as HeaderDef).codes as Uint8Array;
        let k = 0;
        // `| 0x20` folds A-Z to a-z and leaves '-' and digits as they are; of the chars that are not
        // token chars only CR folds onto a name char ('-'), and a CR inside a line fails the message.
        while (k < len && (s.charCodeAt(start + k) | 0x20) === codes[k]) k++;
        if (k === len) return candidates[c] as HeaderDef;
      }
    }
  }
  return headerDef(s.slice(start, end));
}

/**
 * {@link headerDefAt} reading the name's octets from `bytes[start, end)`, where the
 * message text holds one char per octet (an ASCII datagram decoded whole): a typed
 * array read costs less than `charCodeAt`. `s` is that text, for names not in the table.
 */
export function headerDefIn(bytes: Uint8Array, base: number, s: string, start: number, end: number): HeaderDef {
  const len = end - start;
  const at = base + start;
  if (len === 1) {
    const compact = COMPACT[(bytes[at] as number) | 0x20];
    if (compact !== undefined) return compact;
  } else if (len < 32) {
    const candidates = BY_SHAPE[shapeKey(len, ((bytes[at] as number) | 0x20) & 127)];
    if (candidates !== undefined) {
      for (let c = 0; c < candidates.length; c++) {
        const codes = (candidates[c] as HeaderDef).codes as Uint8Array;
        let k = 1;
        // The octets are ASCII (the caller's promise), so the first one, folded, picked the bucket and
        // needs no second look; as in headerDefAt, `| 0x20` folds only A-Z among a name's octets.
        while (k < len && ((bytes[at + k] as number) | 0x20) === codes[k]) k++;
        if (k === len) return candidates[c] as HeaderDef;
      }
    }
  }
  return headerDef(s.slice(start, end));
}

/** A spelling of a known header name (its full or compact form), as {@link nameBeforeColon} finds it. */
export interface NameSpelling {
  readonly def: HeaderDef;
  /** Lower-case char codes of this spelling. */
  readonly codes: Uint8Array;
}

/** Spellings by their first two octets folded to lower case (a compact form's second octet is its ':'). */
const BY_PREFIX: Array<NameSpelling[] | undefined> = new Array<NameSpelling[] | undefined>(128 * 128).fill(undefined);
const prefixKey = (c0: number, c1: number): number => ((c0 | 0x20) & 127) * 128 + ((c1 | 0x20) & 127);
/** Names nearly every message carries, tried first in their group (the others keep the table's order). */
const COMMON = ['content-length', 'contact', 'content-type', 'call-id', 'allow', 'supported', 'subscription-state'];
const rank = (def: HeaderDef): number => {
  const i = COMMON.indexOf(def.key);
  return i < 0 ? COMMON.length : i;
};
for (const def of [...new Set(TABLE.values())].sort((a, b) => rank(a) - rank(b))) {
  const codes = def.codes as Uint8Array;
  (BY_PREFIX[prefixKey(codes[0] as number, codes[1] as number)] ??= []).push({ def, codes });
}
for (let c = 0; c < 128; c++) {
  const def = COMPACT[c];
  if (def !== undefined) (BY_PREFIX[prefixKey(c, 58)] ??= []).push({ def, codes: Uint8Array.of(c) });
}

/**
 * The known header name spelled at `bytes[at]` and followed at once by its colon
 * (`Via:`, `v:`; any case), found without searching for the colon: the first two
 * octets pick the few spellings that start so, the octet just past each one's
 * length must be the ':', and the rest is compared. Undefined otherwise (another
 * name, whitespace before the colon, no colon), which the caller then reads the
 * general way. Octets past the line are harmless: LF folds onto no name char, so a
 * match cannot run through the line's end (and a CR in a line fails the message).
 */
export function nameBeforeColon(bytes: Uint8Array, at: number): NameSpelling | undefined {
  const candidates = BY_PREFIX[prefixKey(bytes[at] as number, bytes[at + 1] as number)];
  if (candidates === undefined) return undefined;
  for (let c = 0; c < candidates.length; c++) {
    const spelling = candidates[c] as NameSpelling;
    const codes = spelling.codes;
    const len = codes.length;
    if (bytes[at + len] !== 58) continue;
    let k = 2;
    while (k < len && ((bytes[at + k] as number) | 0x20) === codes[k]) k++;
    if (k >= len) return spelling;
  }
  return undefined;
}
