/**
 * The call-routing proxy (RFC 3261 §16; OpenSIPS pua_dialoginfo style): a
 * record-routing, transaction-stateful proxy between the users of our
 * domain, with parallel forking to every registered contact, digest
 * authentication of local callers (407), no open relay (403), and dialog
 * tracking for BLF and on-the-phone presence.
 */
import {
  parseUri,
  preprocessRoute,
  resolveDestination,
  resolveUri,
  silentLogger,
  systemResolver,
  type Destination,
  type DigestServer,
  type Endpoint,
  type Flow,
  type HostResolver,
  type IncomingRequest,
  type RequestHandler,
  type SipRequest,
  type SipUri,
  type TransportLogger,
  type TransportUser,
} from '@herald/sip';
import type { ActiveCallsSink, CallTrackingSink } from '../contracts.js';
import { CallTracker } from './call-tracker.js';
import { BranchMaker, DIALOG_CREATING, aorOf, copyRequest, forwardCopy } from './forward.js';
import { ResponseContext, type ForwardTarget, type ResponseContextEvents } from './response-context.js';

/** One live contact of an AoR (a registrar `StoredBinding` fits). */
export interface ProxyBinding {
  readonly contact: string;
  readonly q?: number;
  /** The flow the REGISTER came on: requests to the contact go back along it (NAT, TCP, RFC 5626). */
  readonly flow?: Flow;
}

/** Construction options of {@link Proxy}. */
export interface ProxyOptions {
  readonly endpoint: Endpoint;
  /** Live bindings of an AoR (`sip:user@host`), e.g. `registrar.lookup`. */
  readonly lookup: (aor: string) => readonly ProxyBinding[];
  /** Whether a host (domain or one of our addresses) is ours. */
  readonly isLocalDomain: (host: string) => boolean;
  /** Whether an AoR of our domain is a known user (404 when not); without it, unregistered users get 480. */
  readonly knownUser?: (aor: string) => boolean;
  /** Our Record-Route URI, e.g. `sip:192.0.2.10:5060;lr` (RFC 3261 §16.6 step 4). */
  readonly recordRoute: string;
  /** Authenticates out-of-dialog INVITE/REFER/MESSAGE from local users with 407 (RFC 3261 §22.3). */
  readonly digest?: DigestServer;
  readonly callTracking?: CallTrackingSink;
  readonly onActiveCalls?: ActiveCallsSink;
  /** Sends the ACK for a 2xx with our Via on top; without it the endpoint's `sendAck` is used. */
  readonly transport?: TransportUser;
  readonly resolver?: HostResolver;
  readonly logger?: TransportLogger;
  /** Timer C in ms (RFC 3261 §16.6 step 11; default 181 s): a branch ringing this long is cancelled. */
  readonly timerCMs?: number;
  /** Methods the proxy registers on the endpoint (default {@link PROXIED_METHODS}). */
  readonly methods?: readonly string[];
}

/** Methods proxied by default. SUBSCRIBE, NOTIFY, PUBLISH, REGISTER, OPTIONS belong to the server's other parts; see {@link Proxy.claims}. */
export const PROXIED_METHODS: readonly string[] = [
  'INVITE',
  'ACK',
  'BYE',
  'UPDATE',
  'INFO',
  'MESSAGE',
  'REFER',
  'PRACK',
];

/** Out-of-dialog methods authenticated when the caller is one of our users. */
const AUTHENTICATED = new Set(['INVITE', 'REFER', 'MESSAGE', 'SUBSCRIBE']);

/** How a request reached {@link Proxy.route}. */
interface RouteContext {
  readonly loopKey: string;
  readonly outOfDialog: boolean;
  /** Its top Route (or a strict-routed Request-URI) named us. */
  readonly viaUs: boolean;
  readonly consumedRealm: string | undefined;
}

/** A verdict of routing: where the copies go, or the status to answer. */
type Routing =
  | { readonly ok: true; readonly targets: ForwardTarget[]; readonly calleeResource?: string }
  | {
      readonly ok: false;
      readonly status: number;
      readonly reason: string;
      readonly headers?: Array<[string, string]>;
    };

