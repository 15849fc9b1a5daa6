/**
 * One {@link Flow} object per remote address and port of a UDP socket, shared by
 * every datagram from (and to) it. A server transaction keeps the flow its
 * request came on until Timer J (RFC 3261 §17.2.2, 64·T1 = 32 s), and a
 * registration or subscription keeps it for its lifetime; a fresh flow, remote
 * and address string per datagram cost ~120 B each of those held.
 */
import type { Flow, HostPort, TransportProtocol } from './types.js';

/** Default bound on the number of cached flows; past it the cache starts over. */
export const DEFAULT_FLOW_CACHE_SIZE = 65_536;

/** Shared connectionless flows of one local socket, by remote address then port; bounded. */
export class FlowCache {
  private readonly byAddress = new Map<string, Map<number, Flow>>();
  private count = 0;

  constructor(
    private readonly transport: TransportProtocol,
    private readonly local: HostPort,
    /** At most this many flows are kept; adding one more empties the cache first (held flows stay valid). */
    readonly maxSize = DEFAULT_FLOW_CACHE_SIZE,
  ) {}

  /** Number of flows cached. */
  get size(): number {
    return this.count;
  }

  /** The flow from the local socket to `address`:`port`, the same object for as long as it stays cached. */
  get(address: string, port: number): Flow {
    let ports = this.byAddress.get(address);
    const cached = ports?.get(port);
    if (cached) return cached;
    if (this.count >= this.maxSize) {
      // Cheaper than LRU bookkeeping per datagram; flows are plain data, so the ones held elsewhere stay valid.
      this.byAddress.clear();
      this.count = 0;
      ports = undefined;
    }
    if (!ports) {
      ports = new Map();
      this.byAddress.set(address, ports);
    }
    const flow: Flow = { transport: this.transport, local: this.local, remote: { address, port } };
    ports.set(port, flow);
    this.count++;
    return flow;
  }

  /** Forgets every flow. */
  clear(): void {
    this.byAddress.clear();
    this.count = 0;
  }
}
