/**
 * Warnings for PUBLISH refused by a limit (issue 6: every limit hit is
 * logged). The publication service answers them itself (RFC 3903 §6), so the
 * outcome is read from the final response once the handler has answered.
 */
import type { EventHost } from '@herald/events';
import type { IncomingRequest } from '@herald/sip';
import type { Logger } from '../logger.js';
import { afterPublish } from '../publish-hook.js';

/** Which config limit a PUBLISH answer reports, if any. */
export function publishLimitOf(status: number | undefined, reason: string | undefined): string | undefined {
  if (status === 413) return 'publishBodyBytes';
  if (status === 503 && reason === 'Too Many Publications For Resource') return 'publicationsPerResource';
  return undefined;
}

/** `host` with a warning logged for every PUBLISH its handler refused because of a limit. */
export function warnPublishLimits(host: EventHost, logger: Pick<Logger, 'warn'>): EventHost {
  const check = (incoming: IncomingRequest): void => {
    // lastStatus/lastReason: no re-parse of the answer the finished transaction keeps as bytes.
    const status = incoming.transaction?.lastStatus;
    const limit = publishLimitOf(status, status === 503 ? incoming.transaction?.lastReason : undefined);
    if (limit === undefined) return;
    logger.warn('publication refused: limit reached', {
      limit,
      status,
      uri: incoming.request.requestUri,
      from: incoming.request.headers.get('From'),
    });
  };
  return afterPublish(host, check);
}
