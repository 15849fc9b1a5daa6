// Fakes of the server's view and commands that record every call, and a started HttpApi around them.
import type { CallTrackingUpdate } from '@herald/dialog';
import type { ServerCommands, ServerView } from '../../src/contracts.js';
import { HttpApi, type HttpApiOptions } from '../../src/http/api.js';
import { createServerMetrics, type ServerMetrics } from '../../src/http/server-metrics.js';

export type Call = [string, ...unknown[]];

/** A ServerView with canned answers. */
export class FakeView implements ServerView {
  readonly calls: Call[] = [];
  regs: unknown[] = [{ aor: 'sip:alice@example.test', contacts: [{ uri: 'sip:alice@192.0.2.1:5060', expires: 60 }] }];
  subs: unknown[] = [{ id: 's1', event: 'presence', resource: 'sip:bob@example.test', state: 'active' }];
  extraMetrics = '';

  async registrations(): Promise<unknown[]> {
    this.calls.push(['registrations']);
    return this.regs;
  }
  async presentity(resource: string): Promise<unknown> {
    this.calls.push(['presentity', resource]);
    if (resource !== 'sip:alice@example.test') return undefined;
    return { resource, state: { basic: 'open' }, document: '<presence/>' };
  }
  async subscriptions(): Promise<unknown[]> {
    this.calls.push(['subscriptions']);
    return this.subs;
  }
  mailbox(resource: string): unknown {
    this.calls.push(['mailbox', resource]);
    return resource === 'sip:alice@example.test' ? { resource, newMessages: 2, oldMessages: 1 } : undefined;
  }
  dialogs(resource: string): unknown {
    this.calls.push(['dialogs', resource]);
    return resource === 'sip:alice@example.test' ? { resource, dialogs: [] } : undefined;
  }
  metrics(): string {
    return this.extraMetrics;
  }
}

/** ServerCommands that record their arguments and answer as configured. */
export class FakeCommands implements ServerCommands {
  readonly calls: Call[] = [];
  publishVerdict: { status: number; etag?: string } = { status: 200, etag: 'e1' };
  pendingWatchers = new Set(['w1']);
  throwOnSubscribe = false;

  setStatus(resource: string, status: Parameters<ServerCommands['setStatus']>[1]): void {
    this.calls.push(['setStatus', resource, status]);
  }
  setMailbox(resource: string, counts: Parameters<ServerCommands['setMailbox']>[1]): void {
    this.calls.push(['setMailbox', resource, counts]);
  }
  pushDialog(resource: string, update: CallTrackingUpdate): void {
    this.calls.push(['pushDialog', resource, update]);
  }
  async publish(event: string, resource: string, contentType: string, body: string, expires: number) {
    this.calls.push(['publish', event, resource, contentType, body, expires]);
    return this.publishVerdict;
  }
  async subscribe(target: string, event: string, expires: number): Promise<{ id: string }> {
    this.calls.push(['subscribe', target, event, expires]);
    if (this.throwOnSubscribe) throw new Error('boom');
    return { id: 'sub-1' };
  }
  async authorizeWatcher(id: string, decision: 'approve' | 'reject'): Promise<boolean> {
    this.calls.push(['authorizeWatcher', id, decision]);
    return this.pendingWatchers.delete(id);
  }
}

export interface World {
  api: HttpApi;
  view: FakeView;
  commands: FakeCommands;
  metrics: ServerMetrics;
  warnings: string[];
  base: string;
  /** fetch relative to the API, JSON body if given. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
}

/** Start an API on 127.0.0.1 port 0 over fresh fakes; the caller must `api.stop()` (use t.teardown). */
export async function startWorld(opts: Partial<HttpApiOptions> = {}): Promise<World> {
  const view = new FakeView();
  const commands = new FakeCommands();
  const metrics = createServerMetrics();
  const warnings: string[] = [];
  const api = new HttpApi({
    listen: '127.0.0.1:0',
    view,
    commands,
    metrics: metrics.registry,
    domain: 'example.test',
    logger: { warn: (m) => void warnings.push(m) },
    ...opts,
  });
  await api.start();
  const base = `http://127.0.0.1:${api.port}`;
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(base + path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { api, view, commands, metrics, warnings, base, call };
}
