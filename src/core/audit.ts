// The audit log's vocabulary: what happened to which request, who did it, and how it ended.
// Operators read it (npm run audit) to answer "who created this account, who approved it, and when".
// An event holds names, ids and short text only; never a password or token.
import type { RequestOperation, RequestTarget } from './requests.js';

export const AUDIT_KINDS = [
  /** A request was stored (outcome: pending, or approved for an admin's direct execution). */
  'request',
  /** An approver decided (outcome: approved | rejected); detail holds the comment or rejection reason. */
  'decision',
  /** An approver corrected the record before approving; detail holds the before → after diff as JSON. */
  'correction',
  /** The Moodle call (outcome: started | succeeded | failed | outcome_unknown). */
  'execution',
  /** Someone was turned away (outcome: permission | self_decision | not_pending | not_requester | ...). */
  'refusal',
  /** An approver retried a failed execution. */
  'retry',
  /** The requester withdrew a pending request. */
  'cancellation',
  /** A pending request ran out of time. */
  'expiry',
  /** An execution interrupted by a crash was settled by looking the user up (outcome: applied | not_applied). */
  'reconciliation',
  /** An admin acted without approval because policy allowed it. */
  'direct_execution',
  /**
   * A person looked an account up (outcome: found | not_found | ambiguous | too_broad | unavailable | exists); the
   * target is the account when one was found, detail what was typed and for which command.
   */
  'lookup',
  /** An import's run ended (outcome: finished | stopped); detail holds its totals. */
  'import',
  /**
   * One row of an import reached its outcome (created | updated | partial | failed | skipped); the target is the
   * row's account, detail the row number and message.
   */
  'import_row',
  /**
   * An account's end date, without a request (outcome: reminder_sent | reminder_failed | left_to_expire); the target is the account,
   * the request id the one that set the date, detail the end date.
   */
  'end_date',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** Who acted: a Slack user id, or `system` for expiry, reconciliation and other automatic steps. */
export const SYSTEM_ACTOR = 'system';

export interface AuditEvent {
  readonly id: number;
  readonly at: Date;
  readonly actor: string;
  readonly kind: AuditKind;
  readonly requestId: string | undefined;
  readonly operation: RequestOperation | undefined;
  readonly target: RequestTarget;
  readonly outcome: string | undefined;
  /** The Moodle account acted upon or created, when known. */
  readonly moodleId: number | undefined;
  /** Short text or JSON. */
  readonly detail: string | undefined;
}

export interface NewAuditEvent {
  at: Date;
  actor: string;
  kind: AuditKind;
  requestId?: string | undefined;
  operation?: RequestOperation | undefined;
  target?: RequestTarget | undefined;
  outcome?: string;
  /** Absent or undefined alike: no id is written. */
  moodleId?: number | undefined;
  /** Absent or undefined alike: no detail is written. */
  detail?: string | undefined;
}

/**
 * An audit event written together with a request change; the store fills in the request id, operation,
 * target and time from the change it is part of, so that the two can never disagree.
 */
export interface RequestAuditDraft {
  actor: string;
  kind: AuditKind;
  outcome?: string;
  /** Absent or undefined alike: no id is written. */
  moodleId?: number | undefined;
  /** Absent or undefined alike: no detail is written. */
  detail?: string | undefined;
}

/** Audit detail is for a quick read; long texts are cut so that one event cannot swell the log. */
export const AUDIT_DETAIL_MAX = 2000;

export function truncateDetail(detail: string): string;
export function truncateDetail(detail: string | undefined): string | undefined;
export function truncateDetail(detail: string | undefined): string | undefined {
  if (detail === undefined) return undefined;
  return detail.length > AUDIT_DETAIL_MAX ? `${detail.slice(0, AUDIT_DETAIL_MAX - 1)}…` : detail;
}
