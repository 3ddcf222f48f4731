// The request lifecycle's contract: the service the use cases call, its inputs, and its one refusal shape.
import type { Clock } from './clock.js';
import type { ImportRowRecord } from './import/types.js';
import type { FormatActor } from './request-words.js';
import type {
  PreflightSummary,
  RequesterContext,
  RequestOperation,
  RequestPayload,
  RequestRecord,
  RequestTarget,
} from './requests.js';
import type { Store } from './store.js';

export const REFUSAL_CODES = [
  'not_found',
  'self_decision',
  'not_pending',
  'not_requester',
  'not_approved',
  'not_executing',
  'not_failed',
  'reason_required',
  'invalid_corrections',
  'already_approved',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/**
 * The stable outcome codes of refusal audit events: the lifecycle's, and those the callers decide (not a role,
 * a protected account or one whose protection Moodle could not confirm, another workspace). The sentence goes in
 * the detail.
 */
export const REFUSAL_AUDIT_CODES = [
  ...REFUSAL_CODES,
  'permission',
  'protected',
  'protection_unknown',
  'workspace',
] as const;
export type RefusalAuditCode = (typeof REFUSAL_AUDIT_CODES)[number];

export interface Refusal {
  ok: false;
  code: RefusalCode;
  /** A sentence to show the person who asked. */
  message: string;
  /** The request as it is now, so that the caller can refresh a stale card. */
  current: RequestRecord | undefined;
}
export type LifecycleResult = { ok: true; request: RequestRecord } | Refusal;

export interface SubmitInput {
  requester: RequesterContext;
  target: RequestTarget;
  payload: RequestPayload;
  preflight?: PreflightSummary;
  reason?: string;
  /** Different approvers it needs (APPROVALS_REQUIRED); 1 when absent. */
  approvalsNeeded?: number;
  /** An import's rows, stored with the request in one transaction. */
  importRows?: readonly ImportRowRecord[];
}

export interface SubmitOptions {
  /** An admin acting without approval, or the scheduler carrying out what a request set up. */
  direct?: boolean;
  /** Who records (and, direct, decides) it when not the requester: the system for a scheduled action. */
  actor?: string;
  /** Why it runs without approval, for the audit log (an admin's own by default). */
  directDetail?: string;
}

/** New values an approver typed over the requested ones, by field. Empty string clears an optional field. */
export type Corrections = Readonly<Record<string, string | undefined>>;

export interface ApproveOptions {
  corrections?: Corrections;
  comment?: string;
}

export interface FailureInput {
  code: string;
  message: string;
  hint: string;
  outcomeUnknown: boolean;
  /** The account this request made before it failed (a create whose memberships failed): a retry keeps it. */
  moodleId?: number;
}

/** What a look-up in Moodle showed about an execution interrupted by a crash. */
export type ReconcileOutcome =
  | { applied: true; moodleId?: number; detail?: string }
  /** `moodleId`: part of the request is in Moodle (the account it made), the rest is not. */
  | { applied: false; moodleId?: number; detail?: string };

export interface RequestServiceOptions {
  store: Store;
  clock: Clock;
  ttlHours: number;
  /** How refusal sentences name a person (the Slack layer passes a mention); the raw id by default. */
  formatActor?: FormatActor;
}

export interface RequestService {
  /** Stores a request (before anyone is told its id). `direct`: an admin acting without approval. */
  submit(input: SubmitInput, options?: SubmitOptions): Promise<RequestRecord>;
  /**
   * Records `actor`'s approval; the request moves to approved with its last needed approval (APPROVALS_REQUIRED)
   * and stays pending, with the approval recorded, before that.
   */
  approve(id: string, actor: string, options?: ApproveOptions): Promise<LifecycleResult>;
  reject(id: string, actor: string, reason: string): Promise<LifecycleResult>;
  /** Only the requester, only while pending. */
  cancel(id: string, actor: string): Promise<LifecycleResult>;
  /** approved → executing. Whoever gets `ok: true` makes the one Moodle call. */
  startExecution(id: string, actor?: string): Promise<LifecycleResult>;
  recordSuccess(id: string, outcome?: { moodleId?: number }): Promise<LifecycleResult>;
  recordFailure(id: string, failure: FailureInput): Promise<LifecycleResult>;
  /** failed → executing, by an approver. Whoever gets `ok: true` makes the Moodle call again. */
  retry(id: string, actor: string): Promise<LifecycleResult>;
  /** Expires every pending request older than the TTL; returns the ones this call expired. */
  expireDue(): Promise<RequestRecord[]>;
  /** Requests left executing by a process that died: look each up in Moodle, then reconcile(). */
  findInterrupted(): Promise<RequestRecord[]>;
  reconcile(id: string, outcome: ReconcileOutcome): Promise<LifecycleResult>;
  /** Audits a refusal decided by the caller (e.g. "not an approver"). */
  recordRefusal(
    actor: string,
    refusal: { reason: RefusalAuditCode; requestId?: string; operation?: RequestOperation; detail?: string },
  ): Promise<void>;
}
