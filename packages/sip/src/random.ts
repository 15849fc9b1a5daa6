import { randomBytes } from 'node:crypto';

// Random identifiers (tags, Call-IDs, branches) come from one pooled buffer: one crypto call
// per 4 KiB of ids instead of one per id, since several are minted per request.
let pool = Buffer.alloc(0);
let offset = 0;

/** Hex string of `bytes` random bytes from the shared pool (internal: not exported by the package). */
export function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const s = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return s;
}
