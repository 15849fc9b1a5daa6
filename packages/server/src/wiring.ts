/**
 * Pieces of the Server's wiring kept out of server.ts: the call-routing proxy
 * built from the registrar and our addresses, and the embedding events fed
 * by the notifier and the resource states.
 */
import type { EventEngine } from '@herald/events';
import { DigestServer, type Clock, type DigestAlgorithm, type Endpoint, type TransportLayer } from '@herald/sip';
import type { Domains, Registrar } from '@herald/registrar';
import { MESSAGE_SUMMARY_EVENT } from '@herald/message-summary';
import type { HeraldConfig } from './config/types.js';
import type { ActiveCallsSink, CallTrackingSink } from './contracts.js';
import { recordRouteUri, type ListeningSocket } from './addresses.js';
import type { ServerEmitter, StatusInEvent } from './embedding.js';
import { Proxy } from './proxy/index.js';
import type { Logger } from './logger.js';

/**
 * The digest server shared by REGISTER, SUBSCRIBE, PUBLISH and the proxy:
 * the config's users plus the server's own internal user (requests it sends
 * to its own socket), unless a configured user has that name.
 */
export function createDigest(
  config: HeraldConfig,
  clock: Clock,
  internal: { readonly username: string; readonly password: string },
  secret: string | undefined,
  algorithms: readonly DigestAlgorithm[] | undefined,
): DigestServer {
  const users = config.users;
  const userExists = (u: string): boolean => Object.hasOwn(users, u);
  return new DigestServer({
    realm: config.domain,
    secret,
    // MD5 only by default: baresip 1.0 (libre) fails the whole request (ENOSYS) on any challenge
    // that is not MD5 instead of picking one it supports (RFC 8760 §2.4); sipp knows only MD5 too.
    algorithms: algorithms ?? ['MD5'],
    clock,
    lookup: (u) => {
      const own = u === internal.username && !userExists(u);
      const password = own ? internal.password : userExists(u) ? users[u] : undefined;
      return password === undefined ? undefined : { password };
    },
  });
}

/** What {@link createServerProxy} routes with. */
export interface ServerProxyInputs {
  readonly config: HeraldConfig;
  readonly endpoint: Endpoint;
  readonly registrar: Registrar;
  readonly domains: Domains;
  readonly digest: DigestServer | undefined;
  readonly calls: CallTrackingSink;
  readonly onActiveCalls: ActiveCallsSink;
  readonly transport: TransportLayer;
  readonly logger: Logger;
  /** Our bound sockets: the first one is Record-Routed (RFC 3261 §16.6 step 4). */
  readonly ports: readonly ListeningSocket[];
}

/** The proxy for local users: registrar lookups, digest for local callers, call tracking into the dialog package. */
export function createServerProxy(inputs: ServerProxyInputs): Proxy {
  const { config, registrar, domains, digest } = inputs;
  const users = config.users;
  return new Proxy({
    endpoint: inputs.endpoint,
    lookup: (aor) => registrar.lookup(aor),
    isLocalDomain: (h) => domains.has(h),
    knownUser: (aor) => {
      if (!config.auth) return true;
      const user = /^sips?:([^@]+)@/.exec(aor)?.[1];
      return user !== undefined && Object.hasOwn(users, user);
    },
    recordRoute: recordRouteUri(inputs.ports, config.domain),
    ...(digest ? { digest } : {}),
    callTracking: inputs.calls,
    onActiveCalls: inputs.onActiveCalls,
    transport: inputs.transport,
    logger: inputs.logger,
  });
}

/**
 * Feeds the embedding events (babble-drachtio-presence names); `source` says
 * what caused the presence change being applied (a PUBLISH when undefined).
 * Returns the unsubscribe function.
 */
export function wireEmbedding(
  engine: EventEngine,
  events: ServerEmitter,
  source: () => StatusInEvent['source'] | undefined,
): () => void {
  const offWatchers = engine.notifier.onWatcherChange(({ watcher, event }) => {
    if (event !== 'subscribe') return;
    const base = { resource: watcher.resource, watcher: watcher.watcher, subscriptionId: watcher.subscriptionId };
    if (watcher.package === 'presence' || watcher.package === 'dialog') {
      events.emit('presence.subscribe.in', { event: watcher.package, ...base });
    } else if (watcher.package === MESSAGE_SUMMARY_EVENT) {
      events.emit('presence.voicemail.in', base);
    }
  });
  const offStates = engine.states.onChange((change) => {
    if (change.event !== 'presence') return;
    events.emit('presence.status.in', {
      resource: change.resource,
      source: source() ?? 'publish',
      state: change.state as StatusInEvent['state'],
    });
  });
  return () => {
    offWatchers();
    offStates();
  };
}
