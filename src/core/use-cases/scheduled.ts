// The scheduler's use case: runs the scheduled actions that are due (an end date's reminder, then its expiry), each
// claimed by one process under a lease. An expiry is a suspend (or delete, EXPIRY_ACTION) request that the system
// records and decides on the requester's behalf, carried out by the executor like any other: protection re-checked
// right before the call, audited, announced, the requester told. A failed try is tried again later (its time is
// stored); the last one, or a protected account, is shown to approvers on the request's card with Retry.
import { SYSTEM_ACTOR } from '../audit.js';
import { recordEndDateEvent } from '../end-date-audit.js';
import type { LifecycleResult } from '../request-service.js';
import type { RequestRecord } from '../requests.js';
import type { ActionSettlement, ScheduledAction } from '../scheduled-actions.js';
import type { Announcer } from './announce.js';
import type { UseCaseContext } from './context.js';
import type { Executor } from './execute.js';

/** A claim outlives a stuck try by this much; then another process takes the action over. */
export const ACTION_LEASE_MS = 10 * 60 * 1000;
/** Tries before an action is shown to the approvers. */
export const MAX_ACTION_TRIES = 5;
/** The wait after the first failed try; each next wait doubles (5, 10, 20, 40 minutes). */
export const FIRST_RETRY_MS = 5 * 60 * 1000;
/** Actions taken per run; the next run takes the rest. */
const BATCH = 50;

export function retryDelayMs(attempts: number): number {
  return FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1);
}

export interface ScheduledRunner {
  /** Runs every due action this process can claim; returns each as it was settled. */
  runDueActions(): Promise<ScheduledAction[]>;
}

type Try =
  | { ok: true; resultRequestId?: string; delivered?: boolean }
  | { ok: false; error: string; final: boolean; request?: RequestRecord };

export function createScheduledRunner(ctx: UseCaseContext, announcer: Announcer, executor: Executor): ScheduledRunner {
  return {
    async runDueActions() {
      await closeRetried(ctx);
      const settled: ScheduledAction[] = [];
      for (const due of await ctx.store.findDueActions(ctx.clock.now(), BATCH)) {
        const now = ctx.clock.now();
        const action = await ctx.store.claimAction(due.id, now, new Date(now.getTime() + ACTION_LEASE_MS));
        if (!action) continue;
        const outcome = await tryAction(ctx, executor, action);
        const settlement = settlementOf(action, outcome, ctx.clock.now());
        if (settlement.state === 'failed' && !outcome.ok && outcome.request) {
          const failed = outcome.request;
          // Behind the gate, as every first card of a failed request: a missing-cards sweep must not double it.
          await announcer.cardGate.submit(() => announcer.announceOutcome(failed, 'failed'));
        }
        if (settlement.state !== 'done') {
          ctx.log('warn', 'a scheduled action failed', { actionId: action.id, kind: action.kind, ...settlement });
        }
        if (await ctx.store.settleAction(action.id, settlement, ctx.clock.now())) {
          settled.push({ ...action, ...settlement, leaseHolder: undefined, leaseUntil: undefined });
          if (settlement.state === 'failed' && action.kind === 'remind') {
            await reportFailedReminder(ctx, action, settlement.lastError);
          }
          // Only the settling holder writes it: a try whose claim was lost, then retried, leaves one event.
          if (outcome.ok && outcome.delivered) await recordDeliveredReminder(ctx, action);
        }
      }
      return settled;
    },
  };
}

function settlementOf(action: ScheduledAction, outcome: Try, now: Date): ActionSettlement {
  if (outcome.ok) return { state: 'done', ...linked(outcome.resultRequestId) };
  const resultRequestId = outcome.request?.id ?? action.resultRequestId;
  if (outcome.final || action.attempts >= MAX_ACTION_TRIES) {
    return { state: 'failed', lastError: outcome.error, ...linked(resultRequestId) };
  }
  const nextTryAt = new Date(now.getTime() + retryDelayMs(action.attempts));
  return { state: 'scheduled', nextTryAt, lastError: outcome.error, ...linked(resultRequestId) };
}

// Stryker disable next-line ConditionalExpression: an absent id is undefined either way, and the store keeps the old one.
const linked = (id: string | undefined) => (id === undefined ? {} : { resultRequestId: id });

async function tryAction(ctx: UseCaseContext, executor: Executor, action: ScheduledAction): Promise<Try> {
  try {
    if (action.kind === 'remind') {
      // Past its end date (the app was stopped) a reminder could only announce what the expiry is doing.
      if (action.endAt.getTime() <= ctx.clock.now().getTime() || !ctx.notifier.remindEndDate) return { ok: true };
      await ctx.notifier.remindEndDate(action);
      return { ok: true, delivered: true };
    }
    return await tryExpiry(ctx, executor, action);
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err), final: false };
  }
}

