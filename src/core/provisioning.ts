// The provisioning service: the product's flow (DESIGN.md "Flow") over the ports. It validates, checks who is
// asking, looks Moodle up before anyone approves, executes directly for admins or stores a request for approval,
// makes the one Moodle call per request, reconciles an unknown outcome by looking the user up, and tells people
// through the Notifier port. It knows neither Slack nor Moodle's wire format.

import type { Config } from '../config.js';
import type { Secret } from '../secret.js';
import { CardGate } from './card-gate.js';
import type { Clock } from './clock.js';
import type {
  CreateUserInput,
  GatewayErrorShape,
  MoodleGateway,
  MoodleUser,
  UserProfileFields,
} from './moodle-gateway.js';
import { generatePassword } from './password.js';
import type { Permissions, Role } from './permissions.js';
import {
  type ApproveOptions,
  describeNotRetryable,
  describeSelfDecision,
  describeStatus,
  type FailureInput,
  type FormatActor,
  type LifecycleResult,
  type MessageLocation,
  type PreflightSummary,
  policyOperation,
  type RequesterContext,
  type RequestOperation,
  type RequestRecord,
  type RequestService,
  type RequestTarget,
} from './requests.js';
import type { Store } from './store.js';
import { type FieldProblem, validateNewUser } from './user-record.js';
import { deriveUsername, pickFreeUsername, withSuffix } from './username.js';

/** What happened to a request, for the people who must hear of it. */
export type RequestEvent = 'executed' | 'failed' | 'rejected' | 'expired' | 'cancelled';

/** How the core tells people things. src/slack implements it with cards, DMs and a notification channel. */
export interface Notifier {
  /** Posts the approval card for a new pending request; returns where it is so it can be updated. */
  postApprovalCard(request: RequestRecord): Promise<MessageLocation>;
  /** Redraws the card from the request's current state (decided, executed, failed, expired, cancelled). */
  updateApprovalCard(request: RequestRecord): Promise<void>;
  /** A direct message to the requester about their request. */
  notifyRequester(request: RequestRecord, event: RequestEvent): Promise<void>;
  /** One line in the notification channel; returns its ts when known. */
  announce(request: RequestRecord, event: RequestEvent): Promise<string | undefined>;
}

export type ProvisioningSettings = Pick<
  Config,
  'approvalRequired' | 'passwordMode' | 'allowedAuth' | 'defaultAuth' | 'protectedUsers'
> & { moodleUrl: string };

export interface ProvisioningDeps {
  gateway: MoodleGateway;
  requests: RequestService;
  store: Store;
  permissions: Permissions;
  notifier: Notifier;
  clock: Clock;
  settings: ProvisioningSettings;
  /** How refusal sentences name a person (the Slack layer passes a mention); the raw id by default. */
  formatActor?: FormatActor;
  /** Where problems that reach nobody else are written (a failed DM, say). Never given secrets. */
  log?: (level: 'warn' | 'error', message: string, context?: Record<string, unknown>) => void;
}

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

export type SubmitOutcome =
  | { kind: 'refused'; reason: string }
  | { kind: 'invalid'; problems: FieldProblem[] }
  | { kind: 'exists'; message: string; conflicts: PreflightSummary['conflicts'] }
  | { kind: 'unavailable'; message: string }
  | { kind: 'pending'; request: RequestRecord; cardError?: string }
  | { kind: 'executed'; execution: Execution }
  | { kind: 'failed'; execution: Execution; failure: FailureInput };

/** What an approver is about to do from the card: open the Approve or Reject form, or retry a failed request. */
export type DecisionVerb = 'approve' | 'reject' | 'retry';

export type DecisionCheck =
  | { ok: true; request: RequestRecord }
  | {
      ok: false;
      code: 'not_found' | 'permission' | 'self_decision' | 'not_pending' | 'not_failed';
      reason: string;
      current?: RequestRecord;
    };

