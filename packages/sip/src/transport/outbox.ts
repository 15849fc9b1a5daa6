/**
 * Datagrams leave at the end of the event-loop turn that produced them, back
 * to back. Each send on a socket whose peer is asleep makes the kernel wake
 * that peer (on a VM: an inter-processor interrupt, several microseconds of
 * the sender's CPU); libuv reads up to 32 datagrams per poll, and answering
 * each one as soon as it is handled spaces the answers out by the handling
 * time, long enough for the peer to fall asleep again between them. Sent
 * together, only the first one wakes it. The delay is at most the rest of the
 * current turn (the poll phase's handlers and their microtasks): `setImmediate`
 * runs right after them, not after a timer, so it needs no Clock.
 */

/** Called once a queued datagram was handed to the kernel, or could not be. */
export type SentCallback = (err: Error | null) => void;

/** Sends one datagram now (`dgram.Socket.send` with a literal address); may throw on bad arguments. */
export type SendNow = (data: Buffer, port: number, address: string, done: SentCallback) => void;

/** Datagrams queued for the end of the current event-loop turn, sent in the order queued. */
export class DatagramOutbox {
  private data: Buffer[] = [];
  private ports: number[] = [];
  private addresses: string[] = [];
  private callbacks: SentCallback[] = [];
  private scheduled = false;

  constructor(private readonly sendNow: SendNow) {}

  /** Datagrams waiting to leave. */
  get size(): number {
    return this.data.length;
  }

  /** Queues one datagram; `done` is called when it was sent or failed (never synchronously). */
  queue(data: Buffer, port: number, address: string, done: SentCallback): void {
    this.data.push(data);
    this.ports.push(port);
    this.addresses.push(address);
    this.callbacks.push(done);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Sends everything queued now (the scheduled flush, and on close). */
  readonly flush = (): void => {
    this.scheduled = false;
    const { data, ports, addresses, callbacks } = this;
    if (data.length === 0) return;
    this.data = [];
    this.ports = [];
    this.addresses = [];
    this.callbacks = [];
    for (let i = 0; i < data.length; i++) {
      const done = callbacks[i] as SentCallback;
      try {
        this.sendNow(data[i] as Buffer, ports[i] as number, addresses[i] as string, done);
      } catch (err) {
        done(err instanceof Error ? err : new Error(String(err)));
      }
    }
  };
}

/** A port a datagram can be sent to (what `dgram` would otherwise reject by throwing). */
export function isSendPort(port: number): boolean {
  return Number.isInteger(port) && port > 0 && port < 65536;
}
