/**
 * Shared lower-case spellings of the parameter names seen on nearly every
 * message, so the value parsers neither slice nor lower-case them.
 */

const COMMON = [
  'tag',
  'branch',
  'rport',
  'received',
  'maddr',
  'ttl',
  'expires',
  'transport',
  'lr',
  'user',
  'method',
  'q',
  'id',
  'reason',
  'retry-after',
  'rinstance',
  'ob',
  'reg-id',
  '+sip.instance',
  'comp',
  'gr',
  'line',
];

/** Slot of a name in {@link SHARED}: its length, first and last char mixed (lower-cased). */
function slot(len: number, first: number, last: number): number {
  return (first + last + len * 18) & 255;
}

/** The common names by {@link slot}, at most one per slot, and their char codes (compared without charCodeAt on two strings). */
const SHARED: Array<string | undefined> = new Array<string | undefined>(256).fill(undefined);
const SHARED_CODES: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(256).fill(undefined);
for (const name of COMMON) {
  const k = slot(name.length, name.charCodeAt(0), name.charCodeAt(name.length - 1));
  // Checked when the module loads: a new common name must not share a slot (change the mix if it does).
  if (SHARED[k] !== undefined) throw new Error(`names.ts: ${name} and ${SHARED[k]} share a slot`);
  SHARED[k] = name;
  SHARED_CODES[k] = Uint8Array.from(name, (ch) => ch.charCodeAt(0));
}

/**
 * `s[start, end)` lower-cased, as a shared string when it is a common
 * parameter name. The range must be non-empty and hold token or paramchar
 * octets only (no control chars), so folding with `| 0x20` only maps A-Z to a-z.
 */
export function lowerName(s: string, start: number, end: number): string {
  const len = end - start;
  const k = slot(len, s.charCodeAt(start) | 0x20, s.charCodeAt(end - 1) | 0x20);
  const codes = SHARED_CODES[k];
  if (codes !== undefined && codes.length === len) {
    let j = 0;
    while (j < len && (s.charCodeAt(start + j) | 0x20) === codes[j]) j++;
    if (j === len) return SHARED[k] as string;
  }
  return s.slice(start, end).toLowerCase();
}

/**
 * {@link lowerName} of the octets `b[p, q)`, which are `s[p - d, q - d)`:
 * the shared spelling found without reading the string.
 */
export function lowerNameOctets(s: string, b: Uint8Array, d: number, p: number, q: number): string {
  const len = q - p;
  const k = slot(len, (b[p] as number) | 0x20, (b[q - 1] as number) | 0x20);
  const codes = SHARED_CODES[k];
  if (codes !== undefined && codes.length === len) {
    let j = 0;
    while (j < len && ((b[p + j] as number) | 0x20) === codes[j]) j++;
    if (j === len) return SHARED[k] as string;
  }
  return s.slice(p - d, q - d).toLowerCase();
}

/** The methods nearly every request carries (RFC 3261 §7.1 and the extensions we serve), one shared spelling each. */
export const COMMON_METHODS: readonly string[] = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'MESSAGE',
  'INFO',
  'PRACK',
  'UPDATE',
  'REFER',
];
