/**
 * The `presence` event package (RFC 3856) as one declarative EventPackage
 * plus the inputs the server feeds it (registrations, calls, phone reports,
 * API status). Every input recomposes the presentity with the publications
 * `compose()` last received and hands the result to the caller's sink.
 */
import { escapeXmlAttr } from '@herald/events';
import type { EventPackage, PublishedDocument, RenderContext, RenderedBody, Verdict } from '@herald/events';
import { systemClock, type Clock } from '@herald/sip';
import { closedDocument, composePresentity } from './compose.js';
import type { PidfDocument, PresentityState } from './model.js';
import { CPIM_PIDF_TYPE, PIDF_TYPE, XPIDF_TYPE } from './namespaces.js';
import { parsePidf } from './pidf-parse.js';
import { renderPidf } from './pidf-render.js';
import {
  chooseContentType,
  DEFAULT_PRESENCE_PROFILE,
  DEFAULT_PRESENCE_PROFILES,
  PRESENCE_CONTENT_TYPES,
  selectPresenceProfile,
  type PresenceProfile,
} from './profiles.js';
import type {
  ApiStatus,
  PresenceReport,
  PresenceSources,
  PublicationSource,
  RegistrationInput,
  Timed,
} from './sources.js';
import { renderXpidf } from './xpidf.js';

/** Options of {@link createPresencePackage}. */
export interface PresencePackageOptions {
  /** Called with the recomposed state after every input change (the server calls `engine.setState('presence', …)`). */
  readonly onState?: (resource: string, state: PresentityState) => void;
  /** Stamps input changes (use the engine's clock so times compare with publications). */
  readonly clock?: Clock;
  /** Rows tried before the built-in profile table. */
  readonly profiles?: readonly PresenceProfile[];
  /** Replaces the profile for unknown user agents. */
  readonly defaultProfile?: PresenceProfile;
  /** Coalescing window in ms (default 5000, RFC 3856 §6.4 suggests 5 s). */
  readonly minNotifyInterval?: number;
  readonly defaultExpires?: number;
  readonly minExpires?: number;
  readonly maxExpires?: number;
  /** Cache rendered bodies per (state, type, profile) — default true; off only for benchmarks. */
  readonly renderCache?: boolean;
}

/** The inputs besides PUBLISH, per resource (presentity URI as the engine names it). */
export interface PresenceInputs {
  /** Registration state: `true`/`false` or the bindings; undefined forgets it. */
  setRegistration(resource: string, registration: RegistrationInput | boolean | undefined): void;
  /** Calls in progress for the presentity (0 = none). */
  setActiveCalls(resource: string, count: number): void;
  /** What a phone reported (NOTIFY to our back-SUBSCRIBE); undefined forgets that device. */
  setPhoneReport(resource: string, deviceId: string, report: PresenceReport | undefined): void;
  /** The manual/API status (babble's `presence.status.out`); undefined clears it. */
  setApiStatus(resource: string, status: ApiStatus | undefined): void;
  /** The composed state from everything known now. */
  state(resource: string): PresentityState;
}

/** What {@link createPresencePackage} returns. */
export interface PresencePackage {
  readonly package: EventPackage<PresentityState>;
  readonly inputs: PresenceInputs;
}

interface Sources {
  publications: PublicationSource[];
  registration?: RegistrationInput;
  activeCalls: number;
  phoneReports: Map<string, Timed<PresenceReport>>;
  api?: Timed<ApiStatus>;
}

const NEUTRAL_CACHE_MAX = 4096;

/** Stands for the entity while the closed document's template is written: no character XML escapes. */
const ENTITY_PLACEHOLDER = 'sip:herald-entity-placeholder@template.invalid';

const NONE: PresenceSources = { publications: [] };

/**
 * A {@link PresentityState} whose composition runs on the first read of any
 * field, once. A class: the getters live on the prototype, not as seven
 * closures per state (one state per registration or call change, kept per
 * resource). `toJSON` gives the composed fields.
 */
class LazyPresentity implements PresentityState {
  private value: PresentityState | undefined;
  constructor(private compose: (() => PresentityState) | undefined) {}

