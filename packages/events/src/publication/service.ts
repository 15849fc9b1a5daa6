/**
 * The event state compositor of RFC 3903 §6: answers PUBLISH, keeps the
 * publications in a {@link PublicationStore}, expires them on the host clock,
 * and after every change composes a resource's live publications into its
 * state in {@link ResourceStates} (which drives NOTIFYs).
 */
import type { CancelTimer, IncomingRequest, SipRequest } from '@herald/sip';
import { SipParseError, generateCallId } from '@herald/sip';
import type { EventHost } from '../host.js';
import type { EventPackage, PublishedDocument } from '../package.js';
import { resourceKey } from '../resource-key.js';
import type { ResourceStates } from '../resource-states.js';
import type { PublicationStore, StoredPublication } from '../store.js';
import { composeState } from './compose.js';
import { KeyedQueue } from './keyed-queue.js';
import {
  type PublishFacts,
  type PublishLimits,
  type PublishOperation,
  type PublishRefusal,
  classifyPublish,
  defaultPublishLimits,
  parsePublishedBody,
  refuse,
  selectPackage,
} from './rules.js';

/** What an authorization hook sees of a PUBLISH. */
export interface PublishAuthorizationRequest {
  readonly event: string;
  /** resourceKey of the Request-URI. */
  readonly resource: string;
  /** resourceKey of the From URI. */
  readonly publisher: string;
  readonly incoming: IncomingRequest;
}

/** true: go on; false: 403 Forbidden; an object: answered as given (e.g. 401 with a challenge). */
export type PublishAuthorization =
  | boolean
  | { readonly status: number; readonly reason: string; readonly headers?: ReadonlyArray<readonly [string, string]> };

/** Construction options of a {@link PublicationService}. */
export interface PublicationServiceOptions {
  readonly host: EventHost;
  readonly store: PublicationStore;
  readonly states: ResourceStates;
  /** Packages; only those with `acceptsPublish` take PUBLISH. */
  readonly packages: readonly EventPackage[];
  readonly limits?: Partial<PublishLimits>;
  /** May this publisher publish for this resource? Default: anyone may. */
  readonly authorize?: (request: PublishAuthorizationRequest) => PublishAuthorization | Promise<PublishAuthorization>;
  /** Entity-tag generator (RFC 3903 §4.1: unique per resource); default 96 random bits, base64url. */
  readonly etag?: () => string;
  /** Failures outside any request (a store error during expiry or resume). Default: ignored. */
  readonly onError?: (error: unknown, context: string) => void;
}

type Outcome = { readonly ok: true; readonly etag: string; readonly expires: number } | PublishRefusal;

/** Longest single timer; longer expiries re-arm (setTimeout overflows past 2^31 - 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const keyOf = (event: string, resource: string): string => `${event}\n${resource}`;
const pubKey = (p: { event: string; resource: string; etag: string }): string => `${p.event}\n${p.resource}\n${p.etag}`;

/**
 * RFC 3903 publication state for a set of event packages. Registers the
 * PUBLISH handler on the host at construction.
 */
export class PublicationService {
  private readonly host: EventHost;
  private readonly store: PublicationStore;
  private readonly states: ResourceStates;
  private readonly packages: readonly EventPackage[];
  private readonly byEvent = new Map<string, EventPackage>();
  private readonly limits: PublishLimits;
  private readonly authorize: PublicationServiceOptions['authorize'];
  private readonly newEtag: () => string;
  private readonly onError: (error: unknown, context: string) => void;
  private readonly queue = new KeyedQueue();
  private readonly timers = new Map<string, CancelTimer>();
  /** Parsed bodies by publication, so composing never re-parses. */
  private readonly parsed = new Map<string, unknown>();
  private closed = false;

  constructor(options: PublicationServiceOptions) {
    this.host = options.host;
    this.store = options.store;
    this.states = options.states;
    this.packages = options.packages;
    for (const pkg of options.packages) this.byEvent.set(pkg.event, pkg);
    this.limits = { ...defaultPublishLimits, ...options.limits };
    this.authorize = options.authorize;
    // 128 random bits from the pooled generator (one crypto call per 4 KiB, not one per PUBLISH).
    this.newEtag = options.etag ?? (() => generateCallId());
    this.onError = options.onError ?? (() => undefined);
    // PUBLISH is not in-dialog, but some UAs copy the To tag of the last 200: let it through.
    this.host.on('PUBLISH', (incoming) => this.onPublish(incoming), { dialogs: 'handler' });
  }

  /** The live publications of one resource, with their parsed bodies. */
  async publications(event: string, resource: string): Promise<PublishedDocument[]> {
    const pkg = this.byEvent.get(event);
    if (!pkg) return [];
    return this.liveDocuments(pkg, resource);
  }

