// The results the use cases hand to the Slack layer: one refusal shape (kind 'refused' with a sentence) across them.
import type { CallPlan } from '../operations/plan.js';
import type { FailureInput } from '../request-service.js';
import type { PreflightSummary, RequestRecord } from '../requests.js';
import type { FieldProblem } from '../user-record.js';
import type { Execution, ExecutionOutcome } from './execute.js';

export type { Execution, ExecutionOutcome };

/** Nothing was done, and why, in a sentence for the person who asked; `current` is the request as it is now. */
export interface Refused {
  kind: 'refused';
  reason: string;
  current?: RequestRecord;
  /** The id of the request already asking for the same thing (its requester may cancel it). */
  inFlight?: string;
  /** The input the refusal is about (the username or email of a create in flight): a form shows it there. */
  field?: string;
}

export type SubmitOutcome =
  | Refused
  | { kind: 'invalid'; problems: FieldProblem[] }
  | { kind: 'exists'; message: string; conflicts: PreflightSummary['conflicts'] }
  | { kind: 'unavailable'; message: string }
  /** `cardNotPosted`: the request is saved but its card could not be posted; approvers find it in the list. */
  | { kind: 'pending'; request: RequestRecord; cardNotPosted?: true }
  | { kind: 'executed'; execution: Execution }
  | { kind: 'failed'; execution: Execution; failure: FailureInput }
  /** A dry run: the calls that would be made, nothing stored or changed; `direct`: it would run without approval. */
  | ({ kind: 'preview'; direct: boolean; approvalsNeeded: number } & CallPlan);

/** What an approver is about to do from the card: open the Approve or Reject form, or retry a failed request. */
export type DecisionVerb = 'approve' | 'reject' | 'retry';

export type DecisionCheck =
  | { ok: true; request: RequestRecord }
  | {
      ok: false;
      code:
        | 'not_found'
        | 'permission'
        | 'self_decision'
        | 'not_pending'
        | 'not_failed'
        | 'protected'
        | 'already_approved';
      reason: string;
      current?: RequestRecord;
    };

/** `approval_recorded`: one approval of several (APPROVALS_REQUIRED); the request waits for the others. */
export type DecisionOutcome =
  | Refused
  | { kind: 'rejected'; request: RequestRecord }
  | { kind: 'approval_recorded'; request: RequestRecord }
  | ExecutionOutcome;
