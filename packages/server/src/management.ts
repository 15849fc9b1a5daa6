/**
 * The server's side of the management API contracts (`ServerView`,
 * `ServerCommands`): JSON views over the registrar, the engine and the
 * packages, and the commands the API gives.
 */
import { randomUUID } from 'node:crypto';
import { renderPidf } from '@herald/presence';
import { MESSAGE_SUMMARY_EVENT } from '@herald/message-summary';
import { DigestClient, type Destination } from '@herald/sip';
import type { WatcherRecord } from '@herald/events';
import type { CallTrackingUpdate } from '@herald/dialog';
import type { ServerCommands, ServerView } from './contracts.js';
import type { Server } from './server.js';

/** Where {@link WatcherTable} reads the running subscriptions (the engine's `Notifier` fits). */
export interface WatcherSource {
  allWatchers(): WatcherRecord[];
  countByEvent(): Map<string, number>;
}

/**
 * Live subscriptions we serve (RFC 6665 §4.2: from the 2xx to the end): a
 * view of the notifier's running subscriptions, read when asked, so the
 * server keeps no second record per subscription (issue 7: ~0.15 KiB each).
 */
export class WatcherTable {
  /** `source` is called on each read (the notifier may be created after the table). */
  constructor(private readonly source: () => WatcherSource) {}

  all(): WatcherRecord[] {
    return this.source().allWatchers();
  }

  /** Live subscriptions per event package. */
  countByEvent(): Map<string, number> {
    return this.source().countByEvent();
  }
}

/** Where to reach our own SIP socket (for requests the server sends itself: API publish, local subscribe). */
export function ownDestination(server: Server): Destination | undefined {
  const p = server.ports.find((s) => s.transport === 'udp') ?? server.ports[0];
  if (!p) return undefined;
  const address = p.host === '0.0.0.0' ? '127.0.0.1' : p.host === '::' ? '::1' : p.host;
  return { transport: p.transport, address, port: p.port };
}

/** The JSON views of the management API. */
export function serverView(server: Server, watchers: WatcherTable, metricsText: () => string = () => ''): ServerView {
  const now = (): number => server.clock.now();
  return {
    registrations: () =>
      Promise.resolve(
        server.registrar.bindings().map((b) => ({
          aor: b.aor,
          contact: b.contact,
          expires: Math.max(0, Math.round((b.expiresAt - now()) / 1000)),
          ...(b.q !== undefined ? { q: b.q } : {}),
          ...(b.instanceId !== undefined ? { instance: b.instanceId } : {}),
          transport: b.flow.transport,
          source: `${b.flow.remote.address}:${b.flow.remote.port}`,
        })),
      ),
    presentity: (resource) => {
      const state = server.presence.inputs.state(resource);
      return Promise.resolve({
        resource,
        status: state.status,
        dnd: state.dnd,
        onThePhone: state.onThePhone,
        notes: state.notes,
        activities: state.activities,
        pidf: renderPidf(state.document),
      });
    },
    subscriptions: () =>
      Promise.resolve(
        watchers.all().map((w) => ({
          id: w.subscriptionId,
          event: w.package,
          resource: w.resource,
          watcher: w.watcher,
          status: w.status,
          expires: Math.max(0, Math.round((w.expiresAt - now()) / 1000)),
        })),
      ),
    mailbox: (resource) => server.mwi.mailbox(resource) ?? server.engine.states.get(MESSAGE_SUMMARY_EVENT, resource),
    dialogs: (resource) => server.engine.states.get('dialog', resource) ?? server.dialog.model.state(resource),
    metrics: metricsText,
  };
}

/** The commands of the management API. */
export function serverCommands(server: Server): ServerCommands {
  return {
    setStatus: (resource, status) => server.setStatus(resource, status),
    setMailbox: (resource, counts) => server.setMailbox(resource, counts),
    pushDialog: (resource: string, update: CallTrackingUpdate) => server.pushDialog(resource, update),
    // OpenSIPS pua_mi pua_publish: a real PUBLISH to our own socket, so ETags, expiry and composition behave as for a phone.
    async publish(event, resource, contentType, body, expires) {
      const to = ownDestination(server);
      const key = server.resource(resource);
      if (!to || key === undefined) return { status: 400 };
      const user = /^sips?:([^@]+)@/.exec(key)?.[1] ?? '';
      const password = Object.hasOwn(server.config.users, user) ? server.config.users[user] : undefined;
      if (server.config.auth && password === undefined) return { status: 404 };
      const request = server.endpoint.createRequest({
        method: 'PUBLISH',
        uri: key,
        from: `<${key}>`,
        to: `<${key}>`,
        headers: [
          ['Event', event],
          ['Expires', String(expires)],
          ['Content-Type', contentType],
        ],
        body,
      });
      const res = await server.endpoint.request(request, {
        to,
        ...(password !== undefined ? { auth: new DigestClient({ username: user, password }) } : {}),
      });
      const etag = res.headers.get('SIP-ETag');
      return etag ? { status: res.status, etag } : { status: res.status };
    },
    // OpenSIPS pua_mi pua_subscribe: the server itself watches a presentity.
    subscribe(target, event, expires) {
      const subscriber = server.engine.subscriber;
      const own = ownDestination(server);
      if (!subscriber || !own) return Promise.reject(new Error('subscriber unavailable'));
      const host = own.address.includes(':') ? `[${own.address}]` : own.address;
      let local = false;
      try {
        const key = server.resource(target);
        local = key !== undefined && server.domains.has(/@([^;>]+)$/.exec(key)?.[1] ?? '');
      } catch {
        local = false;
      }
      subscriber.subscribe({
        target,
        event,
        expires,
        from: `<sip:herald@${server.config.domain}>`,
        contact: `sip:herald@${host}:${own.port};transport=${own.transport}`,
        // Never resolve our own domain: a local presentity is reached on our own socket.
        ...(local ? { destination: own, credentials: new DigestClient(server.internalCredentials) } : {}),
      });
      return Promise.resolve({ id: randomUUID() });
    },
    authorizeWatcher(id, decision) {
      const done = decision === 'approve' ? server.engine.notifier.approve(id) : server.engine.notifier.reject(id);
      return Promise.resolve(done);
    },
  };
}
