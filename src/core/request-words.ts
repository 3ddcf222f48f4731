// Sentences about a request's state, shared by the lifecycle's refusals and the early checks of the use cases.
// The caller decides how a person is named (formatActor: a Slack mention in the app, the raw id by default).
import { isGatewayError, LOOKUP_TOO_BROAD } from './moodle-gateway.js';
import { operationOf } from './operations/registry.js';
import type { RequestRecord } from './requests.js';

export type FormatActor = (actorId: string) => string;

/** A request as a person knows it: its id and what it asks for, e.g. "R-7K3QX9 (New Moodle account for Nora Teach)". */
export function requestLabel(request: RequestRecord): string {
  return `${request.id} (${requestHeadline(request)})`;
}

const NOTHING_LEFT = 'nothing is left for you to do';

/**
 * Why a request can no longer be decided and what is left to do, e.g. "R-7K3QX9 (New Moodle account for Nora
 * Teach) was already approved by U123 and is done; nothing is left for you to do."
 */
export function describeStatus(request: RequestRecord, formatActor: FormatActor = (id) => id): string {
  const by = request.decidedBy ? ` by ${formatActor(request.decidedBy)}` : '';
  const what = requestLabel(request);
  switch (request.status) {
    case 'pending':
      return `${what} is still waiting for a decision; approve or reject it on its card.`;
    case 'approved':
      return `${what} was already approved${by}; ${NOTHING_LEFT}.`;
    case 'executing':
      return `${what} was already approved${by} and is being carried out now; its card shows the result shortly.`;
    case 'succeeded':
      return `${what} was already approved${by} and is done; ${NOTHING_LEFT}.`;
    case 'failed':
      return `${what} was approved${by} but failed in Moodle; once the cause is fixed, an approver can use Retry on its card.`;
    case 'rejected':
      return `${what} was already rejected${by}; ${NOTHING_LEFT}.`;
    case 'cancelled':
      return `${what} was withdrawn by its requester; ${NOTHING_LEFT}.`;
    case 'expired':
      return `${what} expired without a decision; the requester can ask again if it is still needed.`;
  }
}

/** Why the requester cannot approve or reject their own request; the lifecycle and the early check say the same. */
export function describeSelfDecision(request: RequestRecord, verb: 'approve' | 'reject' | 'retry'): string {
  return (
    `You asked for ${requestLabel(request)} yourself, so another approver has to ${verb} it.` +
    (request.status === 'pending' ? ' To withdraw it, cancel it instead.' : '')
  );
}

/** Why an approver of a request that needs several approvers cannot approve it twice. */
export function describeAlreadyApproved(request: RequestRecord): string {
  const missing = request.approvalsNeeded - request.approvals.length;
  return (
    `You have already approved ${requestLabel(request)}; it runs once ${missing} more approver${missing === 1 ? '' : 's'} ` +
    `approve${missing === 1 ? 's' : ''} it, so ${NOTHING_LEFT}.`
  );
}

/** Why a request that is not failed cannot be retried. */
export function describeNotRetryable(request: RequestRecord, formatActor: FormatActor = (id) => id): string {
  return `Only a failed request can be retried. ${describeStatus(request, formatActor)}`;
}

/** Why a protected account's request cannot go ahead, and what the approver can do instead. */
export function describeProtected(reason: string, verb: 'approve' | 'retry'): string {
  return `${reason} Nothing was changed${verb === 'approve' ? '; reject the request to close it' : ''}.`;
}

/** Who a request is about, by name: the new account's person, else the account as looked up, else its username. */
export function personName(request: RequestRecord): string {
  const fromPayload = operationOf(request.operation).personOf?.(request.payload);
  if (fromPayload) return fromPayload;
  const account = request.preflight?.account;
  if (account?.fullname) return account.fullname;
  const t = request.target;
  return t.username ?? t.email ?? (t.moodleId !== undefined ? `account ${t.moodleId}` : 'an unknown account');
}

