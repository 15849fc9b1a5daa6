/** Building the SUBSCRIBEs of one subscription and reading what their responses say. */
import { type SipRequest, type SipResponse, createRequest, formatNameAddr, parseNameAddr } from '@herald/sip';
import type { SubscribeOptions } from './options.js';

/** Identifiers of one attempt's initial SUBSCRIBE (fresh per attempt). */
export interface InitialIds {
  readonly callId: string;
  readonly localTag: string;
  readonly seq: number;
}

function withTag(nameAddr: string, tag: string): string {
  const parsed = parseNameAddr(nameAddr);
  const params = new Map(parsed.params);
  params.set('tag', tag);
  return formatNameAddr({ ...parsed, params });
}

/**
 * Headers every SUBSCRIBE of a subscription carries (RFC 6665 §4.1.2, §8.2.1):
 * Contact, Event (with `id`), Expires, Accept, Allow-Events, then the caller's extras.
 */
export function subscribeHeaders(
  options: SubscribeOptions,
  allowEvents: readonly string[],
  expires: number,
): Array<[string, string]> {
  const headers: Array<[string, string]> = [
    ['Contact', `<${options.contact}>`],
    ['Event', options.eventId !== undefined ? `${options.event};id=${options.eventId}` : options.event],
    ['Expires', String(expires)],
  ];
  for (const type of options.accept ?? []) headers.push(['Accept', type]);
  if (allowEvents.length > 0) headers.push(['Allow-Events', allowEvents.join(', ')]);
  for (const [name, value] of options.headers ?? []) headers.push([name, value]);
  return headers;
}

/** The out-of-dialog SUBSCRIBE that starts an attempt (RFC 3261 §8.1.1, RFC 6665 §4.1.2.1). */
export function buildInitialSubscribe(
  options: SubscribeOptions,
  allowEvents: readonly string[],
  ids: InitialIds,
  expires: number,
): SipRequest {
  return createRequest({
    method: 'SUBSCRIBE',
    uri: options.target,
    headers: [
      ['Max-Forwards', '70'],
      ...(options.route ?? []).map((route): [string, string] => ['Route', route]),
      ['From', withTag(options.from, ids.localTag)],
      ['To', options.to ?? `<${options.target}>`],
      ['Call-ID', ids.callId],
      ['CSeq', `${ids.seq} SUBSCRIBE`],
      ...subscribeHeaders(options, allowEvents, expires),
    ],
  });
}

/** Leading delta-seconds of a header such as Retry-After (RFC 3261 §20.33) or Min-Expires (§20.23). */
export function headerSeconds(response: SipResponse, name: string): number | undefined {
  const match = /^\s*(\d+)/.exec(response.headers.get(name) ?? '');
  return match ? Number(match[1]) : undefined;
}
