// Execute: the one Moodle call of a request that its caller has just moved to executing (it won the
// compare-and-set). Protected accounts are checked again right before the call; a previous attempt whose outcome
// is unknown is looked up first, so a retry never repeats a call that took effect.
import type { Secret } from '../../secret.js';
import { isGatewayError, profileUrl } from '../moodle-gateway.js';
import { operationOf } from '../operations/registry.js';
import type { Applied, Prepared } from '../operations/types.js';
import { protectionOfTarget } from '../protection.js';
import type { FailureInput } from '../request-service.js';
import type { RequestRecord } from '../requests.js';
import type { Announcer } from './announce.js';
import type { UseCaseContext } from './context.js';

/** An executed request's result for the person who triggered it. The password is for their eyes only, once. */
export interface Execution {
  request: RequestRecord;
  /** Set when the Moodle call succeeded (or a look-up proved it had). */
  moodleId?: number;
  username?: string;
  profileUrl?: string;
  /** Only with PASSWORD_MODE=generate, only for the person who triggered the creation, never stored. */
  password?: Secret;
  /**
   * PASSWORD_MODE=generate, but the account was made by an earlier attempt whose answer was lost: its password was
   * never shown and is stored nowhere, so someone must set a new one in Moodle.
   */
  passwordUnknown?: boolean;
}

export type ExecutionOutcome =
  | { kind: 'executed'; execution: Execution }
  | { kind: 'failed'; execution: Execution; failure: FailureInput };

export function failureOf(err: unknown): FailureInput {
  if (isGatewayError(err)) {
    const made = (err as { moodleId?: unknown }).moodleId;
    return {
      code: err.code,
      message: err.message,
      hint: err.hint,
      outcomeUnknown: err.outcomeUnknown,
      ...(typeof made === 'number' ? { moodleId: made } : {}),
    };
  }
  return {
    code: 'internal_error',
    message: 'Something unexpected went wrong while talking to Moodle.',
    hint: 'Look at the app log for this request id, then retry.',
    outcomeUnknown: true,
  };
}

/** A protection check that stopped an execution, recorded as the request's failure (nothing was sent). */
class ProtectionStop extends Error {
  readonly outcomeUnknown = false;
  constructor(
    message: string,
    readonly code: 'protected' | 'protection_unknown',
    readonly hint: string,
  ) {
    super(message);
  }
}

export interface Executor {
  /** `holdFailure`: a failure is recorded but not announced; the caller (the scheduler) tries again or announces it. */
  run(
    started: RequestRecord,
    previous: RequestRecord['result'],
    options?: { holdFailure?: boolean },
  ): Promise<ExecutionOutcome>;
}

/** Protection may have changed since the request was made (PROTECTED_USERS edited, the token changed). */
async function recheck(ctx: UseCaseContext, request: RequestRecord): Promise<void> {
  const protection = await protectionOfTarget(ctx.guard, request);
  if (protection?.protected === true) {
    throw new ProtectionStop(
      protection.reason,
      'protected',
      'Nothing was changed in Moodle; the account is protected.',
    );
  }
  if (protection?.protected === 'unknown') {
    throw new ProtectionStop(protection.reason, 'protection_unknown', 'Nothing was changed in Moodle; retry later.');
  }
}

/**
 * After a failed call: when the outcome is unknown, look before saying anything. Returns the failure to
 * record, or what a look-up found when the operation took effect after all.
 */
async function settleFailure(
  ctx: UseCaseContext,
  request: RequestRecord,
  failure: FailureInput,
): Promise<{ failure: FailureInput } | { moodleId: number | undefined }> {
  if (!failure.outcomeUnknown) return { failure };
  try {
    const found = await operationOf(request.operation).lookUpOutcome(ctx.operations, request);
    if (found.applied) return { moodleId: found.moodleId };
    const made = found.moodleId ?? failure.moodleId;
    const hint = `${failure.hint} A look-up shows it did not ${made === undefined ? 'happen' : 'all happen'}.`;
    return { failure: { ...failure, outcomeUnknown: false, hint, ...(made === undefined ? {} : { moodleId: made }) } };
  } catch {
    // Still unknown: the request stays failed with outcomeUnknown, and a retry looks up first.
    return { failure };
  }
}

type Attempt = { moodleId: number | undefined; fresh: boolean } | { failure: FailureInput; fresh: boolean };

/** One try: look first if the last outcome is unknown, re-check protection, then call; never throws. */
async function attempt(
  ctx: UseCaseContext,
  started: RequestRecord,
  previous: RequestRecord['result'],
  prepared: Prepared | undefined,
): Promise<Attempt> {
  const operation = operationOf(started.operation);
  // Whether this attempt sent what prepare() made (a new account's password), rather than finding it done.
  let fresh = false;
  try {
    const done: Applied =
      previous && !previous.ok && previous.outcomeUnknown
        ? await operation.lookUpOutcome(ctx.operations, started)
        : { applied: false };
    if (done.applied) return { moodleId: done.moodleId, fresh: false };
    await recheck(ctx, started);
    // Part of it may be in Moodle already (the account of a create whose courses failed): do only the rest.
    const request =
      started.target.moodleId === undefined && done.moodleId !== undefined
        ? { ...started, target: { ...started.target, moodleId: done.moodleId } }
        : started;
    fresh = request.target.moodleId === undefined;
    const result = await operation.execute(ctx.operations, request, prepared);
    return { moodleId: result.moodleId, fresh };
  } catch (err) {
    const settled = await settleFailure(ctx, started, failureOf(err));
    return 'failure' in settled ? { ...settled, fresh } : { moodleId: settled.moodleId, fresh };
  }
}

export function createExecutor(ctx: UseCaseContext, announcer: Announcer): Executor {
  const { requests, settings } = ctx;
  return {
    async run(started, previous, options = {}) {
      // Prepared before the call, so that a create whose answer is lost but which Moodle committed still has the
      // password that was sent.
      const prepared = operationOf(started.operation).prepare?.(ctx.operations, started.payload);
      const outcome = await attempt(ctx, started, previous, prepared);
      if ('failure' in outcome) {
        const recorded = await requests.recordFailure(started.id, outcome.failure);
        const request = recorded.ok ? recorded.request : started;
        if (!options.holdFailure) await announcer.announceOutcome(request, 'failed');
        const execution: Execution = { request };
        // The account was made before a later step failed: its password was sent and must be shown now or never.
        if (prepared?.password && outcome.fresh && outcome.failure.moodleId !== undefined) {
          execution.password = prepared.password;
        }
        return { kind: 'failed', execution, failure: outcome.failure };
      }
      const { moodleId } = outcome;
      const recorded = await requests.recordSuccess(started.id, moodleId === undefined ? {} : { moodleId });
      const request = recorded.ok ? recorded.request : started;
      await announcer.announceOutcome(request, 'executed');
      const execution: Execution = { request };
      if (moodleId !== undefined) {
        execution.moodleId = moodleId;
        execution.profileUrl = profileUrl(settings.moodleUrl, moodleId);
      }
      const username = request.target.username;
      if (username) execution.username = username;
      if (prepared?.password) {
        if (outcome.fresh) execution.password = prepared.password;
        else execution.passwordUnknown = true;
      }
      return { kind: 'executed', execution };
    },
  };
}
