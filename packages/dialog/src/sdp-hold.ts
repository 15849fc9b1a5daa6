/**
 * Hold detection from an SDP offer (RFC 3264 §8.4): a stream
 * is held when its direction is `sendonly` or `inactive`, or its connection
 * address is the RFC 2543-style `0.0.0.0` (media level overrides session level).
 */
import { parse, type SessionDescription } from 'sdp-transform';

type Direction = 'sendrecv' | 'recvonly' | 'sendonly' | 'inactive';

function heldBy(direction: Direction | undefined, ip: string | undefined): boolean {
  return direction === 'sendonly' || direction === 'inactive' || ip === '0.0.0.0' || ip === '::';
}

/**
 * True when the SDP puts the call on hold: every active media stream (port
 * not 0) is `sendonly`, `inactive`, or at `0.0.0.0`; with no media lines, the
 * session-level attributes decide. Unparsable SDP is not a hold.
 */
export function isHold(sdp: string | Buffer): boolean {
  const text = typeof sdp === 'string' ? sdp : sdp.toString('utf8');
  if (!/^v=/m.test(text)) return false;
  let session: SessionDescription;
  try {
    session = parse(text);
  } catch {
    return false;
  }
  const sessionDirection = session.direction;
  const sessionIp = session.connection?.ip;
  const active = (session.media ?? []).filter((m) => m.port !== 0);
  if (active.length === 0) return heldBy(sessionDirection, sessionIp);
  return active.every((m) => heldBy(m.direction ?? sessionDirection, m.connection?.ip ?? sessionIp));
}
