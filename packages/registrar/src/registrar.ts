/**
 * The registrar and location service (RFC 3261 §10.3; RFC 5626 §6 basics):
 * answers REGISTER on a host (an `Endpoint` works as is), keeps bindings per
 * address-of-record in a {@link BindingStore} with a write-through cache the
 * proxy reads synchronously ({@link Registrar.lookup}), expires them on the
 * host's clock, and reports changes as {@link RegistrarEvents}.
 */
import { DigestServer, type CancelTimer, type DigestAlgorithm, type IncomingRequest } from '@herald/sip';
import type { EventHost } from '@herald/events';
import { Domains, aorOf, normalizeAor } from './aor.js';
import { applyRegister, sortByQ } from './bindings.js';
import { RegistrarEmitter, type RegistrarEventName, type RegistrarEvents } from './events.js';
import { MemoryBindingStore } from './memory-store.js';
import { readRegister, type ExpiryLimits } from './register-request.js';
import { registerOkHeaders } from './response.js';
import type { BindingStore, StoredBinding } from './store.js';

/** What the registrar needs from a SIP stack: the clock and a REGISTER handler slot (a subset of `EventHost`). */
export type RegistrarHost = Pick<EventHost, 'clock' | 'on'>;

/** Finds a user's password; `undefined` for unknown users. */
export type UserLookup = (username: string) => string | undefined | Promise<string | undefined>;

/** Where the registrar reports what it refuses or fails at. */
export interface RegistrarLogger {
  warn(message: string, detail?: Readonly<Record<string, unknown>>): void;
  info?(message: string, detail?: Readonly<Record<string, unknown>>): void;
}

/** Digest settings (RFC 7616, RFC 8760). */
export interface RegistrarDigestOptions {
  /** Default: the first domain. */
  readonly realm?: string;
  /** Nonce HMAC key; set it so nonces survive a restart (then they come back stale, not unknown). */
  readonly secret?: string | Buffer;
  /** Default SHA-256 then MD5. */
  readonly algorithms?: readonly DigestAlgorithm[];
  readonly nonceLifetimeMs?: number;
}

/** Construction options of a {@link Registrar}. */
export interface RegistrarOptions {
  readonly host: RegistrarHost;
  /** The domain(s) we are the registrar for (host parts; ports are ignored). */
  readonly domain: string | readonly string[];
  /** Users and passwords (config users), or a lookup. */
  readonly users?: Readonly<Record<string, string>> | UserLookup;
  /** Digest authentication (default true). `false` accepts any user of our domains (benchmarks) and logs a loud warning. */
  readonly auth?: boolean;
  /** Digest settings, or a ready `DigestServer` (to share one with other request handlers). */
  readonly digest?: RegistrarDigestOptions | DigestServer;
  /** Seconds; defaults 60. */
  readonly minExpires?: number;
  /** Seconds; default 3600. */
  readonly maxExpires?: number;
  /** Seconds, used when neither the Contact nor the request says; default 3600. */
  readonly defaultExpires?: number;
  /** Default: a {@link MemoryBindingStore}. */
  readonly store?: BindingStore;
  /** Most bindings per AoR (default 10; 0 = no limit). New contacts beyond it get 403. */
  readonly maxContactsPerAor?: number;
  readonly logger?: RegistrarLogger;
}

const silent: RegistrarLogger = { warn: () => undefined };

/** REGISTER handling, the location service and registration events. */
export class Registrar {
  /** Registration events: `registrar.events.on('expired', (e) => …)`. */
  readonly events: RegistrarEmitter;
  readonly store: BindingStore;
  readonly domains: Domains;
  /** The digest server (undefined with `auth: false`). */
  readonly digest: DigestServer | undefined;
  readonly limits: ExpiryLimits;
  private readonly host: RegistrarHost;
  private readonly logger: RegistrarLogger;
  private readonly maxContacts: number;
  /** Live bindings per AoR: the authoritative view for lookups (the store is written through). */
  private readonly cache = new Map<string, readonly StoredBinding[]>();
  private readonly timers = new Map<string, { at: number; cancel: CancelTimer }>();
  private readonly locks = new Map<string, Promise<void>>();
  private closed = false;

