import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { DialogTable } from '../dialog/table.js';
import { generateCallId, generateInitialCSeq, generateTag } from '../ids.js';
import {
  SipParseError,
  createRequest,
  createResponse,
  hasTag,
  parseMessage,
  serializeMessage,
} from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { generateBranch } from '../transaction/branch.js';
import type { ClientTransactionUser } from '../transaction/client-transaction.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import { TransactionLayer } from '../transaction/layer.js';
import type { TransactionTimers } from '../transaction/timers.js';
import type { DigestClient } from '../auth/digest-client.js';
import { silentLogger, type TransportLogger } from '../transport/options.js';
import type { Destination, Flow, IncomingMessage, TransportError, TransportUser } from '../transport/types.js';
import { IncomingRequest } from './incoming-request.js';
import { type HostResolver, resolveDestination, systemResolver } from './target.js';
import { type Refusal, checkContentType, checkRequest, checkRequire } from './validate.js';

/** What the endpoint needs from the transport layer: sending plus a message feed. */
export interface EndpointTransport extends TransportUser {
  onMessage(handler: (incoming: IncomingMessage) => void): void;
  close(): Promise<void>;
}

/** Handles one incoming request; answer through `incoming.respond`. */
export type RequestHandler = (incoming: IncomingRequest) => void | Promise<void>;

/** Registration options of a request handler. */
export interface HandlerOptions {
  /** Body types the handler understands; other bodies get 415 (RFC 3261 §8.2.3). */
  accept?: readonly string[];
  /**
   * Who answers in-dialog requests (To tag present) that match no dialog in
   * {@link Endpoint.dialogs}: `endpoint` (default) answers 481; `handler`
   * lets the handler look the dialog up itself (e.g. an event engine's own store).
   */
  dialogs?: 'endpoint' | 'handler';
  /**
   * Who checks `Require`: `endpoint` (default) answers 420 for option tags we
   * do not support (RFC 3261 §8.2.2.3); `handler` skips it, for a proxy, which
   * checks `Proxy-Require` instead and leaves `Require` to the UAS (§16.3).
   */
  require?: 'endpoint' | 'handler';
}

/** Construction options of an {@link Endpoint}. */
export interface EndpointOptions {
  readonly transport: EndpointTransport;
  readonly clock?: Clock;
  readonly timers?: Partial<TransactionTimers>;
  /** Sent as `User-Agent` on requests and `Server` on responses. */
  readonly userAgent?: string;
  /** Option tags we support (checked against `Require`, advertised in `Supported`). */
  readonly supported?: readonly string[];
  readonly resolver?: HostResolver;
  readonly logger?: TransportLogger;
}

/** Options of {@link Endpoint.request}. */
export interface SendOptions {
  /** Where to send; default: resolved from Route / Request-URI. */
  to?: Destination | Flow;
  /** Every response before the final one (and 2xx retransmissions for INVITE). */
  onResponse?: (response: SipResponse) => void;
  /** Credentials to answer one round of 401/407 challenges with. */
  auth?: DigestClient;
}

/** Parts of an out-of-dialog request (RFC 3261 §8.1.1). */
export interface OutgoingRequestInit {
  method: string;
  uri: string;
  /** From as a name-addr; a tag is added when missing. */
  from: string;
  /** To as a name-addr; default the Request-URI. */
  to?: string;
  callId?: string;
  cseq?: number;
  contact?: string;
  headers?: Array<[string, string]>;
  body?: Buffer | string;
}

/** Responses the endpoint synthesizes for a request that got none (RFC 3261 §8.1.3.1). */
const locallyGenerated = new WeakSet<SipResponse>();

/** True for the 408/503 the endpoint made up after a timeout or transport error. */
export function isLocalResponse(response: SipResponse): boolean {
  return locallyGenerated.has(response);
}

/**
 * The UA core (RFC 3261 §8): validates incoming requests (400, 416, 405,
 * 420, 415, 481), dispatches them by method to handlers, builds and sends
 * requests through client transactions, and answers one round of digest
 * challenges when given credentials.
 */
export class Endpoint {
  readonly transactions: TransactionLayer;
  /** Dialogs this endpoint knows (UAs put theirs here so in-dialog requests get past the 481 check). */
  readonly dialogs = new DialogTable();
  readonly clock: Clock;
  private readonly handlers = new Map<string, { handler: RequestHandler; options: HandlerOptions }>();
  private readonly supported: Set<string>;
  private readonly transport: EndpointTransport;
  private readonly resolver: HostResolver;
  private readonly logger: TransportLogger;
  private readonly userAgent: string | undefined;
  /** Handler for 2xx retransmissions and other responses matching no transaction. */
  onStrayResponse: ((response: SipResponse, flow: Flow) => void) | undefined;