/** The stateful proxy; construct it to register its handlers on the endpoint. */
export class Proxy {
  /** Dialog tracking of the calls routed (exposed for the management API and tests). */
  readonly calls: CallTracker;
  private readonly branches = new BranchMaker();
  private readonly rr: SipUri;
  private readonly recordRouteValue: string;
  private readonly resolver: HostResolver;
  private readonly logger: TransportLogger;

  constructor(private readonly options: ProxyOptions) {
    this.rr = parseUri(options.recordRoute);
    this.recordRouteValue = `<${options.recordRoute}>`;
    this.resolver = options.resolver ?? systemResolver;
    this.logger = options.logger ?? silentLogger;
    this.calls = new CallTracker(options.callTracking, options.onActiveCalls);
    // §16.3: a proxy does not apply the UAS checks (Require, dialog matching) of §8.2.
    const handlerOptions = { dialogs: 'handler', require: 'handler' } as const;
    for (const method of options.methods ?? PROXIED_METHODS) {
      if (method === 'ACK') options.endpoint.on('ACK', (incoming) => this.handleAck(incoming), handlerOptions);
      else options.endpoint.on(method, (incoming) => this.handle(incoming), handlerOptions);
    }
  }

  /**
   * Whether a request the server's other parts would take (SUBSCRIBE, NOTIFY,
   * …) is really one to proxy: its top Route names us and the Request-URI is
   * not our own address (loose routing of an in-dialog request, §16.4).
   */
  claims(request: SipRequest): boolean {
    const routes = request.route;
    return routes.length > 0 && this.isOwnUri(routes[0].uri) && !this.isOurAddress(request.uri);
  }

  /**
   * Wraps the handler another part of the server registers for SUBSCRIBE,
   * NOTIFY, … so in-dialog requests routed through us (see {@link claims})
   * are proxied and the rest reach `local`:
   * `endpoint.on('NOTIFY', proxy.guard(engineHandler), options)`.
   */
  guard(local: RequestHandler): RequestHandler {
    return (incoming) => (this.claims(incoming.request) ? this.handle(incoming) : local(incoming));
  }

