// A client UA for server tests: one Herald Endpoint on 127.0.0.1 UDP port 0
// that sends requests straight to the server's socket (the domain never resolves).
import {
  DigestClient,
  Endpoint,
  ManualClock,
  TransportLayer,
  UdpTransport,
  systemClock,
  type SipRequest,
  type SipResponse,
} from '@herald/sip';
import { Subscriber, type ClientSubscription, type NotifyEvent } from '@herald/events';
import { Server, validateConfig, type HeraldConfig, type Logger } from '../../src/index.js';

export const DOMAIN = 'example.test';
export const USERS = { alice: 'alice-secret', bob: 'bob-secret', carol: 'carol-secret' };

export function testConfig(extra: Record<string, unknown> = {}): HeraldConfig {
  const v = validateConfig({
    domain: DOMAIN,
    listen: ['udp:127.0.0.1:0', 'tcp:127.0.0.1:0'],
    users: USERS,
    http: false,
    notifyInterval: 0,
    backSubscribe: false,
    ...extra,
  });
  if (!v.ok) throw new Error(v.error);
  return v.config;
}

export interface LogLine {
  level: string;
  msg: string;
  detail: Readonly<Record<string, unknown>> | undefined;
}

/** A logger that records lines for assertions. */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (msg: string, detail?: Readonly<Record<string, unknown>>) =>
    void lines.push({ level, msg, detail });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** Starts a server on loopback port 0 (manual clock unless given). */
export async function startServer(
  t: { teardown(fn: () => Promise<void> | void): void },
  config = testConfig(),
  clock: ManualClock = new ManualClock(1_000_000),
): Promise<{ server: Server; udpPort: number; clock: ManualClock; lines: LogLine[] }> {
  const { logger, lines } = recordingLogger();
  const server = new Server(config, { clock, logger });
  await server.start();
  t.teardown(() => server.stop());
  const udp = server.ports.find((p) => p.transport === 'udp');
  if (!udp) throw new Error('no udp port');
  return { server, udpPort: udp.port, clock, lines };
}

export class Client {
  readonly subscriber: Subscriber;
  private constructor(
    readonly endpoint: Endpoint,
    readonly port: number,
    readonly serverPort: number,
    readonly user: string,
    readonly domain: string,
  ) {
    this.subscriber = new Subscriber(endpoint);
  }

  static async start(
    t: { teardown(fn: () => Promise<void> | void): void },
    serverPort: number,
    user: string,
    domain = DOMAIN,
  ): Promise<Client> {
    const udp = new UdpTransport({ host: '127.0.0.1', port: 0, clock: systemClock });
    await udp.listen();
    const endpoint = new Endpoint({ transport: new TransportLayer({ transports: [udp] }), userAgent: `test-${user}` });
    const client = new Client(endpoint, udp.local.port, serverPort, user, domain);
    t.teardown(async () => {
      await client.subscriber.close();
      await endpoint.close();
    });
    return client;
  }

  get aor(): string {
    return `sip:${this.user}@${this.domain}`;
  }

  get contact(): string {
    return `sip:${this.user}@127.0.0.1:${this.port}`;
  }

  get destination() {
    return { transport: 'udp' as const, address: '127.0.0.1', port: this.serverPort };
  }

  credentials(password = (USERS as Record<string, string>)[this.user] ?? 'x'): DigestClient {
    return new DigestClient({ username: this.user, password });
  }

  send(request: SipRequest, password?: string | false): Promise<SipResponse> {
    return this.endpoint.request(request, {
      to: this.destination,
      ...(password === false ? {} : { auth: this.credentials(password) }),
    });
  }

  register(expires: number, password?: string | false): Promise<SipResponse> {
    return this.send(
      this.endpoint.createRequest({
        method: 'REGISTER',
        uri: `sip:${this.domain}`,
        from: `<${this.aor}>`,
        to: `<${this.aor}>`,
        contact: `<${this.contact}>`,
        headers: [['Expires', String(expires)]],
      }),
      password,
    );
  }

  publish(body: string, expires = 600, password?: string | false, resource = this.aor): Promise<SipResponse> {
    return this.send(
      this.endpoint.createRequest({
        method: 'PUBLISH',
        uri: resource,
        from: `<${this.aor}>`,
        to: `<${resource}>`,
        headers: [
          ['Event', 'presence'],
          ['Expires', String(expires)],
          ['Content-Type', 'application/pidf+xml'],
        ],
        body,
      }),
      password,
    );
  }

  subscribe(target: string, event: string, accept?: string[], route?: string[]): ClientSubscription {
    return this.subscriber.subscribe({
      target,
      event,
      ...(route ? { route } : {}),
      from: `<${this.aor}>`,
      contact: this.contact,
      destination: this.destination,
      credentials: this.credentials(),
      ...(accept ? { accept } : {}),
    });
  }
}

/** The next NOTIFY of a subscription whose body matches (bounded wait). */
export function nextNotify(
  sub: ClientSubscription,
  match: (body: string) => boolean = () => true,
  ms = 5000,
): Promise<NotifyEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('no matching NOTIFY'));
    }, ms);
    const off = sub.on('notify', (n) => {
      if (!match(n.body.toString())) return;
      clearTimeout(timer);
      off();
      resolve(n);
    });
  });
}

export function pidf(entity: string, basic: 'open' | 'closed', extra = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" ` +
    `xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="${entity}">` +
    `<tuple id="t1"><status><basic>${basic}</basic></status></tuple>${extra}</presence>`
  );
}
