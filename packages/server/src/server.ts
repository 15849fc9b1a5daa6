/**
 * The Herald server: one Endpoint on the configured UDP/TCP sockets, the
 * registrar, the event engine with the presence, dialog, message-summary and
 * presence.winfo packages, presence from registrations (OpenSIPS
 * pua_usrloc), back-SUBSCRIBE to phones, and embedding events.
 */
import { randomBytes } from 'node:crypto';
import { EventEngine, resourceKey, type AuthorizeHook } from '@herald/events';
import {
  type DigestServer,
  TransportLayer,
  parseUri,
  systemClock,
  type Clock,
  type Endpoint,
  type DigestAlgorithm,
  type TcpTransport,
  type UdpTransport,
} from '@herald/sip';
import { Domains, Registrar, type RegistrarEventName } from '@herald/registrar';
import { createPresencePackage, createWinfoPackage, type PresencePackage, type WinfoPackage } from '@herald/presence';
import { createDialogPackage, type CallTrackingUpdate, type DialogPackage } from '@herald/dialog';
import {
  MESSAGE_SUMMARY_EVENT,
  createMessageSummaryPackage,
  type MessageSummaryPackage,
} from '@herald/message-summary';
import type { HeraldConfig, ListenSpec } from './config/types.js';
import { formatListen } from './config/validate.js';
import { ourHosts, type ListeningSocket } from './addresses.js';
import { ServerEmitter, type StatusInEvent } from './embedding.js';
import { guardEventHost } from './event-auth.js';
import { BackSubscriber } from './back-subscribe.js';
import type { Proxy } from './proxy/index.js';
import { createDigest, createServerProxy, wireEmbedding } from './wiring.js';
import { HttpApi, createServerMetrics, type ServerMetrics } from './http/index.js';
import { MeteredEndpoint, collectSipMetrics, meterPublishes, notifyOutcomeCounter } from './http/server-metrics.js';
import { WatcherTable, serverCommands, serverView } from './management.js';
import { SubscriptionLimits, warnPublishLimits } from './limits/index.js';
import { listenTransport, publishLimits, rateLimited, shedOnOverload, udpQueueSockets } from './limits/wiring.js';
import type { LoadSampler, OverloadGuard, QueueSampler } from './limits/overload.js';
import { type Logger, silentServerLogger } from './logger.js';
import { memoryStores, openStores, type ServerStores } from './storage/stores.js';
import { resumeStoredState } from './storage/boot.js';

const EVENTS = ['presence', 'dialog', MESSAGE_SUMMARY_EVENT, 'presence.winfo'];

/** Construction options of a {@link Server} besides the config. */
export interface ServerOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Digest nonce HMAC key (set it so nonces survive a restart); default random. */
  readonly digestSecret?: string;
  /** Digest algorithms challenged with, in order (RFC 8760 §2.4); default MD5 only (see the constructor). */
  readonly digestAlgorithms?: readonly DigestAlgorithm[];
  /** Directory a relative `sqlite:PATH` resolves against: the config file's (the CLI passes it); default the working directory. */
  readonly baseDir?: string;
  /** Stores to run on instead of the config's `store` (embedding, tests); the server closes them on `stop()`. */
  readonly stores?: ServerStores;
  /**
   * Watcher authorization (RFC 6665 §4.2.1.1) for every event but `*.winfo`
   * (owner-only with `auth`): `pending` holds the watcher with a neutral body
   * until the management API approves it, `polite-block` (RFC 5079) shows it
   * neutral state forever, a reject answers 403/603. Default: accept.
   */
  readonly authorize?: AuthorizeHook;
  /** Event-loop load for shedding (`limits.overloadPercent`); default the real one, and none with an injected clock. */
  readonly loadSampler?: LoadSampler;
  /** UDP receive-queue fill for shedding (`limits.overloadQueuePercent`); default /proc/net/udp, none with an injected clock. */
  readonly queueSampler?: QueueSampler;
}

