/**
 * Pure helpers of the stateful proxy (RFC 3261 §16): copies, the request
 * checks of §16.3, the forwarded copy of §16.6, and the response copy of
 * §16.7 step 3.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parseMessage, serializeMessage, type SipRequest, type SipResponse, type SipUri } from '@herald/sip';

/** `sip:user@host` (host lower-cased, no port or parameters), the key the registrar and the event engine use. */
export function aorOf(uri: SipUri): string | undefined {
  if ((uri.scheme !== 'sip' && uri.scheme !== 'sips') || uri.user === undefined) return undefined;
  return `sip:${uri.user}@${uri.host.toLowerCase()}`;
}

/** A deep copy through the wire format, so each branch can change its own. */
export function copyRequest(request: SipRequest): SipRequest {
  return parseMessage(serializeMessage(request)) as SipRequest;
}

/** A copy of a downstream response without our top Via (RFC 3261 §16.7 step 3). */
export function upstreamCopy(response: SipResponse): SipResponse {
  const copy = parseMessage(serializeMessage(response)) as SipResponse;
  const vias = copy.headers.getAll('Via');
  copy.headers.set('Via', vias.slice(1));
  return copy;
}

/** Methods whose out-of-dialog request creates a dialog we record-route (RFC 3261 §16.6 step 4). */
export const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);

/**
 * Branch parameters of one proxy instance. A branch is
 * `z9hG4bK<instance>.<loop key>.<n>`: the loop key is a hash of the fields
 * RFC 3261 §16.6 step 8 lists, so a request coming back with one of our Vias
 * carrying the same key is a loop and one with another key a spiral (§16.3
 * step 4).
 */
export class BranchMaker {
  private readonly instance = randomBytes(4).toString('hex');
  private counter = 0;

  /** The loop key of a received request (before we change it). */
  loopKey(request: SipRequest): string {
    const h = createHash('sha1');
    for (const part of [
      request.requestUri,
      request.from?.params.get('tag') ?? '',
      request.to?.params.get('tag') ?? '',
      request.callId ?? '',
      String(request.cseq?.seq ?? ''),
      request.cseq?.method ?? '',
      request.headers.getAll('Route').join(','),
      request.headers.getAll('Proxy-Require').join(','),
    ])
      h.update(part).update('\n');
    return h.digest('hex').slice(0, 16);
  }

  /** A fresh branch for one forwarded copy of a request with this loop key. */
  next(loopKey: string): string {
    return `z9hG4bK${this.instance}.${loopKey}.${(++this.counter).toString(36)}`;
  }

  /** RFC 3261 §16.3 step 4: one of our Vias already carries this request's loop key. */
  isLoop(request: SipRequest): boolean {
    const key = this.loopKey(request);
    const mine = `z9hG4bK${this.instance}.`;
    return request.via.some((v) => v.branch?.startsWith(mine) === true && v.branch.split('.')[1] === key);
  }
}

/** What changes in a forwarded copy (RFC 3261 §16.6). */
export interface ForwardInit {
  /** New Request-URI (a contact from the location service); unchanged when absent. */
  readonly uri?: string;
  readonly branch: string;
  /** Our Record-Route value (`<sip:host:port;lr>`), on dialog-creating requests. */
  readonly recordRoute?: string;
  /** Realm whose Proxy-Authorization we consumed; removed from the copy. */
  readonly consumedRealm?: string;
}

/**
 * The copy of §16.6 for one target: Request-URI (step 2), Max-Forwards
 * decremented or 70 (step 3), Record-Route on top (step 4), our Via on top
 * with a new branch (step 8; the transport stamps sent-by), our credentials
 * removed (§22.3: they were for us).
 */
export function forwardCopy(request: SipRequest, init: ForwardInit): SipRequest {
  const copy = copyRequest(request);
  if (init.uri !== undefined) copy.requestUri = init.uri;
  const mf = request.maxForwards;
  copy.headers.set('Max-Forwards', String(mf === undefined ? 70 : mf - 1));
  if (init.recordRoute !== undefined) copy.headers.prepend('Record-Route', init.recordRoute);
  if (init.consumedRealm !== undefined) {
    const realm = init.consumedRealm;
    const rest = copy.headers.getAll('Proxy-Authorization').filter((v) => realmOf(v) !== realm);
    if (rest.length > 0) copy.headers.set('Proxy-Authorization', rest);
    else copy.headers.delete('Proxy-Authorization');
  }
  copy.headers.prepend('Via', `SIP/2.0/UDP 0.0.0.0;branch=${init.branch}`);
  return copy;
}

/** The `realm` of one credentials value. */
export function realmOf(credentials: string): string | undefined {
  return /realm\s*=\s*"([^"]*)"/i.exec(credentials)?.[1];
}
