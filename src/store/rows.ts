// Rows of the store, in either dialect: their schemas, how a row becomes a request or an audit event, and the SET
// list of a transition. Every row read is parsed: a corrupt row is reported with its id, never returned half-read.
// SQLite gives times and JSON as text; PostgreSQL gives Date objects, parsed jsonb and int8 as numbers (pg-open.ts).
import { sql, type UpdateObject } from 'kysely';
import { z } from 'zod';
import { AUDIT_KINDS, type AuditEvent } from '../core/audit.js';
import { operationOf, REQUEST_OPERATIONS, requestPayloadSchema } from '../core/operations/registry.js';
import { type FieldChange, fieldChangeSchema } from '../core/profile.js';
import {
  approvalsSchema,
  preflightSummarySchema,
  REQUEST_STATUSES,
  type RequestPatch,
  type RequestRecord,
  type RequestTarget,
  requestResultSchema,
  requestTargetSchema,
} from '../core/requests.js';
import { StoreError } from './errors.js';
import type { Database } from './schema.js';

const nullableText = z.string().nullable();
const nullableInt = z.number().int().nullable();
const time = z.union([z.string(), z.date()]);
const nullableTime = time.nullable();
/** JSON as text (SQLite) or already parsed (PostgreSQL jsonb); null is SQL NULL. */
const json = z.unknown();

const requestRowSchema = z.object({
  id: z.string(),
  operation: z.enum(REQUEST_OPERATIONS as [string, ...string[]]).transform((o) => o as RequestRecord['operation']),
  status: z.enum(REQUEST_STATUSES),
  version: z.number().int(),
  requester_id: z.string(),
  requester_team_id: nullableText,
  requester_channel_id: nullableText,
  target_moodle_id: nullableInt,
  target_username: nullableText,
  target_email: nullableText,
  payload: json,
  preflight: json,
  reason: nullableText,
  created_at: time,
  updated_at: time,
  decided_at: nullableTime,
  decided_by: nullableText,
  decision_comment: nullableText,
  corrections: json,
  executed_at: nullableTime,
  result: json,
  approval_channel: nullableText,
  approval_ts: nullableText,
  notification_ts: nullableText,
  attempts: z.number().int(),
  approvals: json,
  reminded_at: nullableTime,
  approvals_needed: z.number().int().min(1),
});

const auditRowSchema = z.object({
  id: z.number().int(),
  at: time,
  actor: z.string(),
  kind: z.enum(AUDIT_KINDS),
  request_id: nullableText,
  operation: z
    .enum(REQUEST_OPERATIONS as [string, ...string[]])
    .transform((o) => o as RequestRecord['operation'])
    .nullable(),
  target_moodle_id: nullableInt,
  target_username: nullableText,
  target_email: nullableText,
  outcome: nullableText,
  moodle_id: nullableInt,
  detail: nullableText,
});

const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not JSON' });
    return z.NEVER;
  }
});

// One pipe per column schema, built once: every row read parses four JSON columns, and building a zod schema costs
// more than parsing a small value with it.
const jsonPipes = new WeakMap<z.ZodType, z.ZodType>();

export function parseJsonColumn<T extends z.ZodType>(schema: T, value: unknown): z.output<T> | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') return schema.parse(value) as z.output<T>;
  let pipe = jsonPipes.get(schema);
  if (!pipe) {
    pipe = jsonText.pipe(schema);
    jsonPipes.set(schema, pipe);
  }
  return pipe.parse(value) as z.output<T>;
}

export const fieldChangesSchema = z.array(fieldChangeSchema);

export const date = (value: string | Date | null): Date | undefined =>
  value === null ? undefined : value instanceof Date ? value : new Date(value);
export const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

export function targetFromColumns(
  moodleId: number | null,
  username: string | null,
  email: string | null,
): RequestTarget {
  const target: RequestTarget = {};
  if (moodleId !== null) target.moodleId = moodleId;
  if (username !== null) target.username = username;
  if (email !== null) target.email = email;
  return target;
}

