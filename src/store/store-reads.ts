// The store's queries over requests: lists, look-ups by status and age, counts, requests in flight by target and
// executions whose process is gone. Every row read is decoded and checked (rows.ts).
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { IN_FLIGHT_STATUSES, type RequestRecord } from '../core/requests.js';
import type { RequestInFlight, Store } from '../core/store.js';
import type { StoreDialect } from './dialect.js';
import { StoreError } from './errors.js';
import { buildInFlightQuery } from './in-flight-query.js';
import { createLeaseQueries } from './lease-queries.js';
import { decodeRequest, summarise } from './rows.js';
import type { Database } from './schema.js';

const inFlightRowSchema = z.object({
  id: z.string(),
  status: z.enum(IN_FLIGHT_STATUSES),
  requester_id: z.string(),
  target_username: z.string().nullable(),
  target_email: z.string().nullable(),
});

function decodeInFlight(raw: unknown): RequestInFlight {
  const parsed = inFlightRowSchema.safeParse(raw);
  if (!parsed.success) {
    const id = (raw as { id?: unknown } | null)?.id;
    throw new StoreError('corrupt_row', `The stored request ${String(id)} cannot be read: ${summarise(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const row = parsed.data;
  return {
    id: row.id,
    status: row.status,
    requesterId: row.requester_id,
    username: row.target_username ?? '',
    email: row.target_email ?? '',
  };
}

const list = async (query: Promise<unknown[]>): Promise<RequestRecord[]> =>
  (await query).map((raw) => decodeRequest(raw));

/** Oldest first, by status. */
const oldestFirst = (db: Kysely<Database>) => db.selectFrom('requests').selectAll().orderBy('created_at').orderBy('id');

export type RequestReads = Pick<
  Store,
  'listRequests' | 'findExpired' | 'findByStatus' | 'countByStatus' | 'findInFlight' | 'findInterrupted'
>;

export function createRequestReads(dialect: StoreDialect): RequestReads {
  const { db } = dialect;
  const leases = createLeaseQueries(dialect);
  return {
    async listRequests(query) {
      if (query.statuses !== undefined && query.statuses.length === 0) return [];
      let select = db.selectFrom('requests').selectAll();
      if (query.requester !== undefined) select = select.where('requester_id', '=', query.requester);
      if (query.statuses !== undefined) select = select.where('status', 'in', [...query.statuses]);
      if (query.operation !== undefined) select = select.where('operation', '=', query.operation);
      if (query.moodleId !== undefined) select = select.where('target_moodle_id', '=', query.moodleId);
      return list(select.orderBy('created_at', 'desc').orderBy('id').limit(Math.max(0, query.limit)).execute());
    },
    findExpired: (olderThan) =>
      list(oldestFirst(db).where('status', '=', 'pending').where('created_at', '<', olderThan.toISOString()).execute()),
    findByStatus: (status) => list(oldestFirst(db).where('status', '=', status).execute()),
    async countByStatus() {
      const rows = await db
        .selectFrom('requests')
        .select(['status', (eb) => eb.fn.countAll<number | string>().as('count')])
        .groupBy('status')
        .execute();
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
    },
    async findInFlight(match) {
      const query = buildInFlightQuery(db, match);
      return query ? (await query.execute()).map(decodeInFlight) : [];
    },
    findInterrupted: () => list(leases.selectOrphanedExecutions().execute()),
  };
}
