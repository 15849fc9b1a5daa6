/**
 * The binding storage contract (like the event stores: async, so SQLite and
 * Redis fit later). Every implementation must pass
 * `test/binding-store-conformance.ts`.
 */
import type { Flow } from '@herald/sip';

/** One contact bound to an address-of-record (RFC 3261 §10.2.1, RFC 5626 §6). */
export interface StoredBinding {
  /** The address-of-record, normalized `sip:user@host` (no port, no parameters). */
  readonly aor: string;
  /**
   * Identity of the binding within its AoR: `instance` + `reg-id` when the
   * Contact carries `+sip.instance` (RFC 5626 §6), else the Contact URI as
   * first registered. Matching of later REGISTERs uses URI comparison, not this string.
   */
  readonly key: string;
  /** The Contact URI as sent by the UA. */
  readonly contact: string;
  /** Contact header parameters other than `expires` and `q` (e.g. `+sip.instance`, `reg-id`), in order. */
  readonly params: ReadonlyArray<readonly [string, string | null]>;
  /** `q` value (0–1), absent when the Contact had none. */
  readonly q?: number;
  /** `+sip.instance` value without quotes (e.g. `<urn:uuid:…>`), RFC 5626 §4.1. */
  readonly instanceId?: string;
  /** `reg-id` (RFC 5626 §4.2). */
  readonly regId?: number;
  /** Clock ms at which the binding expires. */
  readonly expiresAt: number;
  /** Call-ID and CSeq of the REGISTER that last wrote it (RFC 3261 §10.3 step 7 ordering). */
  readonly callId: string;
  readonly cseq: number;
  /** The flow the REGISTER arrived on (source address = received/rport); requests to the contact can use it. */
  readonly flow: Flow;
  readonly userAgent?: string;
  /** Clock ms of the first registration and of the last refresh. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Bindings, grouped by address-of-record. */
export interface BindingStore {
  /** Atomically replaces every binding of `aor` by `bindings` (all of that AoR); an empty list removes the AoR. */
  replaceAor(aor: string, bindings: readonly StoredBinding[]): Promise<void>;
  /** Bindings of one AoR (no order promised). */
  byAor(aor: string): Promise<StoredBinding[]>;
  /** Removes one binding; resolves false when absent. */
  delete(aor: string, key: string): Promise<boolean>;
  /** Every binding (boot, management API). */
  all(): Promise<StoredBinding[]>;
  /** Number of bindings. */
  count(): Promise<number>;
}
