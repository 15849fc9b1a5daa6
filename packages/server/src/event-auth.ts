/**
 * Authentication in front of the event engine: an `EventHost` wrapper whose
 * SUBSCRIBE and PUBLISH handlers first check the domain and the caller's
 * digest credentials (RFC 3261 §22; RFC 6665 §4.2.1.1 leaves authorization to
 * the notifier, RFC 3903 §6 to the ESC). The notifier's authorize hook can
 * only accept or refuse; a 401 challenge has to come before it.
 */
import type { EventHost } from '@herald/events';
import type { DigestServer, IncomingRequest, RequestHandler } from '@herald/sip';
import type { Domains } from '@herald/registrar';
import type { Logger } from './logger.js';

/** Options of {@link guardEventHost}. */
export interface EventAuthOptions {
  readonly host: EventHost;
  /** Host parts we serve (the configured domain and our listening addresses). */
  readonly domains: Pick<Domains, 'has'>;
  /** The shared digest server; undefined = authentication off (any user of the domain). */
  readonly digest: DigestServer | undefined;
  /** Whether a user of our domain exists (only asked when authentication is on). */
  readonly userExists: (user: string) => boolean;
  readonly logger: Logger;
  /**
   * Limits on new subscriptions (issue 6), asked for an initial SUBSCRIBE once
   * it passed authentication: undefined lets it reach the engine, a refusal is
   * answered (403 naming the limit) and logged as a warning.
   */
  readonly admitSubscription?: (
    request: IncomingRequest['request'],
  ) => { readonly status: number; readonly reason: string; readonly limit: string; readonly max: number } | undefined;
  /** The proxy, once started: in-dialog requests it claims (Route names us, RFC 3261 §16.4) are proxied, not served. */
  /** Told the outcome of every NOTIFY we send (metrics): the event package and the final status (408/503 for local failures). */
  readonly onNotifyOutcome?: (event: string, status: number) => void;
  readonly proxy?: () =>
    | { claims(request: IncomingRequest['request']): boolean; handle(incoming: IncomingRequest): Promise<void> }
    | undefined;
}

type Verdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly status: number;
      readonly reason: string;
      readonly headers?: Array<[string, string]>;
    };

const OK: Verdict = { ok: true };

/**
 * Checks one SUBSCRIBE or PUBLISH: the resource must be a user of our domain
 * (403 for another domain: no relaying; 404 for an unknown user), the sender
 * must be a user of our domain who proves it with digest credentials (401
 * challenge), and a PUBLISH may only be for the publisher's own resource.
 * In-dialog SUBSCRIBEs (refreshes) ride on an authenticated dialog: see {@link checkInDialog}.
 */
export function checkEventRequest(
  incoming: IncomingRequest,
  options: EventAuthOptions,
  origins?: DialogOrigins,
): Verdict | Promise<Verdict> {
  const request = incoming.request;
  const toTag = request.to?.params.get('tag');
  if (request.method === 'SUBSCRIBE' && toTag !== undefined && toTag !== '') {
    return checkInDialog(incoming, options, origins);
  }
  const uri = request.uri;
  if ((uri.scheme !== 'sip' && uri.scheme !== 'sips') || !options.domains.has(uri.host)) {
    return { ok: false, status: 403, reason: 'Domain Not Served Here' };
  }
  if (uri.user === undefined || uri.user === '') return { ok: false, status: 404, reason: 'Not Found' };
  const from = request.from?.uri;
  if (!from || !options.domains.has(from.host) || from.user === undefined) {
    // Watchers and publishers are users of our domain (no federation yet).
    return { ok: false, status: 403, reason: 'Sender Not Of This Domain' };
  }
  const digest = options.digest;
  if (!digest) return OK;
  return verifyOutOfDialog(incoming, options, digest, uri, from.user, origins);
}

