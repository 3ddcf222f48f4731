// An approver's approval as a lifecycle change: the corrections checked and applied, the approval added to those
// already given, and whether it is the last one needed (APPROVALS_REQUIRED) or is recorded while the request waits.
import type { RequestAuditDraft } from './audit.js';
import { applyCorrections } from './request-corrections.js';
import type { ApproveOptions, Refusal } from './request-service.js';
import { describeAlreadyApproved } from './request-words.js';
import type { Approval, RequestPatch, RequestRecord, RequestStatus } from './requests.js';

/** What a decision changes: the patch and audit of its compare-and-set, and the status it moves to. */
export type BuildDecision = (
  request: RequestRecord,
) => Refusal | { patch: RequestPatch; audit: RequestAuditDraft[]; to: RequestStatus };

/** An approval: the last one needed approves the request; an earlier one is recorded and it stays pending. */
export function buildApproval(
  request: RequestRecord,
  actor: string,
  options: ApproveOptions,
  now: Date,
): ReturnType<BuildDecision> {
  if (request.approvals.some((a) => a.by === actor)) {
    return { ok: false, code: 'already_approved', message: describeAlreadyApproved(request), current: request };
  }
  const corrected = applyCorrections(request, options.corrections ?? {});
  if (!corrected.ok) return { ok: false, code: 'invalid_corrections', message: corrected.message, current: request };
  const comment = options.comment?.trim();
  const mine: Approval = { by: actor, at: now, ...(comment ? { comment } : {}) };
  // A correction changes what the earlier approvers approved: the count starts again from this approval.
  const approvals = corrected.diff.length > 0 ? [mine] : [...request.approvals, mine];
  const complete = approvals.length >= request.approvalsNeeded;
  const patch: RequestPatch = { approvals };
  if (complete) {
    patch.decidedAt = now;
    patch.decidedBy = actor;
    if (comment) patch.decisionComment = comment;
  }
  const audit: RequestAuditDraft[] = [];
  if (corrected.diff.length > 0) {
    patch.corrections = corrected.diff;
    patch.payload = corrected.payload;
    patch.target = corrected.target;
    audit.push({ actor, kind: 'correction', outcome: 'corrected', detail: JSON.stringify(corrected.diff) });
  }
  const count = request.approvalsNeeded > 1 ? `${approvals.length} of ${request.approvalsNeeded} approvals` : '';
  const detail = [count, comment].filter(Boolean).join(': ');
  audit.push({
    actor,
    kind: 'decision',
    outcome: complete ? 'approved' : 'approval_recorded',
    ...(detail ? { detail } : {}),
  });
  return { patch, audit, to: complete ? 'approved' : 'pending' };
}
