// The Store port on the typed query layer, once for both databases; what differs lives in a StoreDialect
// (sqlite-dialect.ts, pg-dialect.ts). Every status change is one write transaction: a compare-and-set UPDATE on
// id + status + version, plus its audit events, so a change and its record in the audit log cannot come apart, and
// two processes cannot both win. Free text passes the secret scrubber before it is written, and the payload schemas
// drop any key they do not know (a password, say), so the database never holds a secret. Payloads are stored as
// their operation's JSON; the store reads no operation's fields, only the target columns and the target key.
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { type NewAuditEvent, type RequestAuditDraft, truncateDetail } from '../core/audit.js';
import { requestPayloadSchema } from '../core/operations/registry.js';
import {
  canTransition,
  generateRequestId,
  IN_FLIGHT_STATUSES,
  type NewRequest,
  preflightSummarySchema,
  type RequestRecord,
  requestTargetSchema,
} from '../core/requests.js';
import type { Store, TransitionChange, TransitionResult } from '../core/store.js';
import type { StoreDialect } from './dialect.js';
import { StoreError } from './errors.js';
import { buildInFlightQuery } from './in-flight-query.js';
import { createLeaseQueries } from './lease-queries.js';
import { buildUpdateSet, decodeAudit, decodeRequest, summarise, targetKeyOf } from './rows.js';
import type { Database } from './schema.js';

export interface TextScrubber {
  scrub(text: string): string;
}

export interface StoreOptions {
  /** Replaces known secret values in every text written (pass the logger's SecretScrubber). */
  scrubber?: TextScrubber;
  /** Tests inject colliding ids. */
  generateId?: () => string;
  /** This process's lease holder id, recorded on the executions it starts (see findInterrupted). */
  holderId?: string;
}

const inFlightRowSchema = z.object({
  id: z.string(),
  status: z.enum(IN_FLIGHT_STATUSES),
  requester_id: z.string(),
  target_username: z.string().nullable(),
  target_email: z.string().nullable(),
});

