// The admin's recent activity, for what happens to an account's end date: set or extended by a request, reached
// (the account suspended or deleted), its reminder delivered or not, or let run by its requester. Said in words with
// the date as Slack renders it; every other event keeps the Home tab's generic line. `request` is the one the event
// names: for an `end_date` event the request that set the date, else the request the event is about.
import type { AuditEvent } from '../../core/audit.js';
import type { RequestRecord } from '../../core/requests.js';
import { mention, slackDate } from './card-parts.js';
import { endReachedWords } from './expiry-words.js';
import { escapeMrkdwn } from './untrusted.js';

/** The end date a request sets (create with until=, expire, extend), if any. */
function endSetBy(request: RequestRecord | undefined): Date | undefined {
  const payload = request?.payload;
  if (!payload) return undefined;
  if (payload.operation === 'expire' || payload.operation === 'extend' || payload.operation === 'create') {
    return payload.end ? new Date(payload.end.endAt) : undefined;
  }
  return undefined;
}

/** "by <@requester>", and who approved it when that was someone else (never the scheduler). */
function askedBy(request: RequestRecord): string {
  const asker = request.requester.userId;
  const approver = request.decidedBy;
  const approved = approver && approver !== asker ? `, approved by ${mention(approver)}` : '';
  return `by ${mention(asker)}${approved}`;
}

function endDateEvent(event: AuditEvent, user: string, request: RequestRecord | undefined): string | undefined {
  const end = endSetBy(request);
  const on = end ? ` (${slackDate(end)})` : '';
  if (event.outcome === 'left_to_expire') {
    return `${mention(event.actor)} chose to let ${user}'s account end on its end date${on}`;
  }
  if (event.outcome === 'reminder_sent') {
    const who = request ? mention(request.requester.userId) : 'The requester';
    return `${who} was reminded that ${user}'s account ends ${end ? `on ${slackDate(end)}` : 'on its end date'}`;
  }
  if (event.outcome === 'reminder_failed') {
    const to = request ? ` to ${mention(request.requester.userId)}` : '';
    return `The reminder of ${user}'s end date${on} could not be delivered${to}; the account still ends then`;
  }
  return undefined;
}

function executionEvent(event: AuditEvent, user: string, request: RequestRecord): string | undefined {
  const outcome = event.outcome;
  if (outcome !== 'succeeded' && outcome !== 'failed') return undefined;
  const reached = endReachedWords(request);
  if (reached) {
    const when = `reached its end date (${reached.date})`;
    return outcome === 'succeeded'
      ? `${user}'s account ${when}: ${reached.done}`
      : `${user}'s account ${when} but could not be ${reached.done}; an approver can retry`;
  }
  const operation = request.payload.operation;
  const end = endSetBy(request);
  if ((operation !== 'expire' && operation !== 'extend') || !end) return undefined;
  const verb = operation === 'extend' ? 'extended' : 'set';
  return outcome === 'succeeded'
    ? `End date of ${user} ${verb} to ${slackDate(end)} ${askedBy(request)}`
    : `End date of ${user} could not be ${verb} to ${slackDate(end)}; an approver can retry`;
}

/** The event in words when it is about an end date; undefined for every other event (the generic line fits). */
export function endDateActivity(event: AuditEvent, request: RequestRecord | undefined): string | undefined {
  const name = event.target.username ?? request?.target.username;
  const user = name ? escapeMrkdwn(name, 100) : `account ${event.target.moodleId ?? event.moodleId ?? '?'}`;
  const sentence =
    event.kind === 'end_date'
      ? endDateEvent(event, user, request)
      : event.kind === 'execution' && request
        ? executionEvent(event, user, request)
        : undefined;
  if (!sentence) return undefined;
  return event.requestId ? `${sentence} · \`${escapeMrkdwn(event.requestId, 40)}\`` : sentence;
}

/** Whether an event may be about an end date, so that its request is worth looking up for the activity list. */
export function mayConcernEndDate(event: AuditEvent): boolean {
  if (event.kind === 'end_date') return event.requestId !== undefined;
  if (event.kind !== 'execution' || event.requestId === undefined) return false;
  return ['expire', 'extend', 'suspend', 'delete'].includes(event.operation ?? '');
}