  /** Proxies one request (the handler registered for each method but ACK). */
  async handle(incoming: IncomingRequest): Promise<void> {
    const request = incoming.request;
    // RFC 3261 §16.3 step 3: Max-Forwards 0 is answered 483.
    if (request.maxForwards === 0) {
      incoming.respond(483, 'Too Many Hops');
      return;
    }
    // §16.3 step 4: one of our Vias with this request's loop key: a loop, not a spiral.
    if (this.branches.isLoop(request)) {
      incoming.respond(482, 'Loop Detected');
      return;
    }
    // §16.3 step 6: we support no proxy extensions.
    const proxyRequire = request.headers.getAll('Proxy-Require');
    if (proxyRequire.length > 0) {
      incoming.respond(420, 'Bad Extension', { headers: [['Unsupported', proxyRequire.join(', ')]] });
      return;
    }
    let cancelledEarly = false;
    if (request.method === 'INVITE') {
      incoming.respond(100, 'Trying'); // §16.2: at once, the routing may take a while
      // A CANCEL while we authenticate or resolve: 487 now, and nothing gets forwarded.
      if (incoming.transaction)
        incoming.transaction.onCancel = () => {
          cancelledEarly = true;
          incoming.respond(487, 'Request Terminated');
        };
    }
    const loopKey = this.branches.loopKey(request);
    const work = copyRequest(request);
    const pre = preprocessRoute(work, (uri) => this.isOwnUri(uri));
    const viaUs = pre.topRouteRemoved || pre.strictRewritten;
    const outOfDialog = !request.to?.params.has('tag');
    let consumedRealm: string | undefined;
    // A To tag alone proves nothing: an in-dialog request that neither came by our Record-Route nor goes to a
    // registered contact is routed like a new one (AoR lookup, forking), so it is authenticated like one.
    const routedAsNew = outOfDialog || (!viaUs && this.flowFor(work) === undefined);
    if (routedAsNew && work.route.length === 0 && AUTHENTICATED.has(request.method) && this.options.digest) {
      const from = request.from?.uri;
      if (from && this.options.isLocalDomain(from.host)) {
        const verdict = await this.options.digest.verify(request, { proxy: true });
        if (!verdict.ok) {
          if (verdict.status === 400) incoming.respond(400, verdict.reason);
          else {
            const challenge = this.options.digest.challenge(request, { proxy: true, stale: verdict.stale === true });
            incoming.respond(challenge.status, 'Proxy Authentication Required', {
              headers: challenge.values.map((v): [string, string] => [challenge.header, v]),
            });
          }
          return;
        }
        // §22: authenticated as someone else than the From user: refuse (no caller-id spoofing).
        if (verdict.username !== from.user) {
          incoming.respond(403, 'Forbidden: From Does Not Match Credentials');
          return;
        }
      }
    }
    if (this.options.digest) consumedRealm = this.options.digest.realm;
    let routing: Routing;
    try {
      routing = await this.route(work, { loopKey, outOfDialog, viaUs, consumedRealm });
    } catch (err) {
      this.logger.warn('proxy: no route', { method: request.method, uri: request.requestUri, error: String(err) });
      routing = { ok: false, status: 503, reason: 'Service Unavailable' };
    }
    if (cancelledEarly || incoming.finalSent) return;
    if (!routing.ok) {
      incoming.respond(routing.status, routing.reason, { headers: routing.headers });
      return;
    }
    const context = new ResponseContext(
      incoming,
      this.options.endpoint.transactions,
      this.trackingEvents(request, outOfDialog, routing.calleeResource),
      this.options.endpoint.clock,
      this.options.timerCMs,
    );
    if (request.method === 'INVITE' && incoming.transaction) incoming.transaction.onCancel = () => context.cancel();
    if (request.method === 'BYE') this.calls.bye(request);
    else if (!outOfDialog && (request.method === 'INVITE' || request.method === 'UPDATE')) this.calls.offer(request);
    context.start(routing.targets);
  }

  /** Forwards an ACK for a 2xx (no transaction: RFC 3261 §16.11, sent like any in-dialog request). */
  async handleAck(incoming: IncomingRequest): Promise<void> {
    const request = incoming.request;
    if (request.maxForwards === 0) return;
    const work = copyRequest(request);
    const pre = preprocessRoute(work, (uri) => this.isOwnUri(uri));
    if (work.route.length === 0 && this.isOurAddress(work.uri)) return; // for us: nothing to do
    // No open relay: an ACK must come by our Route or go to a registered contact.
    if (!pre.topRouteRemoved && !pre.strictRewritten && this.flowFor(work) === undefined) return;
    const to = await this.nextHop(work);
    const copy = forwardCopy(work, { branch: this.branches.next(this.branches.loopKey(request)) });
    try {
      if (this.options.transport) await this.options.transport.sendRequest(copy, to);
      else await this.options.endpoint.sendAck(copy, to);
    } catch (err) {
      this.logger.warn('proxy: ACK not sent', { error: String(err) });
    }
  }