  private get composed(): PresentityState {
    if (this.value === undefined) {
      this.value = (this.compose as () => PresentityState)();
      this.compose = undefined;
    }
    return this.value;
  }
  get status(): PresentityState['status'] {
    return this.composed.status;
  }
  get notes(): PresentityState['notes'] {
    return this.composed.notes;
  }
  get dnd(): boolean {
    return this.composed.dnd;
  }
  get onThePhone(): boolean {
    return this.composed.onThePhone;
  }
  get activities(): PresentityState['activities'] {
    return this.composed.activities;
  }
  get devices(): PresentityState['devices'] {
    return this.composed.devices;
  }
  get document(): PresentityState['document'] {
    return this.composed.document;
  }
  toJSON(): PresentityState {
    return this.composed;
  }
}

function isPidfDocument(v: unknown): v is PidfDocument {
  return typeof v === 'object' && v !== null && 'entity' in v && Array.isArray((v as PidfDocument).tuples);
}

/** Creates the presence package and its inputs. */
export function createPresencePackage(options: PresencePackageOptions = {}): PresencePackage {
  const clock = options.clock ?? systemClock;
  const table = [...(options.profiles ?? []), ...DEFAULT_PRESENCE_PROFILES];
  const fallback = options.defaultProfile ?? DEFAULT_PRESENCE_PROFILE;
  const useCache = options.renderCache !== false;
  const resources = new Map<string, Sources>();

  const sourcesOf = (resource: string): Sources => {
    let s = resources.get(resource);
    if (!s) {
      s = { publications: [], activeCalls: 0, phoneReports: new Map() };
      resources.set(resource, s);
    }
    return s;
  };
  /** Forget resources nothing is known about (the state is "closed" then anyway). */
  const forgetIfEmpty = (resource: string, s: Sources | undefined): void => {
    if (
      s &&
      s.publications.length === 0 &&
      !s.registration &&
      s.activeCalls === 0 &&
      s.phoneReports.size === 0 &&
      !s.api
    ) {
      resources.delete(resource);
    }
  };
  const composeNow = (resource: string): PresentityState => {
    const s = resources.get(resource);
    const state = composePresentity(resource, s ?? { publications: [] });
    forgetIfEmpty(resource, s);
    return state;
  };
  const changed = (resource: string): void => {
    forgetIfEmpty(resource, resources.get(resource));
    // Composed when first read (a NOTIFY, the API, a listener): most registrations and calls
    // change presentities nobody watches. Read later, it shows the sources as they are then,
    // i.e. the newest state, which is the only one a NOTIFY ever carries.
    options.onState?.(resource, new LazyPresentity(() => composePresentity(resource, resources.get(resource) ?? NONE)));
  };

  const inputs: PresenceInputs = {
    setRegistration(resource, registration) {
      sourcesOf(resource).registration =
        typeof registration === 'boolean' ? { registered: registration } : registration;
      changed(resource);
    },
    setActiveCalls(resource, count) {
      sourcesOf(resource).activeCalls = Math.max(0, count);
      changed(resource);
    },
    setPhoneReport(resource, deviceId, report) {
      const s = sourcesOf(resource);
      if (report) s.phoneReports.set(deviceId, { value: report, updatedAt: clock.now() });
      else s.phoneReports.delete(deviceId);
      changed(resource);
    },
    setApiStatus(resource, status) {
      sourcesOf(resource).api = status ? { value: status, updatedAt: clock.now() } : undefined;
      changed(resource);
    },
    state: (resource) => composeNow(resource),
  };

  // Rendered bodies per state object (WeakMap: a replaced state frees its bodies), keyed by type, profile, resource.
  const rendered = new WeakMap<PresentityState, Map<string, RenderedBody>>();
  const neutral = new Map<string, RenderedBody>();
  const profileIds = new WeakMap<PresenceProfile, number>();
  let nextProfileId = 1;
  const profileKey = (p: PresenceProfile): number => {
    let id = profileIds.get(p);
    if (id === undefined) {
      id = nextProfileId++;
      profileIds.set(p, id);
    }
    return id;
  };

  const renderUncached = (
    state: PresentityState | undefined,
    type: string,
    profile: PresenceProfile,
    resource: string,
  ): RenderedBody => {
    if (type === XPIDF_TYPE) {
      return { body: renderXpidf(state, resource, { doctype: profile.xpidfDoctype !== false }), contentType: type };
    }
    const doc = state?.document ?? closedDocument(resource);
    const view: PidfDocument = {
      ...doc,
      entity: resource, // RFC 3856 §6.1: the entity is the presentity's URI
      tuples: profile.deviceTuples ? doc.tuples : doc.tuples.slice(0, 1),
    };
    // Exactly the registered type, no parameters: baresip compares Content-Type as a whole string.
    return { body: renderPidf(view, { rpid: profile.rpid, dataModel: profile.dataModel }), contentType: type };
  };

  // The closed document (no state: nothing published, pending, blocked) differs per resource only in its
  // entity attribute: written once per profile with a placeholder, then per resource by splicing the
  // escaped entity in (a full render cost ~1.5 µs and ~1.5 KB per new resource's first NOTIFY).
  const closedTemplates = new WeakMap<PresenceProfile, readonly [string, string] | null>();
  const renderClosed = (type: string, profile: PresenceProfile, resource: string): RenderedBody => {
    if (type === XPIDF_TYPE) return renderUncached(undefined, type, profile, resource);
    let parts = closedTemplates.get(profile);
    if (parts === undefined) {
      const split = String(renderUncached(undefined, PIDF_TYPE, profile, ENTITY_PLACEHOLDER).body).split(
        ENTITY_PLACEHOLDER,
      );
      parts = split.length === 2 ? [split[0], split[1]] : null;
      closedTemplates.set(profile, parts);
    }
    if (parts === null) return renderUncached(undefined, type, profile, resource);
    return { body: parts[0] + escapeXmlAttr(resource) + parts[1], contentType: type };
  };

  const pkg: EventPackage<PresentityState> = {
    event: 'presence',
    contentTypes: PRESENCE_CONTENT_TYPES,
    defaultContentType: PIDF_TYPE,
    defaultExpires: options.defaultExpires ?? 3600,
    minExpires: options.minExpires ?? 60,
    maxExpires: options.maxExpires ?? 7200,
    minNotifyInterval: options.minNotifyInterval ?? 5000,
    acceptsPublish: true,
    publishContentTypes: [PIDF_TYPE, CPIM_PIDF_TYPE],

    validatePublish(body: Buffer, contentType: string): Verdict<unknown> {
      const type = contentType.split(';')[0].trim().toLowerCase();
      if (type !== PIDF_TYPE && type !== CPIM_PIDF_TYPE) {
        return { ok: false, status: 415, reason: 'Unsupported Media Type' };
      }
      return parsePidf(body);
    },

    compose(publications: readonly PublishedDocument[], resource: string): PresentityState {
      const docs: PublicationSource[] = [];
      for (const p of publications) {
        const parsed = isPidfDocument(p.parsed) ? p.parsed : undefined;
        const doc =
          parsed ??
          (() => {
            const v = parsePidf(p.body);
            return v.ok ? v.value : undefined;
          })();
        if (doc) docs.push({ document: doc, updatedAt: p.updatedAt });
      }
      // Remember them: registration/call/API changes recompose with these.
      if (docs.length > 0) sourcesOf(resource).publications = docs;
      else if (resources.has(resource)) sourcesOf(resource).publications = [];
      return composeNow(resource);
    },

    render(state, contentType, context: RenderContext): RenderedBody {
      const profile = selectPresenceProfile(context.watcher, table, fallback);
      const type = chooseContentType(profile, contentType, context.watcher);
      if (!useCache) return renderUncached(state, type, profile, context.resource);
      const key = `${type}\n${profileKey(profile)}\n${context.resource}`;
      let bodies = state ? rendered.get(state) : neutral;
      let body = bodies?.get(key);
      if (body) return body;
      body = state
        ? renderUncached(state, type, profile, context.resource)
        : renderClosed(type, profile, context.resource);
      if (!bodies) {
        bodies = new Map();
        if (state) rendered.set(state, bodies);
      }
      if (!state && neutral.size >= NEUTRAL_CACHE_MAX) neutral.clear();
      bodies.set(key, body);
      return body;
    },
  };

  return { package: pkg, inputs };
}

/** The presence sources of a resource as plain data (for tests and the management API). */
export type { PresenceSources };
