// The SQLite store: the one Store implementation (kysely-store.ts) over a SQLite file or memory. The default for one
// process; two processes on one file also hold every guarantee (writers queue on BEGIN IMMEDIATE).
import { resolve } from 'node:path';
import type { Store } from '../core/store.js';
import type { Logger } from '../logger.js';
import type { DatabaseLocation } from './database-url.js';
import { createKyselyStore, type StoreOptions } from './kysely-store.js';
import { openSqliteDialect } from './sqlite-dialect.js';
import type { WalFlusherOptions } from './wal-flush.js';

export type { TextScrubber } from './kysely-store.js';

export interface SqliteStoreOptions extends StoreOptions {
  logger?: Logger;
  /** Refuse to create a new file (the audit export must not invent an empty database). */
  fileMustExist?: boolean;
  /** How long a write waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
  /** Tests observe or fail the flush of the write-ahead log (see wal-flush.ts). */
  walSync?: WalFlusherOptions['sync'];
}

/** Opens (creating if allowed) and migrates a SQLite database, and returns the Store over it. Throws StoreError. */
export function openSqliteStore(
  location: Extract<DatabaseLocation, { kind: 'sqlite' | 'sqlite-memory' }>,
  options: SqliteStoreOptions = {},
): Store {
  const where = location.kind === 'sqlite-memory' ? '(in memory)' : `at ${resolve(location.path)}`;
  return createKyselyStore(openSqliteDialect(location, where, options), options);
}
