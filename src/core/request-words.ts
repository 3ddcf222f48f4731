// Sentences about a request's state, shared by the lifecycle's refusals and the early checks of the use cases.
// The caller decides how a person is named (formatActor: a Slack mention in the app, the raw id by default).
import type { RequestRecord } from './requests.js';

export type FormatActor = (actorId: string) => string;

/** One sentence that explains why a request can no longer be decided, e.g. "R-7K3QX9 was already approved by U123." */
export function describeStatus(request: RequestRecord, formatActor: FormatActor = (id) => id): string {
  const by = request.decidedBy ? ` by ${formatActor(request.decidedBy)}` : '';
  switch (request.status) {
    case 'pending':
      return `${request.id} is still waiting for a decision.`;
    case 'approved':
      return `${request.id} was already approved${by}.`;
    case 'executing':
      return `${request.id} was already approved${by} and is being carried out now.`;
    case 'succeeded':
      return `${request.id} was already approved${by} and carried out.`;
    case 'failed':
      return `${request.id} was approved${by} but failed in Moodle; an approver can retry it.`;
    case 'rejected':
      return `${request.id} was already rejected${by}.`;
    case 'cancelled':
      return `${request.id} was cancelled by its requester.`;
    case 'expired':
      return `${request.id} expired without a decision.`;
  }
}

/** Why the requester cannot approve or reject their own request; the lifecycle and the early check say the same. */
export function describeSelfDecision(request: RequestRecord, verb: 'approve' | 'reject' | 'retry'): string {
  return (
    `You asked for ${request.id} yourself, so another approver has to ${verb} it.` +
    (request.status === 'pending' ? ' To withdraw it, cancel it instead.' : '')
  );
}

/** Why an approver of a request that needs several approvers cannot approve it twice. */
export function describeAlreadyApproved(request: RequestRecord): string {
  const missing = request.approvalsNeeded - request.approvals.length;
  return `You have already approved ${request.id}; it needs ${missing} more approval${missing === 1 ? '' : 's'} from someone else.`;
}

/** Why a request that is not failed cannot be retried. */
export function describeNotRetryable(request: RequestRecord, formatActor: FormatActor = (id) => id): string {
  return `Only a failed request can be retried. ${describeStatus(request, formatActor)}`;
}
