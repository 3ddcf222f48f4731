// The PostgreSQL side of the store: a node-postgres pool under Kysely's PostgresDialect. A commit is durable when it
// returns; write transactions run at READ COMMITTED, where the compare-and-set UPDATE of a transition waits for the
// row's lock and then re-checks its WHERE clause against the committed row, so exactly one of any number of
// concurrent writers, in any number of processes, wins.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logger.js';
import type { StoreDialect } from './dialect.js';
import { StoreError } from './errors.js';
import { runPgMigrations } from './pg-migrations.js';
import type { Database } from './schema.js';

export interface PgOpenOptions {
  logger?: Logger | undefined;
  /** How long to wait for a connection; 5 s by default. */
  connectTimeoutMs?: number | undefined;
  /** Connections per process; 10 by default. */
  poolSize?: number | undefined;
}

const INT8_OID = 20;
// bigint columns (Moodle ids, audit ids) as numbers: they stay far below 2^53.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as never,
};

/** Why a connection failed, in words an operator can act on (never the password). */
export function describeConnectError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'the connection was refused (is PostgreSQL running and listening on that host and port?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host does not answer (a wrong address, or a firewall in the way?)';
    case '28P01':
      return 'the password was refused for that user';
    case '28000':
      return 'the server refuses this user from this address (does the role exist? see pg_hba.conf)';
    case '3D000':
      return 'the database does not exist (create it, e.g. createdb, or fix the name)';
    case '42501':
      return 'the user lacks a privilege the app needs (it must be able to create tables in its schema)';
    default: {
      const message = error instanceof Error ? error.message : String(error);
      if (/timeout/i.test(message)) return 'no answer in time (a wrong address, or a firewall in the way?)';
      return message;
    }
  }
}

/** Connects, checks the connection and migrates; throws StoreError with the host and what failed. */
export async function openPgDialect(url: string, where: string, options: PgOpenOptions = {}): Promise<StoreDialect> {
  const password = URL.canParse(url) ? decodeURIComponent(new URL(url).password) : '';
  const clean = (text: string): string => (password ? text.split(password).join('[redacted]') : text);
  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    max: options.poolSize ?? 10,
    types,
  });
  // An idle connection dropped by the server (a restart, a failover) must not crash the process: the pool replaces it.
  pool.on('error', (err) =>
    options.logger?.warn({ code: (err as { code?: unknown }).code }, 'PostgreSQL dropped a connection'),
  );
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`SELECT 1`.execute(db);
  } catch (cause) {
    await db.destroy().catch(() => undefined);
    throw new StoreError(
      'database_open_failed',
      `Cannot connect to PostgreSQL at ${where}: ${clean(describeConnectError(cause))}. Check DATABASE_URL.`,
    );
  }
  try {
    const applied = await runPgMigrations(db, where);
    if (applied.length > 0) {
      options.logger?.info(
        { migrations: applied.map((m) => `${m.version} ${m.name}`) },
        `database ${where}: schema upgraded`,
      );
    }
  } catch (error) {
    await db.destroy().catch(() => undefined);
    if (error instanceof StoreError) throw new StoreError(error.code, clean(error.message));
    throw error;
  }
  return {
    kind: 'postgres',
    where,
    db,
    writeTransaction: (fn) => db.transaction().execute(fn),
    writeOne: (fn) => fn(db),
    durable: () => Promise.resolve(),
    isUniqueViolation: (error) => (error as { code?: unknown } | null)?.code === '23505',
    now: () => sql<string>`now()`,
    nowPlus: (ms) => sql<string>`now() + make_interval(secs => ${ms / 1000})`,
    async close() {
      await db.destroy();
    },
  };
}
