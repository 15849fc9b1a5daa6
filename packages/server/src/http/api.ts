/**
 * The management HTTP API (issue 5 item 4) on `node:http`: a handful of JSON
 * routes need no framework, and no dependency has to be kept up to date.
 * This file is the transport shell: listening, the bearer token, body limits
 * and JSON parsing; the routes are in routes.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { ServerCommands, ServerView } from '../contracts.js';
import type { Metrics } from './metrics.js';
import { json, matchRoute, ROUTES, type Reply, type Route } from './routes.js';

/** Where the API logs warnings (Herald's transport logger fits); the server logs the listening line itself. */
export interface HttpLogger {
  warn(message: string, detail?: Readonly<Record<string, unknown>>): void;
}

/** Construction options of {@link HttpApi}. */
export interface HttpApiOptions {
  /** `host:port` (IPv6 in brackets: `[::1]:8080`); default `127.0.0.1:8080`; port 0 picks one. */
  readonly listen?: string;
  /** Bearer token: when set, writes need `Authorization: Bearer <token>`, and so do reads from off the host. */
  readonly token?: string;
  readonly view: ServerView;
  readonly commands: ServerCommands;
  readonly metrics: Metrics;
  /** The domain a bare user name in a path or body belongs to (`alice` → `sip:alice@<domain>`). */
  readonly domain: string;
  /** Largest accepted request body in bytes (default 64 KiB; larger → 413). */
  readonly maxBodyBytes?: number;
  readonly logger?: HttpLogger;
}

/** Default `listen`: loopback only. */
export const DEFAULT_HTTP_LISTEN = '127.0.0.1:8080';
/** Default request body limit. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** Split `host:port` (`[v6]:port`); throws with a clear message on a malformed value. */
export function parseHttpListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(listen);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) throw new Error(`http: listen must be host:port (got ${JSON.stringify(listen)})`);
  return { host: (m[1] ?? m[2]) as string, port };
}

const silent: HttpLogger = { warn: () => undefined };

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * Whether a request needs the bearer token (when one is configured): every
 * write does; a read does only from off the host; `/healthz` never does.
 */
export function tokenRequired(route: Pick<Route, 'method' | 'path'>, remoteAddress: string | undefined): boolean {
  if (route.path === '/healthz') return false;
  return route.method !== 'GET' || !isLoopback(remoteAddress);
}

/** Refusals that carry no route: a body too large, bad JSON, a missing token. */
class Refusal extends Error {
  constructor(readonly reply: Reply) {
    super('refused');
  }
}

/** The management API server: `start()`, then `port`; `stop()` closes it and every connection. */
export class HttpApi {
  private readonly host: string;
  private readonly wantedPort: number;
  private readonly maxBodyBytes: number;
  private readonly logger: HttpLogger;
  private readonly token: Buffer | undefined;
  private server: Server | undefined;
  private boundPort = 0;

  constructor(private readonly options: HttpApiOptions) {
    const { host, port } = parseHttpListen(options.listen ?? DEFAULT_HTTP_LISTEN);
    this.host = host;
    this.wantedPort = port;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.logger = options.logger ?? silent;
    this.token = options.token !== undefined && options.token !== '' ? Buffer.from(options.token) : undefined;
  }

  /** The bound port (the real one when `listen` asked for 0); 0 before `start()`. */
  get port(): number {
    return this.boundPort;
  }

  /** Listen; resolves once bound, rejects if the address cannot be bound. */
  async start(): Promise<void> {
    if (this.server !== undefined) return;
    // Bounded slow requests: a client trickling headers or a body cannot hold a socket for long.
    const server = createServer({ requestTimeout: 30_000, headersTimeout: 20_000 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.logger.warn('http: handler failed', { url: req.url, error: String(err) });
        if (!res.headersSent) send(res, json(500, { error: 'internal error' }));
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.wantedPort, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.logger.warn('http: server error', { error: String(err) }));
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    if (this.token === undefined && !isLoopback(this.host) && this.host !== 'localhost') {
      this.logger.warn('http: management API listens off loopback without a token: anyone who reaches it can write', {
        listen: `${this.host}:${this.boundPort}`,
      });
    }
  }

  /** Stop listening and close every open connection. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = matchRoute(ROUTES, req.method ?? 'GET', url.pathname);
    switch (match.kind) {
      case 'none':
        return send(res, json(404, { error: `no route ${url.pathname}` }));
      case 'method':
        return send(res, json(405, { error: `method ${req.method ?? ''} not allowed` }), {
          Allow: match.allow.join(', '),
        });
      case 'bad-escape':
        return send(res, json(400, { error: 'bad percent-encoding', field: match.field }));
      case 'route':
        break;
    }
    try {
      this.authorize(req, match.route);
      const body = match.route.body ? await this.readJson(req) : undefined;
      send(res, await match.route.handle(this.options, { params: match.params, body }));
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      send(res, err.reply, err.reply.status === 413 ? { Connection: 'close' } : {});
    }
  }

  /** Writes always need the token when one is set; reads need it only from off the host. */
  private authorize(req: IncomingMessage, route: Route): void {
    if (this.token === undefined || !tokenRequired(route, req.socket.remoteAddress)) return;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const given = m === null ? undefined : Buffer.from(m[1] as string);
    if (given !== undefined && given.length === this.token.length && timingSafeEqual(given, this.token)) return;
    throw new Refusal(json(401, { error: 'missing or wrong bearer token' }));
  }

  /** Read and parse the JSON body, refusing more than `maxBodyBytes` (413) and bad JSON (400). */
  private async readJson(req: IncomingMessage): Promise<unknown> {
    const tooLarge = () => new Refusal(json(413, { error: `request body above ${this.maxBodyBytes} bytes` }));
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > this.maxBodyBytes) {
      req.resume(); // drain what is already coming; the connection closes after the 413
      throw tooLarge();
    }
    // Events, not `for await`: leaving an async iterator early destroys the socket before the 413 goes out.
    const chunks = await new Promise<Buffer[]>((resolve, reject) => {
      const got: Buffer[] = [];
      let size = 0;
      let over = false;
      req.on('data', (chunk: Buffer) => {
        if (over) return; // keep draining, drop the bytes
        size += chunk.length;
        if (size <= this.maxBodyBytes) return void got.push(chunk);
        over = true;
        got.length = 0;
        reject(tooLarge());
      });
      req.on('end', () => resolve(got));
      req.on('error', reject);
    });
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Refusal(json(400, { error: 'request body is not valid JSON', field: '$' }));
    }
  }
}

function send(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  const isJson = 'json' in reply;
  const payload = isJson ? JSON.stringify(reply.json) + '\n' : reply.text;
  res.writeHead(reply.status, {
    'Content-Type': isJson ? 'application/json; charset=utf-8' : reply.contentType,
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(payload);
}
