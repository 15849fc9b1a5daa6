/** The 2xx to a REGISTER (RFC 3261 §10.3 step 8): every current binding with its remaining time, and a Date. */
import { formatParams } from '@herald/sip';
import type { StoredBinding } from './store.js';

/** A `q` value as written on the wire (at most three decimals, RFC 3261 §20.10). */
export function formatQ(q: number): string {
  return q === 1 ? '1' : q === 0 ? '0' : q.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
}

/** One Contact value of the 200: `<uri>;expires=N;q=…` plus the binding's other parameters (`+sip.instance`, `reg-id`). */
export function formatBindingContact(b: StoredBinding, now: number): string {
  const remaining = Math.max(0, Math.ceil((b.expiresAt - now) / 1000));
  const q = b.q !== undefined ? `;q=${formatQ(b.q)}` : '';
  const params = b.params.length === 0 ? '' : formatParams(new Map(b.params));
  return `<${b.contact}>${params};expires=${remaining}${q}`;
}

/** Headers of the 200 to a REGISTER: Contact (all bindings), Date, and `Require: outbound` when RFC 5626 was used. */
export function registerOkHeaders(
  bindings: readonly StoredBinding[],
  now: number,
  outbound: boolean,
): Array<[string, string]> {
  const headers: Array<[string, string]> = bindings.map((b) => ['Contact', formatBindingContact(b, now)]);
  // RFC 3261 §10.3 step 8: the response SHOULD include a Date header field.
  headers.push(['Date', httpDate(now)]);
  // RFC 5626 §6: a registrar that applied outbound processing puts the option tag in Require.
  if (outbound) headers.push(['Require', 'outbound']);
  return headers;
}

let dateSecond = -1;
let dateText = '';

/** RFC 3261 §20.17 Date (RFC 1123 form) of `now`, formatted once per second. */
function httpDate(now: number): string {
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}