  constructor(options: RegistrarOptions) {
    this.host = options.host;
    this.logger = options.logger ?? silent;
    this.domains = new Domains(options.domain);
    this.store = options.store ?? new MemoryBindingStore();
    this.maxContacts = options.maxContactsPerAor ?? 10;
    this.limits = {
      min: options.minExpires ?? 60,
      max: options.maxExpires ?? 3600,
      default: options.defaultExpires ?? 3600,
    };
    if (!(this.limits.min <= this.limits.default && this.limits.default <= this.limits.max)) {
      throw new RangeError('Registrar expires: need minExpires <= defaultExpires <= maxExpires');
    }
    this.events = new RegistrarEmitter((name, err) =>
      this.logger.warn('registrar: event listener failed', { event: name, error: String(err) }),
    );
    if (options.auth === false) {
      this.digest = undefined;
      this.logger.warn(
        '!!! REGISTRAR AUTHENTICATION IS OFF: any user of the domain can register any contact (auth: false) !!!',
        { domain: this.domains.primary },
      );
    } else if (options.digest instanceof DigestServer) {
      this.digest = options.digest;
    } else {
      const users = options.users ?? {};
      const find: UserLookup =
        typeof users === 'function' ? users : (u) => (Object.hasOwn(users, u) ? users[u] : undefined);
      const d = options.digest ?? {};
      this.digest = new DigestServer({
        realm: d.realm ?? this.domains.primary,
        secret: d.secret,
        algorithms: d.algorithms,
        nonceLifetimeMs: d.nonceLifetimeMs,
        clock: this.host.clock,
        lookup: async (username) => {
          const password = await find(username);
          return password === undefined ? undefined : { password };
        },
      });
    }
    // REGISTER creates no dialog: a (stray) To tag must not earn a 481 from the endpoint's dialog check.
    this.host.on('REGISTER', (incoming) => this.handle(incoming), { dialogs: 'handler' });
  }

  /** Shorthand for `events.on`. */
  on<E extends RegistrarEventName>(name: E, listener: (event: RegistrarEvents[E]) => void): () => void {
    return this.events.on(name, listener);
  }

  /** The location service: live bindings of an AoR (`sip:user@host`, port and parameters ignored), highest `q` first. */
  lookup(aor: string): StoredBinding[] {
    const key = normalizeAor(aor);
    if (key === undefined) return [];
    const now = this.host.clock.now();
    return sortByQ((this.cache.get(key) ?? []).filter((b) => b.expiresAt > now));
  }

  /** Every live binding, grouped by AoR (for the management API). */
  bindings(): StoredBinding[] {
    const now = this.host.clock.now();
    const out: StoredBinding[] = [];
    for (const list of this.cache.values()) out.push(...sortByQ(list.filter((b) => b.expiresAt > now)));
    return out;
  }

  /**
   * Reloads every binding from the store (boot): drops the expired ones from
   * the store (no events: nobody saw them live in this process) and arms the
   * expiry timers. Resolves with how many were kept and dropped.
   */
  async resume(): Promise<{ loaded: number; dropped: number }> {
    const now = this.host.clock.now();
    const byAor = new Map<string, StoredBinding[]>();
    for (const b of await this.store.all()) {
      const list = byAor.get(b.aor) ?? [];
      list.push(b);
      byAor.set(b.aor, list);
    }
    let loaded = 0;
    let dropped = 0;
    for (const [aor, list] of byAor) {
      await this.withLock(aor, async () => {
        const live = list.filter((b) => b.expiresAt > now);
        if (live.length !== list.length) await this.store.replaceAor(aor, live);
        loaded += live.length;
        dropped += list.length - live.length;
        this.commit(aor, live);
      });
    }
    return { loaded, dropped };
  }

