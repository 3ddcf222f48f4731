// Real PostgreSQL for the tests: the project's machines run PostgreSQL 15 on 127.0.0.1:5432 (trust authentication,
// user postgres, database test; .ci/run starts it). Each test gets a schema of its own, dropped afterwards. When no
// server answers, the PostgreSQL tests fail with a message that says how to start one: they are never skipped.
import pg from 'pg';

export const PG_TEST_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface PgTestSchema {
  /** DATABASE_URL for the app: the test database, with this schema first on the search path. */
  readonly url: string;
  readonly schema: string;
  /** Runs SQL in the schema (to corrupt a row, to read what the store wrote). */
  query(text: string, params?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const code = (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
    throw new Error(
      `PostgreSQL does not answer at ${url.replace(/:[^:@/]*@/, '@')} (${code}). The PostgreSQL tests need it: start it ` +
        'with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (.ci/run does), or set PG_TEST_URL.',
    );
  }
  return client;
}

export async function createPgTestSchema(): Promise<PgTestSchema> {
  const schema = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = await connect(PG_TEST_URL);
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(PG_TEST_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  let reader: pg.Client | undefined;
  return {
    url: url.toString(),
    schema,
    async query(text, params = []) {
      reader ??= await connect(url.toString());
      return reader.query(text, params);
    },
    async drop() {
      await reader?.end();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}
