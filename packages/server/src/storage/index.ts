/** Durable stores (SQLite) and boot on stored state (issue 6). */
export {
  openSqliteDatabase,
  schemaVersion,
  SQLITE_SCHEMA_VERSION,
  type SqliteDatabase,
  type SqliteOptions,
} from './sqlite.js';
export { SqliteBindingStore } from './sqlite-binding-store.js';
export { SqlitePublicationStore, SqliteSubscriptionStore } from './sqlite-event-stores.js';
export * from './stores.js';
export { resumedFlow, udpFlowUsable, type ResumeSummary } from './boot.js';
export * from './admin.js';