/** {@link checkEventRequest} once the request names users of our domain: the digest credentials and who may do what. */
async function verifyOutOfDialog(
  incoming: IncomingRequest,
  options: EventAuthOptions,
  digest: DigestServer,
  uri: IncomingRequest['request']['uri'],
  fromUser: string,
  origins: DialogOrigins | undefined,
): Promise<Verdict> {
  const request = incoming.request;
  const verdict = await digest.verify(request);
  if (!verdict.ok) {
    if (verdict.status === 401) {
      const challenge = digest.challenge(request, { stale: verdict.stale === true });
      return {
        ok: false,
        status: 401,
        reason: 'Unauthorized',
        headers: challenge.values.map((v): [string, string] => [challenge.header, v]),
      };
    }
    return { ok: false, status: verdict.status, reason: verdict.reason };
  }
  if (verdict.username !== fromUser) return { ok: false, status: 403, reason: 'Username Does Not Match From' };
  if (uri.user === undefined || !options.userExists(uri.user)) return { ok: false, status: 404, reason: 'Not Found' };
  if (request.method === 'PUBLISH' && uri.user !== verdict.username) {
    return { ok: false, status: 403, reason: 'Only The Presentity May Publish' };
  }
  if (request.method === 'SUBSCRIBE') origins?.remember(incoming);
  return OK;
}

/**
 * An in-dialog SUBSCRIBE (refresh, unsubscribe) rides on a dialog whose
 * creating SUBSCRIBE was authenticated, so it passes without credentials
 * (phones and sipp refresh without them; challenging every refresh would
 * double refresh traffic) — unless it comes from another source or names
 * another Contact than that SUBSCRIBE did: a refresh is a target refresh
 * (RFC 6665 §4.1.2.1) and moves the NOTIFYs, so whoever merely learned the
 * dialog's tags must not redirect them (401; a phone that moved answers it).
 * A dialog with no recorded origin takes the first refresh's (trust on first
 * use: after a restart the phone's own refresh normally comes first).
 * Digest credentials it does carry must hold (RFC 3261 §22.4): wrong,
 * replayed or expired ones are challenged and another user's are refused.
 */
export function checkInDialog(
  incoming: IncomingRequest,
  options: Pick<EventAuthOptions, 'digest'>,
  origins?: DialogOrigins,
): Verdict | Promise<Verdict> {
  const request = incoming.request;
  const digest = options.digest;
  if (!digest) return OK;
  const challenge = (stale: boolean): Verdict => {
    const set = digest.challenge(request, { stale });
    return {
      ok: false,
      status: 401,
      reason: 'Unauthorized',
      headers: set.values.map((v): [string, string] => [set.header, v]),
    };
  };
  if (!request.headers.getAll('Authorization').some((v) => /^\s*digest\s/i.test(v))) {
    const seen = origins?.check(incoming);
    if (seen === 'moved') return challenge(false);
    // A dialog we do not know (evicted, or made before a restart): its first refresh sets the origin.
    if (seen === 'unknown') origins?.remember(incoming);
    return OK;
  }
  return verifyInDialog(incoming, digest, challenge, origins);
}

/** {@link checkInDialog} of a refresh that carries digest credentials (RFC 3261 §22.4). */
async function verifyInDialog(
  incoming: IncomingRequest,
  digest: DigestServer,
  challenge: (stale: boolean) => Verdict,
  origins: DialogOrigins | undefined,
): Promise<Verdict> {
  const request = incoming.request;
  const verdict = await digest.verify(request);
  if (!verdict.ok) {
    return verdict.status === 401
      ? challenge(verdict.stale === true)
      : { ok: false, status: verdict.status, reason: verdict.reason };
  }
  if (verdict.username !== request.from?.uri.user) {
    return { ok: false, status: 403, reason: 'Username Does Not Match From' };
  }
  origins?.remember(incoming);
  return OK;
}

/**
 * Where each authenticated SUBSCRIBE dialog came from (source and
 * Contact, by Call-ID and From tag), so an unauthenticated refresh from
 * elsewhere can be told apart. Bounded: the oldest entries go first.
 */
export class DialogOrigins {
  private readonly entries = new Map<string, string>();
  constructor(private readonly max = 100_000) {}

  /** Dialogs whose origin is recorded. */
  get size(): number {
    return this.entries.size;
  }

