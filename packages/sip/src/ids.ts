import { randomHex } from './random.js';

/** A From/To tag with 64 bits of randomness (RFC 3261 §19.3 asks for at least 32). */
export function generateTag(): string {
  return randomHex(8);
}

/** A globally unique Call-ID (RFC 3261 §8.1.1.4): 128 random bits, optionally `@host`. */
export function generateCallId(host?: string): string {
  const id = randomHex(16);
  return host ? `${id}@${host}` : id;
}

/** An initial CSeq number below 2**31 (RFC 3261 §8.1.1.5). */
export function generateInitialCSeq(): number {
  return Number.parseInt(randomHex(4), 16) & 0x7fffffff || 1;
}