  /**
   * Boot: reloads publications from the store, deletes expired ones (and ones
   * whose body the package no longer accepts), re-arms expiry timers and
   * recomposes the state of every resource it found publications for.
   */
  async resume(): Promise<void> {
    const now = this.host.clock.now();
    const touched = new Map<string, { pkg: EventPackage; resource: string }>();
    for (const p of await this.store.all()) {
      const pkg = this.byEvent.get(p.event);
      if (!pkg) continue; // another configuration's package: leave it alone
      touched.set(keyOf(p.event, p.resource), { pkg, resource: p.resource });
      const parsed = parsePublishedBody(pkg, p.body, p.contentType);
      if (p.expiresAt <= now || !parsed.ok) {
        await this.store.delete(p.event, p.resource, p.etag);
        continue;
      }
      this.parsed.set(pubKey(p), parsed.value);
      this.arm(p);
    }
    for (const [key, { pkg, resource }] of touched) {
      await this.queue.run(key, () => this.recompose(pkg, resource));
    }
  }

  /** Cancels every expiry timer; later PUBLISHes get 503. Publications stay in the store. */
  close(): void {
    this.closed = true;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }

  private async onPublish(incoming: IncomingRequest): Promise<void> {
    const outcome = this.closed ? refuse(503, 'Service Unavailable') : await this.handle(incoming);
    if (!outcome.ok) {
      incoming.respond(outcome.status, outcome.reason, { headers: outcome.headers.map(([n, v]) => [n, v]) });
      return;
    }
    // RFC 3903 §6 step 8: the 200 carries the entity-tag and the granted expiry.
    incoming.respond(200, 'OK', {
      headers: [
        ['SIP-ETag', outcome.etag],
        ['Expires', String(outcome.expires)],
      ],
    });
  }

  private async handle(incoming: IncomingRequest): Promise<Outcome> {
    const request = incoming.request;
    const facts = readFacts(request);
    if (!facts.ok) return facts;
    const pkg = selectPackage(facts.event, this.packages);
    if ('ok' in pkg) return pkg;
    const resource = resourceKey(request.uri);
    const publisher = request.from ? resourceKey(request.from.uri) : resource;
    if (this.authorize) {
      const verdict = await this.authorize({ event: pkg.event, resource, publisher, incoming });
      if (verdict === false) return refuse(403, 'Forbidden');
      if (verdict !== true) return refuse(verdict.status, verdict.reason, verdict.headers ?? []);
    }
    const classified = classifyPublish(facts, pkg, this.limits);
    if (!classified.ok) return classified;
    const op = classified.value;
    let parsed: unknown;
    if (op.kind === 'initial' || op.kind === 'modify') {
      const contentType = facts.contentType ?? '';
      const verdict = parsePublishedBody(pkg, request.body, contentType);
      if (!verdict.ok) return refuse(verdict.status, verdict.reason);
      parsed = verdict.value;
    }
    const body = { body: request.body, contentType: facts.contentType ?? '', parsed };
    return this.queue.run(keyOf(pkg.event, resource), () => this.apply(pkg, resource, publisher, op, body));
  }

  private async apply(
    pkg: EventPackage,
    resource: string,
    publisher: string,
    op: PublishOperation,
    doc: { body: Buffer; contentType: string; parsed: unknown },
  ): Promise<Outcome> {
    const now = this.host.clock.now();
    const event = pkg.event;
    if (op.kind === 'initial') {
      const live = (await this.store.byResource(event, resource)).filter((p) => p.expiresAt > now);
      if (live.length >= this.limits.maxPerResource) {
        // 503 rather than 403: the condition clears when an older publication expires or is removed.
        const soonest = Math.min(...live.map((p) => p.expiresAt));
        const retryAfter = Math.max(1, Math.ceil((soonest - now) / 1000));
        return refuse(503, 'Too Many Publications For Resource', [['Retry-After', String(retryAfter)]]);
      }
      const next: StoredPublication = {
        event,
        resource,
        etag: await this.uniqueEtag(event, resource),
        contentType: doc.contentType,
        body: doc.body,
        expiresAt: now + op.expires * 1000,
        createdAt: now,
        updatedAt: now,
        publisher,
      };
      await this.store.put(next);
      this.track(next, doc.parsed);
      await this.recompose(pkg, resource);
      return { ok: true, etag: next.etag, expires: op.expires };
    }

    const existing = await this.store.get(event, resource, op.etag);
    // RFC 3903 §6 step 4: no live publication under that entity-tag → 412.
    if (!existing || existing.expiresAt <= now) return refuse(412, 'Conditional Request Failed');
    if (op.kind === 'remove') {
      if (!(await this.store.delete(event, resource, op.etag))) return refuse(412, 'Conditional Request Failed');
      this.untrack(existing);
      await this.recompose(pkg, resource);
      return { ok: true, etag: op.etag, expires: 0 };
    }

    // RFC 3903 §4.1: refresh and modify get a new entity-tag; the old one is no longer valid.
    const modify = op.kind === 'modify';
    const next: StoredPublication = {
      ...existing,
      etag: await this.uniqueEtag(event, resource),
      expiresAt: now + op.expires * 1000,
      ...(modify ? { body: doc.body, contentType: doc.contentType, updatedAt: now } : {}),
    };
    if (!(await this.store.replace(op.etag, next))) return refuse(412, 'Conditional Request Failed');
    const parsed = modify ? doc.parsed : this.parsedOf(pkg, existing);
    this.untrack(existing);
    this.track(next, parsed);
    // A refresh changes no state (RFC 3903 §4.3): only a modify recomposes.
    if (modify) await this.recompose(pkg, resource);
    return { ok: true, etag: next.etag, expires: op.expires };
  }