/** The Herald registrar + presence server. */
export class Server {
  readonly config: HeraldConfig;
  /** Embedding events (babble-drachtio-presence names). */
  readonly events = new ServerEmitter();
  readonly clock: Clock;
  readonly logger: Logger;
  readonly endpoint: Endpoint;
  readonly domains: Domains;
  /** The digest server shared by REGISTER, SUBSCRIBE and PUBLISH (undefined with `auth: false`). */
  readonly digest: DigestServer | undefined;
  readonly registrar: Registrar;
  readonly engine: EventEngine;
  /** Bindings, subscriptions and publications (config `store`). */
  readonly stores: ServerStores;
  /** Why the configured store could not open (`start()` rejects with it). */
  private readonly storeError: string | undefined;
  readonly presence: PresencePackage;
  readonly dialog: DialogPackage;
  readonly mwi: MessageSummaryPackage;
  readonly winfo: WinfoPackage;
  readonly backSubscriber: BackSubscriber | undefined;
  /** Prometheus series (served by the management API's `/metrics`). */
  readonly metrics: ServerMetrics = createServerMetrics();
  /** Live subscriptions we serve (management API): a view of the notifier's. */
  readonly watchers = new WatcherTable(() => this.engine.notifier);
  /** Subscriptions per watcher and per user, checked before a new SUBSCRIBE reaches the engine (config `limits`). */
  readonly subscriptionLimits: SubscriptionLimits;
  /** Credentials of the server itself (`herald`), for requests it sends to its own socket (API subscribe). */
  readonly internalCredentials = { username: 'herald', password: randomBytes(18).toString('base64url') };
  /** The call-routing proxy (created by `start()`, when our address is known). */
  proxy: Proxy | undefined;
  /** The management API (created by `start()` unless `http` is off). */
  http: HttpApi | undefined;
  private readonly transportLayer: TransportLayer;
  private readonly transports: Array<{ spec: ListenSpec; transport: UdpTransport | TcpTransport }>;
  /** Source of the presence change being applied by our own inputs (else it came from a PUBLISH). */
  private inputSource: StatusInEvent['source'] | undefined;
  private readonly stops: Array<() => void> = [];
  /** Load shedding (limits.overloadQueuePercent, overloadPercent), sampling from start() to stop(). */
  private readonly overload: OverloadGuard | undefined;
  private started = false;
  private stopped = false;

  constructor(config: HeraldConfig, options: ServerOptions = {}) {
    this.config = config;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentServerLogger;
    const log = this.logger;
    this.events.onListenerError = (err, name) => log.error('embedding listener failed', { event: name, error: err });
    this.transports = config.listen.map((spec) => ({
      spec,
      transport: listenTransport(spec, this.clock, log, config.limits),
    }));
    this.transportLayer = new TransportLayer({ transports: this.transports.map((t) => t.transport), logger: log });
    const endpoint = new MeteredEndpoint(this.metrics.transactions, {
      transport: rateLimited(this.transportLayer, config.limits, this.clock, log),
      clock: this.clock,
      userAgent: 'Herald',
      logger: log,
    });
    this.endpoint = endpoint;
    this.overload = shedOnOverload(endpoint, config.limits, this.clock, log, options.loadSampler, {
      ...(options.queueSampler ? { sample: options.queueSampler } : {}),
      sockets: () => udpQueueSockets(this.transports),
    });
    this.domains = new Domains(ourHosts(config));
    const userExists = (u: string): boolean => Object.hasOwn(config.users, u);
    this.digest = config.auth
      ? createDigest(config, this.clock, this.internalCredentials, options.digestSecret, options.digestAlgorithms)
      : undefined;
    if (!config.auth) {
      log.warn(
        '!!! AUTHENTICATION IS OFF (auth: false): any user of the domain may register, subscribe and publish !!!',
        {
          domain: config.domain,
        },
      );
    }
    const opened = options.stores
      ? { ok: true as const, stores: options.stores }
      : openStores(config.store, options.baseDir ?? process.cwd());
    this.stores = opened.ok ? opened.stores : memoryStores();
    this.storeError = opened.ok ? undefined : opened.error;
    this.registrar = new Registrar({
      host: this.endpoint,
      store: this.stores.bindings,
      domain: [...ourHosts(config)],
      auth: config.auth,
      ...(this.digest ? { digest: this.digest } : {}),
      logger: log,
    });

    this.presence = createPresencePackage({
      clock: this.clock,
      onState: (resource, state) => this.engine.setState('presence', resource, state),
    });
    this.dialog = createDialogPackage({ clock: this.clock });
    this.mwi = createMessageSummaryPackage({
      clock: this.clock,
      onState: (resource, state) => this.engine.setState(MESSAGE_SUMMARY_EVENT, resource, state),
    });
    this.winfo = createWinfoPackage({ clock: this.clock });
    this.engine = new EventEngine({
      host: guardEventHost({
        host: meterPublishes(warnPublishLimits(this.endpoint, log), this.metrics.publishes, EVENTS),
        domains: this.domains,
        digest: this.digest,
        userExists,
        logger: log,
        admitSubscription: (request) => this.subscriptionLimits.check(request),
        proxy: () => this.proxy,
        onNotifyOutcome: notifyOutcomeCounter(this.metrics),
      }),
      packages: [this.presence.package, this.dialog.package, this.mwi.package, this.winfo.package],
      subscriptionStore: this.stores.subscriptions,
      publicationStore: this.stores.publications,
      notifier: {
        // RFC 3857 §5.2 owner-only winfo; without authentication identities are unproven, so the rule
        // would only refuse the benchmark's watchers (bench subscribe-winfo) without protecting anyone.
        ...(config.auth
          ? { authorize: this.winfo.authorize(options.authorize ? { next: options.authorize } : undefined) }
          : options.authorize
            ? { authorize: options.authorize }
            : {}),
        notifyIntervalOverride: config.notifyInterval,
        logger: log,
      },
      publications: {
        limits: publishLimits(config.limits),
        onError: (error, context) => log.warn('publication failure', { context, error }),
      },
    });
    this.subscriptionLimits = new SubscriptionLimits(config.limits);
    this.stops.push(this.engine.notifier.onWatcherChange(({ watcher }) => this.subscriptionLimits.follow(watcher)));
    this.dialog.attach(this.engine);
    this.stops.push(this.winfo.attach(this.engine.notifier, this.engine.states));
    this.stops.push(wireEmbedding(this.engine, this.events, () => this.inputSource));
    this.metrics.registry.onCollect(() => {
      const bindings = this.registrar.bindings();
      this.metrics.registrations.set(new Set(bindings.map((b) => b.aor)).size);
      this.metrics.bindings.set(bindings.length);
      const counts = this.watchers.countByEvent();
      for (const event of EVENTS) this.metrics.subscriptions.set({ event }, counts.get(event) ?? 0);
    });
    collectSipMetrics(this.metrics, {
      transactions: this.endpoint.transactions,
      sockets: this.transports,
      overload: this.overload,
    });
    this.wireRegistrations();
    this.backSubscriber =
      config.backSubscribe && this.engine.subscriber
        ? new BackSubscriber({
            subscriber: this.engine.subscriber,
            domain: config.domain,
            logger: log,
            report: (resource, deviceId, report) =>
              this.withSource('phone', () => this.presence.inputs.setPhoneReport(resource, deviceId, report)),
          })
        : undefined;
  }

