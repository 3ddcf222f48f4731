// The rows of bulk imports (table import_rows), in either dialect: written with their request in one transaction,
// then moved state by state in batches (one transaction per batch, with the audit events of the rows that ended).
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { NewAuditEvent } from '../core/audit.js';
import type { ImportRowStore } from '../core/import/ports.js';
import {
  IMPORT_ROW_STATES,
  type ImportRowRecord,
  type ImportRowState,
  type ImportRowUpdate,
  rowPlanSchema,
} from '../core/import/types.js';
import type { StoreDialect } from './dialect.js';
import { StoreError } from './errors.js';
import type { Database } from './schema.js';

/** Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement, and a row has 10 columns. */
const INSERT_CHUNK = 500;

const importRowSchema = z.object({
  request_id: z.string(),
  row_number: z.number().int(),
  state: z.enum(IMPORT_ROW_STATES),
  action: rowPlanSchema.shape.action,
  username: z.string(),
  moodle_id: z.number().int().nullable(),
  message: z.string().nullable(),
  plan: z.unknown(),
});

export function importRowId(requestId: string, row: number): string {
  return `${requestId}/${String(row).padStart(7, '0')}`;
}

const ROW_STATES: ReadonlySet<unknown> = new Set(IMPORT_ROW_STATES);
const ROW_ACTIONS: ReadonlySet<unknown> = new Set(rowPlanSchema.shape.action.options);

/** The schema's own test, without its per-row objects (a run reads 10,000 rows); the schema words a failure. */
function isWellFormed(raw: unknown): raw is z.infer<typeof importRowSchema> {
  const r = raw as Record<string, unknown> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.request_id === 'string' &&
    Number.isInteger(r.row_number) &&
    ROW_STATES.has(r.state) &&
    ROW_ACTIONS.has(r.action) &&
    typeof r.username === 'string' &&
    (r.moodle_id === null || Number.isInteger(r.moodle_id)) &&
    (r.message === null || typeof r.message === 'string')
  );
}

export function decodeImportRow(raw: unknown): ImportRowRecord {
  let r: z.infer<typeof importRowSchema>;
  if (isWellFormed(raw)) r = raw;
  else {
    const parsed = importRowSchema.safeParse(raw);
    if (!parsed.success) {
      const id = (raw as { id?: unknown } | null)?.id;
      throw new StoreError(
        'corrupt_row',
        `The import row ${String(id)} cannot be read: ${parsed.error.issues[0]?.message}`,
      );
    }
    r = parsed.data;
  }
  const plan = typeof r.plan === 'string' ? JSON.parse(r.plan) : (r.plan ?? {});
  return {
    requestId: r.request_id,
    row: r.row_number,
    state: r.state,
    action: r.action,
    username: r.username,
    moodleId: r.moodle_id ?? undefined,
    message: r.message ?? undefined,
    plan: plan as ImportRowRecord['plan'],
  };
}

/** Inside the request's own transaction (createRequestIn), so a request is never stored without its rows. */
export async function insertImportRows(
  q: Kysely<Database>,
  requestId: string,
  rows: readonly ImportRowRecord[],
  at: Date,
  scrub: (text: string) => string,
): Promise<void> {
  const updatedAt = at.toISOString();
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const values = rows.slice(i, i + INSERT_CHUNK).map((r) => ({
      id: importRowId(requestId, r.row),
      request_id: requestId,
      row_number: r.row,
      state: r.state,
      action: r.action,
      username: scrub(r.username),
      moodle_id: r.moodleId ?? null,
      message: r.message === undefined ? null : scrub(r.message),
      plan: scrub(JSON.stringify(r.plan)),
      updated_at: updatedAt,
    }));
    await q.insertInto('import_rows').values(values).execute();
  }
}

export interface ImportRowWrites {
  writeAuditMany(q: Kysely<Database>, events: readonly NewAuditEvent[]): Promise<void>;
  scrub(text: string): string;
}

/** Rows read per query. */
const LIST_PAGE = 1_000;
const ROW_COLUMNS = [
  'id',
  'request_id',
  'row_number',
  'state',
  'action',
  'username',
  'moodle_id',
  'message',
] as const satisfies ReadonlyArray<keyof Database['import_rows']>;

/**
 * The rows of one file name the same few courses and cohorts: each is kept once (a run holds every row of a
 * 10,000-row import), not once a row as JSON.parse makes them.
 */
