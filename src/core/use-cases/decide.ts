// Decide: approve (then execute once), reject, retry a failed request, cancel one's own. Every step re-checks, at
// the moment it runs, that the person is an approver, did not ask for the request, and that the request is still
// in the state the step needs; the lifecycle's compare-and-set makes exactly one of any number of clicks win.
import { COMMENT_MAX_LENGTH, describeTooLong } from '../free-text.js';
import { protectionOfTarget } from '../protection.js';
import type { ApproveOptions, LifecycleResult } from '../request-service.js';
import {
  describeAlreadyApproved,
  describeNotRetryable,
  describeProtected,
  describeSelfDecision,
  describeStatus,
} from '../request-words.js';
import type { RequestRecord } from '../requests.js';
import type { Announcer } from './announce.js';
import type { UseCaseContext } from './context.js';
import type { Executor } from './execute.js';
import type { DecisionCheck, DecisionOutcome, DecisionVerb, Refused } from './outcomes.js';
import type { Submitter } from './submit.js';

export interface Decisions {
  /**
   * Whether `actor` may take this step on this request now. Checked at every click and every submission, before
   * anything is shown; refusals are audited. The decision itself is still a compare-and-set: this only says early.
   */
  checkDecision(requestId: string, actor: string, verb: DecisionVerb): Promise<DecisionCheck>;
  /** An approver approves (optionally correcting fields); the request is then executed once. */
  approve(requestId: string, actor: string, options?: ApproveOptions): Promise<DecisionOutcome>;
  reject(requestId: string, actor: string, reason: string): Promise<DecisionOutcome>;
  /** An approver retries a failed request; an earlier unknown outcome is looked up first. */
  retry(requestId: string, actor: string): Promise<DecisionOutcome>;
  cancel(requestId: string, actor: string): Promise<LifecycleResult>;
}

function refusedFrom(result: Extract<LifecycleResult, { ok: false }>): Refused {
  return { kind: 'refused', reason: result.message, ...(result.current ? { current: result.current } : {}) };
}

/** Who may take which step on a request right now (see Decisions.checkDecision). */
export function createDecisionCheck(ctx: UseCaseContext, submitter: Submitter): Decisions['checkDecision'] {
  const { requests, store, permissions, formatActor, guard } = ctx;

  /** A change to a protected account is refused before anyone approves or retries it (and again at execution). */
  async function protectionRefusal(request: RequestRecord): Promise<string | undefined> {
    // Only a certain answer refuses here; when Moodle cannot say, execution checks again and fails retryably.
    const protection = await protectionOfTarget(guard, request);
    return protection?.protected === true ? protection.reason : undefined;
  }

  /** The retry rule: someone else than the requester, unless the requester executed it directly as an admin. */
  async function mayRetryOwn(request: RequestRecord, actor: string): Promise<boolean> {
    if (request.requester.userId !== actor) return true;
    return request.decidedBy === actor && (await submitter.mayActDirectly(actor, request.operation));
  }

  async function checkDecision(requestId: string, actor: string, verb: DecisionVerb): Promise<DecisionCheck> {
    const request = await store.getRequest(requestId);
    if (!request) {
      await requests.recordRefusal(actor, { reason: 'not_found', detail: `asked to ${verb} ${requestId}` });
      return { ok: false, code: 'not_found', reason: `There is no request ${requestId}; use the newest card.` };
    }
    const refuse = async (code: Exclude<DecisionCheck, { ok: true }>['code'], reason: string, detail = reason) => {
      await requests.recordRefusal(actor, { reason: code, requestId, detail });
      return { ok: false as const, code, reason, current: request };
    };
    const allowed = await permissions.check(actor, 'approver');
    if (!allowed.ok) return refuse('permission', allowed.reason, allowed.detail);
    if (verb === 'retry') {
      if (request.status !== 'failed') return refuse('not_failed', describeNotRetryable(request, formatActor));
      if (!(await mayRetryOwn(request, actor))) return refuse('self_decision', describeSelfDecision(request, verb));
    } else {
      if (request.requester.userId === actor) return refuse('self_decision', describeSelfDecision(request, verb));
      if (request.status !== 'pending') return refuse('not_pending', describeStatus(request, formatActor));
      if (verb === 'approve' && request.approvals.some((a) => a.by === actor)) {
        return refuse('already_approved', describeAlreadyApproved(request));
      }
    }
    if (verb !== 'reject') {
      const protectedReason = await protectionRefusal(request);
      if (protectedReason) return refuse('protected', describeProtected(protectedReason, verb), protectedReason);
    }
    return { ok: true, request };
  }

  return checkDecision;
}

export function createDecisions(
  ctx: UseCaseContext,
  announcer: Announcer,
  executor: Executor,
  submitter: Submitter,
): Decisions {
  const { requests, store } = ctx;
  const checkDecision = createDecisionCheck(ctx, submitter);

  /** The checks of checkDecision, as a refusal; undefined when the step may go ahead. */
  async function recheck(requestId: string, actor: string, verb: DecisionVerb): Promise<Refused | undefined> {
    const check = await checkDecision(requestId, actor, verb);
    if (check.ok) return undefined;
    return { kind: 'refused', reason: check.reason, ...(check.current ? { current: check.current } : {}) };
  }

  return {
    checkDecision,

    async approve(requestId, actor, options = {}) {
      const tooLong = describeTooLong('The comment', options.comment?.trim(), COMMENT_MAX_LENGTH);
      if (tooLong) return { kind: 'refused', reason: tooLong };
      const refused = await recheck(requestId, actor, 'approve');
      if (refused) return refused;
      const approved = await requests.approve(requestId, actor, options);
      if (!approved.ok) return refusedFrom(approved);
      if (approved.request.status === 'pending') {
        await announcer.announceProgress(approved.request);
        return { kind: 'approval_recorded', request: approved.request };
      }
      const started = await requests.startExecution(requestId, actor);
      if (!started.ok) return refusedFrom(started);
      return executor.run(started.request, undefined);
    },

    async reject(requestId, actor, reason) {
      const tooLong = describeTooLong('The reason', reason.trim(), COMMENT_MAX_LENGTH);
      if (tooLong) return { kind: 'refused', reason: tooLong };
      const allowed = await submitter.requireRole(actor, 'approver', undefined, requestId);
      if (!allowed.ok) return { kind: 'refused', reason: allowed.reason };
      const rejected = await requests.reject(requestId, actor, reason);
      if (!rejected.ok) return refusedFrom(rejected);
      await announcer.announceOutcome(rejected.request, 'rejected');
      return { kind: 'rejected', request: rejected.request };
    },

    async retry(requestId, actor) {
      const refused = await recheck(requestId, actor, 'retry');
      if (refused) return refused;
      const before = await store.getRequest(requestId);
      const started = await requests.retry(requestId, actor);
      if (!started.ok) return refusedFrom(started);
      return executor.run(started.request, before?.result);
    },

    async cancel(requestId, actor) {
      const cancelled = await requests.cancel(requestId, actor);
      if (cancelled.ok) await announcer.announceOutcome(cancelled.request, 'cancelled');
      return cancelled;
    },
  };
}
