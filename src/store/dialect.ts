// What differs between the two databases behind the one store (kysely-store.ts): how a write transaction keeps other
// writers out, how a commit becomes durable, the database's clock, and how a duplicate key shows. Everything else,
// every query included, is written once on the typed query builder.
import type { Kysely, RawBuilder } from 'kysely';
import type { Database } from './schema.js';

export interface StoreDialect {
  readonly kind: 'sqlite' | 'postgres';
  /** Printable location for messages (never a password). */
  readonly where: string;
  readonly db: Kysely<Database>;
  /**
   * Runs `fn` in one transaction. SQLite: BEGIN IMMEDIATE, so writers queue for the file; PostgreSQL: READ COMMITTED,
   * where a compare-and-set UPDATE waits for the row's lock and re-checks its WHERE on the committed row.
   */
  writeTransaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /** One write statement. SQLite: in a write transaction too (see sqlite-dialect.ts); PostgreSQL: as it comes. */
  writeOne<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /** After a commit: resolves once it would survive a power cut (SQLite's WAL flush; PostgreSQL's commit is). */
  durable(): Promise<void>;
  /** A primary-key or unique violation (a request id drawn twice). */
  isUniqueViolation(error: unknown): boolean;
  /** The database's clock, as a value comparable with the time columns. */
  now(): RawBuilder<string>;
  /** The database's clock plus `ms`. */
  nowPlus(ms: number): RawBuilder<string>;
  /** Called once. */
  close(): Promise<void>;
}