function decodeInFlight(raw: unknown) {
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

export function randomHolderId(): string {
  return `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

export function createKyselyStore(dialect: StoreDialect, options: StoreOptions = {}): Store {
  const { db } = dialect;
  const scrub = (text: string): string => (options.scrubber ? options.scrubber.scrub(text) : text);
  const text = (value: string | undefined): string | null => (value === undefined ? null : scrub(value));
  const json = (value: unknown): string => scrub(JSON.stringify(value));
  const generateId = options.generateId ?? generateRequestId;
  const holderId = options.holderId ?? randomHolderId();
  const leases = createLeaseQueries(dialect);
  let closing: Promise<void> | undefined;

  const getRow = async (q: Kysely<Database>, id: string): Promise<RequestRecord | undefined> => {
    const raw = await q.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
    return raw === undefined ? undefined : decodeRequest(raw);
  };

  const writeAudit = async (q: Kysely<Database>, event: NewAuditEvent) => {
    const target = requestTargetSchema.parse(event.target ?? {});
    const raw = await q
      .insertInto('audit_events')
      .values({
        at: event.at.toISOString(),
        actor: scrub(event.actor),
        kind: event.kind,
        request_id: event.requestId ?? null,
        operation: event.operation ?? null,
        target_moodle_id: target.moodleId ?? null,
        target_username: text(target.username),
        target_email: text(target.email),
        outcome: text(event.outcome),
        moodle_id: event.moodleId ?? null,
        detail: text(truncateDetail(event.detail)),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return decodeAudit(raw);
  };

  const writeDrafts = async (
    q: Kysely<Database>,
    request: RequestRecord,
    at: Date,
    drafts: readonly RequestAuditDraft[],
  ): Promise<void> => {
    for (const draft of drafts) {
      const event: NewAuditEvent = {
        at,
        actor: draft.actor,
        kind: draft.kind,
        requestId: request.id,
        operation: request.operation,
        target: request.target,
      };
      if (draft.outcome !== undefined) event.outcome = draft.outcome;
      if (draft.moodleId !== undefined) event.moodleId = draft.moodleId;
      if (draft.detail !== undefined) event.detail = draft.detail;
      await writeAudit(q, event);
    }
  };

  const rowOf = (input: NewRequest) => {
    const payload = requestPayloadSchema.parse(input.payload);
    const target = requestTargetSchema.parse(input.target);
    const status = input.initialStatus ?? 'pending';
    const createdAt = input.createdAt.toISOString();
    return {
      operation: payload.operation,
      status,
      version: 1,
      requester_id: input.requester.userId,
      requester_team_id: input.requester.teamId ?? null,
      requester_channel_id: input.requester.channelId ?? null,
      target_moodle_id: target.moodleId ?? null,
      target_username: text(target.username),
      target_email: text(target.email),
      target_key: scrub(targetKeyOf(payload.operation, payload, target)),
      payload: json(payload),
      preflight: input.preflight ? json(preflightSummarySchema.parse(input.preflight)) : null,
      reason: text(input.reason),
      created_at: createdAt,
      updated_at: createdAt,
      decided_at: status === 'approved' ? createdAt : null,
      decided_by: status === 'approved' ? (input.decidedBy ?? input.requester.userId) : null,
      attempts: 0,
    };
  };

  const transitionIn = async (q: Kysely<Database>, id: string, change: TransitionChange): Promise<TransitionResult> => {
    const before = await getRow(q, id);
    if (!before) return { ok: false, current: undefined };
    const patch = change.patch ?? {};
    if (patch.payload && patch.payload.operation !== before.operation) {
      throw new StoreError(
        'invalid_transition',
        `A ${patch.payload.operation} payload cannot replace ${id}'s ${before.operation} payload.`,
      );
    }
    const set = buildUpdateSet(before, change.to, change.at, patch, scrub);
    if (change.to === 'executing') set.executing_holder = holderId;
    const updated = await q
      .updateTable('requests')
      .set(set)
      .where('id', '=', id)
      .where('status', '=', change.from)
      .where('version', '=', change.expectedVersion)
      .executeTakeFirst();
    // The WHERE clause is the compare-and-set: no row means someone else changed the request first. Read it again:
    // in PostgreSQL `before` may predate the winner's commit.
    if (Number(updated.numUpdatedRows) !== 1) return { ok: false, current: await getRow(q, id) };
    const request = (await getRow(q, id))!;
    await writeDrafts(q, request, change.at, change.audit ?? []);
    return { ok: true, request };
  };

  const list = async (query: Promise<unknown[]>): Promise<RequestRecord[]> =>
    (await query).map((raw) => decodeRequest(raw));

  return {
    async createRequest(input, audit = []) {
      const row = rowOf(input);
      // An id clash is rare (see generateRequestId) but must not lose the request: draw again.
      for (let attempt = 0; attempt < 10; attempt++) {
        const id = generateId();
        let request: RequestRecord;
        try {
          request = await dialect.writeTransaction(async (trx) => {
            await trx
              .insertInto('requests')
              .values({ ...row, id })
              .execute();
            const created = (await getRow(trx, id))!;
            await writeDrafts(trx, created, input.createdAt, audit);
            return created;
          });
        } catch (error) {
          if (!dialect.isUniqueViolation(error)) throw error;
          continue;
        }
        await dialect.durable();
        return request;
      }
      throw new StoreError('id_exhausted', 'Could not find a free request id after 10 tries.');
    },

    getRequest: (id) => getRow(db, id),

    async transition(id, change) {
      if (!canTransition(change.from, change.to)) {
        throw new StoreError('invalid_transition', `A request cannot go from ${change.from} to ${change.to}.`);
      }
      const result = await dialect.writeTransaction((trx) => transitionIn(trx, id, change));
      if (result.ok) await dialect.durable();
      return result;
    },

    async setApprovalMessage(id, location) {
      await dialect.writeOne((q) =>
        q
          .updateTable('requests')
          .set({ approval_channel: location.channel, approval_ts: location.ts })
          .where('id', '=', id)
          .execute(),
      );
      await dialect.durable();
    },

    async setNotificationTs(id, ts) {
      await dialect.writeOne((q) =>
        q.updateTable('requests').set({ notification_ts: ts }).where('id', '=', id).execute(),
      );
      await dialect.durable();
    },

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
      list(
        db
          .selectFrom('requests')
          .selectAll()
          .where('status', '=', 'pending')
          .where('created_at', '<', olderThan.toISOString())
          .orderBy('created_at')
          .orderBy('id')
          .execute(),
      ),

    findByStatus: (status) =>
      list(
        db
          .selectFrom('requests')
          .selectAll()
          .where('status', '=', status)
          .orderBy('created_at')
          .orderBy('id')
          .execute(),
      ),

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

    async appendAudit(event) {
      const written = await dialect.writeOne((q) => writeAudit(q, event));
      await dialect.durable();
      return written;
    },

    async listAudit(query = {}) {
      let select = db.selectFrom('audit_events').selectAll();
      if (query.since) select = select.where('at', '>=', query.since.toISOString());
      if (query.until) select = select.where('at', '<', query.until.toISOString());
      if (query.limit !== undefined) select = select.limit(Math.max(0, query.limit));
      return (await select.orderBy('id').execute()).map((raw) => decodeAudit(raw));
    },

    acquireLease: leases.acquire,
    releaseLease: leases.release,
    findLeaseHolder: leases.findHolder,
    async isHealthy() {
      if (closing) return false;
      try {
        await sql`SELECT 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    close() {
      closing ??= dialect.close();
      return closing;
    },
  };
}