  /** The sockets we listen on, with their bound ports (after `start()`). */
  get ports(): ListeningSocket[] {
    return this.transports.map(({ spec, transport }) => ({
      transport: spec.transport,
      host: spec.host,
      port: transport.local.port,
    }));
  }

  /** Binds every socket, reloads stored state, logs one line per socket, then answers (OPTIONS 200 from here on). */
  async start(): Promise<void> {
    if (this.started) throw new Error('Server already started');
    this.started = true;
    if (this.storeError !== undefined) throw new Error(this.storeError);
    try {
      for (const { transport } of this.transports) await transport.listen();
    } catch (err) {
      await this.endpoint.close().catch(() => undefined);
      throw err;
    }
    const resumed = await resumeStoredState({
      registrar: this.registrar,
      engine: this.engine,
      winfo: this.winfo,
      logger: this.logger,
      jitterMs: this.config.resumeJitter,
      udpLocals: this.transports.filter((t) => t.spec.transport === 'udp').map((t) => t.transport.local),
      feedRegistration: (aor) => this.feedRegistration(aor),
    });
    this.logger.info('store', { kind: this.config.store.kind, ...resumed });
    for (const w of this.watchers.all()) this.subscriptionLimits.follow(w);
    const ports = this.ports;
    this.proxy = createServerProxy({
      config: this.config,
      endpoint: this.endpoint,
      registrar: this.registrar,
      domains: this.domains,
      digest: this.digest,
      calls: this.dialog.calls,
      onActiveCalls: (resource, count) => this.setActiveCalls(resource, count),
      transport: this.transportLayer,
      logger: this.logger,
      ports,
    });
    for (const p of ports) {
      this.logger.info('listening', { transport: p.transport, address: p.host, port: p.port, sip: formatListen(p) });
    }
    if (this.config.http) {
      const { host, port } = this.config.http;
      this.http = new HttpApi({
        listen: `${host.includes(':') ? `[${host}]` : host}:${port}`,
        token: this.config.httpToken,
        maxBodyBytes: this.config.limits.httpBodyBytes,
        view: serverView(this, this.watchers),
        commands: serverCommands(this),
        metrics: this.metrics.registry,
        domain: this.config.domain,
        logger: this.logger,
      });
      await this.http.start();
      this.logger.info('listening', { transport: 'http', address: host, port: this.http.port });
    }
    this.logger.info('ready', {
      domain: this.config.domain,
      auth: this.config.auth,
      users: Object.keys(this.config.users).length,
    });
    this.overload?.start();
    this.events.emit('ready', { ports });
  }

