// DATABASE_URL to an open, migrated dialect: SQLite or PostgreSQL. The store (index.ts) and the copy between
// databases (copy-store.ts) both start here.
import { resolve } from 'node:path';
import { parseDatabaseUrl } from './database-url.js';
import type { StoreDialect } from './dialect.js';
import { openPgDialect, type PgOpenOptions } from './pg-dialect.js';
import { openSqliteDialect } from './sqlite-dialect.js';
import type { OpenOptions } from './sqlite-open.js';

export type OpenDialectOptions = OpenOptions & PgOpenOptions;

/** Where the database is, for messages: a file's absolute path, or PostgreSQL's URL without the password. */
export function describeLocation(databaseUrl: string): string {
  const location = parseDatabaseUrl(databaseUrl);
  if (location.kind === 'postgres') return location.where;
  return location.kind === 'sqlite-memory' ? '(in memory)' : `at ${resolve(location.path)}`;
}

export async function openDialect(databaseUrl: string, options: OpenDialectOptions = {}): Promise<StoreDialect> {
  const location = parseDatabaseUrl(databaseUrl);
  if (location.kind === 'postgres') return openPgDialect(location.url, location.where, options);
  return openSqliteDialect(location, describeLocation(databaseUrl), options);
}
