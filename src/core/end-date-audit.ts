// What happens to an end date outside any request, for the audit log: its reminder was delivered, or could not be
// after the last try, or its requester chose to let it expire. Either way the expiry itself still runs on the date.
import { truncateDetail } from './audit.js';
import type { Clock } from './clock.js';
import type { ScheduledAction } from './scheduled-actions.js';
import type { Store } from './store.js';

export type EndDateAuditOutcome = 'left_to_expire' | 'reminder_sent' | 'reminder_failed';

/** Writes what became of `action`'s end date (reminded, reminder failed, let expire), naming the request that set it. */
export async function recordEndDateEvent(
  deps: { store: Pick<Store, 'appendAudit'>; clock: Clock },
  event: { actor: string; outcome: EndDateAuditOutcome; action: ScheduledAction; detail?: string },
): Promise<void> {
  const { action } = event;
  const ends = `${action.endAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  await deps.store.appendAudit({
    at: deps.clock.now(),
    actor: event.actor,
    kind: 'end_date',
    outcome: event.outcome,
    requestId: action.requestId,
    target: { moodleId: action.moodleId, username: action.username },
    moodleId: action.moodleId,
    detail: truncateDetail(event.detail ? `Ends ${ends}. ${event.detail}` : `Ends ${ends}.`),
  });
}
