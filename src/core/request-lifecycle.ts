// The request lifecycle service: moves requests through their statuses (submit, decide, execute, retry, expire,
// reconcile) over the Store and Clock ports, each change a compare-and-set written with its audit events.
// Permission checks belong to the caller; the rules that hold for everyone (nobody decides or retries their own
// request, only pending requests are decided, exactly one decision wins) live here.
import { type NewAuditEvent, type RequestAuditDraft, SYSTEM_ACTOR, truncateDetail } from './audit.js';
import type { Clock } from './clock.js';
import { operationOf } from './operations/registry.js';
import type { CorrectionResult } from './operations/types.js';
import { describeNotRetryable, describeSelfDecision, describeStatus, type FormatActor } from './request-words.js';
import type {
  NewRequest,
  PreflightSummary,
  RequesterContext,
  RequestOperation,
  RequestPatch,
  RequestPayload,
  RequestRecord,
  RequestResult,
  RequestStatus,
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
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

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
  submit(input: SubmitInput, options?: { direct?: boolean }): Promise<RequestRecord>;
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
    refusal: { reason: string; requestId?: string; operation?: RequestOperation; detail?: string },
  ): Promise<void>;
}

export function createRequestService(options: RequestServiceOptions): RequestService {
  const { store, clock } = options;
  const formatActor = options.formatActor ?? ((id: string) => id);
  const ttlMs = options.ttlHours * 60 * 60 * 1000;

  async function refuse(
    code: RefusalCode,
    message: string,
    actor: string,
    current: RequestRecord | undefined,
    requestId?: string,
  ): Promise<Refusal> {
    const event: NewAuditEvent = { at: clock.now(), actor, kind: 'refusal', outcome: code, detail: message };
    if (current) {
      event.requestId = current.id;
      event.operation = current.operation;
      event.target = current.target;
    } else if (requestId !== undefined) {
      event.detail = truncateDetail(`${message} (asked for ${requestId})`) ?? message;
    }
    await store.appendAudit(event);
    return { ok: false, code, message, current };
  }

  async function load(id: string, actor: string): Promise<RequestRecord | Refusal> {
    const request = await store.getRequest(id);
    if (request) return request;
    return refuse('not_found', `There is no request ${id}.`, actor, undefined, id);
  }

  /** The compare-and-set; on losing, the refusal carries the state the winner left. */
  async function move(
    request: RequestRecord,
    to: RequestStatus,
    actor: string,
    lostCode: RefusalCode,
    patch: RequestPatch,
    audit: RequestAuditDraft[],
  ): Promise<LifecycleResult> {
    const result = await store.transition(request.id, {
      from: request.status,
      expectedVersion: request.version,
      to,
      at: clock.now(),
      patch,
      audit,
    });
    if (result.ok) return result;
    const current = result.current;
    return refuse(
      current ? lostCode : 'not_found',
      current ? describeStatus(current, formatActor) : `There is no request ${request.id}.`,
      actor,
      current,
      request.id,
    );
  }

  /** The patch of executing → succeeded; a create learns its new account's id here. */
  function succeeded(request: RequestRecord, found: number | undefined): { moodleId?: number; patch: RequestPatch } {
    const moodleId = found ?? request.target.moodleId;
    if (moodleId === undefined) return { patch: { executedAt: clock.now(), result: { ok: true } } };
    const patch: RequestPatch = { executedAt: clock.now(), result: { ok: true, moodleId } };
    if (request.target.moodleId === undefined) patch.target = { ...request.target, moodleId };
    return { moodleId, patch };
  }

  async function decide(
    id: string,
    actor: string,
    verb: 'approve' | 'reject',
    build: (request: RequestRecord) => Refusal | { patch: RequestPatch; audit: RequestAuditDraft[] },
  ): Promise<LifecycleResult> {
    const request = await load(id, actor);
    if ('ok' in request) return request;
    if (request.requester.userId === actor) {
      return refuse('self_decision', describeSelfDecision(request, verb), actor, request);
    }
    if (request.status !== 'pending') {
      return refuse('not_pending', describeStatus(request, formatActor), actor, request);
    }
    const built = build(request);
    if ('ok' in built) return built;
    return move(request, verb === 'approve' ? 'approved' : 'rejected', actor, 'not_pending', built.patch, built.audit);
  }

  return {
    async submit(input, submitOptions = {}) {
      const direct = submitOptions.direct === true;
      const now = clock.now();
      const draft: NewRequest = {
        requester: input.requester,
        target: input.target,
        payload: input.payload,
        createdAt: now,
        initialStatus: direct ? 'approved' : 'pending',
      };
      if (input.preflight) draft.preflight = input.preflight;
      if (input.reason !== undefined) draft.reason = input.reason;
      if (direct) draft.decidedBy = input.requester.userId;
      // The requester's reason goes into the audit too, so that the log alone says why (e.g. why a suspension).
      const reasonDetail = truncateDetail(input.reason?.trim() || undefined);
      const audit: RequestAuditDraft[] = [
        {
          actor: input.requester.userId,
          kind: 'request',
          outcome: direct ? 'approved' : 'pending',
          ...(reasonDetail === undefined ? {} : { detail: `Reason: ${reasonDetail}` }),
        },
      ];
      if (direct) {
        audit.push({
          actor: input.requester.userId,
          kind: 'direct_execution',
          outcome: 'allowed',
          detail: `An admin may ${input.payload.operation} without approval (APPROVAL_REQUIRED).`,
        });
      }
      return store.createRequest(draft, audit);
    },

    approve(id, actor, approveOptions = {}) {
      return decide(id, actor, 'approve', (request) => {
        const corrected = applyCorrections(request, approveOptions.corrections ?? {});
        if (!corrected.ok) {
          return { ok: false, code: 'invalid_corrections', message: corrected.message, current: request };
        }
        const now = clock.now();
        const patch: RequestPatch = { decidedAt: now, decidedBy: actor };
        const comment = approveOptions.comment?.trim();
        if (comment) patch.decisionComment = comment;
        const audit: RequestAuditDraft[] = [];
        if (corrected.diff.length > 0) {
          patch.corrections = corrected.diff;
          patch.payload = corrected.payload;
          patch.target = corrected.target;
          audit.push({ actor, kind: 'correction', outcome: 'corrected', detail: JSON.stringify(corrected.diff) });
        }
        const decision: RequestAuditDraft = { actor, kind: 'decision', outcome: 'approved' };
        if (comment) decision.detail = comment;
        audit.push(decision);
        return { patch, audit };
      });
    },

    reject(id, actor, reason) {
      return decide(id, actor, 'reject', (request) => {
        const text = reason.trim();
        if (text === '') {
          return {
            ok: false,
            code: 'reason_required',
            message: 'Say why you reject the request; the requester will see it.',
            current: request,
          };
        }
        return {
          patch: { decidedAt: clock.now(), decidedBy: actor, decisionComment: text },
          audit: [{ actor, kind: 'decision', outcome: 'rejected', detail: text }],
        };
      });
    },

    async cancel(id, actor) {
      const request = await load(id, actor);
      if ('ok' in request) return request;
      if (request.requester.userId !== actor) {
        return refuse('not_requester', `Only the person who asked for ${request.id} can cancel it.`, actor, request);
      }
      if (request.status !== 'pending') {
        return refuse('not_pending', describeStatus(request, formatActor), actor, request);
      }
      return move(request, 'cancelled', actor, 'not_pending', { decidedAt: clock.now(), decidedBy: actor }, [
        { actor, kind: 'cancellation', outcome: 'cancelled' },
      ]);
    },

    async startExecution(id, actor = SYSTEM_ACTOR) {
      const request = await load(id, actor);
      if ('ok' in request) return request;
      if (request.status !== 'approved') {
        return refuse('not_approved', describeStatus(request, formatActor), actor, request);
      }
      return move(request, 'executing', actor, 'not_approved', { incrementAttempts: true, result: null }, [
        { actor, kind: 'execution', outcome: 'started' },
      ]);
    },

    async recordSuccess(id, outcome = {}) {
      const request = await load(id, SYSTEM_ACTOR);
      if ('ok' in request) return request;
      if (request.status !== 'executing') {
        return refuse('not_executing', describeStatus(request, formatActor), SYSTEM_ACTOR, request);
      }
      const { moodleId, patch } = succeeded(request, outcome.moodleId);
      const event: RequestAuditDraft = { actor: SYSTEM_ACTOR, kind: 'execution', outcome: 'succeeded' };
      if (moodleId !== undefined) event.moodleId = moodleId;
      return move(request, 'succeeded', SYSTEM_ACTOR, 'not_executing', patch, [event]);
    },

    async recordFailure(id, failure) {
      const request = await load(id, SYSTEM_ACTOR);
      if ('ok' in request) return request;
      if (request.status !== 'executing') {
        return refuse('not_executing', describeStatus(request, formatActor), SYSTEM_ACTOR, request);
      }
      const result: RequestResult = {
        ok: false,
        code: failure.code,
        message: failure.message,
        hint: failure.hint,
        outcomeUnknown: failure.outcomeUnknown,
      };
      const detail = truncateDetail(`${failure.code}: ${failure.message}`);
      const patch: RequestPatch = { executedAt: clock.now(), result, ...keepAccount(request, failure.moodleId) };
      return move(request, 'failed', SYSTEM_ACTOR, 'not_executing', patch, [
        {
          actor: SYSTEM_ACTOR,
          kind: 'execution',
          outcome: failure.outcomeUnknown ? 'outcome_unknown' : 'failed',
          ...(detail === undefined ? {} : { detail }),
          ...(failure.moodleId === undefined ? {} : { moodleId: failure.moodleId }),
        },
      ]);
    },

    async retry(id, actor) {
      const request = await load(id, actor);
      if ('ok' in request) return request;
      if (request.status !== 'failed') {
        return refuse('not_failed', describeNotRetryable(request, formatActor), actor, request);
      }
      // An admin's direct execution was decided by its requester; any other request is retried by someone else.
      if (request.requester.userId === actor && request.decidedBy !== actor) {
        return refuse('self_decision', describeSelfDecision(request, 'retry'), actor, request);
      }
      return move(request, 'executing', actor, 'not_failed', { incrementAttempts: true, result: null }, [
        { actor, kind: 'retry', outcome: 'retried', detail: `attempt ${request.attempts + 1}` },
        { actor, kind: 'execution', outcome: 'started' },
      ]);
    },

    async expireDue() {
      const cutoff = new Date(clock.now().getTime() - ttlMs);
      const due = await store.findExpired(cutoff);
      const expired: RequestRecord[] = [];
      for (const request of due) {
        const result = await store.transition(request.id, {
          from: 'pending',
          expectedVersion: request.version,
          to: 'expired',
          at: clock.now(),
          patch: { decidedAt: clock.now() },
          audit: [
            {
              actor: SYSTEM_ACTOR,
              kind: 'expiry',
              outcome: 'expired',
              detail: `No decision within ${options.ttlHours} hours.`,
            },
          ],
        });
        // Losing here means someone decided it in the meantime: their decision stands.
        if (result.ok) expired.push(result.request);
      }
      return expired;
    },

    findInterrupted() {
      return store.findInterrupted();
    },

    async reconcile(id, outcome) {
      const request = await load(id, SYSTEM_ACTOR);
      if ('ok' in request) return request;
      if (request.status !== 'executing') {
        return refuse('not_executing', describeStatus(request, formatActor), SYSTEM_ACTOR, request);
      }
      const base: RequestAuditDraft = {
        actor: SYSTEM_ACTOR,
        kind: 'reconciliation',
        outcome: outcome.applied ? 'applied' : 'not_applied',
      };
      if (outcome.detail !== undefined) base.detail = outcome.detail;
      if (outcome.applied) {
        const { moodleId, patch } = succeeded(request, outcome.moodleId);
        if (moodleId !== undefined) base.moodleId = moodleId;
        return move(request, 'succeeded', SYSTEM_ACTOR, 'not_executing', patch, [base]);
      }
      return move(
        request,
        'failed',
        SYSTEM_ACTOR,
        'not_executing',
        {
          executedAt: clock.now(),
          result: {
            ok: false,
            code: 'interrupted',
            message:
              outcome.moodleId === undefined || request.target.moodleId !== undefined
                ? 'The app stopped while carrying out this request, and Moodle shows it was not done.'
                : `The app stopped while carrying out this request; Moodle shows the account (id ${outcome.moodleId}) but not all of the rest.`,
            hint: 'An approver can retry it from the card; what is already in Moodle is not done twice.',
            outcomeUnknown: false,
          },
          ...keepAccount(request, outcome.moodleId),
        },
        [base],
      );
    },

    async recordRefusal(actor, refusal) {
      const event: NewAuditEvent = { at: clock.now(), actor, kind: 'refusal', outcome: refusal.reason };
      if (refusal.requestId !== undefined) {
        const request = await store.getRequest(refusal.requestId);
        if (request) {
          event.requestId = request.id;
          event.operation = request.operation;
          event.target = request.target;
        }
      }
      if (refusal.operation !== undefined && event.operation === undefined) event.operation = refusal.operation;
      const detail = truncateDetail(refusal.detail);
      if (detail !== undefined) event.detail = detail;
      await store.appendAudit(event);
    },
  };
}

/** The target patch that records an account a failed request made, so that a retry does not make it again. */
function keepAccount(request: RequestRecord, moodleId: number | undefined): Pick<RequestPatch, 'target'> {
  if (moodleId === undefined || request.target.moodleId !== undefined) return {};
  return { target: { ...request.target, moodleId } };
}

/**
 * Applies an approver's corrections through the request's operation and returns the before → after diff. Only
 * real changes count, so an approver who submits the form unchanged leaves no correction on record. Field rules
 * are checked by the caller with the same validation as the request itself.
 */
export function applyCorrections(request: RequestRecord, corrections: Corrections): CorrectionResult<RequestPayload> {
  const typed = Object.fromEntries(
    Object.entries(corrections).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  if (Object.keys(typed).length === 0) {
    return { ok: true, diff: [], payload: request.payload, target: request.target };
  }
  const operation = operationOf(request.operation);
  if (!operation.correct) return { ok: false, message: `A ${request.operation} request has no fields to correct.` };
  return operation.correct(request.payload, request.target, typed);
}
