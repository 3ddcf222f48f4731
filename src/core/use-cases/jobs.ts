// Background jobs: post the cards that could not be posted, expire overdue requests, remind approvers of waiting
// ones, and reconcile the executions a crash interrupted by looking their outcome up in Moodle (never by calling
// again blindly).
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
  const { store, requests, log } = ctx;

  return {
    async postMissingCards() {
      const posted: RequestRecord[] = [];
      const waiting = [...(await store.findByStatus('pending')), ...(await store.findByStatus('failed'))];
      for (const request of waiting) {
        if (request.approvalMessage || announcer.isPosting(request.id)) continue;
        try {
          posted.push({ ...request, approvalMessage: await announcer.postCard(request) });
        } catch (err) {
          log('warn', 'could not post a missing approval card yet', {
            requestId: request.id,
            error: err instanceof Error ? err.message : String(err),
          });
          break;
        }
      }
      return posted;
    },

    async expireDue() {
      const expired = await requests.expireDue();
      for (const request of expired) await announcer.announceOutcome(request, 'expired');
      return expired;
    },

    async remindDue() {
      const hours = ctx.settings.remindAfterHours ?? 0;
      if (hours <= 0) return [];
      const now = ctx.clock.now();
      const dueBefore = new Date(now.getTime() - hours * 60 * 60 * 1000);
      const reminded: RequestRecord[] = [];
      for (const request of await store.findByStatus('pending')) {
        if (!request.approvalMessage || (request.remindedAt ?? request.createdAt) > dueBefore) continue;
        if (!(await store.claimReminder(request.id, now, dueBefore))) continue;
        try {
          await ctx.notifier.remindApprovers(request);
          reminded.push(request);
        } catch (err) {
          // Claimed but not sent: the next period tries again rather than sending twice in this one.
          log('warn', 'could not post a reminder', {
            requestId: request.id,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
      return reminded;
    },

    async reconcileInterrupted() {
      const reconciled: RequestRecord[] = [];
      const unresolved: RequestRecord[] = [];
      for (const request of await requests.findInterrupted()) {
        let outcome: Applied;
        try {
          outcome = await operationOf(request.operation).lookUpOutcome(ctx.operations, request);
        } catch (err) {
          log('warn', 'could not reconcile an interrupted request yet', {
            requestId: request.id,
            code: failureOf(err).code,
          });
          unresolved.push(request);
          continue;
        }
        const result = await requests.reconcile(
          request.id,
          outcome.applied
            ? { applied: true, ...(outcome.moodleId === undefined ? {} : { moodleId: outcome.moodleId }) }
            : {
                applied: false,
                detail: 'The app stopped during the Moodle call; a look-up shows it did not (all) happen.',
                ...(outcome.moodleId === undefined ? {} : { moodleId: outcome.moodleId }),
              },
        );
        if (result.ok) {
          reconciled.push(result.request);
          await announcer.announceOutcome(
            result.request,
            result.request.status === 'succeeded' ? 'executed' : 'failed',
          );
        }
      }
      return { reconciled, unresolved };
    },
  };
}
