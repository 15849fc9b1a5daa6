/**
 * The management API's route table (issue 5 item 4): which method and path
 * does what, over the server's {@link ServerView} and {@link ServerCommands}.
 * Transport concerns (listening, bodies, the token) live in api.ts.
 */
import type { ServerCommands, ServerView } from '../contracts.js';
import { METRICS_CONTENT_TYPE, type Metrics } from './metrics.js';
import {
  checkDialog,
  checkMailbox,
  checkPublish,
  checkStatus,
  checkSubscribe,
  resolveResource,
  type Checked,
} from './validate.js';

/** What a handler answers: JSON, or text for `/metrics`. */
export type Reply =
  | { readonly status: number; readonly json: unknown }
  | { readonly status: number; readonly text: string; readonly contentType: string };

/** Everything a handler may use. */
export interface RouteDeps {
  readonly view: ServerView;
  readonly commands: ServerCommands;
  readonly metrics: Metrics;
  /** The domain a bare user name belongs to. */
  readonly domain: string;
}

/** One request as a handler sees it: decoded path parameters and the parsed JSON body. */
export interface RouteInput {
  readonly params: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** The HTTP methods the API uses. */
export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** A route: `path` segments starting with `:` are parameters. */
export interface Route {
  readonly method: Method;
  readonly path: string;
  /** Whether the request carries a JSON body to parse (writes with input). */
  readonly body: boolean;
  handle(deps: RouteDeps, input: RouteInput): Reply | Promise<Reply>;
}

/** A JSON reply. */
export const json = (status: number, body: unknown): Reply => ({ status, json: body });
/** A 400 naming the bad field. */
export const invalid = (c: { error: string; field: string }): Reply => json(400, { error: c.error, field: c.field });
const notFound = (error: string): Reply => json(404, { error });

/** Resolve `:user`, then run `then` with the resource key (400 naming `user` otherwise). */
function withResource(deps: RouteDeps, input: RouteInput, then: (resource: string) => Reply | Promise<Reply>) {
  const r = resolveResource(input.params['user'] ?? '', deps.domain);
  return r.ok ? then(r.value) : invalid(r);
}

/** Check the body, then run `then` with the value. */
function withBody<T>(c: Checked<T>, then: (value: T) => Reply | Promise<Reply>): Reply | Promise<Reply> {
  return c.ok ? then(c.value) : invalid(c);
}

/** A view's answer, or 404 when it has nothing for the resource. */
function found(value: unknown, what: string): Reply {
  return value === undefined || value === null ? notFound(`no ${what}`) : json(200, value);
}

/** Which request field a refused PUBLISH points at, from its SIP status (RFC 3903 §6, RFC 6665 §8.2.1). */
function publishField(status: number): string {
  switch (status) {
    case 489:
      return 'event';
    case 415:
      return 'contentType';
    case 423:
      return 'expires';
    default:
      return 'body';
  }
}

/** Every route of the API, in matching order. */
export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/healthz', body: false, handle: () => json(200, { status: 'ok' }) },
  {
    method: 'GET',
    path: '/metrics',
    body: false,
    handle: (deps) => {
      const extra = deps.view.metrics();
      const text = deps.metrics.render() + (extra === '' || extra.endsWith('\n') ? extra : extra + '\n');
      return { status: 200, text, contentType: METRICS_CONTENT_TYPE };
    },
  },
  {
    method: 'GET',
    path: '/registrations',
    body: false,
    handle: async (deps) => json(200, { registrations: await deps.view.registrations() }),
  },
  {
    method: 'GET',
    path: '/subscriptions',
    body: false,
    handle: async (deps) => json(200, { subscriptions: await deps.view.subscriptions() }),
  },
  {
    method: 'GET',
    path: '/presentities/:user',
    body: false,
    handle: (deps, input) =>
      withResource(deps, input, async (resource) =>
        found(await deps.view.presentity(resource), `presentity ${resource}`),
      ),
  },
  {
    method: 'PUT',
    path: '/presentities/:user/status',
    body: true,
    handle: (deps, input) =>
      withResource(deps, input, (resource) =>
        withBody(checkStatus(input.body), (status) => {
          deps.commands.setStatus(resource, status);
          return json(200, { resource, status });
        }),
      ),
  },
  {
    method: 'DELETE',
    path: '/presentities/:user/status',
    body: false,
    handle: (deps, input) =>
      withResource(deps, input, (resource) => {
        deps.commands.setStatus(resource, undefined);
        return json(200, { resource, status: null });
      }),
  },
  {
    method: 'GET',
    path: '/mailboxes/:user',
    body: false,
    handle: (deps, input) =>
      withResource(deps, input, (resource) => found(deps.view.mailbox(resource), `mailbox ${resource}`)),
  },
  {
    method: 'PUT',
    path: '/mailboxes/:user',
    body: true,
    handle: (deps, input) =>
      withResource(deps, input, (resource) =>
        withBody(checkMailbox(input.body), (counts) => {
          deps.commands.setMailbox(resource, counts);
          return json(200, { resource, mailbox: counts });
        }),
      ),
  },
  {
    method: 'GET',
    path: '/dialogs/:user',
    body: false,
    handle: (deps, input) =>
      withResource(deps, input, (resource) => found(deps.view.dialogs(resource), `dialogs of ${resource}`)),
  },
  {
    method: 'POST',
    path: '/dialogs/:user',
    body: true,
    handle: (deps, input) =>
      withResource(deps, input, (resource) =>
        withBody(checkDialog(input.body), (update) => {
          deps.commands.pushDialog(resource, update);
          return json(200, { resource, dialog: update });
        }),
      ),
  },
  {
    method: 'POST',
    path: '/publish',
    body: true,
    handle: (deps, input) =>
      withBody(checkPublish(input.body, deps.domain), async (p) => {
        const verdict = await deps.commands.publish(p.event, p.resource, p.contentType, p.body, p.expires);
        if (verdict.status >= 200 && verdict.status < 300) {
          return json(200, {
            resource: p.resource,
            event: p.event,
            status: verdict.status,
            etag: verdict.etag ?? null,
          });
        }
        if (verdict.status === 404)
          return json(404, { error: `publish refused (SIP ${verdict.status})`, sipStatus: 404 });
        return json(400, {
          error: `publish refused (SIP ${verdict.status})`,
          field: publishField(verdict.status),
          sipStatus: verdict.status,
        });
      }),
  },
  {
    method: 'POST',
    path: '/subscribe',
    body: true,
    handle: (deps, input) =>
      withBody(checkSubscribe(input.body, deps.domain), async (s) => {
        const { id } = await deps.commands.subscribe(s.target, s.event, s.expires);
        return json(200, { id, target: s.target, event: s.event, expires: s.expires });
      }),
  },
  ...(['approve', 'reject'] as const).map((decision): Route => ({
    method: 'POST',
    path: `/watchers/:id/${decision}`,
    body: false,
    handle: async (deps, input) => {
      const id = input.params['id'] ?? '';
      if (id === '') return invalid({ field: 'id', error: 'watcher id is empty' });
      const done = await deps.commands.authorizeWatcher(id, decision);
      return done ? json(200, { id, decision }) : notFound(`no pending watcher ${id}`);
    },
  })),
];

