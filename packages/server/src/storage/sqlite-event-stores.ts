/**
 * SQLite implementations of the event-package stores (`@herald/events`
 * SubscriptionStore, PublicationStore). Statements are prepared once and run
 * synchronously, so a write is committed before its promise resolves.
 */
import type { Dialog, Flow } from '@herald/sip';
import type {
  PublicationStore,
  StoredPublication,
  StoredSubscription,
  SubscriptionStatus,
  SubscriptionStore,
} from '@herald/events';
import type { SqliteDatabase } from './sqlite.js';
import { WriteBatch } from './write-batch.js';

interface SubscriptionRow {
  id: string;
  event: string;
  event_id: string | null;
  resource: string;
  watcher: string;
  watcher_display_name: string | null;
  user_agent: string | null;
  accept: string;
  content_type: string;
  dialog: string;
  flow: string;
  status: string;
  expires_at: number;
  version: number;
  created_at: number;
  blocked: number | null;
}

/** Parses a stored Dialog, restoring the `undefined` CSeq fields JSON drops. */
export function decodeDialog(json: string): Dialog {
  const d = JSON.parse(json) as Dialog;
  return { ...d, localSeq: d.localSeq ?? undefined, remoteSeq: d.remoteSeq ?? undefined };
}

/** Parses a stored Flow. */
export function decodeFlow(json: string): Flow {
  return JSON.parse(json) as Flow;
}

function toSubscriptionRow(s: StoredSubscription): SubscriptionRow {
  return {
    id: s.id,
    event: s.event,
    event_id: s.eventId ?? null,
    resource: s.resource,
    watcher: s.watcher,
    watcher_display_name: s.watcherDisplayName ?? null,
    user_agent: s.userAgent ?? null,
    accept: JSON.stringify(s.accept),
    content_type: s.contentType,
    dialog: JSON.stringify(s.dialog),
    flow: JSON.stringify(s.flow),
    status: s.status,
    expires_at: s.expiresAt,
    version: s.version,
    created_at: s.createdAt,
    blocked: s.blocked === undefined ? null : s.blocked ? 1 : 0,
  };
}

function fromSubscriptionRow(r: SubscriptionRow): StoredSubscription {
  return {
    id: r.id,
    event: r.event,
    ...(r.event_id !== null ? { eventId: r.event_id } : {}),
    resource: r.resource,
    watcher: r.watcher,
    ...(r.watcher_display_name !== null ? { watcherDisplayName: r.watcher_display_name } : {}),
    ...(r.user_agent !== null ? { userAgent: r.user_agent } : {}),
    accept: JSON.parse(r.accept) as string[],
    contentType: r.content_type,
    dialog: decodeDialog(r.dialog),
    flow: decodeFlow(r.flow),
    status: r.status as SubscriptionStatus,
    expiresAt: r.expires_at,
    version: r.version,
    createdAt: r.created_at,
    ...(r.blocked !== null ? { blocked: r.blocked === 1 } : {}),
  };
}

/** Server subscriptions in SQLite (table `subscriptions`, indexed by (event, resource) and watcher). */
export class SqliteSubscriptionStore implements SubscriptionStore {
  readonly #put;
  readonly #get;
  readonly #delete;
  readonly #byResource;
  readonly #byWatcher;
  readonly #all;
  readonly #count;
  readonly #batch: WriteBatch;

  /** `batch`: the database's group commit, shared with its other stores (default its own). */
  constructor(db: SqliteDatabase, batch = new WriteBatch(db)) {
    this.#batch = batch;
    this.#put = db.prepare<[SubscriptionRow]>(
      `INSERT OR REPLACE INTO subscriptions (id, event, event_id, resource, watcher, watcher_display_name, user_agent,
         accept, content_type, dialog, flow, status, expires_at, version, created_at, blocked)
       VALUES (@id, @event, @event_id, @resource, @watcher, @watcher_display_name, @user_agent,
         @accept, @content_type, @dialog, @flow, @status, @expires_at, @version, @created_at, @blocked)`,
    );
    this.#get = db.prepare<[string], SubscriptionRow>('SELECT * FROM subscriptions WHERE id = ?');
    this.#delete = db.prepare<[string]>('DELETE FROM subscriptions WHERE id = ?');
    this.#byResource = db.prepare<[string, string], SubscriptionRow>(
      'SELECT * FROM subscriptions WHERE event = ? AND resource = ?',
    );
    this.#byWatcher = db.prepare<[string], SubscriptionRow>('SELECT * FROM subscriptions WHERE watcher = ?');
    this.#all = db.prepare<[], SubscriptionRow>('SELECT * FROM subscriptions');
    this.#count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM subscriptions');
  }

  put(subscription: StoredSubscription): Promise<void> {
    const row = toSubscriptionRow(subscription);
    return this.#batch.write(() => void this.#put.run(row));
  }

  async get(id: string): Promise<StoredSubscription | undefined> {
    this.#batch.flush();
    const row = this.#get.get(id);
    return row ? fromSubscriptionRow(row) : undefined;
  }

  delete(id: string): Promise<boolean> {
    return this.#batch.write(() => this.#delete.run(id).changes > 0);
  }

  async byResource(event: string, resource: string): Promise<StoredSubscription[]> {
    this.#batch.flush();
    return this.#byResource.all(event, resource).map(fromSubscriptionRow);
  }

  async byWatcher(watcher: string): Promise<StoredSubscription[]> {
    this.#batch.flush();
    return this.#byWatcher.all(watcher).map(fromSubscriptionRow);
  }

  async all(): Promise<StoredSubscription[]> {
    this.#batch.flush();
    return this.#all.all().map(fromSubscriptionRow);
  }

  async count(): Promise<number> {
    this.#batch.flush();
    return this.#count.get()?.n ?? 0;
  }
}

