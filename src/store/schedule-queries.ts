// The scheduled actions (account end dates and their reminders) over either dialect. A claim is one conditional
// UPDATE on the action's state and times, so that of any number of processes on one database exactly one runs each
// try; its lease (holder, until) lets another process take over an action whose process died mid-run.
import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Kysely } from 'kysely';
import { z } from 'zod';
import {
  type ActionSettlement,
  type ListActionsQuery,
  type NewScheduledAction,
  OPEN_STATES,
  SCHEDULED_KINDS,
  SCHEDULED_STATES,
  type ScheduledAction,
  type ScheduleStore,
} from '../core/scheduled-actions.js';
import type { StoreDialect } from './dialect.js';
import { StoreError } from './errors.js';
import { date, orUndefined, summarise } from './rows.js';
import type { Database } from './schema.js';

const time = z.union([z.string(), z.date()]);
const actionRowSchema = z.object({
  id: z.string(),
  kind: z.enum(SCHEDULED_KINDS),
  moodle_id: z.number().int(),
  username: z.string(),
  end_at: time,
  due_at: time,
  request_id: z.string(),
  requester_id: z.string(),
  state: z.enum(SCHEDULED_STATES),
  attempts: z.number().int(),
  next_try_at: time,
  lease_holder: z.string().nullable(),
  lease_until: time.nullable(),
  last_error: z.string().nullable(),
  result_request_id: z.string().nullable(),
  created_at: time,
  updated_at: time,
});

export function decodeAction(raw: unknown): ScheduledAction {
  const parsed = actionRowSchema.safeParse(raw);
  if (!parsed.success) {
    const id = (raw as { id?: unknown } | null)?.id;
    throw new StoreError(
      'corrupt_row',
      `The scheduled action ${String(id)} cannot be read: ${summarise(parsed.error)}`,
    );
  }
  const row = parsed.data;
  return {
    id: row.id,
    kind: row.kind,
    moodleId: row.moodle_id,
    username: row.username,
    endAt: date(row.end_at)!,
    dueAt: date(row.due_at)!,
    requestId: row.request_id,
    requesterId: row.requester_id,
    state: row.state,
    attempts: row.attempts,
    nextTryAt: date(row.next_try_at)!,
    leaseHolder: orUndefined(row.lease_holder),
    leaseUntil: date(row.lease_until),
    lastError: orUndefined(row.last_error),
    resultRequestId: orUndefined(row.result_request_id),
    createdAt: date(row.created_at)!,
    updatedAt: date(row.updated_at)!,
  };
}

async function getAction(q: Kysely<Database>, id: string): Promise<ScheduledAction | undefined> {
  const raw = await q.selectFrom('scheduled_actions').selectAll().where('id', '=', id).executeTakeFirst();
  return raw === undefined ? undefined : decodeAction(raw);
}

interface ScheduleContext {
  readonly dialect: StoreDialect;
  readonly holderId: string;
  readonly scrub: (text: string) => string;
}

async function changed(c: ScheduleContext, run: Promise<{ numUpdatedRows: bigint }>): Promise<boolean> {
  const won = Number((await run).numUpdatedRows) === 1;
  if (won) await c.dialect.durable();
  return won;
}

/** An UPDATE of an action this process holds (claimed, and not replaced since). */
const held = (c: ScheduleContext, q: Kysely<Database>, id: string) =>
  q
    .updateTable('scheduled_actions')
    .where('id', '=', id)
    .where('state', '=', 'running')
    .where('lease_holder', '=', c.holderId);

/** Due: scheduled and its next try has come, or running under a lease that ran out. */
const isDue = (now: string) => (eb: ExpressionBuilder<Database, 'scheduled_actions'>) =>
  eb.or([
    eb.and([eb('state', '=', 'scheduled'), eb('next_try_at', '<=', now)]),
    eb.and([eb('state', '=', 'running'), eb('lease_until', '<=', now)]),
  ]);