export type DecisionOutcome =
  | { kind: 'refused'; reason: string; current?: RequestRecord }
  | { kind: 'rejected'; request: RequestRecord }
  | { kind: 'executed'; execution: Execution }
  | { kind: 'failed'; execution: Execution; failure: FailureInput };

/** How many derived usernames (jdoe, jdoe2 … jdoe50) a create tries before asking the requester to choose one. */
const USERNAME_TRIES = 50;

/** Auth plugins whose users log in with a Moodle password: PASSWORD_MODE applies to them. */
const LOCAL_PASSWORD_AUTHS = new Set(['manual', 'email']);
/**
 * Plugins Moodle calls "internal" (it demands a password or createpassword) whose users never use that password
 * (ws-reference §2.1 step 6): they get a random one that nobody is shown.
 */
const INTERNAL_NO_LOGIN_AUTHS = new Set(['oauth2', 'lti', 'nologin', 'none', 'db']);

export function profileUrl(moodleUrl: string, moodleId: number): string {
  return `${moodleUrl}/user/profile.php?id=${moodleId}`;
}

export function isGatewayError(err: unknown): err is GatewayErrorShape & Error {
  return (
    err instanceof Error &&
    typeof (err as Partial<GatewayErrorShape>).code === 'string' &&
    typeof (err as Partial<GatewayErrorShape>).hint === 'string'
  );
}

function failureOf(err: unknown): FailureInput {
  if (isGatewayError(err)) {
    return { code: err.code, message: err.message, hint: err.hint, outcomeUnknown: err.outcomeUnknown };
  }
  return {
    code: 'internal_error',
    message: 'Something unexpected went wrong while talking to Moodle.',
    hint: 'Look at the app log for this request id, then retry.',
    outcomeUnknown: true,
  };
}