interface PublicationRow {
  event: string;
  resource: string;
  etag: string;
  content_type: string;
  body: Buffer;
  expires_at: number;
  created_at: number;
  updated_at: number;
  publisher: string | null;
}

function toPublicationRow(p: StoredPublication): PublicationRow {
  return {
    event: p.event,
    resource: p.resource,
    etag: p.etag,
    content_type: p.contentType,
    body: p.body,
    expires_at: p.expiresAt,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    publisher: p.publisher ?? null,
  };
}

function fromPublicationRow(r: PublicationRow): StoredPublication {
  return {
    event: r.event,
    resource: r.resource,
    etag: r.etag,
    contentType: r.content_type,
    body: Buffer.from(r.body),
    expiresAt: r.expires_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    ...(r.publisher !== null ? { publisher: r.publisher } : {}),
  };
}

/** RFC 3903 publications in SQLite (table `publications`, key (event, resource, etag)). */
export class SqlitePublicationStore implements PublicationStore {
  readonly #put;
  readonly #get;
  readonly #delete;
  readonly #byResource;
  readonly #all;
  readonly #count;
  readonly #replace;
  readonly #batch: WriteBatch;

  /** `batch`: the database's group commit, shared with its other stores (default its own). */
  constructor(db: SqliteDatabase, batch = new WriteBatch(db)) {
    this.#batch = batch;
    this.#put = db.prepare<[PublicationRow]>(
      `INSERT OR REPLACE INTO publications (event, resource, etag, content_type, body, expires_at, created_at, updated_at, publisher)
       VALUES (@event, @resource, @etag, @content_type, @body, @expires_at, @created_at, @updated_at, @publisher)`,
    );
    this.#get = db.prepare<[string, string, string], PublicationRow>(
      'SELECT * FROM publications WHERE event = ? AND resource = ? AND etag = ?',
    );
    this.#delete = db.prepare<[string, string, string]>(
      'DELETE FROM publications WHERE event = ? AND resource = ? AND etag = ?',
    );
    this.#byResource = db.prepare<[string, string], PublicationRow>(
      'SELECT * FROM publications WHERE event = ? AND resource = ?',
    );
    this.#all = db.prepare<[], PublicationRow>('SELECT * FROM publications');
    this.#count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM publications');
    this.#replace = db.transaction((oldEtag: string, next: StoredPublication): boolean => {
      if (this.#delete.run(next.event, next.resource, oldEtag).changes === 0) return false;
      this.#put.run(toPublicationRow(next));
      return true;
    });
  }

  put(publication: StoredPublication): Promise<void> {
    const row = toPublicationRow(publication);
    return this.#batch.write(() => void this.#put.run(row));
  }

  async get(event: string, resource: string, etag: string): Promise<StoredPublication | undefined> {
    this.#batch.flush();
    const row = this.#get.get(event, resource, etag);
    return row ? fromPublicationRow(row) : undefined;
  }

  delete(event: string, resource: string, etag: string): Promise<boolean> {
    return this.#batch.write(() => this.#delete.run(event, resource, etag).changes > 0);
  }

  /** Delete-then-insert atomically (a savepoint in the batch's transaction; RFC 3903 §6 entity-tag refresh/modify). */
  replace(oldEtag: string, next: StoredPublication): Promise<boolean> {
    return this.#batch.write(() => this.#replace(oldEtag, next));
  }

  async byResource(event: string, resource: string): Promise<StoredPublication[]> {
    this.#batch.flush();
    return this.#byResource.all(event, resource).map(fromPublicationRow);
  }

  async all(): Promise<StoredPublication[]> {
    this.#batch.flush();
    return this.#all.all().map(fromPublicationRow);
  }

  async count(): Promise<number> {
    this.#batch.flush();
    return this.#count.get()?.n ?? 0;
  }
}