  private async route(work: SipRequest, how: RouteContext): Promise<Routing> {
    const { loopKey, outOfDialog, viaUs, consumedRealm } = how;
    const copy = (uri?: string, recordRoute?: string): SipRequest =>
      forwardCopy(work, { uri, branch: this.branches.next(loopKey), recordRoute, consumedRealm });
    const uri = work.uri;
    const local = (uri.scheme === 'sip' || uri.scheme === 'sips') && this.options.isLocalDomain(uri.host);
    // An in-dialog request that came by our Record-Route: loose routing to the next hop (§16.4, §16.12).
    // Without our Route it must be for a user or contact of ours: no open relay.
    // §16.4: after our Route is gone, an in-dialog request naming us has no dialog here.
    if (!outOfDialog && work.route.length === 0 && this.isOurAddress(uri)) {
      return { ok: false, status: 481, reason: 'Call/Transaction Does Not Exist' };
    }
    if (!outOfDialog && (viaUs || this.flowFor(work) !== undefined)) {
      // After our Route the Request-URI is the remote target (a Contact), even on a host of ours (a phone
      // on this machine): forwarded like the ACK, never looked up as an AoR (that gave a BYE 404).
      if (viaUs || work.route.length > 0 || !local || uri.user === undefined) {
        return { ok: true, targets: [{ request: copy(), to: await this.nextHop(work) }] };
      }
    }
    // No open relay: anything else goes only to users of our domain, never on to a preloaded foreign Route.
    if (!local || work.route.length > 0) return { ok: false, status: 403, reason: 'Relaying Forbidden' };
    const aor = aorOf(uri);
    if (aor === undefined || (this.options.knownUser && !this.options.knownUser(aor))) {
      return { ok: false, status: 404, reason: 'Not Found' };
    }
    const bindings = this.options.lookup(aor);
    if (bindings.length === 0) return { ok: false, status: 480, reason: 'Temporarily Unavailable' };
    const recordRoute = outOfDialog && DIALOG_CREATING.has(work.method) ? this.recordRouteValue : undefined;
    const targets: ForwardTarget[] = [];
    // §16.6: parallel forking to every contact, each over the flow it registered on.
    for (const binding of bindings) {
      const to = binding.flow ?? (await resolveUri(parseUri(binding.contact), this.resolver));
      targets.push({ request: copy(binding.contact, recordRoute), to });
    }
    return { ok: true, targets, calleeResource: aor };
  }

  /** Where a request with its route set already processed goes: the top Route, else the Request-URI (preferring a registered flow). */
  private async nextHop(work: SipRequest): Promise<Flow | Destination> {
    if (work.route.length > 0) return resolveDestination(work, this.resolver);
    return this.flowFor(work) ?? resolveUri(work.uri, this.resolver);
  }

  /** The registered flow of the Request-URI when it is a contact of the To user (in-dialog requests to a NAT'd phone). */
  private flowFor(work: SipRequest): Flow | undefined {
    const to = work.to?.uri;
    const aor = to && this.options.isLocalDomain(to.host) ? aorOf(to) : undefined;
    if (aor === undefined) return undefined;
    const uri = work.uri;
    for (const binding of this.options.lookup(aor)) {
      if (!binding.flow) continue;
      try {
        const c = parseUri(binding.contact);
        if (c.user === uri.user && c.host === uri.host && (c.port ?? 5060) === (uri.port ?? 5060)) return binding.flow;
      } catch {
        continue;
      }
    }
    return undefined;
  }

  /** A user-less URI of ours: our Record-Route address or our domain (what `preprocessRoute` removes). */
  private isOwnUri(uri: SipUri): boolean {
    return uri.user === undefined && (this.isOurAddress(uri) || this.options.isLocalDomain(uri.host));
  }

  /** The host and port of our Record-Route URI, whatever the user part: a request for us, not to proxy. */
  private isOurAddress(uri: SipUri): boolean {
    return uri.host.toLowerCase() === this.rr.host.toLowerCase() && (uri.port ?? 5060) === (this.rr.port ?? 5060);
  }

  private trackingEvents(
    request: SipRequest,
    outOfDialog: boolean,
    calleeResource: string | undefined,
  ): ResponseContextEvents {
    if (request.method !== 'INVITE' || !outOfDialog || request.callId === undefined) return {};
    const from = request.from?.uri;
    const callerResource = from && this.options.isLocalDomain(from.host) ? aorOf(from) : undefined;
    this.calls.invite(request, { callerResource, calleeResource });
    const callId = request.callId;
    return {
      onProvisional: (r) => this.calls.provisional(r),
      onAnswer: (r) => this.calls.answered(r),
      onBranchFailure: (r) => this.calls.branchFailed(r),
      onUnanswered: (outcome) => {
        if (outcome.cancelled) this.calls.unanswered(callId, 'cancelled');
        else this.calls.unanswered(callId, outcome.timedOut ? 'timeout' : 'rejected', outcome.status);
      },
    };
  }
}