  constructor(options: EndpointOptions) {
    this.clock = options.clock ?? systemClock;
    this.transport = options.transport;
    this.resolver = options.resolver ?? systemResolver;
    this.logger = options.logger ?? silentLogger;
    this.userAgent = options.userAgent;
    this.supported = new Set((options.supported ?? []).map((s) => s.toLowerCase()));
    this.transactions = new TransactionLayer({
      clock: this.clock,
      transport: this.transport,
      timers: options.timers,
      onRequest: (request, flow, tx) => this.dispatch(request, flow, tx),
      onStrayResponse: (response, flow) => this.onStrayResponse?.(response, flow),
      onStrayAck: (ack, flow) => this.dispatchAck(ack, flow),
    });
    this.transport.onMessage((incoming) => this.receive(incoming));
    this.on('OPTIONS', (incoming) => {
      incoming.respond(200, 'OK', { headers: this.capabilityHeaders() });
    });
  }

  /** Registers the handler for a method (replacing any earlier one). */
  on(method: string, handler: RequestHandler, options: HandlerOptions = {}): void {
    this.handlers.set(method.toUpperCase(), { handler, options });
  }

  /** Methods we answer, for `Allow` (RFC 3261 §20.5). ACK and CANCEL are always handled. */
  get allowedMethods(): string[] {
    return [...new Set([...this.handlers.keys(), 'ACK', 'CANCEL'])];
  }

  /** Allow / Supported / Accept headers for OPTIONS and 405. */
  capabilityHeaders(): Array<[string, string]> {
    const headers: Array<[string, string]> = [['Allow', this.allowedMethods.join(', ')]];
    if (this.supported.size > 0) headers.push(['Supported', [...this.supported].join(', ')]);
    headers.push(['Accept', 'application/sdp']);
    return headers;
  }

  /**
   * A new out-of-dialog request (RFC 3261 §8.1.1): From tag, Call-ID, CSeq,
   * Max-Forwards 70, optional Contact. The Via comes from the transaction and
   * transport layers.
   */
  createRequest(init: OutgoingRequestInit): SipRequest {
    const from = hasTag(init.from) ? init.from : `${init.from};tag=${generateTag()}`;
    const headers: Array<[string, string]> = [
      ['Max-Forwards', '70'],
      ['From', from],
      ['To', init.to ?? `<${init.uri}>`],
      ['Call-ID', init.callId ?? generateCallId()],
      ['CSeq', `${init.cseq ?? generateInitialCSeq()} ${init.method}`],
    ];
    if (init.contact) headers.push(['Contact', init.contact]);
    if (this.userAgent) headers.push(['User-Agent', this.userAgent]);
    headers.push(...(init.headers ?? []));
    return createRequest({ method: init.method, uri: init.uri, headers, body: init.body });
  }

  /**
   * Sends a request in a client transaction and resolves with its final
   * response. A timeout resolves with a local 408 and a transport error with
   * a local 503 (RFC 3261 §8.1.3.1; see {@link isLocalResponse}). With `auth`,
   * one 401/407 is answered: the request is re-sent with CSeq + 1, a new
   * branch and credentials (§22.2).
   */
  request(request: SipRequest, options: SendOptions = {}): Promise<SipResponse> {
    // The usual case (a NOTIFY along its subscription's flow): no resolution, no retry, no extra promise.
    if (options.to !== undefined && !options.auth) return this.runClient(request, options.to, options.onResponse);
    return this.requestWithRetry(request, options);
  }

  private async requestWithRetry(request: SipRequest, options: SendOptions): Promise<SipResponse> {
    const to = options.to ?? (await resolveDestination(request, this.resolver));
    const response = await this.runClient(request, to, options.onResponse);
    if (!options.auth || (response.status !== 401 && response.status !== 407) || isLocalResponse(response))
      return response;
    const retry = this.withCredentials(request, response, options.auth);
    if (!retry) return response;
    return this.runClient(retry, to, options.onResponse);
  }

  /** Sends an ACK for a 2xx outside any transaction (RFC 3261 §13.2.2.4, §17.1.1.3). */
  async sendAck(ack: SipRequest, to?: Destination | Flow): Promise<Flow> {
    const dest = to ?? (await resolveDestination(ack, this.resolver));
    ack.headers.set('Via', `SIP/2.0/${dest.transport.toUpperCase()} 0.0.0.0;branch=${generateBranch()}`);
    return this.transport.sendRequest(ack, dest);
  }

  /** Stops every transaction and closes the transports. */
  async close(): Promise<void> {
    this.transactions.close();
    await this.transport.close();
  }

  private runClient(
    request: SipRequest,
    to: Destination | Flow,
    onResponse?: (r: SipResponse) => void,
  ): Promise<SipResponse> {
    if (this.userAgent && !request.headers.has('User-Agent')) request.headers.set('User-Agent', this.userAgent);
    return new Promise((resolve) => {
      // One object as the transaction user: no closures per request.
      this.transactions.sendRequest(request, to, new PendingRequest(request, resolve, onResponse, this.logger));
    });
  }

