// The store's writes: a new request with its audit events, a compare-and-set transition with its audit events, one
// audit event, and a reminder's claim. Text is scrubbed of known secrets before it is written; the payload schemas
// drop unknown keys.
import type { Kysely } from 'kysely';
import type { AuditEvent } from '../core/audit.js';
import { type NewAuditEvent, type RequestAuditDraft, truncateDetail } from '../core/audit.js';
import type { ImportRowRecord } from '../core/import/types.js';
import { requestPayloadSchema } from '../core/operations/registry.js';
import { type NewRequest, preflightSummarySchema, type RequestRecord, requestTargetSchema } from '../core/requests.js';
import type { TransitionChange, TransitionResult } from '../core/store.js';
import type { StoreDialect } from './dialect.js';
import { StoreError } from './errors.js';
import { insertImportRows } from './import-rows.js';
import { buildUpdateSet, decodeAudit, decodeRequest, targetKeyOf } from './rows.js';
import type { Database } from './schema.js';

export interface WriteContext {
  readonly dialect: StoreDialect;
  readonly scrub: (text: string) => string;
  readonly generateId: () => string;
  /** Recorded on every execution this process starts (see Store.findInterrupted). */
  readonly holderId: string;
}

const textOf = (ctx: WriteContext, value: string | undefined): string | null =>
  value === undefined ? null : ctx.scrub(value);
const jsonOf = (ctx: WriteContext, value: unknown): string => ctx.scrub(JSON.stringify(value));

export async function getRow(q: Kysely<Database>, id: string): Promise<RequestRecord | undefined> {
  const raw = await q.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
  return raw === undefined ? undefined : decodeRequest(raw);
}

function auditValues(ctx: WriteContext, event: NewAuditEvent) {
  const target = requestTargetSchema.parse(event.target ?? {});
  return {
    at: event.at.toISOString(),
    actor: ctx.scrub(event.actor),
    kind: event.kind,
    request_id: event.requestId ?? null,
    operation: event.operation ?? null,
    target_moodle_id: target.moodleId ?? null,
    target_username: textOf(ctx, target.username),
    target_email: textOf(ctx, target.email),
    outcome: textOf(ctx, event.outcome),
    moodle_id: event.moodleId ?? null,
    detail: textOf(ctx, truncateDetail(event.detail)),
  };
}

export async function writeAudit(ctx: WriteContext, q: Kysely<Database>, event: NewAuditEvent): Promise<AuditEvent> {
  const raw = await q
    .insertInto('audit_events')
    .values(auditValues(ctx, event))
    .returningAll()
    .executeTakeFirstOrThrow();
  return decodeAudit(raw);
}

/** Many events in a few statements (an import's rows), in the caller's transaction. */
export async function writeAuditMany(
  ctx: WriteContext,
  q: Kysely<Database>,
  events: readonly NewAuditEvent[],
): Promise<void> {
  // At most 11 parameters an event: 500 stay under PostgreSQL's 65,535 per statement.
  for (let i = 0; i < events.length; i += 500) {
    await q
      .insertInto('audit_events')
      .values(events.slice(i, i + 500).map((e) => auditValues(ctx, e)))
      .execute();
  }
}

/** The audit events of a request change, filled in from the request so that the two cannot disagree. */
async function writeDrafts(
  ctx: WriteContext,
  q: Kysely<Database>,
  request: RequestRecord,
  at: Date,
  drafts: readonly RequestAuditDraft[],
): Promise<void> {
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
    await writeAudit(ctx, q, event);
  }
}

function rowOf(ctx: WriteContext, input: NewRequest) {
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
    target_username: textOf(ctx, target.username),
    target_email: textOf(ctx, target.email),
    target_key: ctx.scrub(targetKeyOf(payload.operation, payload, target)),
    payload: jsonOf(ctx, payload),
    preflight: input.preflight ? jsonOf(ctx, preflightSummarySchema.parse(input.preflight)) : null,
    reason: textOf(ctx, input.reason),
    created_at: createdAt,
    updated_at: createdAt,
    decided_at: status === 'approved' ? createdAt : null,
    decided_by: status === 'approved' ? (input.decidedBy ?? input.requester.userId) : null,
    attempts: 0,
    approvals_needed: input.approvalsNeeded ?? 1,
  };
}

/** Stores a request under a fresh id, with its audit events, in one transaction; resolves once it is durable. */
export async function createRequestIn(
  ctx: WriteContext,
  input: NewRequest,
  audit: readonly RequestAuditDraft[],
  importRows: readonly ImportRowRecord[] = [],
): Promise<RequestRecord> {
  const row = rowOf(ctx, input);
  // An id clash is rare (see generateRequestId) but must not lose the request: draw again.
  for (let attempt = 0; attempt < 10; attempt++) {
    const id = ctx.generateId();
    let request: RequestRecord;
    try {
      request = await ctx.dialect.writeTransaction(async (trx) => {
        await trx
          .insertInto('requests')
          .values({ ...row, id })
          .execute();
        const created = (await getRow(trx, id))!;
        await writeDrafts(ctx, trx, created, input.createdAt, audit);
        await insertImportRows(trx, id, importRows, input.createdAt, ctx.scrub);
        // Rows the preview left out have their outcome already: one audit event each, with the request.
        await writeAuditMany(
          ctx,
          trx,
          importRows
            .filter((row) => row.state === 'skipped')
            .map((r) => ({
              at: input.createdAt,
              actor: input.requester.userId,
              kind: 'import_row' as const,
              requestId: id,
              operation: created.operation,
              target: { username: r.username, ...(r.moodleId !== undefined ? { moodleId: r.moodleId } : {}) },
              outcome: 'skipped',
              detail: `row ${r.row}: ${r.message ?? r.action}`,
            })),
        );
        return created;
      });
    } catch (error) {
      if (!ctx.dialect.isUniqueViolation(error)) throw error;
      continue;
    }
    await ctx.dialect.durable();
    return request;
  }
  throw new StoreError('id_exhausted', 'Could not find a free request id after 10 tries.');
}

/** The compare-and-set of a transition and its audit events, inside the caller's write transaction. */
export async function transitionIn(
  ctx: WriteContext,
  q: Kysely<Database>,
  id: string,
  change: TransitionChange,
): Promise<TransitionResult> {
  const before = await getRow(q, id);
  if (!before) return { ok: false, current: undefined };
  const patch = change.patch ?? {};
  if (patch.payload && patch.payload.operation !== before.operation) {
    throw new StoreError(
      'invalid_transition',
      `A ${patch.payload.operation} payload cannot replace ${id}'s ${before.operation} payload.`,
    );
  }
  const set = buildUpdateSet(before, change.to, change.at, patch, ctx.scrub);
  if (change.to === 'executing') set.executing_holder = ctx.holderId;
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
  await writeDrafts(ctx, q, request, change.at, change.audit ?? []);
  return { ok: true, request };
}

/**
 * Records `at` as the request's last reminder if it is still pending and was last reminded (or, never reminded,
 * created) at or before `dueBefore`: a conditional UPDATE, so only one run of any replica claims each period's reminder.
 */
export async function claimReminder(dialect: StoreDialect, id: string, at: Date, dueBefore: Date): Promise<boolean> {
  const due = dueBefore.toISOString();
  const updated = await dialect.writeOne((q) =>
    q
      .updateTable('requests')
      .set({ reminded_at: at.toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where((eb) => eb(eb.fn.coalesce('reminded_at', 'created_at'), '<=', due))
      .executeTakeFirst(),
  );
  const won = Number(updated.numUpdatedRows) === 1;
  if (won) await dialect.durable();
  return won;
}
