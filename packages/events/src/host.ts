/**
 * What the engine needs from a SIP stack: register request handlers and send
 * requests. Herald's `Endpoint` satisfies it as is; an app on another SIP
 * stack writes a small adapter.
 */
import type { Clock, HandlerOptions, RequestHandler, SendOptions, SipRequest, SipResponse } from '@herald/sip';

export interface EventHost {
  readonly clock: Clock;
  /** Registers the handler for a method. */
  on(method: string, handler: RequestHandler, options?: HandlerOptions): void;
  /** Sends a request in a client transaction and resolves with its final response (local 408/503 on timeout/transport error). */
  request(request: SipRequest, options?: SendOptions): Promise<SipResponse>;
}