  private withCredentials(request: SipRequest, challenge: SipResponse, auth: DigestClient): SipRequest | undefined {
    const answer = auth.answer(challenge, {
      method: request.method,
      requestUri: request.requestUri,
      body: request.body,
    });
    if (!answer.ok) return undefined;
    // A copy through the wire format: the original stays untouched for the caller.
    const retry = parseMessage(serializeMessage(request)) as SipRequest;
    const cseq = request.cseq;
    if (!cseq) return undefined;
    retry.headers.set('CSeq', `${cseq.seq + 1} ${cseq.method}`);
    retry.headers.delete('Via');
    retry.headers.set(answer.header, answer.values);
    return retry;
  }

  private receive({ message, source }: IncomingMessage): void {
    if (message.kind === 'response') {
      this.transactions.receive(message, source);
      return;
    }
    const refusal = checkRequest(message);
    if (refusal) {
      // Stateless: a request this broken cannot be matched to a transaction.
      if (message.method !== 'ACK') this.sendStateless(message, source, refusal);
      return;
    }
    this.transactions.receive(message, source);
  }

  private dispatch(request: SipRequest, flow: Flow, tx: ServerTransaction): void {
    const incoming = new IncomingRequest(request, flow, tx, this.userAgent);
    const entry = this.handlers.get(request.method);
    if (!entry) {
      incoming.respond(405, 'Method Not Allowed', { headers: [['Allow', this.allowedMethods.join(', ')]] });
      return;
    }
    const refusal =
      (entry.options.require === 'handler' ? undefined : checkRequire(request, this.supported)) ??
      checkContentType(request, entry.options.accept) ??
      this.checkDialog(request, entry.options);
    if (refusal) {
      incoming.respond(refusal.status, refusal.reason, { headers: refusal.headers });
      return;
    }
    try {
      const result = entry.handler(incoming);
      if (result instanceof Promise) result.catch((err: unknown) => this.handlerFailed(incoming, err));
    } catch (err) {
      this.handlerFailed(incoming, err);
    }
  }

  /** A handler threw or rejected: 400 for a parse error it hit, else 500, unless it already answered. */
  private handlerFailed(incoming: IncomingRequest, err: unknown): void {
    const method = incoming.request.method;
    if (incoming.finalSent) {
      this.logger.warn('handler failed after answering', { method, error: String(err) });
      return;
    }
    if (err instanceof SipParseError) incoming.respond(400, err.reason);
    else {
      this.logger.warn('handler failed', { method, error: String(err) });
      incoming.respond(500, 'Server Internal Error');
    }
  }

  private dispatchAck(ack: SipRequest, flow: Flow): void {
    const entry = this.handlers.get('ACK');
    if (!entry) return;
    try {
      const result = entry.handler(new IncomingRequest(ack, flow, undefined, this.userAgent));
      if (result instanceof Promise)
        result.catch((err: unknown) => this.logger.warn('ACK handler failed', { error: String(err) }));
    } catch (err) {
      this.logger.warn('ACK handler failed', { error: String(err) });
    }
  }

  /** RFC 3261 §12.2.2: a request with a To tag matching no dialog gets 481. */
  private checkDialog(request: SipRequest, options: HandlerOptions): Refusal | undefined {
    if (options.dialogs === 'handler' || !request.to?.params.has('tag')) return undefined;
    if (this.dialogs.matchRequest(request)) return undefined;
    return { status: 481, reason: 'Call/Transaction Does Not Exist' };
  }

  private sendStateless(request: SipRequest, flow: Flow, refusal: Refusal): void {
    if (!request.headers.has('Via')) return;
    let response: SipResponse;
    try {
      response = createResponse(request, refusal.status, refusal.reason, {
        toTag: generateTag(),
        headers: refusal.headers,
      });
    } catch {
      return;
    }
    this.transport.sendResponse(response, flow).catch((err: unknown) => {
      this.logger.warn('stateless response failed', { error: String(err) });
    });
  }
}

/**
 * The transaction user of one {@link Endpoint.request}: resolves with the first final
 * response and hands every other to `onResponse`; a timeout or transport error
 * resolves with a local 408 or 503 (RFC 3261 §8.1.3.1).
 */
class PendingRequest implements ClientTransactionUser {
  private done = false;

  constructor(
    private readonly request: SipRequest,
    private readonly resolve: (response: SipResponse) => void,
    private readonly onResponseHook: ((response: SipResponse) => void) | undefined,
    private readonly logger: TransportLogger,
  ) {}

  onResponse(response: SipResponse): void {
    if (response.status >= 200) this.finish(response);
    else this.onResponseHook?.(response);
  }

  onTimeout(): void {
    this.local(408, 'Request Timeout');
  }

  onTransportError(err: TransportError): void {
    this.logger.warn('request: transport error', { method: this.request.method, error: err.message });
    this.local(503, 'Service Unavailable');
  }

  private finish(response: SipResponse): void {
    if (!this.done) {
      this.done = true;
      this.resolve(response);
    } else this.onResponseHook?.(response);
  }

  private local(status: number, reason: string): void {
    const response = createResponse(this.request, status, reason);
    locallyGenerated.add(response);
    this.finish(response);
  }
}
