import type { Destination, Flow } from '../transport/types.js';
import { TransportError } from '../transport/types.js';

/** Converts whatever a transport rejected with into a TransportError. */
export function asTransportError(err: unknown, to?: Flow | Destination): TransportError {
  if (err instanceof TransportError) return err;
  return new TransportError(err instanceof Error ? err.message : String(err), to);
}
