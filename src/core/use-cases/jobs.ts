// Background jobs: post the cards that could not be posted, expire overdue requests, and reconcile the executions
// a crash interrupted by looking their outcome up in Moodle (never by calling again blindly).
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
  /** Found → succeeded with that id; absent → failed and retryable; Moodle unreachable → left for later. */
  reconcileInterrupted(): Promise<{ reconciled: RequestRecord[]; unresolved: RequestRecord[] }>;
}

export function createJobs(ctx: UseCaseContext, announcer: Announcer): Jobs {
  const { store, requests, log } = ctx;

  return {
    async postMissingCards() {
      // Listed and claimed behind the gate: a request is stored before its card is posted, and a list taken in
      // between would post a second card (under load the sweep often ran there).
      const missing = await announcer.cardGate.sweep(async () => {
        const waiting = [...(await store.findByStatus('pending')), ...(await store.findByStatus('failed'))];
        return waiting.filter((request) => !request.approvalMessage && announcer.claim(request.id));
      });
      const posted: RequestRecord[] = [];
      try {
        for (const request of missing) {
          posted.push({ ...request, approvalMessage: await announcer.postCard(request) });
        }
      } catch (err) {
        log('warn', 'could not post a missing approval card yet', {
          requestId: missing[posted.length]?.id,
          error: err instanceof Error ? err.message : String(err),
        });
      } finally {
        for (const request of missing.slice(posted.length)) announcer.release(request.id);
      }
      return posted;
    },

    async expireDue() {
      const expired = await requests.expireDue();
      for (const request of expired) await announcer.announceOutcome(request, 'expired');
      return expired;
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
          // Behind the gate: a failed direct execution gets its first card here, which a sweep must not double.
          const event = result.request.status === 'succeeded' ? 'executed' : 'failed';
          await announcer.cardGate.submit(() => announcer.announceOutcome(result.request, event));
        }
      }
      return { reconciled, unresolved };
    },
  };
}