  private async uniqueEtag(event: string, resource: string): Promise<string> {
    for (let i = 0; i < 8; i++) {
      const etag = this.newEtag();
      if (!(await this.store.get(event, resource, etag))) return etag;
    }
    throw new Error('etag generator keeps returning entity-tags in use');
  }

  private track(p: StoredPublication, parsed: unknown): void {
    this.parsed.set(pubKey(p), parsed);
    this.arm(p);
  }

  private untrack(p: StoredPublication): void {
    const key = pubKey(p);
    this.parsed.delete(key);
    this.timers.get(key)?.();
    this.timers.delete(key);
  }

  /** Sets the expiry timer of a publication. */
  private arm(p: StoredPublication): void {
    const key = pubKey(p);
    this.timers.get(key)?.();
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, p.expiresAt - this.host.clock.now()));
    const cancel = this.host.clock.setTimer(delay, () => {
      if (this.timers.get(key) !== cancel) return; // replaced or cancelled meanwhile
      this.timers.delete(key);
      const pkg = this.byEvent.get(p.event);
      if (!pkg) return;
      this.queue
        .run(keyOf(p.event, p.resource), () => this.expire(pkg, p))
        .catch((err: unknown) => this.onError(err, 'expiry'));
    });
    this.timers.set(key, cancel);
  }

  /** Expiry timer fired: removes the publication if it is still the same one and due. */
  private async expire(pkg: EventPackage, p: StoredPublication): Promise<void> {
    const current = await this.store.get(p.event, p.resource, p.etag);
    if (!current) return; // refreshed, modified or removed meanwhile
    if (current.expiresAt > this.host.clock.now()) {
      this.arm(current);
      return;
    }
    await this.store.delete(p.event, p.resource, p.etag);
    this.untrack(current);
    await this.recompose(pkg, p.resource);
  }

  private parsedOf(pkg: EventPackage, p: StoredPublication): unknown {
    const key = pubKey(p);
    if (this.parsed.has(key)) return this.parsed.get(key);
    // Stored by someone else (another node, before a restart): parse once and keep it.
    const verdict = parsePublishedBody(pkg, p.body, p.contentType);
    const value = verdict.ok ? verdict.value : undefined;
    this.parsed.set(key, value);
    return value;
  }

  private async liveDocuments(pkg: EventPackage, resource: string): Promise<PublishedDocument[]> {
    const now = this.host.clock.now();
    const live = (await this.store.byResource(pkg.event, resource)).filter((p) => p.expiresAt > now);
    return live.map((p) => ({
      etag: p.etag,
      contentType: p.contentType,
      body: p.body,
      parsed: this.parsedOf(pkg, p),
      updatedAt: p.updatedAt,
      expiresAt: p.expiresAt,
    }));
  }

  /** Hands every live publication of the resource to the package and publishes the result. */
  private async recompose(pkg: EventPackage, resource: string): Promise<void> {
    const documents = await this.liveDocuments(pkg, resource);
    this.states.set(pkg.event, resource, composeState(pkg, documents, resource));
  }
}

/** Reads the request's Event, Expires, SIP-If-Match and body facts; a malformed header is a 400. */
function readFacts(request: SipRequest): ({ readonly ok: true } & PublishFacts) | PublishRefusal {
  let event: string | undefined;
  let expires: number | undefined;
  try {
    event = request.event?.event;
  } catch (err) {
    if (err instanceof SipParseError) return refuse(400, 'Invalid Event Header');
    throw err;
  }
  try {
    expires = request.expires;
  } catch (err) {
    if (err instanceof SipParseError) return refuse(400, 'Invalid Expires Header');
    throw err;
  }
  return {
    ok: true,
    event,
    expires,
    ifMatch: request.headers.getAll('SIP-If-Match'),
    contentType: request.contentType,
    bodyLength: request.body.length,
  };
}
