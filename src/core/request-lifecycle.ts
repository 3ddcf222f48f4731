// The request lifecycle service: moves requests through their statuses (submit, decide, execute, retry, expire,
// reconcile) over the Store and Clock ports, each change a compare-and-set written with its audit events.
// Permission checks belong to the caller; the rules that hold for everyone (nobody decides or retries their own
// request, only pending requests are decided, exactly one decision wins) live here.
import { type NewAuditEvent, type RequestAuditDraft, SYSTEM_ACTOR, truncateDetail } from './audit.js';
import type { Clock } from './clock.js';
import { type BuildDecision, buildApproval } from './request-approval.js';
import type {
  ApproveOptions,
  FailureInput,
  LifecycleResult,
  ReconcileOutcome,
  Refusal,
  RefusalAuditCode,
  RefusalCode,
  RequestService,
  RequestServiceOptions,
  SubmitInput,
  SubmitOptions,
} from './request-service.js';
import { describeNotRetryable, describeSelfDecision, describeStatus, type FormatActor } from './request-words.js';
import type {
  NewRequest,
  RequestOperation,
  RequestPatch,
  RequestRecord,
  RequestResult,
  RequestStatus,
} from './requests.js';
import type { Store } from './store.js';

export function createRequestService(options: RequestServiceOptions): RequestService {
  return new RequestLifecycle(options);
}