  /** Stops the expiry timers; later REGISTERs are answered 503. Bindings stay in the store. */
  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  private async handle(incoming: IncomingRequest): Promise<void> {
    const request = incoming.request;
    if (this.closed) {
      incoming.respond(503, 'Service Unavailable');
      return;
    }
    // RFC 3261 §10.3 step 1: we are no proxy, so a REGISTER for another domain is refused.
    if (!this.domains.has(request.uri.host) || (request.uri.scheme !== 'sip' && request.uri.scheme !== 'sips')) {
      incoming.respond(403, 'Domain Not Served Here');
      return;
    }
    // RFC 3261 §10.3 step 5: an AoR not valid for the Request-URI's domain MUST get 404.
    const to = request.to;
    const aor = to ? aorOf(to.uri) : undefined;
    if (!to || aor === undefined || !this.domains.has(to.uri.host)) {
      incoming.respond(404, 'Address-Of-Record Not Served Here');
      return;
    }
    // RFC 3261 §10.3 steps 3–4: authenticate, then the user may only change its own AoR.
    if (this.digest) {
      const verdict = await this.digest.verify(request);
      if (!verdict.ok) {
        if (verdict.status === 401) {
          const challenge = this.digest.challenge(request, { stale: verdict.stale === true });
          incoming.respond(401, 'Unauthorized', { headers: challenge.values.map((v) => [challenge.header, v]) });
        } else incoming.respond(verdict.status, verdict.reason);
        return;
      }
      if (verdict.username !== to.uri.user) {
        incoming.respond(403, 'Username Does Not Match Address-Of-Record');
        return;
      }
    }
    const read = readRegister(request, this.limits);
    if (!read.ok) {
      incoming.respond(read.status, read.reason, { headers: read.headers });
      return;
    }
    const callId = request.callId ?? '';
    const cseq = request.cseq?.seq ?? 0;
    await this.withLock(aor, async () => {
      const now = this.host.clock.now();
      const current = this.cache.get(aor) ?? (await this.store.byAor(aor));
      const result = applyRegister(current, read.update, {
        aor,
        now,
        callId,
        cseq,
        flow: incoming.flow,
        userAgent: request.headers.get('User-Agent'),
        maxContacts: this.maxContacts,
      });
      if (!result.ok) {
        incoming.respond(result.status, result.reason, { headers: result.headers });
        return;
      }
      const changed = result.added.length + result.refreshed.length + result.removed.length + result.expired.length > 0;
      if (changed) {
        try {
          await this.store.replaceAor(aor, result.bindings);
        } catch (err) {
          this.logger.warn('registrar: store write failed', { aor, error: String(err) });
          incoming.respond(500, 'Binding Store Unavailable');
          return;
        }
      }
      this.commit(aor, result.bindings);
      const outbound =
        read.update.kind === 'contacts' &&
        read.update.contacts.some((c) => c.regId !== undefined) &&
        supportsOutbound(request.headers.getAll('Supported'));
      incoming.respond(200, 'OK', { headers: registerOkHeaders(sortByQ(result.bindings), now, outbound) });
      const remaining = result.bindings.length;
      this.events.emit('expired', { aor, bindings: result.expired, remaining });
      this.events.emit('unregistered', { aor, bindings: result.removed, remaining });
      this.events.emit('registered', { aor, bindings: result.added, remaining });
      this.events.emit('refreshed', { aor, bindings: result.refreshed, remaining });
    });
  }

  /** Makes `bindings` the AoR's live set and re-arms its expiry timer. */
  private commit(aor: string, bindings: readonly StoredBinding[]): void {
    if (bindings.length === 0) this.cache.delete(aor);
    else this.cache.set(aor, bindings);
    this.arm(aor);
  }

  /** One timer per AoR, at its earliest expiry. */
  private arm(aor: string): void {
    const list = this.cache.get(aor);
    const at = list && list.length > 0 ? Math.min(...list.map((b) => b.expiresAt)) : undefined;
    const existing = this.timers.get(aor);
    if (existing && existing.at === at) return;
    existing?.cancel();
    this.timers.delete(aor);
    if (at === undefined || this.closed) return;
    const cancel = this.host.clock.setTimer(Math.max(0, at - this.host.clock.now()), () => {
      this.timers.delete(aor);
      this.withLock(aor, () => this.expire(aor)).catch((err: unknown) =>
        this.logger.warn('registrar: expiry failed', { aor, error: String(err) }),
      );
    });
    this.timers.set(aor, { at, cancel });
  }

  private async expire(aor: string): Promise<void> {
    const now = this.host.clock.now();
    const list = this.cache.get(aor) ?? [];
    const expired = list.filter((b) => b.expiresAt <= now);
    const live = list.filter((b) => b.expiresAt > now);
    // Gone from lookups even if the store write fails: an expired contact must not be routed to.
    this.commit(aor, live);
    if (expired.length === 0) return;
    try {
      await this.store.replaceAor(aor, live);
    } catch (err) {
      this.logger.warn('registrar: store write failed on expiry', { aor, error: String(err) });
    }
    this.events.emit('expired', { aor, bindings: expired, remaining: live.length });
  }

  /** Runs `fn` after every earlier operation on the same AoR (REGISTERs and expiry never interleave). */
  private withLock(aor: string, fn: () => Promise<void>): Promise<void> {
    const previous = this.locks.get(aor) ?? Promise.resolve();
    const run = previous.then(fn);
    const tail = run.catch(() => undefined);
    this.locks.set(aor, tail);
    void tail.then(() => {
      if (this.locks.get(aor) === tail) this.locks.delete(aor);
    });
    return run;
  }
}

function supportsOutbound(values: readonly string[]): boolean {
  return values.some((v) => v.split(',').some((t) => t.trim().toLowerCase() === 'outbound'));
}
