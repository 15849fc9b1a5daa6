/** An EventHost wrapper that runs a callback after each PUBLISH handler has answered (metrics, limit warnings). */
import type { EventHost } from '@herald/events';
import type { IncomingRequest } from '@herald/sip';

/** `host` whose PUBLISH handlers call `after(incoming)` once they have finished, answered or thrown (RFC 3903 §6 answers are final). */
export function afterPublish(host: EventHost, after: (incoming: IncomingRequest) => void): EventHost {
  return {
    clock: host.clock,
    request: (request, options) => host.request(request, options),
    on(method, handler, options) {
      if (method.toUpperCase() !== 'PUBLISH') return host.on(method, handler, options);
      host.on(
        method,
        async (incoming) => {
          try {
            await handler(incoming);
          } finally {
            after(incoming);
          }
        },
        options,
      );
    },
  };
}