/** The card's header: "New Moodle account for Nora Teach", "Delete Moodle account: Lee Ver". */
export function requestHeadline(request: RequestRecord): string {
  return operationOf(request.operation).headline(request.payload, personName(request));
}

/** Codes of failures that trying again later may cure (Moodle down, slow, or answering garbage). */
const PASSING_TROUBLE = new Set([
  'moodle_unreachable',
  'moodle_timeout',
  'moodle_http_status',
  'moodle_not_json',
  'moodle_php_error',
  'moodle_bad_response',
  'moodle_unknown',
  'internal_error',
]);
/** Codes of failures an admin must fix in Moodle or in the app's setup before a retry can work. */
const SETUP_TROUBLE = new Set([
  'moodle_webservices_disabled',
  'moodle_invalid_token',
  'moodle_access_exception',
  'moodle_no_permissions',
  'moodle_no_manual_enrolment',
  'moodle_cannot_assign_role',
  'moodle_course_not_accessible',
]);

/**
 * Why a failed request is not done and what happens next, in plain words for the requester. The technical detail
 * (function, status, Moodle's words, the admin page) is for the approvers' card only.
 */
export function plainFailure(request: RequestRecord): string {
  const result = request.result;
  const definition = operationOf(request.operation);
  const notYet = definition.words.notYet;
  const code = result && !result.ok ? result.code : 'internal_error';
  const unsure =
    result && !result.ok && result.outcomeUnknown
      ? ' Moodle may have done it anyway; the retry checks first and never does it twice.'
      : '';
  let sentence: string;
  if (definition.target === 'new' && request.target.moodleId !== undefined) {
    sentence =
      'The account was created, but not all of its courses and cohorts were added yet. An approver will retry the rest.';
  } else if (code === 'moodle_maintenance') {
    sentence = `Moodle is in maintenance, so ${notYet}. An approver will retry once it is back.`;
  } else if (PASSING_TROUBLE.has(code)) {
    sentence = `Moodle could not be reached or did not answer properly, so ${notYet}. An approver will retry.`;
  } else if (SETUP_TROUBLE.has(code)) {
    sentence = `The app’s access to Moodle needs an admin’s fix, so ${notYet}. The approvers have the details and will retry once it is fixed.`;
  } else if (code === 'already_exists') {
    sentence =
      'Moodle already has an account with this username, email or ID number, so no new one was made. The approvers can see which account it is.';
  } else if (code === 'protected') {
    sentence = 'This account is protected, so nothing was changed.';
  } else if (code === 'protection_unknown') {
    sentence = `The app could not confirm that this account may be changed, so ${notYet}. An approver will retry.`;
  } else {
    sentence = `Moodle refused it, so ${notYet}. The approvers have Moodle’s answer and will retry or tell you what to change.`;
  }
  return sentence + unsure;
}

/**
 * Moodle could not be asked before anything was stored: in words for whoever asked, with what to do. Moodle's
 * technical hint (which may name settings) is for the log and the setup check, except a look-up too broad to use,
 * whose hint says what to type instead.
 */
export function describeUnavailable(err: unknown, what: string): string {
  const code = isGatewayError(err) ? err.code : undefined;
  if (code === LOOKUP_TOO_BROAD && isGatewayError(err)) return err.hint;
  if (code === 'moodle_maintenance') {
    return `Moodle is in maintenance, so the app could not ${what}. Nothing was stored; try again once it is back.`;
  }
  if (code && SETUP_TROUBLE.has(code)) {
    return `The app’s access to Moodle needs an admin’s fix, so it could not ${what}. Nothing was stored; an admin can see what to fix with the setup check (doctor).`;
  }
  return `Moodle could not be reached or did not answer properly, so the app could not ${what}. Nothing was stored; try again in a few minutes, and tell an admin if it keeps happening.`;
}
