import { generateTag } from '../ids.js';
import { createResponse } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import type { Flow } from '../transport/types.js';

/** Options of {@link IncomingRequest.respond}. */
export interface RespondOptions {
  headers?: Array<[string, string]>;
  body?: Buffer | string;
}

/**
 * A request handed to a handler, with the means to answer it. Every response
 * but 100 carries the same To tag (RFC 3261 §8.2.6.2), minted once unless the
 * request already had one (in-dialog).
 */
export class IncomingRequest {
  /** The To tag our responses carry. */
  readonly toTag: string;
  private final = false;

  constructor(
    readonly request: SipRequest,
    /** The flow the request arrived on (kept by subscriptions and registrations). */
    readonly flow: Flow,
    /** The server transaction (absent for an ACK to a 2xx, which has none). */
    readonly transaction: ServerTransaction | undefined,
    private readonly server?: string,
  ) {
    this.toTag = request.to?.params.get('tag') ?? generateTag();
  }

  /** True once a final (≥ 200) response went out. */
  get finalSent(): boolean {
    return this.final;
  }

  /** Builds a response to the request (§8.2.6) with our To tag and `Server`. */
  createResponse(status: number, reason?: string, options: RespondOptions = {}): SipResponse {
    const headers = [...(options.headers ?? [])];
    if (this.server && !headers.some(([n]) => n.toLowerCase() === 'server')) headers.push(['Server', this.server]);
    return createResponse(this.request, status, reason, {
      toTag: status === 100 ? undefined : this.toTag,
      headers,
      body: options.body,
    });
  }

  /** Sends a response through the server transaction; returns it. A second final response is ignored. */
  respond(status: number, reason?: string, options: RespondOptions = {}): SipResponse {
    const response = this.createResponse(status, reason, options);
    this.send(response);
    return response;
  }

  /** Sends a ready-made response (for callers that build their own). */
  send(response: SipResponse): void {
    if (!this.transaction) throw new TypeError(`cannot answer ${this.request.method}: it has no transaction`);
    // A 2xx to INVITE may be sent again (forked/retransmitted by the TU); anything else once.
    if (this.final && !(this.request.method === 'INVITE' && response.status < 300)) return;
    if (response.status >= 200) this.final = true;
    this.transaction.respond(response);
  }
}
