// Background jobs: post the cards that could not be posted, expire overdue requests, remind approvers of waiting
// ones, and reconcile the executions a crash interrupted by looking their outcome up in Moodle (never by calling
// again blindly).
import { SYSTEM_ACTOR } from '../audit.js';
import { operationOf } from '../operations/registry.js';
import type { Applied } from '../operations/types.js';
import type { RequestRecord } from '../requests.js';
import type { Announcer } from './announce.js';
import type { UseCaseContext } from './context.js';
import { failureOf } from './execute.js';

export interface Jobs {
  /**
   * Posts the cards that could not be posted when their request was stored or failed (Slack down, rate-limited,
   * the bot not in the channel): a pending request without a card cannot be approved, a failed one cannot be
   * retried. Stops at the first refusal, since Slack refuses the rest for the same reason; the next run resumes.
   */
  postMissingCards(): Promise<RequestRecord[]>;
  /** Expires overdue pending requests and tells everyone concerned. */
  expireDue(): Promise<RequestRecord[]>;
  /**
   * Reminds the approvers, in the card's thread, of each pending request that has waited REMIND_AFTER_HOURS since
   * it was asked for or last reminded: at most once per period, whichever replica runs it, until it is decided.
   */
  remindDue(): Promise<RequestRecord[]>;
  /** Found → succeeded with that id; absent → failed and retryable; Moodle unreachable → left for later. */
  reconcileInterrupted(): Promise<{ reconciled: RequestRecord[]; unresolved: RequestRecord[] }>;
}

export function createJobs(ctx: UseCaseContext, announcer: Announcer): Jobs {
  return {
    postMissingCards: () => postMissingCards(ctx, announcer),
    async expireDue() {
      const expired = await ctx.requests.expireDue();
      for (const request of expired) await announcer.announceOutcome(request, 'expired');
      return expired;
    },
    remindDue: () => remindDue(ctx),
    reconcileInterrupted: () => reconcileInterrupted(ctx, announcer),
  };
}

function warn(ctx: UseCaseContext, what: string, requestId: string, err: unknown): void {
  ctx.log('warn', what, { requestId, error: err instanceof Error ? err.message : String(err) });
}

/** Listed and claimed behind the gate: a request is stored before its card is posted, and a list taken in between
 * would post a second card (under load the sweep often ran there). */
async function postMissingCards(ctx: UseCaseContext, announcer: Announcer): Promise<RequestRecord[]> {
  const missing = await announcer.cardGate.sweep(async () => {
    const pending = await ctx.store.findByStatus('pending');
    const failed = await ctx.store.findByStatus('failed');
    const waiting = [...pending, ...(await withoutScheduledRetries(ctx, failed))];
    return waiting.filter((request) => !request.approvalMessage && announcer.claim(request.id));
  });
  const posted: RequestRecord[] = [];
  try {
    for (const request of missing) posted.push({ ...request, approvalMessage: await announcer.postCard(request) });
  } catch (err) {
    warn(ctx, 'could not post a missing approval card yet', missing[posted.length]?.id ?? '', err);
  } finally {
    for (const request of missing.slice(posted.length)) announcer.release(request.id);
  }
  return posted;
}

/** Failed expiries that their scheduled action will try again get their card after its last try, not before. */
async function withoutScheduledRetries(ctx: UseCaseContext, failed: RequestRecord[]): Promise<RequestRecord[]> {
  const kept: RequestRecord[] = [];
  for (const request of failed) {
    const { moodleId } = request.target;
    if (!request.approvalMessage && request.decidedBy === SYSTEM_ACTOR && moodleId !== undefined) {
      const open = await ctx.store.listActions({
        moodleIds: [moodleId],
        kind: 'expire',
        states: ['scheduled', 'running'],
      });
      if (open.some((action) => action.resultRequestId === request.id)) continue;
    }
    kept.push(request);
  }
  return kept;
}

async function remindDue(ctx: UseCaseContext): Promise<RequestRecord[]> {
  const hours = ctx.settings.remindAfterHours ?? 0;
  if (hours <= 0) return [];
  const now = ctx.clock.now();
  const dueBefore = new Date(now.getTime() - hours * 60 * 60 * 1000);
  const reminded: RequestRecord[] = [];
  for (const request of await ctx.store.findByStatus('pending')) {
    if (!request.approvalMessage || (request.remindedAt ?? request.createdAt) > dueBefore) continue;
    if (!(await ctx.store.claimReminder(request.id, now, dueBefore))) continue;
    try {
      await ctx.notifier.remindApprovers(request);
      reminded.push(request);
    } catch (err) {
      // Claimed but not sent: the next period tries again rather than sending twice in this one.
      warn(ctx, 'could not post a reminder', request.id, err);
    }
  }
  return reminded;
}

async function reconcileInterrupted(
  ctx: UseCaseContext,
  announcer: Announcer,
): Promise<{ reconciled: RequestRecord[]; unresolved: RequestRecord[] }> {
  const reconciled: RequestRecord[] = [];
  const unresolved: RequestRecord[] = [];
  for (const request of await ctx.requests.findInterrupted()) {
    let outcome: Applied;
    try {
      outcome = await operationOf(request.operation).lookUpOutcome(ctx.operations, request);
    } catch (err) {
      ctx.log('warn', 'could not reconcile an interrupted request yet', {
        requestId: request.id,
        code: failureOf(err).code,
      });
      unresolved.push(request);
      continue;
    }
    const made = outcome.moodleId === undefined ? {} : { moodleId: outcome.moodleId };
    const detail = 'The app stopped during the Moodle call; a look-up shows it did not (all) happen.';
    const result = await ctx.requests.reconcile(
      request.id,
      outcome.applied ? { applied: true, ...made } : { applied: false, detail, ...made },
    );
    if (result.ok) {
      reconciled.push(result.request);
      // Behind the gate: a failed direct execution gets its first card here, which a sweep must not double.
      const event = result.request.status === 'succeeded' ? 'executed' : 'failed';
      await announcer.cardGate.submit(() => announcer.announceOutcome(result.request, event));
    }
  }
  return { reconciled, unresolved };
}
