// The store's entry point: turns DATABASE_URL into a Store. The composition root and the command-line tools call
// openStore; nothing else needs to know which database sits behind the port.
import type { Store } from '../core/store.js';
import { createKyselyStore, type StoreOptions } from './kysely-store.js';
import { openDialect } from './open-dialect.js';
import type { PgOpenOptions } from './pg-dialect.js';
import type { OpenOptions as SqliteOpenOptions } from './sqlite-open.js';

export { type CopyReport, copyStore } from './copy-store.js';
export type { DatabaseLocation } from './database-url.js';
export { DEFAULT_DATABASE_URL, parseDatabaseUrl } from './database-url.js';
export { isStoreError, StoreError, type StoreErrorCode } from './errors.js';
export type { TextScrubber } from './kysely-store.js';
export { randomHolderId } from './kysely-store.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations.js';

/** The store's own options, SQLite's (fileMustExist, busyTimeoutMs, walSync) and PostgreSQL's (pool, timeout). */
export type OpenStoreOptions = StoreOptions & SqliteOpenOptions & PgOpenOptions;

/** Opens the store named by DATABASE_URL, creating and migrating it as needed. Rejects with StoreError. */
export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<Store> {
  return createKyselyStore(await openDialect(databaseUrl, options), options);
}
