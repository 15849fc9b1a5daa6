/**
 * Test network for the proxy: an in-memory hub delivering bytes by
 * destination address (so one proxy can talk to several UAs, like a LAN),
 * UAs on Endpoints, and a proxy wired to a fake location service. Every
 * timer runs on one ManualClock.
 */
import type { CallTrackingUpdate } from '@herald/dialog';
import {
  Endpoint,
  ManualClock,
  TransportLayer,
  createUacDialog,
  createUasDialog,
  createInDialogRequest,
  parseMessage,
  type Destination,
  type Dialog,
  type Flow,
  type HostPort,
  type IncomingMessage,
  type IncomingRequest,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  type Transport,
} from '@herald/sip';
import { Proxy, type ProxyBinding, type ProxyOptions } from '../../src/proxy/index.js';

/** Routes datagrams between attached ends by address and port. */
export class Hub {
  private readonly ends = new Map<string, HubTransport>();
  /** Every message delivered, in order (for assertions on the wire). */
  readonly log: Array<{ from: HostPort; to: HostPort; message: SipMessage }> = [];

  attach(address: string, port = 5060): HubTransport {
    const end = new HubTransport({ address, port }, this);
    this.ends.set(`${address}:${port}`, end);
    return end;
  }

  deliver(from: HostPort, to: HostPort, data: Buffer): void {
    const end = this.ends.get(`${to.address}:${to.port}`);
    if (!end) return;
    queueMicrotask(() => {
      let message: SipMessage;
      try {
        message = parseMessage(data);
      } catch {
        return;
      }
      this.log.push({ from, to, message });
      end.receive({ message, source: { transport: 'udp', local: to, remote: from } });
    });
  }
}