/** The outcome of matching a path: a route with its parameters, a path with other methods, or nothing. */
export type Match =
  | { readonly kind: 'route'; readonly route: Route; readonly params: Record<string, string> }
  | { readonly kind: 'method'; readonly allow: readonly Method[] }
  | { readonly kind: 'none' }
  | { readonly kind: 'bad-escape'; readonly field: string };

/** Match `method` and the raw (still percent-encoded) `pathname` against `routes`. */
export function matchRoute(routes: readonly Route[], method: string, pathname: string): Match {
  const segments = pathname.split('/').slice(1);
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop(); // trailing slash
  const allow: Method[] = [];
  for (const route of routes) {
    const pattern = route.path.split('/').slice(1);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (let i = 0; i < pattern.length && matched; i++) {
      const p = pattern[i] as string;
      const s = segments[i] as string;
      if (p.startsWith(':')) {
        try {
          params[p.slice(1)] = decodeURIComponent(s);
        } catch {
          return { kind: 'bad-escape', field: p.slice(1) };
        }
      } else matched = p === s;
    }
    if (!matched) continue;
    if (route.method === method) return { kind: 'route', route, params };
    if (!allow.includes(route.method)) allow.push(route.method);
  }
  return allow.length > 0 ? { kind: 'method', allow } : { kind: 'none' };
}
