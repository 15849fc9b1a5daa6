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

export interface HeaderDef {
  /** Canonical spelling, used on output. */
  readonly name: string;
  /** Lower-cased canonical name: the lookup key. */
  readonly key: string;
  readonly shape: HeaderShape;
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

const TABLE = new Map<string, HeaderDef>();
for (const [name, shape, compact] of KNOWN) {
  const def: HeaderDef = { name, key: name.toLowerCase(), shape };
  TABLE.set(def.key, def);
  TABLE.set(name, def);
  if (compact !== undefined) {
    TABLE.set(compact, def);
    TABLE.set(compact.toUpperCase(), def);
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
  const def: HeaderDef = { name, key: lower, shape: W };
  if (UNKNOWN.size < UNKNOWN_LIMIT) UNKNOWN.set(name, def);
  return def;
}
