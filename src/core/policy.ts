// The per-operation policy beyond APPROVAL_REQUIRED: which requests must give a reason (REASON_REQUIRED, `delete`
// by default) and how many different approvers they need (APPROVALS_REQUIRED, 1 by default).
import type { Config } from '../config.js';
import { policyOperation } from './operations/registry.js';
import type { RequestOperation } from './requests.js';
import type { FieldProblem } from './user-record.js';

export type PolicySettings = Partial<Pick<Config, 'reasonRequired' | 'approvalsRequired'>>;

const NONE: ReadonlySet<string> = new Set();

/** How many different approvers a request for this operation needs. */
export function approvalsNeededFor(settings: PolicySettings, operation: RequestOperation): number {
  return settings.approvalsRequired?.[policyOperation(operation)] ?? 1;
}

/** Whether a request for this operation must give a reason (forms mark the input required). */
export function isReasonRequired(settings: PolicySettings, operation: RequestOperation): boolean {
  return (settings.reasonRequired ?? NONE).has(policyOperation(operation));
}

/** The problem of a request that must give a reason and gives none; undefined when it may go ahead. */
export function checkReasonGiven(
  settings: PolicySettings,
  operation: RequestOperation,
  reason: string | undefined,
): FieldProblem | undefined {
  if (!isReasonRequired(settings, operation) || (reason ?? '').trim() !== '') return undefined;
  return { field: 'reason', message: 'Give a reason: approvers and the audit log need to know why.' };
}
