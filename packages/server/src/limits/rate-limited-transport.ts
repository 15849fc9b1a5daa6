/**
 * The per-source request rate limit (issue 6) where incoming requests enter
 * the endpoint: a wrapper around the transport layer that answers a request
 * over its source's rate with a stateless `503` and `Retry-After`
 * (RFC 3261 §21.5.4, §20.33) and hands it no further, so it creates no
 * transaction and reaches no handler. Responses and ACKs are never limited
 * (an ACK completes a transaction; a response answers our own request).
 */
import {
  createResponse,
  generateTag,
  type EndpointTransport,
  type IncomingMessage,
  type SipRequest,
  type SipResponse,
} from '@herald/sip';
import type { Logger } from '../logger.js';
import type { TokenBuckets } from './token-bucket.js';

/** Reason phrase of the 503, naming the limit. */
export const RATE_LIMIT_REASON = 'Service Unavailable (Request Rate Limit)';

/** An {@link EndpointTransport} whose incoming requests pass a per-source-address {@link TokenBuckets}. */
export class RateLimitedTransport implements EndpointTransport {
  /** Requests refused with 503 so far. */
  throttled = 0;

  /** Forwarded when the inner transport has it: server transactions keep a final response as bytes (RFC 3261 §17.2). */
  prepareResponse?: EndpointTransport['prepareResponse'];
  sendPrepared?: EndpointTransport['sendPrepared'];
  /** Forwarded when the inner transport has them: sends without a promise per datagram. */
  postRequest?: EndpointTransport['postRequest'];
  postPrepared?: EndpointTransport['postPrepared'];

  constructor(
    private readonly inner: EndpointTransport,
    private readonly buckets: TokenBuckets,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {
    if (inner.prepareResponse && inner.sendPrepared) {
      this.prepareResponse = inner.prepareResponse.bind(inner);
      this.sendPrepared = inner.sendPrepared.bind(inner);
    }
    if (inner.postRequest) this.postRequest = inner.postRequest.bind(inner);
    if (inner.postPrepared) this.postPrepared = inner.postPrepared.bind(inner);
  }

  onMessage(handler: (incoming: IncomingMessage) => void): void {
    this.inner.onMessage((incoming) => {
      if (this.admit(incoming)) handler(incoming);
    });
  }

  sendRequest: EndpointTransport['sendRequest'] = (request, to) => this.inner.sendRequest(request, to);
  sendResponse: EndpointTransport['sendResponse'] = (response, flow) => this.inner.sendResponse(response, flow);
  isReliable: EndpointTransport['isReliable'] = (flow) => this.inner.isReliable(flow);
  close(): Promise<void> {
    return this.inner.close();
  }

  private admit({ message, source }: IncomingMessage): boolean {
    if (message.kind !== 'request' || message.method === 'ACK') return true;
    const verdict = this.buckets.take(source.remote.address);
    if (verdict.ok) return true;
    this.throttled++;
    if (verdict.first) {
      this.logger.warn('rate limit: requests refused with 503', {
        source: source.remote.address,
        retryAfter: verdict.retryAfter,
      });
    }
    const response = tooManyRequests(message, verdict.retryAfter);
    if (response) this.inner.sendResponse(response, source).catch(() => undefined);
    return false;
  }
}

/** The stateless 503 for a request over the rate; undefined when its headers are too broken to mirror (then dropped). */
function tooManyRequests(request: SipRequest, retryAfter: number): SipResponse | undefined {
  try {
    return createResponse(request, 503, RATE_LIMIT_REASON, {
      ...(request.to?.params.has('tag') ? {} : { toTag: generateTag() }),
      headers: [['Retry-After', String(retryAfter)]],
    });
  } catch {
    return undefined;
  }
}