export function createProvisioningService(deps: ProvisioningDeps) {
  const { gateway, requests, permissions, notifier, settings } = deps;
  const log = deps.log ?? (() => {});
  const formatActor = deps.formatActor ?? ((id: string) => id);

  /** Runs a notification without letting its failure undo or hide the work it reports. */
  async function tell(what: string, request: RequestRecord, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      log('warn', `could not ${what}`, {
        requestId: request.id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  async function announceOutcome(request: RequestRecord, event: RequestEvent): Promise<void> {
    if (event === 'failed' && !request.approvalMessage) {
      // An admin's direct execution has no card, but a failed request is retried from its card's Retry button:
      // without one, nobody could retry it from Slack. Post it now, drawn from the failed request.
      await tell('post the card of the failed request', request, () => postCard(request));
    } else {
      await tell('update the approval card', request, () =>
        request.approvalMessage ? notifier.updateApprovalCard(request) : Promise.resolve(),
      );
    }
    await tell('message the requester', request, () => notifier.notifyRequester(request, event));
    await tell('post the notification', request, async () => {
      const ts = await notifier.announce(request, event);
      if (ts) await deps.store.setNotificationTs(request.id, ts);
    });
  }

  /** Requests whose card is being posted right now, so that postMissingCards never posts a second one. */
  const cardsInFlight = new Set<string>();
  const cardGate = new CardGate();

  /** Posts the request's card in the approval channel and remembers where it is. */
  async function postCard(request: RequestRecord): Promise<MessageLocation> {
    cardsInFlight.add(request.id);
    try {
      const location = await notifier.postApprovalCard(request);
      await deps.store.setApprovalMessage(request.id, location);
      return location;
    } finally {
      cardsInFlight.delete(request.id);
    }
  }

  /** Accounts that would clash with creating `user`: same username, or same email ignoring case. */
  async function preflightCreate(user: UserProfileFields): Promise<PreflightSummary> {
    const conflicts: PreflightSummary['conflicts'] = [];
    const notes: string[] = [];
    try {
      const [byName, byEmail] = await Promise.all([
        gateway.getUsersByField('username', [user.username]),
        gateway.findUsersByEmail(user.email),
      ]);
      for (const u of byName) conflicts.push(conflictOf(u, 'username'));
      for (const u of byEmail) if (!byName.some((n) => n.id === u.id)) conflicts.push(conflictOf(u, 'email'));
      if (conflicts.length === 0) notes.push(`No Moodle account uses the username ${user.username} or this email.`);
      return { checked: true, notes, conflicts };
    } catch (err) {
      const failure = failureOf(err);
      return { checked: false, notes: [`Could not check Moodle for existing accounts: ${failure.hint}`], conflicts };
    }
  }

  function conflictOf(u: MoodleUser, matchedOn: 'username' | 'email'): PreflightSummary['conflicts'][number] {
    return { moodleId: u.id, username: u.username, email: u.email, matchedOn };
  }

  function describeConflicts(conflicts: PreflightSummary['conflicts']): string {
    return conflicts
      .map(
        (c) =>
          `${c.matchedOn === 'username' ? 'The username' : 'The email'} is already used by Moodle account ${c.username} (id ${c.moodleId}, ${profileUrl(settings.moodleUrl, c.moodleId)}).`,
      )
      .join(' ');
  }

  function createInputFor(user: UserProfileFields): { input: CreateUserInput; password?: Secret } {
    if (LOCAL_PASSWORD_AUTHS.has(user.auth)) {
      if (settings.passwordMode === 'email') return { input: { ...user, createpassword: true } };
      const password = generatePassword();
      return {
        input: {
          ...user,
          password: password.reveal(),
          preferences: [{ type: 'auth_forcepasswordchange', value: '1' }],
        },
        password,
      };
    }
    if (INTERNAL_NO_LOGIN_AUTHS.has(user.auth)) return { input: { ...user, password: generatePassword().reveal() } };
    return { input: { ...user } };
  }

  /** Looks the request's account up to learn whether its operation took effect. */
  async function lookUpOutcome(request: RequestRecord): Promise<{ applied: boolean; moodleId?: number }> {
    const payload = request.payload;
    if (payload.operation === 'create') {
      const found = await gateway.getUsersByField('username', [payload.user.username]);
      const user = found[0];
      return user ? { applied: true, moodleId: user.id } : { applied: false };
    }
    const id = request.target.moodleId;
    if (id === undefined) return { applied: false };
    const found = (await gateway.getUsersByField('id', [id]))[0];
    switch (payload.operation) {
      case 'delete':
        // A deleted user's username is rewritten; a look-up by id may still return the leftover record.
        return { applied: !found || found.username !== request.target.username, moodleId: id };
      case 'suspend':
        return { applied: found?.suspended === true, moodleId: id };
      case 'unsuspend':
        return { applied: found?.suspended === false, moodleId: id };
      case 'update': {
        if (!found) return { applied: false };
        const applied = payload.changes.every((c) => String(found[c.field as keyof MoodleUser] ?? '') === c.after);
        return { applied, moodleId: id };
      }
    }
  }

  /** The one Moodle call of a request that this caller has just moved to executing. */
  async function callMoodle(
    request: RequestRecord,
    createInput: CreateUserInput | undefined,
  ): Promise<{ moodleId?: number }> {
    const payload = request.payload;
    switch (payload.operation) {
      case 'create': {
        const preflight = await preflightCreate(payload.user);
        if (preflight.conflicts.length > 0) {
          throw Object.assign(new Error(describeConflicts(preflight.conflicts)), {
            code: 'already_exists',
            hint: 'Nothing was created. Use the existing account, or change the username or email and ask again.',
            outcomeUnknown: false,
          });
        }
        const [created] = await gateway.createUsers([createInput ?? createInputFor(payload.user).input]);
        return created ? { moodleId: created.id } : {};
      }
      case 'update': {
        const id = requireTargetId(request);
        const fields: Record<string, string> = {};
        for (const c of payload.changes) fields[c.field] = c.after;
        await gateway.updateUsers([{ id, ...fields }]);
        return { moodleId: id };
      }
      case 'suspend':
      case 'unsuspend': {
        const id = requireTargetId(request);
        await gateway.updateUsers([{ id, suspended: payload.operation === 'suspend' }]);
        return { moodleId: id };
      }
      case 'delete': {
        const id = requireTargetId(request);
        await gateway.deleteUsers([id]);
        return { moodleId: id };
      }
    }
  }

  function requireTargetId(request: RequestRecord): number {
    if (request.target.moodleId === undefined) throw new Error(`request ${request.id} has no Moodle account id`);
    return request.target.moodleId;
  }

  /**
   * Executes a request that `start` moved to executing (the caller won the compare-and-set). A previous attempt
   * whose outcome is unknown is looked up first, so a retry never repeats a call that took effect.
   */
  async function run(
    started: RequestRecord,
    previous: RequestRecord['result'],
  ): Promise<Extract<DecisionOutcome, { kind: 'executed' | 'failed' }>> {
    let moodleId: number | undefined;
    let password: Secret | undefined;
    let passwordUnknown = false;
    // Prepared before the call, so that a create whose answer is lost but which Moodle committed still has the
    // password that was sent.
    const prepared = started.payload.operation === 'create' ? createInputFor(started.payload.user) : undefined;
    try {
      const alreadyDone =
        previous && !previous.ok && previous.outcomeUnknown ? await lookUpOutcome(started) : { applied: false };
      if (alreadyDone.applied) {
        moodleId = alreadyDone.moodleId;
        passwordUnknown = prepared?.password !== undefined;
      } else {
        ({ moodleId } = await callMoodle(started, prepared?.input));
        password = prepared?.password;
      }
    } catch (err) {
      const settled = await settleFailure(started, failureOf(err));
      if ('failure' in settled) {
        const { failure } = settled;
        const recorded = await requests.recordFailure(started.id, failure);
        const request = recorded.ok ? recorded.request : started;
        await announceOutcome(request, 'failed');
        return { kind: 'failed', execution: { request }, failure };
      }
      moodleId = settled.moodleId;
      password = prepared?.password;
    }
    const recorded = await requests.recordSuccess(started.id, moodleId === undefined ? {} : { moodleId });
    const request = recorded.ok ? recorded.request : started;
    await announceOutcome(request, 'executed');
    const execution: Execution = { request };
    if (moodleId !== undefined) {
      execution.moodleId = moodleId;
      execution.profileUrl = profileUrl(settings.moodleUrl, moodleId);
    }
    const username = request.payload.operation === 'create' ? request.payload.user.username : request.target.username;
    if (username) execution.username = username;
    if (password) execution.password = password;
    if (passwordUnknown) execution.passwordUnknown = true;
    return { kind: 'executed', execution };
  }

  /**
   * After a failed call: when the outcome is unknown, look before saying anything. Returns the failure to
   * record, or what a look-up found when the operation took effect after all.
   */
  async function settleFailure(
    request: RequestRecord,
    failure: FailureInput,
  ): Promise<{ failure: FailureInput } | { moodleId: number | undefined }> {
    if (!failure.outcomeUnknown) return { failure };
    try {
      const found = await lookUpOutcome(request);
      if (found.applied) return { moodleId: found.moodleId };
      return {
        failure: { ...failure, outcomeUnknown: false, hint: `${failure.hint} A look-up shows it did not happen.` },
      };
    } catch {
      // Still unknown: the request stays failed with outcomeUnknown, and a retry looks up first.
      return { failure };
    }
  }

  async function requireRole(userId: string, role: Role, operation?: RequestOperation, requestId?: string) {
    const check = await permissions.check(userId, role);
    if (!check.ok) {
      await requests.recordRefusal(userId, {
        reason: 'permission',
        detail: check.reason,
        ...(operation ? { operation } : {}),
        ...(requestId ? { requestId } : {}),
      });
    }
    return check;
  }

  /** Whether this person may skip approval for this operation. */
  async function mayActDirectly(userId: string, operation: RequestOperation): Promise<boolean> {
    if (settings.approvalRequired.has(policyOperation(operation))) return false;
    return (await permissions.check(userId, 'admin')).ok;
  }

  /** Stores a request, then either executes it (admin, no approval needed) or posts it for approval. */
  async function submit(
    requester: RequesterContext,
    target: RequestTarget,
    payload: RequestRecord['payload'],
    preflight: PreflightSummary | undefined,
    reason: string | undefined,
  ): Promise<SubmitOutcome> {
    const direct = await mayActDirectly(requester.userId, payload.operation);
    return cardGate.submit(() => storeAndCarryOut(requester, target, payload, preflight, reason, direct));
  }

  async function storeAndCarryOut(
    requester: RequesterContext,
    target: RequestTarget,
    payload: RequestRecord['payload'],
    preflight: PreflightSummary | undefined,
    reason: string | undefined,
    direct: boolean,
  ): Promise<SubmitOutcome> {
    const request = await requests.submit(
      { requester, target, payload, ...(preflight ? { preflight } : {}), ...(reason ? { reason } : {}) },
      { direct },
    );
    if (direct) {
      const started = await requests.startExecution(request.id, requester.userId);
      if (!started.ok) return { kind: 'refused', reason: started.message };
      return run(started.request, undefined);
    }
    try {
      const location = await postCard(request);
      return { kind: 'pending', request: { ...request, approvalMessage: location } };
    } catch (err) {
      log('error', 'could not post the approval card', {
        requestId: request.id,
        error: err instanceof Error ? err.message : String(err),
      });
      return {
        kind: 'pending',
        request,
        cardError:
          'The request is saved, but its card could not be posted to the approvers’ channel; approvers can still find it with /moodle-user requests pending. Ask an admin to run /moodle-user doctor.',
      };
    }
  }

  /**
   * Checks a new user against Moodle's rules without asking Moodle (fast enough for a modal's 3-second ack).
   * A missing username is derived from the email; `derived` says so (a free variant is picked at submit).
   */
  function validateCreate(
    input: Record<string, string | undefined>,
  ): ({ ok: true; record: UserProfileFields } | { ok: false; problems: FieldProblem[] }) & { derived: boolean } {
    const derived = !input.username?.trim();
    const candidate = derived && input.email?.trim() ? { ...input, username: deriveUsername(input.email) } : input;
    return {
      ...validateNewUser(candidate, { allowedAuth: settings.allowedAuth, defaultAuth: settings.defaultAuth }),
      derived,
    };
  }

  return {
    validateCreate,

    /** Stores and then executes or posts for approval any request (used by update, suspend, delete). */
    submitRequest: submit,

    /** Accounts that would clash with creating this user. */
    preflightCreate,

    /** May this person use the create form at all? Checked before a modal is opened. */
    async canRequest(userId: string) {
      return requireRole(userId, 'requester', 'create');
    },

    /**
     * Validates a new user (deriving the username when none is given), checks Moodle for clashes, then
     * executes directly or stores a request for approval. Input keys are DESIGN.md's (plus `reason`).
     */
    async submitCreate(requester: RequesterContext, input: Record<string, string | undefined>): Promise<SubmitOutcome> {
      const allowed = await requireRole(requester.userId, 'requester', 'create');
      if (!allowed.ok) return { kind: 'refused', reason: allowed.reason };

      const validated = validateCreate(input);
      if (!validated.ok) return { kind: 'invalid', problems: validated.problems };
      const derive = validated.derived;
      let user = validated.record;
      // A username that a waiting create (asked for, not carried out yet) will take counts as taken: Moodle does not
      // know it. One indexed look-up for all the candidates, made before Moodle is asked, so that a store failure is
      // not reported as Moodle being unavailable.
      const waiting = derive
        ? new Set(
            (
              await deps.store.findCreatesInFlight({
                usernames: Array.from({ length: USERNAME_TRIES }, (_, i) => withSuffix(user.username, i + 1)),
              })
            ).map((r) => r.username),
          )
        : new Set<string>();
      try {
        if (derive) {
          const free = await pickFreeUsername(
            user.username,
            async (u) => waiting.has(u) || (await gateway.getUsersByField('username', [u])).length > 0,
            USERNAME_TRIES,
          );
          if (!free) {
            return {
              kind: 'invalid',
              problems: [
                { field: 'username', message: `Usernames based on ${user.username} are all taken; choose one.` },
              ],
            };
          }
          user = { ...user, username: free };
        }
      } catch (err) {
        return { kind: 'unavailable', message: failureOf(err).hint };
      }
      // The first in the store's order (pending, approved, executing, oldest first) with this username or email.
      const [twin] = await deps.store.findCreatesInFlight({ usernames: [user.username], emails: [user.email] });
      if (twin) {
        const same = twin.username === user.username ? `the username ${user.username}` : 'this email address';
        return {
          kind: 'refused',
          reason:
            `A request to create an account with ${same} is already in progress: ${twin.id}, asked by ` +
            `${formatActor(twin.requesterId)} (${twin.status}). Nothing new was requested; ` +
            `an approver decides the existing one, or its requester cancels it with /moodle-user cancel ${twin.id}.`,
        };
      }
      const preflight = await preflightCreate(user);
      if (preflight.conflicts.length > 0) {
        return { kind: 'exists', message: describeConflicts(preflight.conflicts), conflicts: preflight.conflicts };
      }
      const reason = input.reason?.trim() || undefined;
      return submit(
        requester,
        { username: user.username, email: user.email },
        { operation: 'create', user },
        preflight,
        reason,
      );
    },

    /**
     * Whether `actor` may take this step on this request now: is an approver, did not ask for it (admins included),
     * and the request is still pending (failed, for a retry). Checked at every click and every submission, before
     * anything is shown; refusals are audited. The decision itself is still a compare-and-set: this only says early.
     */
    async checkDecision(requestId: string, actor: string, verb: DecisionVerb): Promise<DecisionCheck> {
      const request = await deps.store.getRequest(requestId);
      if (!request) {
        await requests.recordRefusal(actor, { reason: 'not_found', detail: `asked to ${verb} ${requestId}` });
        return { ok: false, code: 'not_found', reason: `There is no request ${requestId}.` };
      }
      const refuse = async (code: Exclude<DecisionCheck, { ok: true }>['code'], reason: string) => {
        await requests.recordRefusal(actor, { reason: code, requestId, detail: reason });
        return { ok: false as const, code, reason, current: request };
      };
      const allowed = await permissions.check(actor, 'approver');
      if (!allowed.ok) return refuse('permission', allowed.reason);
      if (verb === 'retry') {
        if (request.status !== 'failed') return refuse('not_failed', describeNotRetryable(request, formatActor));
        return { ok: true, request };
      }
      if (request.requester.userId === actor) return refuse('self_decision', describeSelfDecision(request, verb));
      if (request.status !== 'pending') return refuse('not_pending', describeStatus(request, formatActor));
      return { ok: true, request };
    },

    /** An approver approves (optionally correcting fields); the request is then executed once. */
    async approve(requestId: string, actor: string, options: ApproveOptions = {}): Promise<DecisionOutcome> {
      const allowed = await requireRole(actor, 'approver', undefined, requestId);
      if (!allowed.ok) return { kind: 'refused', reason: allowed.reason };
      const approved = await requests.approve(requestId, actor, options);
      if (!approved.ok) return refusedFrom(approved);
      const started = await requests.startExecution(requestId, actor);
      if (!started.ok) return refusedFrom(started);
      return run(started.request, undefined);
    },

    async reject(requestId: string, actor: string, reason: string): Promise<DecisionOutcome> {
      const allowed = await requireRole(actor, 'approver', undefined, requestId);
      if (!allowed.ok) return { kind: 'refused', reason: allowed.reason };
      const rejected = await requests.reject(requestId, actor, reason);
      if (!rejected.ok) return refusedFrom(rejected);
      await announceOutcome(rejected.request, 'rejected');
      return { kind: 'rejected', request: rejected.request };
    },

    /** An approver retries a failed request; an earlier unknown outcome is looked up first. */
    async retry(requestId: string, actor: string): Promise<DecisionOutcome> {
      const allowed = await requireRole(actor, 'approver', undefined, requestId);
      if (!allowed.ok) return { kind: 'refused', reason: allowed.reason };
      const before = await deps.store.getRequest(requestId);
      const started = await requests.retry(requestId, actor);
      if (!started.ok) return refusedFrom(started);
      return run(started.request, before?.result);
    },

    async cancel(requestId: string, actor: string): Promise<LifecycleResult> {
      const cancelled = await requests.cancel(requestId, actor);
      if (cancelled.ok) await announceOutcome(cancelled.request, 'cancelled');
      return cancelled;
    },

    /**
     * Posts the cards that could not be posted when their request was stored or failed (Slack down, rate-limited,
     * the bot not in the channel): a pending request without a card cannot be approved, a failed one cannot be
     * retried. Stops at the first refusal, since Slack refuses the rest for the same reason; the next run resumes.
     */
    async postMissingCards(): Promise<RequestRecord[]> {
      // Listed and claimed behind the gate, so that no submission is between storing a request and posting its card.
      const missing = await cardGate.sweep(async () => {
        const waiting = [...(await deps.store.findByStatus('pending')), ...(await deps.store.findByStatus('failed'))];
        const unclaimed = waiting.filter((r) => !r.approvalMessage && !cardsInFlight.has(r.id));
        for (const request of unclaimed) cardsInFlight.add(request.id);
        return unclaimed;
      });
      const posted: RequestRecord[] = [];
      try {
        for (const request of missing) {
          cardsInFlight.delete(request.id);
          posted.push({ ...request, approvalMessage: await postCard(request) });
        }
      } catch (err) {
        log('warn', 'could not post a missing approval card yet', {
          requestId: missing[posted.length]?.id,
          error: err instanceof Error ? err.message : String(err),
        });
      } finally {
        for (const request of missing) cardsInFlight.delete(request.id);
      }
      return posted;
    },

    /** Expires overdue pending requests and tells everyone concerned. */
    async expireDue(): Promise<RequestRecord[]> {
      const expired = await requests.expireDue();
      for (const request of expired) await announceOutcome(request, 'expired');
      return expired;
    },

    /**
     * At start-up: requests left executing by a crash are looked up in Moodle, never re-executed blindly.
     * Found → succeeded with that id; absent → failed and retryable; Moodle unreachable → left for later.
     */
    async reconcileInterrupted(): Promise<{ reconciled: RequestRecord[]; unresolved: RequestRecord[] }> {
      const reconciled: RequestRecord[] = [];
      const unresolved: RequestRecord[] = [];
      for (const request of await requests.findInterrupted()) {
        let outcome: { applied: boolean; moodleId?: number };
        try {
          outcome = await lookUpOutcome(request);
        } catch (err) {
          log('warn', 'could not reconcile an interrupted request yet', {
            requestId: request.id,
            code: failureOf(err).code,
          });
          unresolved.push(request);
          continue;
        }
        const result = await requests.reconcile(
          request.id,
          outcome.applied
            ? { applied: true, ...(outcome.moodleId === undefined ? {} : { moodleId: outcome.moodleId }) }
            : { applied: false, detail: 'The app stopped during the Moodle call; a look-up shows it did not happen.' },
        );
        if (result.ok) {
          reconciled.push(result.request);
          // Behind the gate: a failed direct execution gets its first card here, which a sweep must not double.
          const event = result.request.status === 'succeeded' ? 'executed' : 'failed';
          await cardGate.submit(() => announceOutcome(result.request, event));
        }
      }
      return { reconciled, unresolved };
    },
  };
}

function refusedFrom(result: Extract<LifecycleResult, { ok: false }>): DecisionOutcome {
  return { kind: 'refused', reason: result.message, ...(result.current ? { current: result.current } : {}) };
}

export type ProvisioningService = ReturnType<typeof createProvisioningService>;
