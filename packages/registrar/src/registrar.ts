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
import { applyRegister, sortByQ, type BindingChanges } from './bindings.js';
import { RegistrarEmitter, type RegistrarEventName, type RegistrarEvents } from './events.js';
import { MemoryBindingStore, synchronousWrite } from './memory-store.js';
import { readRegister, type ExpiryLimits, type RegisterUpdate } from './register-request.js';
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
  /** The store's synchronous write when it has one (a plain memory store): see {@link Registrar.register}. */
  private readonly writeNow: ((aor: string, bindings: readonly StoredBinding[]) => void) | undefined;
  /**
   * Whether {@link Registrar.cache} holds every binding of the store: from the start with a store of
   * our own, after {@link Registrar.resume} with a given one. Then an AoR missing from it has none.
   */
  private cacheComplete: boolean;
  private closed = false;

  constructor(options: RegistrarOptions) {
    this.host = options.host;
    this.logger = options.logger ?? silent;
    this.domains = new Domains(options.domain);
    this.store = options.store ?? new MemoryBindingStore();
    this.cacheComplete = options.store === undefined;
    this.writeNow = synchronousWrite(this.store);
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
    // A key of the cache is a normalized AoR already (registration events carry those): no parse.
    let list = this.cache.get(aor);
    if (list === undefined) {
      const key = normalizeAor(aor);
      if (key === undefined) return [];
      list = this.cache.get(key);
      if (list === undefined) return [];
    }
    const now = this.host.clock.now();
    return sortByQ(list.filter((b) => b.expiresAt > now));
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
    this.cacheComplete = true;
    return { loaded, dropped };
  }

  /** Stops the expiry timers; later REGISTERs are answered 503. Bindings stay in the store. */
  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  private handle(incoming: IncomingRequest): void | Promise<void> {
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
    if (this.digest) return this.authenticate(incoming, this.digest, to.uri.user, aor);
    return this.register(incoming, aor);
  }

  /** RFC 3261 §10.3 steps 3–4: authenticate, then the user may only change its own AoR. */
  private async authenticate(
    incoming: IncomingRequest,
    digest: DigestServer,
    user: string | undefined,
    aor: string,
  ): Promise<void> {
    const request = incoming.request;
    const verdict = await digest.verify(request);
    if (!verdict.ok) {
      if (verdict.status === 401) {
        const challenge = digest.challenge(request, { stale: verdict.stale === true });
        incoming.respond(401, 'Unauthorized', { headers: challenge.values.map((v) => [challenge.header, v]) });
      } else incoming.respond(verdict.status, verdict.reason);
      return;
    }
    if (verdict.username !== user) {
      incoming.respond(403, 'Username Does Not Match Address-Of-Record');
      return;
    }
    await this.register(incoming, aor);
  }

  /**
   * RFC 3261 §10.3 steps 6–8 for an authorized REGISTER. Done in the calling turn when nothing
   * else runs on the AoR, its bindings are known without the store, and the store writes
   * synchronously (the memory store); otherwise under the AoR's lock with the store's promises.
   */
  private register(incoming: IncomingRequest, aor: string): void | Promise<void> {
    const read = readRegister(incoming.request, this.limits);
    if (!read.ok) {
      incoming.respond(read.status, read.reason, { headers: read.headers });
      return;
    }
    const update = read.update;
    const writeNow = this.writeNow;
    if (writeNow !== undefined && !this.locks.has(aor)) {
      const current = this.cache.get(aor) ?? (this.cacheComplete ? NO_BINDINGS : undefined);
      if (current !== undefined) {
        const now = this.host.clock.now();
        const result = this.apply(incoming, aor, update, current, now);
        if (result === undefined) return;
        if (changedAny(result)) {
          try {
            writeNow(aor, result.bindings);
          } catch (err) {
            this.writeFailed(incoming, aor, err);
            return;
          }
        }
        this.finish(incoming, aor, update, result, now);
        return;
      }
    }
    return this.withLock(aor, async () => {
      const now = this.host.clock.now();
      const current = this.cache.get(aor) ?? (this.cacheComplete ? NO_BINDINGS : await this.store.byAor(aor));
      const result = this.apply(incoming, aor, update, current, now);
      if (result === undefined) return;
      if (changedAny(result)) {
        try {
          await this.store.replaceAor(aor, result.bindings);
        } catch (err) {
          this.writeFailed(incoming, aor, err);
          return;
        }
      }
      this.finish(incoming, aor, update, result, now);
    });
  }

  /** The REGISTER's effect on the AoR's bindings; a refusal is answered here (undefined then). */
  private apply(
    incoming: IncomingRequest,
    aor: string,
    update: RegisterUpdate,
    current: readonly StoredBinding[],
    now: number,
  ): BindingChanges | undefined {
    const request = incoming.request;
    const result = applyRegister(current, update, {
      aor,
      now,
      callId: request.callId ?? '',
      cseq: request.cseq?.seq ?? 0,
      flow: incoming.flow,
      userAgent: request.headers.get('User-Agent'),
      maxContacts: this.maxContacts,
    });
    if (!result.ok) {
      incoming.respond(result.status, result.reason, { headers: result.headers });
      return undefined;
    }
    return result;
  }

  private writeFailed(incoming: IncomingRequest, aor: string, err: unknown): void {
    this.logger.warn('registrar: store write failed', { aor, error: String(err) });
    incoming.respond(500, 'Binding Store Unavailable');
  }

  /** After the store took the bindings: they become the live set, the 200 goes out, listeners hear of it. */
  private finish(
    incoming: IncomingRequest,
    aor: string,
    update: RegisterUpdate,
    result: BindingChanges,
    now: number,
  ): void {
    this.commit(aor, result.bindings);
    const outbound =
      update.kind === 'contacts' &&
      update.contacts.some((c) => c.regId !== undefined) &&
      supportsOutbound(incoming.request.headers.getAll('Supported'));
    incoming.respond(200, 'OK', { headers: registerOkHeaders(sortByQ(result.bindings), now, outbound) });
    const remaining = result.bindings.length;
    // Each payload only when it has bindings (emit would drop it anyway).
    if (result.expired.length > 0) this.events.emit('expired', { aor, bindings: result.expired, remaining });
    if (result.removed.length > 0) this.events.emit('unregistered', { aor, bindings: result.removed, remaining });
    if (result.added.length > 0) this.events.emit('registered', { aor, bindings: result.added, remaining });
    if (result.refreshed.length > 0) this.events.emit('refreshed', { aor, bindings: result.refreshed, remaining });
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

  /**
   * Runs `fn` after every earlier operation on the same AoR (REGISTERs and expiry never
   * interleave). With nothing held it starts at once, without waiting for a microtask.
   */
  private withLock(aor: string, fn: () => Promise<void>): Promise<void> {
    const previous = this.locks.get(aor);
    const run = previous === undefined ? fn() : previous.then(fn);
    const tail = run.catch(() => undefined);
    this.locks.set(aor, tail);
    void tail.then(() => {
      if (this.locks.get(aor) === tail) this.locks.delete(aor);
    });
    return run;
  }
}

const NO_BINDINGS: readonly StoredBinding[] = [];

function changedAny(result: BindingChanges): boolean {
  return result.added.length + result.refreshed.length + result.removed.length + result.expired.length > 0;
}

function supportsOutbound(values: readonly string[]): boolean {
  return values.some((v) => v.split(',').some((t) => t.trim().toLowerCase() === 'outbound'));
}