export function decodeRequest(raw: unknown): RequestRecord {
  const id = (raw as { id?: unknown } | null)?.id;
  try {
    const row = requestRowSchema.parse(raw);
    const requester: RequestRecord['requester'] = { userId: row.requester_id };
    if (row.requester_team_id !== null) requester.teamId = row.requester_team_id;
    if (row.requester_channel_id !== null) requester.channelId = row.requester_channel_id;
    return {
      id: row.id,
      operation: row.operation,
      status: row.status,
      version: row.version,
      requester,
      target: targetFromColumns(row.target_moodle_id, row.target_username, row.target_email),
      payload: parseJsonColumn(requestPayloadSchema, row.payload)!,
      preflight: parseJsonColumn(preflightSummarySchema, row.preflight),
      reason: orUndefined(row.reason),
      createdAt: date(row.created_at)!,
      updatedAt: date(row.updated_at)!,
      decidedAt: date(row.decided_at),
      decidedBy: orUndefined(row.decided_by),
      decisionComment: orUndefined(row.decision_comment),
      corrections: parseJsonColumn(fieldChangesSchema, row.corrections),
      approvals: parseJsonColumn(approvalsSchema, row.approvals) ?? [],
      remindedAt: date(row.reminded_at),
      approvalsNeeded: row.approvals_needed,
      executedAt: date(row.executed_at),
      result: parseJsonColumn(requestResultSchema, row.result),
      approvalMessage:
        row.approval_channel !== null && row.approval_ts !== null
          ? { channel: row.approval_channel, ts: row.approval_ts }
          : undefined,
      notificationTs: orUndefined(row.notification_ts),
      attempts: row.attempts,
    };
  } catch (cause) {
    throw new StoreError('corrupt_row', `The stored request ${String(id)} cannot be read: ${summarise(cause)}`, {
      cause,
    });
  }
}

export function decodeAudit(raw: unknown): AuditEvent {
  try {
    const row = auditRowSchema.parse(raw);
    return {
      id: row.id,
      at: date(row.at)!,
      actor: row.actor,
      kind: row.kind,
      requestId: orUndefined(row.request_id),
      operation: orUndefined(row.operation),
      target: targetFromColumns(row.target_moodle_id, row.target_username, row.target_email),
      outcome: orUndefined(row.outcome),
      moodleId: orUndefined(row.moodle_id),
      detail: orUndefined(row.detail),
    };
  } catch (cause) {
    const id = (raw as { id?: unknown } | null)?.id;
    throw new StoreError('corrupt_row', `The audit event ${String(id)} cannot be read: ${summarise(cause)}`, {
      cause,
    });
  }
}

export function summarise(cause: unknown): string {
  if (cause instanceof z.ZodError) return cause.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  return cause instanceof Error ? cause.message : String(cause);
}

/** What a transition writes: its SET list, from a fixed set of columns chosen by which patch keys are present. */
export function buildUpdateSet(
  before: RequestRecord,
  to: RequestRecord['status'],
  at: Date,
  patch: RequestPatch,
  scrub: (text: string) => string,
): UpdateObject<Database, 'requests'> {
  const set: UpdateObject<Database, 'requests'> = {
    status: to,
    version: sql<number>`version + 1`,
    updated_at: at.toISOString(),
  };
  if (patch.decidedAt) set.decided_at = patch.decidedAt.toISOString();
  if (patch.decidedBy !== undefined) set.decided_by = patch.decidedBy;
  if (patch.decisionComment !== undefined) set.decision_comment = scrub(patch.decisionComment);
  if (patch.corrections !== undefined) {
    const corrections: FieldChange[] = fieldChangesSchema.parse(patch.corrections);
    set.corrections = scrub(JSON.stringify(corrections));
  }
  if (patch.approvals !== undefined) {
    set.approvals = scrub(JSON.stringify(approvalsSchema.parse(patch.approvals.map((a) => ({ ...a })))));
  }
  if (patch.payload !== undefined) set.payload = scrub(JSON.stringify(requestPayloadSchema.parse(patch.payload)));
  if (patch.target !== undefined) {
    const target = requestTargetSchema.parse(patch.target);
    set.target_moodle_id = target.moodleId ?? null;
    set.target_username = target.username === undefined ? null : scrub(target.username);
    set.target_email = target.email === undefined ? null : scrub(target.email);
  }
  if (patch.payload !== undefined || patch.target !== undefined) {
    set.target_key = scrub(
      targetKeyOf(before.operation, patch.payload ?? before.payload, patch.target ?? before.target),
    );
  }
  if (patch.executedAt) set.executed_at = patch.executedAt.toISOString();
  if (patch.result !== undefined) {
    set.result = patch.result === null ? null : scrub(JSON.stringify(requestResultSchema.parse(patch.result)));
  }
  if (patch.incrementAttempts) set.attempts = sql<number>`attempts + 1`;
  return set;
}

/** The key of what a request changes (see OperationDefinition.targetKey), stored to find a twin in flight. */
export function targetKeyOf(
  operation: RequestRecord['operation'],
  payload: RequestRecord['payload'],
  target: RequestTarget,
): string {
  return operationOf(operation).targetKey(payload, target);
}
