// Submit: stores a request, then either executes it now (an admin, for an operation APPROVAL_REQUIRED does not
// name) or posts it for approval. Every kind of request ends here; what is checked before depends on the kind.
import { checkReason } from '../free-text.js';
import type { ImportRowRecord } from '../import/types.js';
import { planCalls } from '../operations/plan.js';
import { policyOperation } from '../operations/registry.js';
import type { Role } from '../permissions.js';
import { approvalsNeededFor, checkReasonGiven } from '../policy.js';
import type {
  PreflightSummary,
  RequesterContext,
  RequestOperation,
  RequestPayload,
  RequestRecord,
  RequestTarget,
} from '../requests.js';
import type { Announcer } from './announce.js';
import type { UseCaseContext } from './context.js';
import type { Executor } from './execute.js';
import type { SubmitOutcome } from './outcomes.js';

export interface Submitter {
  submitRequest(
    requester: RequesterContext,
    target: RequestTarget,
    payload: RequestRecord['payload'],
    preflight: PreflightSummary | undefined,
    reason: string | undefined,
    importRows?: readonly ImportRowRecord[],
  ): Promise<SubmitOutcome>;
  /** Checks a role, and audits a refusal. */
  requireRole(
    userId: string,
    role: Role,
    operation?: RequestOperation,
    requestId?: string,
  ): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Whether this person may skip approval for this operation. */
  mayActDirectly(userId: string, operation: RequestOperation): Promise<boolean>;
}

export function createSubmitter(ctx: UseCaseContext, announcer: Announcer, executor: Executor): Submitter {
  const { requests, permissions, settings, log } = ctx;

  async function requireRole(userId: string, role: Role, operation?: RequestOperation, requestId?: string) {
    const check = await permissions.check(userId, role);
    if (!check.ok) {
      await requests.recordRefusal(userId, {
        reason: 'permission',
        detail: check.detail ?? check.reason,
        ...(operation ? { operation } : {}),
        ...(requestId ? { requestId } : {}),
      });
    }
    return check;
  }

  async function mayActDirectly(userId: string, operation: RequestOperation): Promise<boolean> {
    if ((settings.approvalRequired as ReadonlySet<string>).has(policyOperation(operation))) return false;
    // A rule of two approvers is not one an admin skips alone.
    if (approvalsNeededFor(settings, operation) > 1) return false;
    return (await permissions.check(userId, 'admin')).ok;
  }

  async function preview(
    request: { payload: RequestPayload; target: RequestTarget },
    direct: boolean,
    approvalsNeeded: number,
  ): Promise<SubmitOutcome> {
    if (!ctx.dryRun) return { kind: 'unavailable', message: 'Dry runs are not available in this setup.' };
    const plan = await planCalls(ctx.dryRun(), ctx.operations.settings, request);
    return { kind: 'preview', direct, approvalsNeeded, ...plan };
  }

  return {
    requireRole,
    mayActDirectly,
    async submitRequest(requester, target, payload, preflight, reason, importRows) {
      // Every kind of request ends here, whatever path it came by: the one place the reason's length is enforced.
      const problem = checkReason(reason) ?? checkReasonGiven(settings, payload.operation, reason);
      if (problem) return { kind: 'invalid', problems: [problem] };
      const direct = await mayActDirectly(requester.userId, payload.operation);
      const approvalsNeeded = approvalsNeededFor(settings, payload.operation);
      // A dry run stops here, with everything checked: nothing is stored, Moodle is only read.
      if (requester.dryRun) return preview({ payload, target }, direct, approvalsNeeded);
      // From storing the request to its card (or, executed directly, the card of its failure): see CardGate.
      return announcer.cardGate.submit(async (): Promise<SubmitOutcome> => {
        const request = await requests.submit(
          {
            requester,
            target,
            payload,
            approvalsNeeded,
            ...(preflight ? { preflight } : {}),
            ...(reason ? { reason } : {}),
            ...(importRows ? { importRows } : {}),
          },
          { direct },
        );
        if (direct) {
          const started = await requests.startExecution(request.id, requester.userId);
          if (!started.ok) return { kind: 'refused', reason: started.message };
          return executor.run(started.request, undefined);
        }
        try {
          const location = await announcer.postCard(request);
          return { kind: 'pending', request: { ...request, approvalMessage: location } };
        } catch (err) {
          log('error', 'could not post the approval card', {
            requestId: request.id,
            error: err instanceof Error ? err.message : String(err),
          });
          return { kind: 'pending', request, cardNotPosted: true };
        }
      });
    },
  };
}
