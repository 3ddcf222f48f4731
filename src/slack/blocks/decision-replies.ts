// What an approver hears privately from the approval buttons and decision forms: a refusal, one approval of
// several, a failure in Moodle, a generated password, or a form Slack did not open. Each says what happened to
// which request, in words, and what the person can do next. Pure functions, tested on their text.
import type { RequestRecord } from '../../core/requests.js';
import { requestRef } from './card-parts.js';
import { escapeMrkdwn, escapeSentence } from './untrusted.js';

/** A refusal's sentence from the core (it names the request and what is left to do); mentions stay mentions. */
export function refusedReply(reason: string): string {
  return `:no_entry_sign: ${escapeSentence(reason)}`;
}

const RESET_PASSWORD =
  'Set a new one in Moodle (Site administration > Users > Browse list of users > the account > Edit profile).';

/** A click on a button whose value is not a request id (an old or forged card). */
export const NO_REQUEST_REPLY =
  'This button does not belong to a request the app knows; use the request’s newest card.';

/** One approval of several recorded; the request waits for the others. */
export function approvalRecordedReply(request: RequestRecord): string {
  const given = request.approvals.length;
  const missing = request.approvalsNeeded - given;
  return (
    `:ballot_box_with_check: Your approval of ${requestRef(request)} is recorded: ${given} of ${request.approvalsNeeded}. ` +
    `It runs once ${missing} more approver${missing === 1 ? '' : 's'} approve${missing === 1 ? 's' : ''} it; nothing else is needed from you.`
  );
}

/** The request was approved (or retried) and Moodle refused it; the hint is for approvers, who can fix the cause. */
export function failedReply(request: RequestRecord, hint: string): string {
  return (
    `:x: ${requestRef(request)} is not done: Moodle refused it. ${escapeMrkdwn(hint)} ` +
    'Once the cause is fixed, use *Retry* on its card; nothing is done twice.'
  );
}

/** The generated password, shown once to the approver who made the account. */
export function passwordReply(request: RequestRecord, username: string, password: string): string {
  return (
    `:key: The password for *${escapeMrkdwn(username)}* (${requestRef(request)}) is \`${password}\`\n` +
    'Shown only to you, only this once, and stored nowhere. Pass it on privately; Moodle asks for a new one at first login.'
  );
}

/** Slack refused the private message carrying the password: the account exists, its password must be reset. */
export function passwordNotShownReply(request: RequestRecord, username: string): string {
  return (
    `:warning: The account *${escapeMrkdwn(username)}* (${requestRef(request)}) was created, but Slack refused the ` +
    `private message with its password, so nobody has it. ${RESET_PASSWORD}`
  );
}

/** For an account made by an earlier attempt whose answer (and so its generated password) was lost. */
export function passwordUnknownNote(request: RequestRecord, username: string): string {
  return (
    `:warning: The account *${escapeMrkdwn(username)}* (${requestRef(request)}) had already been made by an earlier ` +
    `attempt whose answer was lost, so its password was never shown and is stored nowhere. ${RESET_PASSWORD}`
  );
}

/** Slack gives 3 seconds to open a form after a click; past them the click is spent. */
export function formNotOpenedReply(requestId: string, verb: 'approve' | 'reject'): string {
  const button = verb === 'approve' ? 'Approve…' : 'Reject…';
  return `Slack did not open the ${button} form for \`${escapeMrkdwn(requestId, 40)}\` in time; nothing was decided. Click *${button}* again.`;
}

/** An unexpected error while deciding or retrying: the card tells whether anything happened. */
export function decisionFailedReply(requestId: string, verb: 'approve' | 'reject' | 'retry'): string {
  const doing = { approve: 'approving', reject: 'rejecting', retry: 'retrying' }[verb];
  return (
    `:warning: Something went wrong while ${doing} \`${escapeMrkdwn(requestId, 40)}\`. Look at its card before trying ` +
    'again: it shows whether anything was done. If it keeps happening, an admin can check the app’s log.'
  );
}