  /** Stops timers and closes every socket. Sends no terminating NOTIFY (subscriptions survive a restart with a durable store). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const stop of this.stops) stop();
    this.overload?.stop();
    this.backSubscriber?.close();
    await this.http?.stop();
    this.registrar.close();
    this.dialog.close();
    await this.engine.close();
    await this.endpoint.close();
    this.stores.close();
    this.logger.info('stopped', {});
  }

  /** Normalizes `alice`, `alice@host` or `sip:alice@host` to the engine's resource key; undefined when unusable. */
  resource(name: string): string | undefined {
    const s = name.trim();
    const uri = /^(sips?|tel):/i.test(s) ? s : s.includes('@') ? `sip:${s}` : `sip:${s}@${this.config.domain}`;
    try {
      return resourceKey(parseUri(uri));
    } catch {
      return undefined;
    }
  }

  /** babble `presence.status.out`: the app's status of a presentity (undefined clears it). */
  setStatus(
    resource: string,
    status: { status?: 'open' | 'closed'; note?: string; dnd?: boolean; onThePhone?: boolean } | undefined,
  ): void {
    const key = this.mustResource(resource);
    this.withSource('api', () => this.presence.inputs.setApiStatus(key, status));
  }

  /** babble `presence.voicemail.out`: a mailbox's counts reach its message-summary watchers. */
  setMailbox(
    resource: string,
    counts: { newMessages: number; oldMessages: number; urgentNew?: number; urgentOld?: number },
  ): void {
    this.mwi.setMailbox(
      this.mustResource(resource),
      {
        newcount: counts.newMessages,
        oldcount: counts.oldMessages,
        newurgent: counts.urgentNew,
        oldurgent: counts.urgentOld,
      },
      'update',
    );
  }

  /** babble `presence.dialog.out`: dialog state of a presentity (one call leg). */
  pushDialog(resource: string, update: CallTrackingUpdate): void {
    this.dialog.calls.update(this.mustResource(resource), update);
  }

  /** Calls in progress for a presentity (the proxy's sink: on-the-phone in presence). */
  setActiveCalls(resource: string, count: number): void {
    this.withSource('call', () => this.presence.inputs.setActiveCalls(resource, count));
  }

  private mustResource(name: string): string {
    const key = this.resource(name);
    if (key === undefined) throw new RangeError(`not a presentity: ${name}`);
    return key;
  }

  private withSource(source: StatusInEvent['source'], fn: () => void): void {
    const previous = this.inputSource;
    this.inputSource = source;
    try {
      fn();
    } finally {
      this.inputSource = previous;
    }
  }

  private wireRegistrations(): void {
    const names: RegistrarEventName[] = ['registered', 'refreshed', 'expired', 'unregistered'];
    for (const type of names) {
      this.registrar.on(type, (e) => {
        this.logger.debug('registration', { type, aor: e.aor, remaining: e.remaining });
        if (type !== 'refreshed') this.feedRegistration(e.aor, e.remaining);
        // Built only for a listener (none in a plain server): the contact list is one array per event.
        if (this.events.listenerCount('registration') > 0) {
          this.events.emit('registration', {
            type,
            aor: e.aor,
            remaining: e.remaining,
            contacts: e.bindings.map((b) => b.contact),
          });
        }
        this.backSubscriber?.onRegistration(type, e.aor, e.bindings);
      });
    }
  }

  /** OpenSIPS pua_usrloc: a live binding makes the presentity open, none closed. */
  private feedRegistration(aor: string, remaining?: number): void {
    // No live binding left (an event's `remaining`): nothing to look up.
    const live = remaining === 0 ? [] : this.registrar.lookup(aor);
    const registration = {
      registered: live.length > 0,
      contacts: live.map((b) => (b.q !== undefined ? { uri: b.contact, priority: b.q } : { uri: b.contact })),
    };
    // withSource without its closure: this runs twice per register cycle.
    const previous = this.inputSource;
    this.inputSource = 'registration';
    try {
      this.presence.inputs.setRegistration(aor, registration);
    } finally {
      this.inputSource = previous;
    }
  }
}
