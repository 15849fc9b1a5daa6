import type { SipRequest } from '../message/types.js';
import { createRequest, formatNameAddr, formatUri, parseNameAddr, parseUri } from '../message/index.js';
import { generateInitialCSeq } from '../ids.js';
import type { Dialog } from './dialog.js';

/** URI parameters a Request-URI may not carry (RFC 3261 §19.1.1 table): stripped when a strict route becomes the Request-URI. */
const NOT_IN_REQUEST_URI = new Set(['lr']);

/** Options for {@link createInDialogRequest}. */
export interface InDialogRequestOptions {
  /** Extra headers, appended after the dialog headers. */
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  /** For ACK (and CANCEL): reuse this CSeq number instead of advancing the local sequence. */
  cseq?: number;
  /** Max-Forwards value (default 70). */
  maxForwards?: number;
}

/** A built in-dialog request and the dialog with its local CSeq advanced. */
export interface InDialogRequest {
  request: SipRequest;
  dialog: Dialog;
}

function withTag(party: string, tag: string): string {
  const na = parseNameAddr(party);
  const params = new Map(na.params);
  params.set('tag', tag);
  return formatNameAddr({ ...na, params });
}

/**
 * Builds a request inside a dialog (RFC 3261 §12.2.1.1). To/From carry the
 * remote and local parties with their tags; CSeq is the local sequence plus
 * one (chosen afresh if empty, §8.1.1.5). Routing: an empty route set sends
 * to the remote target; a loose first route (`lr`) keeps the remote target as
 * Request-URI and lists the whole route set; a strict first route becomes the
 * Request-URI (parameters not allowed there stripped) and the remote target
 * goes last in Route (the §16.12 strict-route interworking).
 * The Via is left to the transaction and transport layers.
 */
export function createInDialogRequest(
  dialog: Dialog,
  method: string,
  options: InDialogRequestOptions = {},
): InDialogRequest {
  let localSeq = dialog.localSeq;
  let seq: number;
  if (options.cseq !== undefined) {
    seq = options.cseq;
  } else {
    seq = localSeq === undefined ? generateInitialCSeq() : localSeq + 1;
    localSeq = seq;
  }

  let requestUri = dialog.remoteTarget;
  let routes = [...dialog.routeSet];
  if (routes.length > 0) {
    const first = parseNameAddr(routes[0]);
    if (!first.uri.params.has('lr')) {
      const params = new Map(first.uri.params);
      for (const name of NOT_IN_REQUEST_URI) params.delete(name);
      requestUri = formatUri({ ...first.uri, params, headers: new Map() });
      routes = [...routes.slice(1), `<${dialog.remoteTarget}>`];
    }
  }
  // Validate the target now: a malformed stored Contact should fail here, not on the wire.
  parseUri(requestUri);

  const headers: Array<[string, string]> = [
    ['Max-Forwards', String(options.maxForwards ?? 70)],
    ...routes.map((r): [string, string] => ['Route', r]),
    ['From', withTag(dialog.local, dialog.id.localTag)],
    ['To', withTag(dialog.remote, dialog.id.remoteTag)],
    ['Call-ID', dialog.id.callId],
    ['CSeq', `${seq} ${method}`],
    ...(options.headers ?? []),
  ];
  const request = createRequest({ method, uri: requestUri, headers, body: options.body });
  return { request, dialog: { ...dialog, localSeq } };
}
