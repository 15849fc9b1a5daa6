/**
 * The request checks of RFC 3903 §6 as pure functions: what a PUBLISH asks
 * for (initial, refresh, modify, remove) or why it is refused. No store, no
 * clock: the service supplies the facts and performs the outcome, so these
 * rules are tested as tables.
 */
import type { EventPackage, Verdict } from '../package.js';

/** A refusal: the status, reason phrase and extra headers to answer a PUBLISH with. */
export interface PublishRefusal {
  readonly ok: false;
  readonly status: number;
  readonly reason: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** A classified PUBLISH: the operation, or why it is refused. */
export type PublishClassification = { readonly ok: true; readonly value: PublishOperation } | PublishRefusal;

/** What a well-formed PUBLISH asks for (RFC 3903 §4, Table 1). `expires` is the granted interval in seconds. */
export type PublishOperation =
  | { readonly kind: 'initial'; readonly expires: number }
  | { readonly kind: 'refresh'; readonly etag: string; readonly expires: number }
  | { readonly kind: 'modify'; readonly etag: string; readonly expires: number }
  | { readonly kind: 'remove'; readonly etag: string };

/** The parts of a PUBLISH the rules look at. */
export interface PublishFacts {
  /** Event package from the Event header (lower-case), undefined when absent. */
  readonly event: string | undefined;
  /** Expires in seconds, undefined when absent. */
  readonly expires: number | undefined;
  /** Every SIP-If-Match value. */
  readonly ifMatch: readonly string[];
  /** Content-Type without parameters, lower-case. */
  readonly contentType: string | undefined;
  readonly bodyLength: number;
}

/** Limits applied to every PUBLISH. */
export interface PublishLimits {
  /** Live publications per (event, resource); an initial PUBLISH past it is refused. */
  readonly maxPerResource: number;
  /** Largest body accepted, in bytes. */
  readonly maxBodyBytes: number;
}

/** Defaults: 16 publications per resource, 64 KiB bodies. */
export const defaultPublishLimits: PublishLimits = { maxPerResource: 16, maxBodyBytes: 64 * 1024 };

/** Builds a refusal value. */
export function refuse(
  status: number,
  reason: string,
  headers: ReadonlyArray<readonly [string, string]> = [],
): PublishRefusal {
  return { ok: false, status, reason, headers };
}

/** Content types a PUBLISH for `pkg` may carry, lower-case. */
export function publishTypes(pkg: EventPackage): string[] {
  return (pkg.publishContentTypes ?? pkg.contentTypes).map((t) => t.toLowerCase());
}

/**
 * RFC 3903 §6 step 2: the package named by the Event header, or 489 Bad Event
 * with `Allow-Events` listing the packages that accept PUBLISH.
 */
export function selectPackage(
  event: string | undefined,
  packages: readonly EventPackage[],
): EventPackage | PublishRefusal {
  const publishable = packages.filter((p) => p.acceptsPublish);
  const pkg = event === undefined ? undefined : publishable.find((p) => p.event === event);
  if (pkg) return pkg;
  const allow: Array<[string, string]> =
    publishable.length > 0 ? [['Allow-Events', publishable.map((p) => p.event).join(', ')]] : [];
  return refuse(489, event === undefined ? 'Bad Event (Missing Event Header)' : 'Bad Event', allow);
}

/**
 * Classifies a PUBLISH for a known package (RFC 3903 §4 Table 1, §6 steps
 * 4–6): the operation with its granted expiry, or a refusal. Does not look
 * the entity-tag up (412 needs the store) nor validate the body.
 */
export function classifyPublish(facts: PublishFacts, pkg: EventPackage, limits: PublishLimits): PublishClassification {
  // RFC 3903 §4.1: a PUBLISH carries at most one entity-tag.
  if (facts.ifMatch.length > 1) return refuse(400, 'Multiple SIP-If-Match Values');
  const etag = facts.ifMatch[0]?.trim();
  if (etag === '') return refuse(400, 'Empty SIP-If-Match');

  const requested = facts.expires ?? pkg.defaultExpires;
  if (requested === 0) {
    // RFC 3903 §4.5: removal names the publication by its entity-tag; a body is ignored.
    if (etag === undefined) return refuse(400, 'Expires 0 Without SIP-If-Match');
    return { ok: true, value: { kind: 'remove', etag } };
  }
  // RFC 3903 §6 step 5: too brief → 423 with Min-Expires; too long → lowered to our maximum.
  if (pkg.minExpires > 0 && requested < pkg.minExpires) {
    return refuse(423, 'Interval Too Brief', [['Min-Expires', String(pkg.minExpires)]]);
  }
  const expires = Math.min(requested, pkg.maxExpires);

  if (facts.bodyLength === 0) {
    // RFC 3903 §6 step 4: an initial publication must carry state.
    if (etag === undefined) return refuse(400, 'Missing Body In Initial PUBLISH');
    return { ok: true, value: { kind: 'refresh', etag, expires } };
  }
  const body = checkBodyEnvelope(facts, pkg, limits);
  if (body) return body;
  return { ok: true, value: etag === undefined ? { kind: 'initial', expires } : { kind: 'modify', etag, expires } };
}

/** Size cap (413) and Content-Type (415 with Accept, RFC 3903 §6 step 6) of a PUBLISH body. */
function checkBodyEnvelope(facts: PublishFacts, pkg: EventPackage, limits: PublishLimits): PublishRefusal | undefined {
  if (facts.bodyLength > limits.maxBodyBytes) return refuse(413, 'Request Entity Too Large');
  const types = publishTypes(pkg);
  if (facts.contentType === undefined || !types.includes(facts.contentType)) {
    return refuse(415, 'Unsupported Media Type', [['Accept', types.join(', ')]]);
  }
  return undefined;
}

/**
 * Parses a body with the package's `validatePublish` (its failure status and
 * reason are answered). Without a validator the body itself is the parsed value.
 */
export function parsePublishedBody(pkg: EventPackage, body: Buffer, contentType: string): Verdict<unknown> {
  if (!pkg.validatePublish) return { ok: true, value: body };
  try {
    return pkg.validatePublish(body, contentType);
  } catch {
    // A validator that throws on garbage is still a bad body, not a server error.
    return { ok: false, status: 400, reason: 'Invalid Body' };
  }
}
