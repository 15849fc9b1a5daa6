/**
 * How full the kernel's receive queues of our UDP sockets are, read from
 * Linux's `/proc/net/udp` and `/proc/net/udp6` (`rx_queue`: bytes held,
 * counted as the kernel charges them against SO_RCVBUF). A queue that stays
 * full means requests arrive faster than they are served: each waits longer,
 * clients retransmit (RFC 3261 §17.1.2.2, T1 = 500 ms) and the kernel starts
 * dropping. Other systems have no such file: the sampler then reports
 * undefined and shedding relies on nothing.
 */
import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { endianness } from 'node:os';
import type { QueueSampler } from './overload.js';

/** One of our UDP sockets: where it is bound and its receive buffer as the kernel reports it (Linux doubles the requested size). */
export interface QueueSocket {
  readonly address: string;
  readonly port: number;
  readonly bufferBytes: number;
}

/** How a `/proc/net/udp` line names an IPv4 address: its 32 bits in host byte order, as 8 hex digits. */
export function procAddress4(address: string, little = endianness() === 'LE'): string | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map(Number);
  if (bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return undefined;
  const ordered = little ? bytes.reverse() : bytes;
  return ordered
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

/**
 * The fullest of `sockets`' queues (0–1) in the text of `/proc/net/udp` or
 * `/proc/net/udp6`, or undefined when none of them is listed. IPv4 sockets
 * match on address and port; IPv6 ones on the port (an IPv6 address is
 * printed as four host-order words, not worth decoding here).
 */
export function queueFill(text: string, sockets: readonly QueueSocket[]): number | undefined {
  let fill: number | undefined;
  const wanted = sockets.map((s) => ({
    port: ':' + s.port.toString(16).toUpperCase().padStart(4, '0'),
    address: isIPv6(s.address) ? undefined : procAddress4(s.address),
    bufferBytes: s.bufferBytes,
  }));
  for (const line of text.split('\n')) {
    // "  sl  local_address rem_address   st tx_queue:rx_queue ..." — fields 1 and 4.
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const queues = fields[4];
    if (local === undefined || queues === undefined) continue;
    for (const w of wanted) {
      if (!local.endsWith(w.port)) continue;
      if (w.address !== undefined && local !== w.address + w.port) continue;
      const rx = parseInt(queues.slice(queues.indexOf(':') + 1), 16);
      if (!Number.isFinite(rx) || w.bufferBytes <= 0) continue;
      fill = Math.max(fill ?? 0, rx / w.bufferBytes);
    }
  }
  return fill;
}

/** Reads a file as text (injectable for tests). */
export type ReadText = (path: string) => Promise<string>;

/**
 * A {@link QueueSampler} over the sockets `sockets()` lists at each sample
 * (they are known only once bound). After a failed read (no such file: not
 * Linux) it stops reading and reports undefined.
 */
export function udpQueueSampler(
  sockets: () => readonly QueueSocket[],
  read: ReadText = (path) => readFile(path, 'latin1'),
): QueueSampler {
  let unavailable = false;
  return async () => {
    if (unavailable) return undefined;
    const list = sockets();
    const v4 = list.filter((s) => !isIPv6(s.address));
    const v6 = list.filter((s) => isIPv6(s.address));
    try {
      const fills = await Promise.all([
        v4.length > 0 ? read('/proc/net/udp').then((t) => queueFill(t, v4)) : undefined,
        v6.length > 0 ? read('/proc/net/udp6').then((t) => queueFill(t, v6)) : undefined,
      ]);
      const known = fills.filter((f): f is number => f !== undefined);
      return known.length === 0 ? undefined : Math.max(...known);
    } catch {
      unavailable = true;
      return undefined;
    }
  };
}