  /** Records the dialog's origin (an authenticated SUBSCRIBE, or the first refresh of a dialog not known yet). */
  remember(incoming: IncomingRequest): void {
    const key = dialogKey(incoming.request);
    if (key === undefined) return;
    this.entries.delete(key);
    this.entries.set(key, originOf(incoming));
    if (this.entries.size > this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  /** `moved` when the request comes from another source or names another Contact than the dialog's origin. */
  check(incoming: IncomingRequest): 'same' | 'moved' | 'unknown' {
    const key = dialogKey(incoming.request);
    const known = key === undefined ? undefined : this.entries.get(key);
    if (known === undefined) return 'unknown';
    const contact = contactOf(incoming.request);
    // No Contact: the remote target stays (RFC 3261 §12.2.2), only the source address counts.
    const now = originOf(incoming);
    if (contact === undefined) return known.split('\n')[0] === now.split('\n')[0] ? 'same' : 'moved';
    return known === now ? 'same' : 'moved';
  }
}

function dialogKey(request: IncomingRequest['request']): string | undefined {
  const callId = request.callId;
  const fromTag = request.from?.params.get('tag');
  return callId === undefined || fromTag === undefined || fromTag === null ? undefined : `${callId}\n${fromTag}`;
}

function contactOf(request: IncomingRequest['request']): string | undefined {
  const contact = request.contact;
  const first = contact === undefined || contact === '*' ? undefined : contact[0];
  return first === undefined
    ? undefined
    : `${first.uri.scheme}:${first.uri.user ?? ''}@${first.uri.host.toLowerCase()}:${first.uri.port ?? ''}`;
}

/** Source (transport, address and port: a NAT rebinding costs one challenge), then the Contact. */
function originOf(incoming: IncomingRequest): string {
  const { address, port } = incoming.flow.remote;
  return `${incoming.flow.transport}:${address}:${port}\n${contactOf(incoming.request) ?? ''}`;
}

/** The engine's host with SUBSCRIBE and PUBLISH guarded by {@link checkEventRequest}. */
export function guardEventHost(options: EventAuthOptions): EventHost {
  const { host } = options;
  const origins = new DialogOrigins();
  return {
    clock: host.clock,
    request: (request, send) => {
      const sent = host.request(request, send);
      const outcome = options.onNotifyOutcome;
      if (request.method !== 'NOTIFY' || !outcome) return sent;
      // One NOTIFY per watcher per change (1,000 per PUBLISH in a fan-out): no extra async frame.
      const event = request.event?.event.toLowerCase() ?? '';
      return sent.then((response) => {
        outcome(event, response.status);
        return response;
      });
    },
    on(method, handler, handlerOptions) {
      const claimed = (incoming: IncomingRequest): Promise<void> | undefined => {
        // Only in-dialog requests can belong to a dialog we merely route; an initial SUBSCRIBE or PUBLISH
        // for our domain is ours to serve even when it names us in Route (phones use us as outbound proxy).
        const toTag = incoming.request.to?.params.get('tag');
        if (toTag === undefined || toTag === '') return undefined;
        const proxy = options.proxy?.();
        return proxy?.claims(incoming.request) ? proxy.handle(incoming) : undefined;
      };
      if (method !== 'SUBSCRIBE' && method !== 'PUBLISH') {
        host.on(method, async (incoming) => await (claimed(incoming) ?? handler(incoming)), handlerOptions);
        return;
      }
      const admit = (incoming: IncomingRequest, verdict: Verdict): void | Promise<void> => {
        if (!verdict.ok) {
          options.logger.debug('event request refused', {
            method,
            uri: incoming.request.requestUri,
            status: verdict.status,
            reason: verdict.reason,
          });
          incoming.respond(verdict.status, verdict.reason, { headers: verdict.headers });
          return;
        }
        const refusal = method === 'SUBSCRIBE' ? options.admitSubscription?.(incoming.request) : undefined;
        if (refusal) {
          options.logger.warn('subscription refused: limit reached', {
            limit: refusal.limit,
            max: refusal.max,
            from: incoming.request.headers.get('From'),
            uri: incoming.request.requestUri,
          });
          incoming.respond(refusal.status, refusal.reason);
          return;
        }
        return handler(incoming);
      };
      // Without credentials to verify the check is synchronous: no promise per request for it.
      const guarded: RequestHandler = (incoming) => {
        const proxied = claimed(incoming);
        if (proxied) return proxied;
        const verdict = checkEventRequest(incoming, options, origins);
        return verdict instanceof Promise ? verdict.then((v) => admit(incoming, v)) : admit(incoming, verdict);
      };
      host.on(method, guarded, handlerOptions);
    },
  };
}