function shareMemberships(record: ImportRowRecord, shared: Map<string, unknown>): ImportRowRecord {
  const share = <T>(items: T[]): T[] =>
    items.map((item) => {
      const key = JSON.stringify(item);
      const known = shared.get(key) as T | undefined;
      if (known !== undefined) return known;
      shared.set(key, item);
      return item;
    });
  const { plan } = record;
  if (plan.enrolments) plan.enrolments = share(plan.enrolments);
  if (plan.cohorts) plan.cohorts = share(plan.cohorts);
  return record;
}

/** Rows per UPDATE: two parameters each in the CASE, one in the IN list. */
const UPDATE_CHUNK = 400;

/**
 * The updates of one batch in a few statements: one per state for those without a message (the moodle ids set by a
 * CASE on the row id), one per row with a message (failures: few).
 */
async function applyUpdates(
  q: Kysely<Database>,
  requestId: string,
  updates: readonly ImportRowUpdate[],
  scrub: (text: string) => string,
): Promise<void> {
  const at = new Date().toISOString();
  const plain = new Map<ImportRowState, ImportRowUpdate[]>();
  for (const u of updates) {
    if (u.message !== undefined) {
      await q
        .updateTable('import_rows')
        .set(setOf(u, at, scrub))
        .where('id', '=', importRowId(requestId, u.row))
        .execute();
    } else {
      const group = plain.get(u.state);
      if (group) group.push(u);
      else plain.set(u.state, [u]);
    }
  }
  for (const [state, group] of plain) {
    for (let i = 0; i < group.length; i += UPDATE_CHUNK) {
      const part = group.slice(i, i + UPDATE_CHUNK);
      const withId = part.filter((u) => u.moodleId !== undefined);
      const moodleId =
        withId.length === 0
          ? sql<number | null>`moodle_id`
          : sql<number | null>`CASE id ${sql.join(
              withId.map((u) => sql`WHEN ${importRowId(requestId, u.row)} THEN ${u.moodleId}`),
              sql` `,
            )} ELSE moodle_id END`;
      await q
        .updateTable('import_rows')
        .set({ state, updated_at: at, moodle_id: moodleId })
        .where(
          'id',
          'in',
          part.map((u) => importRowId(requestId, u.row)),
        )
        .execute();
    }
  }
}

export function createImportRowQueries(dialect: StoreDialect, writes: ImportRowWrites): ImportRowStore {
  const { db } = dialect;
  return {
    async addImportRows(requestId, rows) {
      await dialect.writeTransaction((trx) => insertImportRows(trx, requestId, rows, new Date(), writes.scrub));
      await dialect.durable();
    },
    async listImportRows(requestId, options = {}) {
      if (options.states?.length === 0) return [];
      // A page at a time: the raw rows of a 10,000-row import are never all held at once beside their records.
      const rows: ImportRowRecord[] = [];
      const shared = new Map<string, unknown>();
      let after = '';
      for (;;) {
        let query = db
          .selectFrom('import_rows')
          .select(options.plans === false ? ROW_COLUMNS : [...ROW_COLUMNS, 'plan'])
          .where('request_id', '=', requestId)
          .where('id', '>', after);
        if (options.states) query = query.where('state', 'in', options.states as ImportRowState[]);
        const page = await query.orderBy('id').limit(LIST_PAGE).execute();
        for (const raw of page) rows.push(shareMemberships(decodeImportRow(raw), shared));
        if (page.length < LIST_PAGE) return rows;
        after = (page[page.length - 1] as { id: string }).id;
      }
    },
    async updateImportRows(requestId, updates, audit = [], options = {}) {
      if (updates.length === 0 && audit.length === 0) return;
      await dialect.writeTransaction(async (trx) => {
        await applyUpdates(trx, requestId, updates, writes.scrub);
        await writes.writeAuditMany(trx, audit);
      });
      if (options.durable !== false) await dialect.durable();
    },
    async countImportRows(requestId) {
      const rows = await db
        .selectFrom('import_rows')
        .select(['state', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('request_id', '=', requestId)
        .groupBy('state')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)])) as Partial<Record<ImportRowState, number>>;
    },
  };
}

function setOf(u: ImportRowUpdate, at: string, scrub: (text: string) => string) {
  return {
    state: u.state,
    updated_at: at,
    ...(u.moodleId !== undefined ? { moodle_id: u.moodleId } : {}),
    ...(u.message !== undefined ? { message: scrub(u.message) } : {}),
  };
}