async function replaceSchedule(
  c: ScheduleContext,
  moodleId: number,
  actions: readonly NewScheduledAction[],
  at: Date,
): Promise<ScheduledAction[]> {
  const now = at.toISOString();
  const rows = actions.map((action) => ({
    id: randomUUID(),
    kind: action.kind,
    moodle_id: moodleId,
    username: c.scrub(action.username),
    end_at: action.endAt.toISOString(),
    due_at: action.dueAt.toISOString(),
    request_id: action.requestId,
    requester_id: action.requesterId,
    state: 'scheduled',
    attempts: 0,
    next_try_at: action.dueAt.toISOString(),
    created_at: now,
    updated_at: now,
  }));
  await c.dialect.writeTransaction(async (trx) => {
    await trx
      .updateTable('scheduled_actions')
      .set({ state: 'cancelled', updated_at: now, lease_holder: null, lease_until: null })
      .where('moodle_id', '=', moodleId)
      .where('state', 'in', OPEN_STATES)
      .execute();
    if (rows.length > 0) await trx.insertInto('scheduled_actions').values(rows).execute();
  });
  await c.dialect.durable();
  const ids = rows.map((row) => row.id);
  if (ids.length === 0) return [];
  const stored = await c.dialect.db.selectFrom('scheduled_actions').selectAll().where('id', 'in', ids).execute();
  return stored.map(decodeAction).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

async function claimAction(c: ScheduleContext, id: string, at: Date, leaseUntil: Date) {
  const now = at.toISOString();
  const won = await changed(
    c,
    c.dialect.writeOne((q) =>
      q
        .updateTable('scheduled_actions')
        .set((eb) => ({
          state: 'running',
          lease_holder: c.holderId,
          lease_until: leaseUntil.toISOString(),
          attempts: eb('attempts', '+', 1),
          updated_at: now,
        }))
        .where('id', '=', id)
        .where(isDue(now))
        .executeTakeFirst(),
    ),
  );
  return won ? getAction(c.dialect.db, id) : undefined;
}

function settleAction(c: ScheduleContext, id: string, settlement: ActionSettlement, at: Date): Promise<boolean> {
  const set = {
    state: settlement.state,
    lease_holder: null,
    lease_until: null,
    updated_at: at.toISOString(),
    ...(settlement.state === 'scheduled' ? { next_try_at: settlement.nextTryAt.toISOString() } : {}),
    ...(settlement.state === 'done' ? {} : { last_error: c.scrub(settlement.lastError) }),
    ...(settlement.resultRequestId ? { result_request_id: settlement.resultRequestId } : {}),
  };
  return changed(
    c,
    c.dialect.writeOne((q) => held(c, q, id).set(set).executeTakeFirst()),
  );
}

async function listActions(c: ScheduleContext, query: ListActionsQuery): Promise<ScheduledAction[]> {
  let select = c.dialect.db.selectFrom('scheduled_actions').selectAll();
  if (query.moodleIds) select = select.where('moodle_id', 'in', query.moodleIds.length ? query.moodleIds : [-1]);
  if (query.states) select = select.where('state', 'in', query.states.length ? query.states : ['']);
  if (query.kind) select = select.where('kind', '=', query.kind);
  if (query.requesterId) select = select.where('requester_id', '=', query.requesterId);
  if (query.dueBefore) select = select.where('due_at', '<', query.dueBefore.toISOString());
  if (query.limit !== undefined) select = select.limit(Math.max(0, query.limit));
  return (await select.orderBy('due_at').orderBy('id').execute()).map(decodeAction);
}

export function createScheduleQueries(
  dialect: StoreDialect,
  holderId: string,
  scrub: (text: string) => string,
): ScheduleStore {
  const c: ScheduleContext = { dialect, holderId, scrub };
  return {
    replaceSchedule: (moodleId, actions, at) => replaceSchedule(c, moodleId, actions, at),
    async findDueActions(at, limit) {
      const select = dialect.db.selectFrom('scheduled_actions').selectAll().where(isDue(at.toISOString()));
      return (await select.orderBy('next_try_at').orderBy('id').limit(limit).execute()).map(decodeAction);
    },
    claimAction: (id, at, leaseUntil) => claimAction(c, id, at, leaseUntil),
    setActionRequest: (id, requestId, at) =>
      changed(
        c,
        dialect.writeOne((q) =>
          held(c, q, id).set({ result_request_id: requestId, updated_at: at.toISOString() }).executeTakeFirst(),
        ),
      ),
    settleAction: (id, settlement, at) => settleAction(c, id, settlement, at),
    closeFailedAction: (id, at) =>
      changed(
        c,
        dialect.writeOne((q) =>
          q
            .updateTable('scheduled_actions')
            .set({ state: 'done', updated_at: at.toISOString() })
            .where('id', '=', id)
            .where('state', '=', 'failed')
            .executeTakeFirst(),
        ),
      ),
    getAction: (id) => getAction(dialect.db, id),
    listActions: (query) => listActions(c, query),
  };
}
