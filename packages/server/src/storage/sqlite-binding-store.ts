/**
 * SQLite implementation of the registrar's BindingStore (table `bindings`,
 * key (aor, key)). `replaceAor` runs in one transaction, so a reader never sees
 * half of a REGISTER's changes (RFC 3261 §10.3 step 8 processes a request atomically).
 */
import type { BindingStore, StoredBinding } from '@herald/registrar';
import type { SqliteDatabase } from './sqlite.js';
import { WriteBatch } from './write-batch.js';
import { decodeFlow } from './sqlite-event-stores.js';

interface BindingRow {
  aor: string;
  key: string;
  contact: string;
  params: string;
  q: number | null;
  instance_id: string | null;
  reg_id: number | null;
  expires_at: number;
  call_id: string;
  cseq: number;
  flow: string;
  user_agent: string | null;
  created_at: number;
  updated_at: number;
}

function toRow(b: StoredBinding): BindingRow {
  return {
    aor: b.aor,
    key: b.key,
    contact: b.contact,
    params: JSON.stringify(b.params),
    q: b.q ?? null,
    instance_id: b.instanceId ?? null,
    reg_id: b.regId ?? null,
    expires_at: b.expiresAt,
    call_id: b.callId,
    cseq: b.cseq,
    flow: JSON.stringify(b.flow),
    user_agent: b.userAgent ?? null,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
  };
}

function fromRow(r: BindingRow): StoredBinding {
  return {
    aor: r.aor,
    key: r.key,
    contact: r.contact,
    params: JSON.parse(r.params) as Array<[string, string | null]>,
    ...(r.q !== null ? { q: r.q } : {}),
    ...(r.instance_id !== null ? { instanceId: r.instance_id } : {}),
    ...(r.reg_id !== null ? { regId: r.reg_id } : {}),
    expiresAt: r.expires_at,
    callId: r.call_id,
    cseq: r.cseq,
    flow: decodeFlow(r.flow),
    ...(r.user_agent !== null ? { userAgent: r.user_agent } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Registrar bindings in SQLite. */
export class SqliteBindingStore implements BindingStore {
  readonly #byAor;
  readonly #delete;
  readonly #all;
  readonly #count;
  readonly #replaceAor;
  readonly #batch: WriteBatch;

  /** `batch`: the database's group commit, shared with its other stores (default its own). */
  constructor(db: SqliteDatabase, batch = new WriteBatch(db)) {
    this.#batch = batch;
    const insert = db.prepare<[BindingRow]>(
      `INSERT OR REPLACE INTO bindings (aor, key, contact, params, q, instance_id, reg_id, expires_at, call_id, cseq,
         flow, user_agent, created_at, updated_at)
       VALUES (@aor, @key, @contact, @params, @q, @instance_id, @reg_id, @expires_at, @call_id, @cseq,
         @flow, @user_agent, @created_at, @updated_at)`,
    );
    const deleteAor = db.prepare<[string]>('DELETE FROM bindings WHERE aor = ?');
    this.#byAor = db.prepare<[string], BindingRow>('SELECT * FROM bindings WHERE aor = ?');
    this.#delete = db.prepare<[string, string]>('DELETE FROM bindings WHERE aor = ? AND key = ?');
    this.#all = db.prepare<[], BindingRow>('SELECT * FROM bindings');
    this.#count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM bindings');
    this.#replaceAor = db.transaction((aor: string, bindings: readonly StoredBinding[]): void => {
      deleteAor.run(aor);
      for (const b of bindings) insert.run(toRow(b));
    });
  }

  async replaceAor(aor: string, bindings: readonly StoredBinding[]): Promise<void> {
    for (const b of bindings) {
      if (b.aor !== aor) throw new RangeError(`binding of ${b.aor} passed for ${aor}`);
    }
    return this.#batch.write(() => this.#replaceAor(aor, bindings));
  }

  async byAor(aor: string): Promise<StoredBinding[]> {
    this.#batch.flush();
    return this.#byAor.all(aor).map(fromRow);
  }

  delete(aor: string, key: string): Promise<boolean> {
    return this.#batch.write(() => this.#delete.run(aor, key).changes > 0);
  }

  async all(): Promise<StoredBinding[]> {
    this.#batch.flush();
    return this.#all.all().map(fromRow);
  }

  async count(): Promise<number> {
    this.#batch.flush();
    return this.#count.get()?.n ?? 0;
  }
}
