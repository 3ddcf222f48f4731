// The store's entry point: turns DATABASE_URL into a Store. The composition root and the audit export call
// openStore; nothing else needs to know which database sits behind the port.
import type { Store } from '../core/store.js';
import { parseDatabaseUrl } from './database-url.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';

export type { DatabaseLocation } from './database-url.js';
export { DEFAULT_DATABASE_URL, parseDatabaseUrl } from './database-url.js';
export { isStoreError, StoreError, type StoreErrorCode } from './errors.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations.js';

export type OpenStoreOptions = SqliteStoreOptions;

/** Opens the store named by DATABASE_URL, creating and migrating it as needed. Throws StoreError. */
export function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Store {
  return openSqliteStore(parseDatabaseUrl(databaseUrl), options);
}