/** One UDP-like end on the hub. */
export class HubTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  private handler: ((incoming: IncomingMessage) => void) | undefined;

  constructor(
    readonly local: HostPort,
    private readonly hub: Hub,
  ) {}

  listen(): Promise<void> {
    return Promise.resolve();
  }

  send(data: Buffer, to: Flow | Destination): Promise<Flow> {
    const remote = 'remote' in to ? to.remote : { address: to.address, port: to.port };
    this.hub.deliver(this.local, remote, data);
    return Promise.resolve({ transport: 'udp', local: this.local, remote });
  }

  onMessage(handler: (incoming: IncomingMessage) => void): void {
    this.handler = handler;
  }

  receive(incoming: IncomingMessage): void {
    this.handler?.(incoming);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Lets every queued delivery and promise chain run (no protocol timer moves). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export const PROXY: HostPort = { address: '10.0.0.1', port: 5060 };
export const PROXY_DEST: Destination = { transport: 'udp', ...PROXY };
export const DOMAIN = 'example.test';

/** A user agent on the hub. */
export class Agent {
  readonly endpoint: Endpoint;
  readonly transport: HubTransport;
  /** INVITEs received (UAS side), newest last. */
  readonly invites: IncomingRequest[] = [];
  readonly byes: IncomingRequest[] = [];
  readonly acks: SipRequest[] = [];
  readonly others: IncomingRequest[] = [];

  constructor(
    hub: Hub,
    clock: ManualClock,
    readonly user: string,
    readonly address: string,
  ) {
    this.transport = hub.attach(address);
    this.endpoint = new Endpoint({
      transport: new TransportLayer({ transports: [this.transport] }),
      clock,
      supported: ['100rel'],
    });
    this.endpoint.on('INVITE', (incoming) => void this.invites.push(incoming), { dialogs: 'handler' });
    this.endpoint.on('ACK', (incoming) => void this.acks.push(incoming.request));
    this.endpoint.on(
      'BYE',
      (incoming) => {
        this.byes.push(incoming);
        incoming.respond(200, 'OK');
      },
      { dialogs: 'handler' },
    );
    for (const method of ['MESSAGE', 'UPDATE', 'INFO', 'NOTIFY']) {
      this.endpoint.on(
        method,
        (incoming) => {
          this.others.push(incoming);
          incoming.respond(200, 'OK');
        },
        { dialogs: 'handler' },
      );
    }
  }

  get aor(): string {
    return `sip:${this.user}@${DOMAIN}`;
  }

  get contact(): string {
    return `sip:${this.user}@${this.address}:5060`;
  }

  /** The binding the registrar would hold for this agent (flow back to its address). */
  get binding(): ProxyBinding {
    return {
      contact: this.contact,
      flow: { transport: 'udp', local: PROXY, remote: { address: this.address, port: 5060 } },
    };
  }

  /** An out-of-dialog INVITE to `target` through the proxy. */
  invite(target: string, extra: Array<[string, string]> = [], body?: string): SipRequest {
    return this.endpoint.createRequest({
      method: 'INVITE',
      uri: target,
      from: `"${this.user.toUpperCase()}" <${this.aor}>`,
      to: `<${target}>`,
      contact: `<${this.contact}>`,
      headers: body ? [['Content-Type', 'application/sdp'], ...extra] : extra,
      body,
    });
  }

  /** Sends `request` to the proxy; collects provisionals; resolves with the final response. */
  send(request: SipRequest, provisionals: SipResponse[] = []): Promise<SipResponse> {
    return this.endpoint.request(request, { to: PROXY_DEST, onResponse: (r) => provisionals.push(r) });
  }

  /** UAS: answers the INVITE with `status`, copying Record-Route (RFC 3261 §12.1.1) and adding our Contact. */
  answer(incoming: IncomingRequest, status: number, body?: string): SipResponse {
    const headers: Array<[string, string]> = incoming.request.headers
      .getAll('Record-Route')
      .map((v) => ['Record-Route', v]);
    if (status < 300) headers.push(['Contact', `<${this.contact}>`]);
    if (body) headers.push(['Content-Type', 'application/sdp']);
    return incoming.respond(status, undefined, { headers, body });
  }

  /** UAC: the dialog of a 2xx and the ACK for it, sent via the route set. */
  async ack(invite: SipRequest, ok: SipResponse): Promise<Dialog> {
    const made = createUacDialog(invite, ok);
    if (!made.ok) throw new Error(made.reason);
    const { request } = createInDialogRequest(made.dialog, 'ACK', { cseq: invite.cseq?.seq });
    await this.endpoint.sendAck(request, PROXY_DEST);
    return made.dialog;
  }

  /** UAS: the dialog of the INVITE we answered. */
  uasDialog(incoming: IncomingRequest): Dialog {
    const made = createUasDialog(incoming.request, incoming.toTag);
    if (!made.ok) throw new Error(made.reason);
    return made.dialog;
  }

  /** Sends an in-dialog request through the route set (first hop: the proxy). */
  inDialog(
    dialog: Dialog,
    method: string,
    options: { body?: string; headers?: Array<[string, string]> } = {},
  ): Promise<SipResponse> {
    const headers: Array<[string, string]> = [...(options.headers ?? [])];
    if (options.body) headers.push(['Content-Type', 'application/sdp']);
    const { request } = createInDialogRequest(dialog, method, { headers, body: options.body });
    return this.endpoint.request(request, { to: PROXY_DEST });
  }
}

/** A hub, a proxy at 10.0.0.1 serving example.test, and helpers to add agents. */
export class Net {
  readonly clock = new ManualClock();
  readonly hub = new Hub();
  readonly bindings = new Map<string, ProxyBinding[]>();
  readonly updates: Array<{ resource: string; update: CallTrackingUpdate }> = [];
  readonly active: Array<[string, number]> = [];
  readonly proxyEndpoint: Endpoint;
  readonly proxy: Proxy;
  readonly proxyTransport: TransportLayer;

  constructor(options: Partial<ProxyOptions> = {}) {
    this.proxyTransport = new TransportLayer({ transports: [this.hub.attach(PROXY.address, PROXY.port)] });
    this.proxyEndpoint = new Endpoint({ transport: this.proxyTransport, clock: this.clock });
    this.proxy = new Proxy({
      endpoint: this.proxyEndpoint,
      transport: this.proxyTransport,
      lookup: (aor) => this.bindings.get(aor) ?? [],
      isLocalDomain: (host) => host === DOMAIN || host === PROXY.address,
      knownUser: (aor) => !aor.startsWith('sip:nobody@'),
      recordRoute: `sip:${PROXY.address}:${PROXY.port};lr`,
      callTracking: { update: (resource, update) => this.updates.push({ resource, update }) },
      onActiveCalls: (resource, count) => this.active.push([resource, count]),
      ...options,
    });
  }

  agent(user: string, address: string, register = true): Agent {
    const agent = new Agent(this.hub, this.clock, user, address);
    if (register) this.register(agent);
    return agent;
  }

  register(agent: Agent): void {
    const list = this.bindings.get(agent.aor) ?? [];
    this.bindings.set(agent.aor, [...list, agent.binding]);
  }

  /** The tracked states of one presentity, in order, as `state[:tag]` strings. */
  states(resource: string): string[] {
    return this.updates
      .filter((u) => u.resource === resource)
      .map(({ update: u }) => {
        const tag = u.direction === 'initiator' ? u.remoteTag : u.localTag;
        return `${u.state}${tag ? `:${tag}` : ''}${u.event ? `/${u.event}` : ''}${u.code ? `/${u.code}` : ''}`;
      });
  }
}