/** The expiry's request: the one an earlier try made (settled, or retried if it failed), or a new one. */
async function tryExpiry(ctx: UseCaseContext, executor: Executor, action: ScheduledAction): Promise<Try> {
  const earlier = action.resultRequestId ? await ctx.store.getRequest(action.resultRequestId) : undefined;
  if (earlier?.status === 'succeeded') return { ok: true, resultRequestId: earlier.id };
  let started: LifecycleResult;
  if (earlier?.status === 'failed') {
    started = await ctx.requests.retry(earlier.id, SYSTEM_ACTOR);
  } else if (earlier) {
    // Executing in a process that died: the reconcile job settles it first.
    return { ok: false, error: `${earlier.id} is ${earlier.status}; waiting for it to settle.`, final: false };
  } else {
    // An account deleted in the meantime has nothing left to end.
    if ((await ctx.gateway.getUsersByField('id', [action.moodleId])).length === 0) return { ok: true };
    const request = await submitExpiry(ctx, action);
    await ctx.store.setActionRequest(action.id, request.id, ctx.clock.now());
    started = await ctx.requests.startExecution(request.id, SYSTEM_ACTOR);
  }
  if (!started.ok) return { ok: false, error: started.message, final: false };
  const outcome = await executor.run(started.request, earlier?.result, { holdFailure: true });
  const request = outcome.execution.request;
  if (outcome.kind === 'executed') return { ok: true, resultRequestId: request.id };
  // A protected account stays protected: no point in trying again before a person looks.
  const final = outcome.failure.code === 'protected';
  return { ok: false, error: `${outcome.failure.code}: ${outcome.failure.message}`, final, request };
}

function submitExpiry(ctx: UseCaseContext, action: ScheduledAction): Promise<RequestRecord> {
  const operation = ctx.settings.expiryAction ?? 'suspend';
  const ended = action.endAt.toISOString().slice(0, 16).replace('T', ' ');
  return ctx.requests.submit(
    {
      requester: { userId: action.requesterId },
      target: { moodleId: action.moodleId, username: action.username },
      payload: { operation, endReached: { endAt: action.endAt.toISOString(), setIn: action.requestId } },
      reason: `End date reached (${ended} UTC), set in ${action.requestId} by ${ctx.formatActor(action.requesterId)}.`,
    },
    {
      direct: true,
      actor: SYSTEM_ACTOR,
      directDetail: `Scheduled by ${action.requestId} (asked for by ${action.requesterId}); EXPIRY_ACTION=${operation}.`,
    },
  );
}

/**
 * A reminder that failed its last try: audited, and the approvers told in their channel, since the requester does not
 * know the end date is near. No Retry: the expiry still runs on the date, and an approver can extend it meanwhile.
 */
async function reportFailedReminder(ctx: UseCaseContext, action: ScheduledAction, error: string): Promise<void> {
  const detail = `The reminder to ${action.requesterId} failed after ${action.attempts} tries: ${error}`;
  await recordEndDateEvent(ctx, { actor: SYSTEM_ACTOR, outcome: 'reminder_failed', action, detail });
  try {
    await ctx.notifier.endDateReminderFailed?.(action, error);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    ctx.log('error', 'could not tell the approvers of a failed end-date reminder', { actionId: action.id, message });
  }
}

/** A reminder delivered to its requester: audited (actor the system, the account, the request that set the date). */
async function recordDeliveredReminder(ctx: UseCaseContext, action: ScheduledAction): Promise<void> {
  const tries = action.attempts > 1 ? ` (try ${action.attempts})` : '';
  const detail = `The reminder was delivered to ${action.requesterId}${tries}.`;
  await recordEndDateEvent(ctx, { actor: SYSTEM_ACTOR, outcome: 'reminder_sent', action, detail });
}

/** A failed expiry whose request an approver has since retried with success is done. */
async function closeRetried(ctx: UseCaseContext): Promise<void> {
  // Stryker disable next-line ObjectLiteral: unfiltered it reads more actions; closeFailedAction closes failed ones only.
  const failed = await ctx.store.listActions({
    states: ['failed'],
    // Stryker disable next-line StringLiteral: the store reads no kind as any, and a reminder has no request to close.
    kind: 'expire',
    limit: BATCH,
  });
  for (const action of failed) {
    // Stryker disable next-line ConditionalExpression: the store finds no request for no id.
    if (!action.resultRequestId) continue;
    const request = await ctx.store.getRequest(action.resultRequestId);
    // Stryker disable next-line OptionalChaining: requests are never deleted, so an action's request is always found.
    if (request?.status === 'succeeded') await ctx.store.closeFailedAction(action.id, ctx.clock.now());
  }
}