/** Each method is one step of the lifecycle; the private ones are the compare-and-set and its audited refusals. */
class RequestLifecycle implements RequestService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly formatActor: FormatActor;
  private readonly ttlHours: number;

  constructor(options: RequestServiceOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.formatActor = options.formatActor ?? ((id: string) => id);
    this.ttlHours = options.ttlHours;
  }

  /** `about`: the request as it is now, or the id asked for when there is no such request. */
  private async refuse(
    code: RefusalCode,
    message: string,
    actor: string,
    about: RequestRecord | string,
  ): Promise<Refusal> {
    const current = typeof about === 'string' ? undefined : about;
    const event: NewAuditEvent = { at: this.clock.now(), actor, kind: 'refusal', outcome: code, detail: message };
    if (current) {
      event.requestId = current.id;
      event.operation = current.operation;
      event.target = current.target;
    } else {
      event.detail = truncateDetail(`${message} (asked for ${about})`);
    }
    await this.store.appendAudit(event);
    return { ok: false, code, message, current };
  }

  private async load(id: string, actor: string): Promise<RequestRecord | Refusal> {
    const request = await this.store.getRequest(id);
    if (request) return request;
    return this.refuse('not_found', `There is no request ${id}.`, actor, id);
  }

  /** The compare-and-set. */
  private cas(request: RequestRecord, to: RequestStatus, patch: RequestPatch, audit: RequestAuditDraft[]) {
    const change = { from: request.status, expectedVersion: request.version, to, at: this.clock.now(), patch, audit };
    return this.store.transition(request.id, change);
  }

  /** The compare-and-set; on losing, the refusal carries the state the winner left. */
  private async move(
    request: RequestRecord,
    to: RequestStatus,
    actor: string,
    lostCode: RefusalCode,
    patch: RequestPatch,
    audit: RequestAuditDraft[],
  ): Promise<LifecycleResult> {
    const result = await this.cas(request, to, patch, audit);
    return result.ok ? result : this.lost(request, result.current, actor, lostCode);
  }

  private lost(
    request: RequestRecord,
    current: RequestRecord | undefined,
    actor: string,
    lostCode: RefusalCode,
  ): Promise<Refusal> {
    return this.refuse(
      current ? lostCode : 'not_found',
      current ? describeStatus(current, this.formatActor) : `There is no request ${request.id}.`,
      actor,
      current ?? request.id,
    );
  }

  /** The patch of executing → succeeded; a create learns its new account's id here. */
  private succeeded(request: RequestRecord, found: number | undefined): { moodleId?: number; patch: RequestPatch } {
    const moodleId = found ?? request.target.moodleId;
    if (moodleId === undefined) return { patch: { executedAt: this.clock.now(), result: { ok: true } } };
    const patch: RequestPatch = { executedAt: this.clock.now(), result: { ok: true, moodleId } };
    if (request.target.moodleId === undefined) patch.target = { ...request.target, moodleId };
    return { moodleId, patch };
  }

  /**
   * One decision on a pending request. A quorum's partial approval leaves it pending with a new version, so a
   * decision that loses the compare-and-set to one is built again on the new state (a few times at most).
   */
  private async decide(id: string, actor: string, verb: 'approve' | 'reject', build: BuildDecision) {
    for (let tries = 1; ; tries++) {
      const request = await this.load(id, actor);
      if ('ok' in request) return request;
      if (request.requester.userId === actor) {
        return this.refuse('self_decision', describeSelfDecision(request, verb), actor, request);
      }
      if (request.status !== 'pending') {
        return this.refuse('not_pending', describeStatus(request, this.formatActor), actor, request);
      }
      const built = build(request);
      if ('ok' in built) return built;
      const result = await this.cas(request, built.to, built.patch, built.audit);
      if (result.ok) return result;
      // Stryker disable next-line ConditionalExpression: building again on a decided request ends in the same refusal
      if (result.current?.status !== 'pending' || tries >= 3) {
        return this.lost(request, result.current, actor, 'not_pending');
      }
    }
  }

  async submit(input: SubmitInput, submitOptions: SubmitOptions = {}): Promise<RequestRecord> {
    const direct = submitOptions.direct === true;
    // Who records it: the requester, or the system for what the scheduler asks on a requester's behalf.
    const actor = submitOptions.actor ?? input.requester.userId;
    const now = this.clock.now();
    const draft: NewRequest = {
      requester: input.requester,
      target: input.target,
      payload: input.payload,
      createdAt: now,
      initialStatus: direct ? 'approved' : 'pending',
    };
    // Stryker disable next-line ConditionalExpression: the store reads an undefined pre-flight as none
    if (input.preflight) draft.preflight = input.preflight;
    // Stryker disable next-line ConditionalExpression: the store reads an undefined reason as none
    if (input.reason !== undefined) draft.reason = input.reason;
    // A direct execution is decided by the admin alone (the store records them as its decider).
    if (!direct) draft.approvalsNeeded = input.approvalsNeeded ?? 1;
    // Stryker disable next-line ConditionalExpression: the store records a decider only for a request approved at once
    if (direct) draft.decidedBy = actor;
    // The requester's reason goes into the audit too, so that the log alone says why (e.g. why a suspension).
    const reasonDetail = truncateDetail(input.reason?.trim() || undefined);
    const audit: RequestAuditDraft[] = [
      {
        actor,
        kind: 'request',
        outcome: direct ? 'approved' : 'pending',
        ...(reasonDetail === undefined ? {} : { detail: `Reason: ${reasonDetail}` }),
      },
    ];
    if (direct) {
      audit.push({
        actor,
        kind: 'direct_execution',
        outcome: 'allowed',
        detail:
          submitOptions.directDetail ?? `An admin may ${input.payload.operation} without approval (APPROVAL_REQUIRED).`,
      });
    }
    return this.store.createRequest(draft, audit, input.importRows);
  }

  approve(id: string, actor: string, approveOptions: ApproveOptions = {}): Promise<LifecycleResult> {
    return this.decide(id, actor, 'approve', (request) =>
      buildApproval(request, actor, approveOptions, this.clock.now()),
    );
  }

  reject(id: string, actor: string, reason: string): Promise<LifecycleResult> {
    return this.decide(id, actor, 'reject', (request) => {
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
        patch: { decidedAt: this.clock.now(), decidedBy: actor, decisionComment: text },
        audit: [{ actor, kind: 'decision', outcome: 'rejected', detail: text }],
        to: 'rejected',
      };
    });
  }

  async cancel(id: string, actor: string): Promise<LifecycleResult> {
    const request = await this.load(id, actor);
    if ('ok' in request) return request;
    if (request.requester.userId !== actor) {
      return this.refuse('not_requester', `Only the person who asked for ${request.id} can cancel it.`, actor, request);
    }
    if (request.status !== 'pending') {
      return this.refuse('not_pending', describeStatus(request, this.formatActor), actor, request);
    }
    return this.move(request, 'cancelled', actor, 'not_pending', { decidedAt: this.clock.now(), decidedBy: actor }, [
      { actor, kind: 'cancellation', outcome: 'cancelled' },
    ]);
  }

  async startExecution(id: string, actor: string = SYSTEM_ACTOR): Promise<LifecycleResult> {
    const request = await this.load(id, actor);
    if ('ok' in request) return request;
    if (request.status !== 'approved') {
      return this.refuse('not_approved', describeStatus(request, this.formatActor), actor, request);
    }
    return this.move(request, 'executing', actor, 'not_approved', { incrementAttempts: true, result: null }, [
      { actor, kind: 'execution', outcome: 'started' },
    ]);
  }

  async recordSuccess(id: string, outcome: { moodleId?: number } = {}): Promise<LifecycleResult> {
    const request = await this.load(id, SYSTEM_ACTOR);
    if ('ok' in request) return request;
    if (request.status !== 'executing') {
      return this.refuse('not_executing', describeStatus(request, this.formatActor), SYSTEM_ACTOR, request);
    }
    const { moodleId, patch } = this.succeeded(request, outcome.moodleId);
    const event: RequestAuditDraft = { actor: SYSTEM_ACTOR, kind: 'execution', outcome: 'succeeded', moodleId };
    return this.move(request, 'succeeded', SYSTEM_ACTOR, 'not_executing', patch, [event]);
  }

  async recordFailure(id: string, failure: FailureInput): Promise<LifecycleResult> {
    const request = await this.load(id, SYSTEM_ACTOR);
    if ('ok' in request) return request;
    if (request.status !== 'executing') {
      return this.refuse('not_executing', describeStatus(request, this.formatActor), SYSTEM_ACTOR, request);
    }
    const result: RequestResult = {
      ok: false,
      code: failure.code,
      message: failure.message,
      hint: failure.hint,
      outcomeUnknown: failure.outcomeUnknown,
    };
    const detail = truncateDetail(`${failure.code}: ${failure.message}`);
    const patch: RequestPatch = { executedAt: this.clock.now(), result, ...keepAccount(request, failure.moodleId) };
    return this.move(request, 'failed', SYSTEM_ACTOR, 'not_executing', patch, [
      {
        actor: SYSTEM_ACTOR,
        kind: 'execution',
        outcome: failure.outcomeUnknown ? 'outcome_unknown' : 'failed',
        detail,
        moodleId: failure.moodleId,
      },
    ]);
  }

  async retry(id: string, actor: string): Promise<LifecycleResult> {
    const request = await this.load(id, actor);
    if ('ok' in request) return request;
    if (request.status !== 'failed') {
      return this.refuse('not_failed', describeNotRetryable(request, this.formatActor), actor, request);
    }
    // An admin's direct execution was decided by its requester; any other request is retried by someone else.
    if (request.requester.userId === actor && request.decidedBy !== actor) {
      return this.refuse('self_decision', describeSelfDecision(request, 'retry'), actor, request);
    }
    return this.move(request, 'executing', actor, 'not_failed', { incrementAttempts: true, result: null }, [
      { actor, kind: 'retry', outcome: 'retried', detail: `attempt ${request.attempts + 1}` },
      { actor, kind: 'execution', outcome: 'started' },
    ]);
  }

  async expireDue(): Promise<RequestRecord[]> {
    const cutoff = new Date(this.clock.now().getTime() - this.ttlHours * 60 * 60 * 1000);
    const due = await this.store.findExpired(cutoff);
    const expired: RequestRecord[] = [];
    for (const request of due) {
      const result = await this.store.transition(request.id, {
        from: 'pending',
        expectedVersion: request.version,
        to: 'expired',
        at: this.clock.now(),
        patch: { decidedAt: this.clock.now() },
        audit: [
          {
            actor: SYSTEM_ACTOR,
            kind: 'expiry',
            outcome: 'expired',
            detail: `No decision within ${this.ttlHours} hours.`,
          },
        ],
      });
      // Losing here means someone decided it in the meantime: their decision stands.
      if (result.ok) expired.push(result.request);
    }
    return expired;
  }

  findInterrupted(): Promise<RequestRecord[]> {
    return this.store.findInterrupted();
  }

  async reconcile(id: string, outcome: ReconcileOutcome): Promise<LifecycleResult> {
    const request = await this.load(id, SYSTEM_ACTOR);
    if ('ok' in request) return request;
    if (request.status !== 'executing') {
      return this.refuse('not_executing', describeStatus(request, this.formatActor), SYSTEM_ACTOR, request);
    }
    const base: RequestAuditDraft = {
      actor: SYSTEM_ACTOR,
      kind: 'reconciliation',
      outcome: outcome.applied ? 'applied' : 'not_applied',
      detail: outcome.detail,
    };
    if (outcome.applied) {
      const { moodleId, patch } = this.succeeded(request, outcome.moodleId);
      return this.move(request, 'succeeded', SYSTEM_ACTOR, 'not_executing', patch, [{ ...base, moodleId }]);
    }
    return this.move(
      request,
      'failed',
      SYSTEM_ACTOR,
      'not_executing',
      {
        executedAt: this.clock.now(),
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
  }

  async recordRefusal(
    actor: string,
    refusal: { reason: RefusalAuditCode; requestId?: string; operation?: RequestOperation; detail?: string },
  ): Promise<void> {
    const event: NewAuditEvent = {
      at: this.clock.now(),
      actor,
      kind: 'refusal',
      outcome: refusal.reason,
      detail: truncateDetail(refusal.detail),
    };
    // Stryker disable next-line ConditionalExpression: the store finds no request for an undefined id
    if (refusal.requestId !== undefined) {
      const request = await this.store.getRequest(refusal.requestId);
      if (request) {
        event.requestId = request.id;
        event.operation = request.operation;
        event.target = request.target;
      }
    }
    // The request's own operation wins over the caller's.
    event.operation ??= refusal.operation;
    await this.store.appendAudit(event);
  }
}

/** The target patch that records an account a failed request made, so that a retry does not make it again. */
function keepAccount(request: RequestRecord, moodleId: number | undefined): Pick<RequestPatch, 'target'> {
  if (moodleId === undefined || request.target.moodleId !== undefined) return {};
  return { target: { ...request.target, moodleId } };
}
