import { randomHex } from '../random.js';

/** The RFC 3261 §8.1.1.7 branch prefix that marks a globally unique branch. */
export const MAGIC_COOKIE = 'z9hG4bK';

/** A new branch: the magic cookie plus 96 random bits (RFC 3261 §8.1.1.7 asks for uniqueness in space and time). */
export function generateBranch(): string {
  return MAGIC_COOKIE + randomHex(12);
}

/** Whether the branch was made by an RFC 3261 element (starts with `z9hG4bK`, §17.2.3). */
export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(MAGIC_COOKIE);
}
