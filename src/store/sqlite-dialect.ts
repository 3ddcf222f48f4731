// The SQLite side of the store: better-sqlite3 under Kysely's SqliteDialect, with prepared statements kept (Kysely
// prepares every query anew), BEGIN IMMEDIATE write transactions, and the write-ahead log flushed after each commit
// (wal-flush.ts) so that an acknowledged write survives a power cut.
// Every write goes through BEGIN IMMEDIATE, and waiting for another connection's write lock is done by retrying
// between event-loop turns, not by SQLite's busy handler: that one sleeps on the only thread, which would stall every
// request, and deadlock outright when the lock's holder is another Store in the same process (it needs that thread
// to finish its transaction). Reads never wait in WAL mode.
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect, sql } from 'kysely';
import type { DatabaseLocation } from './database-url.js';
import type { StoreDialect } from './dialect.js';
import type { Database } from './schema.js';
import { type OpenOptions, openDatabase } from './sqlite-open.js';

/** Statements come in few shapes (an update's SET list, a look-up's number of values); beyond this, start over. */
const STATEMENT_CACHE_MAX = 500;

function cachingDatabase(raw: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => raw.close(),
    prepare(text) {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_MAX) statements.clear();
        statement = raw.prepare(text);
        statements.set(text, statement);
      }
      return statement as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}

const ISO_FORMAT = '%Y-%m-%dT%H:%M:%fZ';

const isBusy = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT';
};

/** BEGIN IMMEDIATE without SQLite's busy handler, retried between event-loop turns until `timeoutMs`. */
async function beginImmediate(raw: BetterSqlite3.Database, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const previous = raw.pragma('busy_timeout', { simple: true }) as number;
  raw.pragma('busy_timeout = 0');
  try {
    for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
      try {
        raw.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
    }
  } finally {
    raw.pragma(`busy_timeout = ${previous}`);
  }
}

/** Opens (creating and migrating as allowed) a SQLite database and returns its dialect. Throws StoreError. */
export function openSqliteDialect(
  location: Extract<DatabaseLocation, { kind: 'sqlite' | 'sqlite-memory' }>,
  where: string,
  options: OpenOptions,
): StoreDialect & { readonly raw: BetterSqlite3.Database } {
  const { db: raw, wal } = openDatabase(location, where, options);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingDatabase(raw) }) });
  return {
    kind: 'sqlite',
    where,
    db,
    raw,
    writeTransaction(fn) {
      // One connection, which Kysely lends to one caller at a time: the transaction holds it until it ends.
      return db.connection().execute(async (conn) => {
        await beginImmediate(raw, options.busyTimeoutMs ?? 5000);
        try {
          const result = await fn(conn);
          await sql`COMMIT`.execute(conn);
          return result;
        } catch (error) {
          if (raw.inTransaction) await sql`ROLLBACK`.execute(conn);
          throw error;
        }
      });
    },
    writeOne(fn) {
      return this.writeTransaction(fn);
    },
    durable: () => wal?.afterCommit() ?? Promise.resolve(),
    isUniqueViolation: (error) => {
      const code = (error as { code?: unknown } | null)?.code;
      return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
    },
    now: () => sql<string>`strftime(${ISO_FORMAT}, 'now')`,
    nowPlus: (ms) => sql<string>`strftime(${ISO_FORMAT}, 'now', ${`+${ms / 1000} seconds`})`,
    async close() {
      await wal?.close();
      await db.destroy();
      // Kysely closes the database only if it ever ran a query.
      if (raw.open) raw.close();
    },
  };
}
