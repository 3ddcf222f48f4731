// Copies the requests, the audit log, the scheduled actions and the rows of imports from one database to another
// (SQLite to PostgreSQL when moving to several replicas, or back), row for row with their ids, then verifies the copy
// by reading every row back from both sides through the store's own decoders. Leases and seen signatures are not
// copied: they belong to running processes. The target must be empty, so that nothing is overwritten and nothing
// mixed.
import { isDeepStrictEqual } from 'node:util';
import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from './dialect.js';
import { StoreError } from './errors.js';
import { decodeImportRow } from './import-rows.js';
import { describeLocation, type OpenDialectOptions, openDialect } from './open-dialect.js';
import { decodeAudit, decodeRequest } from './rows.js';
import { decodeAction } from './schedule-queries.js';
import type { Database } from './schema.js';

export interface CopyReport {
  from: string;
  to: string;
  requests: number;
  auditEvents: number;
  scheduledActions: number;
  importRows: number;
}

const PAGE = 500;
/** Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement, and a request has 30 columns. */
const CHUNK = 200;

type Table = 'requests' | 'audit_events' | 'scheduled_actions' | 'import_rows';

/** A row as read from one dialect, as the other takes it: times as ISO text, JSON as its text. */
function toInsertable(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([column, value]) => [
      column,
      value instanceof Date
        ? value.toISOString()
        : value !== null && typeof value === 'object'
          ? JSON.stringify(value)
          : value,
    ]),
  );
}

const DECODERS: Record<Table, (raw: unknown) => unknown> = {
  requests: decodeRequest,
  audit_events: decodeAudit,
  scheduled_actions: decodeAction,
  import_rows: decodeImportRow,
};

async function countRows(db: Kysely<Database>, table: Table): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every row of `table` in id order, a page at a time. */
async function* pagesOf(db: Kysely<Database>, table: Table): AsyncGenerator<Record<string, unknown>[]> {
  let after: string | number | undefined;
  for (;;) {
    let query = db.selectFrom(table).selectAll().orderBy('id').limit(PAGE);
    if (after !== undefined) query = query.where('id', '>', after as never);
    const rows = (await query.execute()) as Record<string, unknown>[];
    if (rows.length === 0) return;
    yield rows;
    after = rows.at(-1)?.id as string | number;
  }
}

async function copyTable(from: StoreDialect, to: Kysely<Database>, table: Table): Promise<number> {
  let copied = 0;
  for await (const page of pagesOf(from.db, table)) {
    for (let i = 0; i < page.length; i += CHUNK) {
      const rows = page.slice(i, i + CHUNK).map(toInsertable);
      await to
        .insertInto(table)
        .values(rows as never)
        .execute();
      copied += rows.length;
    }
  }
  return copied;
}

/** Reads both sides back through the decoders: the same records, in the same order, or a StoreError naming the first. */
async function verifyTable(from: StoreDialect, to: StoreDialect, table: Table): Promise<void> {
  const decode: (raw: unknown) => unknown = DECODERS[table];
  const source = pagesOf(from.db, table);
  const target = pagesOf(to.db, table);
  for (;;) {
    const [a, b] = await Promise.all([source.next(), target.next()]);
    if (a.done && b.done) return;
    const left = a.done ? [] : a.value.map((row) => decode(row));
    const right = b.done ? [] : b.value.map((row) => decode(row));
    const index = left.findIndex((record, i) => !isDeepStrictEqual(record, right[i]));
    if (index >= 0 || left.length !== right.length) {
      const id = (a.done ? b.value : a.value)?.[Math.max(index, 0)]?.id;
      throw new StoreError('copy_mismatch', `The copy of ${table} ${String(id)} does not read back the same.`);
    }
  }
}

export async function copyStore(fromUrl: string, toUrl: string, options: OpenDialectOptions = {}): Promise<CopyReport> {
  const report: CopyReport = {
    from: describeLocation(fromUrl),
    to: describeLocation(toUrl),
    requests: 0,
    auditEvents: 0,
    scheduledActions: 0,
    importRows: 0,
  };
  if (report.from === report.to) {
    throw new StoreError('copy_refused', `The source and the target are the same database ${report.from}.`);
  }
  const from = await openDialect(fromUrl, { ...options, fileMustExist: true });
  try {
    const to = await openDialect(toUrl, options);
    try {
      const [requests, events] = [await countRows(to.db, 'requests'), await countRows(to.db, 'audit_events')];
      if (requests + events > 0) {
        throw new StoreError(
          'copy_refused',
          `The target ${report.to} already holds ${requests} requests and ${events} audit events; copy into an empty database.`,
        );
      }
      await to.writeTransaction(async (trx) => {
        report.requests = await copyTable(from, trx, 'requests');
        report.auditEvents = await copyTable(from, trx, 'audit_events');
        report.scheduledActions = await copyTable(from, trx, 'scheduled_actions');
        report.importRows = await copyTable(from, trx, 'import_rows');
        // New audit events must be numbered after the copied ones (SQLite's AUTOINCREMENT sees them by itself).
        if (to.kind === 'postgres') {
          await sql`SELECT setval(pg_get_serial_sequence('audit_events', 'id'), (SELECT max(id) FROM audit_events))`.execute(
            trx,
          );
        }
      });
      await to.durable();
      await verifyTable(from, to, 'requests');
      await verifyTable(from, to, 'audit_events');
      await verifyTable(from, to, 'scheduled_actions');
      await verifyTable(from, to, 'import_rows');
      return report;
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}
