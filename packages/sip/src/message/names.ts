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

/** Candidates by `length * 128 + lower-cased first char`. */
const BUCKETS: Array<string[] | undefined> = new Array<string[] | undefined>(16 * 128).fill(undefined);
for (const name of COMMON) {
  const k = name.length * 128 + name.charCodeAt(0);
  (BUCKETS[k] ??= []).push(name);
}

/**
 * `s[start, end)` lower-cased, as a shared string when it is a common
 * parameter name. The range must hold token or paramchar octets only (no
 * control chars), so folding with `| 0x20` only maps A-Z to a-z.
 */
export function lowerName(s: string, start: number, end: number): string {
  const len = end - start;
  const bucket = len < 16 ? BUCKETS[len * 128 + ((s.charCodeAt(start) | 0x20) & 127)] : undefined;
  if (bucket !== undefined) {
    for (const name of bucket) {
      let k = 1;
      while (k < len && (s.charCodeAt(start + k) | 0x20) === name.charCodeAt(k)) k++;
      if (k === len) return name;
    }
  }
  return s.slice(start, end).toLowerCase();
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
