// Create an account: validate (deriving a free username when none is given), refuse a twin of a create already in
// flight, look Moodle up for clashes, then submit. Input keys are the profile fields plus `reason`.

import { readEndDate } from '../account-end-dates.js';
import { mayReadDetails, recordLookup, viewConflicts } from '../account-view.js';
import { checkReason } from '../free-text.js';
import type { UserProfileFields } from '../moodle-gateway.js';
import { type CreatePayload, createUser, describeConflicts, preflightCreate } from '../operations/create-user.js';
import { describeUnavailable } from '../request-words.js';
import type { PreflightSummary, RequesterContext, RequestTarget } from '../requests.js';
import { type FieldProblem, validateNewUser } from '../user-record.js';
import { deriveUsername, pickFreeUsername, withSuffix } from '../username.js';
import type { UseCaseContext } from './context.js';
import { failureOf } from './execute.js';
import type { SubmitOutcome } from './outcomes.js';
import { DEFAULT_ROLE_IDS, type Resolved, resolveCohorts, resolveEnrolments } from './resolve-memberships.js';
import type { Submitter } from './submit.js';

/** How many derived usernames (jdoe, jdoe2 … jdoe50) a create tries before asking the requester to choose one. */
const USERNAME_TRIES = 50;

export type CreateValidation = ({ ok: true; record: UserProfileFields } | { ok: false; problems: FieldProblem[] }) & {
  derived: boolean;
};

export interface AccountCreation {
  /** Checks a new user against Moodle's rules without asking Moodle (fast enough for a modal's 3-second ack). */
  validateCreate(input: Record<string, string | undefined>): CreateValidation;
  /** Accounts that would clash with creating this user. */
  preflightCreate(user: UserProfileFields): Promise<PreflightSummary>;
  /** May this person use the create form at all? Checked before a form is opened. */
  canRequest(userId: string): Promise<{ ok: true } | { ok: false; reason: string }>;
  submitCreate(
    requester: RequesterContext,
    input: Record<string, string | undefined>,
    options?: CreateOptions,
  ): Promise<SubmitOutcome>;
  /** Every check of submitCreate, nothing stored: a form waits for it to keep itself open on a problem. */
  planCreate(
    requester: RequesterContext,
    input: Record<string, string | undefined>,
    options?: CreateOptions,
  ): Promise<CreatePlan | SubmitOutcome>;
  /**
   * The problems of courses= and cohorts= (a course Moodle does not have), looked up in Moodle, for a reply that
   * lists the text's other problems too; undefined when the person may not ask for accounts or Moodle could not say.
   */
  checkMemberships(userId: string, input: Record<string, string | undefined>): Promise<FieldProblem[] | undefined>;
  /** Stores (or executes) a create planCreate returned. */
  submitPlannedCreate(plan: CreatePlan): Promise<SubmitOutcome>;
}

export interface CreateOptions {
  /** The requester's time zone, in which an end date (until=) is read; UTC when not given. */
  timeZone?: string;
}

/** A create checked against the rules, Moodle and the requests in flight, ready to be stored. */
export interface CreatePlan {
  kind: 'planned';
  requester: RequesterContext;
  target: RequestTarget;
  payload: CreatePayload;
  preflight: PreflightSummary;
  reason: string | undefined;
}

export function createAccountCreation(ctx: UseCaseContext, submitter: Submitter): AccountCreation {
  return {
    validateCreate: (input) => validateCreate(ctx, input),
    preflightCreate: (user) => preflightCreate(ctx.gateway, user),
    canRequest: (userId) => submitter.requireRole(userId, 'requester', 'create'),
    submitCreate: async (requester, input, options = {}) => {
      const plan = await planCreate(ctx, submitter, requester, input, options.timeZone ?? 'UTC');
      return plan.kind === 'planned' ? submitPlanned(submitter, plan) : forReader(ctx, requester.userId, plan);
    },
    planCreate: async (requester, input, options = {}) => {
      const plan = await planCreate(ctx, submitter, requester, input, options.timeZone ?? 'UTC');
      return plan.kind === 'planned' ? plan : forReader(ctx, requester.userId, plan);
    },
    submitPlannedCreate: (plan) => submitPlanned(submitter, plan),
    checkMemberships: async (userId, input) => {
      // Unaudited: the submission that follows checks (and audits) the role; nobody else learns which courses exist.
      if (!(await ctx.permissions.check(userId, 'requester')).ok) return undefined;
      const resolved = await resolveMemberships(ctx, input);
      if ('kind' in resolved) return undefined;
      return resolved.ok ? [] : resolved.problems;
    },
  };
}

function validateCreate(ctx: UseCaseContext, input: Record<string, string | undefined>): CreateValidation {
  const { allowedAuth, defaultAuth } = ctx.settings;
  const derived = !input.username?.trim();
  const candidate = derived && input.email?.trim() ? { ...input, username: deriveUsername(input.email) } : input;
  const checked = validateNewUser(candidate, { allowedAuth, defaultAuth });
  const reason = checkReason(input.reason);
  if (!reason) return { ...checked, derived };
  return { ok: false, problems: [...(checked.ok ? [] : checked.problems), reason], derived };
}

function submitPlanned(submitter: Submitter, plan: CreatePlan): Promise<SubmitOutcome> {
  return submitter.submitRequest(plan.requester, plan.target, plan.payload, plan.preflight, plan.reason);
}

/** Moodle could not be asked: plain words for everyone, the technical hint kept for approvers and admins. */
function unavailable(err: unknown, what: string): Extract<SubmitOutcome, { kind: 'unavailable' }> {
  return { kind: 'unavailable', message: describeUnavailable(err, what), detail: failureOf(err).hint };
}

/** Drops the technical detail of an unavailable outcome unless the person is an approver or an admin. */
async function forReader(ctx: UseCaseContext, userId: string, outcome: SubmitOutcome): Promise<SubmitOutcome> {
  if (outcome.kind !== 'unavailable' || outcome.detail === undefined) return outcome;
  const roles = await ctx.permissions.rolesOf(userId).catch(() => new Set<string>());
  if (roles.has('approver') || roles.has('admin')) return outcome;
  return { kind: 'unavailable', message: outcome.message };
}

async function planCreate(
  ctx: UseCaseContext,
  submitter: Submitter,
  requester: RequesterContext,
  input: Record<string, string | undefined>,
  timeZone: string,
): Promise<CreatePlan | SubmitOutcome> {
  const allowed = await submitter.requireRole(requester.userId, 'requester', 'create');
  if (!allowed.ok) return { kind: 'refused', reason: allowed.reason };
  const validated = validateCreate(ctx, input);
  const end = readEndDate(input.until, timeZone, ctx.clock.now());
  const memberships = await resolveMemberships(ctx, input);
  if ('kind' in memberships) return memberships;
  if (!validated.ok || !memberships.ok || !end.ok) {
    const problems = [validated, memberships, end].flatMap((r) => (r.ok ? [] : r.problems));
    return { kind: 'invalid', problems };
  }
  let user = validated.record;
  if (validated.derived) {
    const free = await freeUsername(ctx, user.username);
    if (typeof free !== 'string') return free;
    user = { ...user, username: free };
  }
  const twin = await twinRefusal(ctx, user);
  if (twin) return twin;
  const preflight = await preflightForPerson(ctx, requester.userId, user);
  if ('kind' in preflight) return preflight;
  const reason = input.reason?.trim() || undefined;
  const target = { username: user.username, email: user.email };
  const payload: CreatePayload = { operation: 'create', user, ...memberships.value, ...end.value };
  return { kind: 'planned', requester, target, payload, preflight, reason };
}

/**
 * A free variant of a derived username (jdoe, jdoe2 …). One taken by a waiting create counts as taken: Moodle does
 * not know it yet. The store is asked once for all candidates, before Moodle, so its failure is not blamed on Moodle.
 */
async function freeUsername(ctx: UseCaseContext, base: string): Promise<string | SubmitOutcome> {
  const candidates = Array.from({ length: USERNAME_TRIES }, (_, i) => withSuffix(base, i + 1));
  const inFlight = await ctx.store.findInFlight({ operation: createUser.name, usernames: candidates });
  const waiting = new Set(inFlight.map((r) => r.username));
  let free: string | undefined;
  try {
    const taken = async (u: string) =>
      waiting.has(u) || (await ctx.gateway.getUsersByField('username', [u])).length > 0;
    free = await pickFreeUsername(base, taken, USERNAME_TRIES);
  } catch (err) {
    ctx.log('warn', 'could not pick a free username', { code: failureOf(err).code, hint: failureOf(err).hint });
    return unavailable(err, 'check which usernames are free');
  }
  if (free) return free;
  return {
    kind: 'invalid',
    problems: [{ field: 'username', message: `Usernames based on ${base} are all taken; choose one.` }],
  };
}

/** The first create in flight (pending, approved, executing; oldest first) with this username or email. */
async function twinRefusal(ctx: UseCaseContext, user: UserProfileFields): Promise<SubmitOutcome | undefined> {
  const [twin] = await ctx.store.findInFlight({
    operation: createUser.name,
    usernames: [user.username],
    emails: [user.email],
  });
  if (!twin) return undefined;
  const field = twin.username === user.username ? 'username' : 'email';
  const same = field === 'username' ? `the username ${user.username}` : 'this email address';
  return {
    kind: 'refused',
    field,
    reason:
      `A request to create an account with ${same} is already in progress: ${twin.id}, asked by ` +
      `${ctx.formatActor(twin.requesterId)} (${twin.status}). Nothing new was requested; ` +
      'an approver decides the existing one, or its requester cancels it.',
    inFlight: twin.id,
  };
}

/**
 * The create pre-flight for a person: existing accounts it names are audited and shown with their details only to
 * approvers and admins; a look-up too broad to trust refuses the create.
 */
async function preflightForPerson(
  ctx: UseCaseContext,
  actor: string,
  user: UserProfileFields,
): Promise<PreflightSummary | Extract<SubmitOutcome, { kind: 'exists' | 'unavailable' }>> {
  const { gateway, store, clock } = ctx;
  let preflight: PreflightSummary;
  try {
    preflight = await preflightCreate(gateway, user);
  } catch (err) {
    const detail = `create: username ${user.username}, email ${user.email}`;
    await recordLookup(store, clock, { actor, outcome: 'too_broad', detail });
    return unavailable(err, 'check for existing accounts');
  }
  if (preflight.conflicts.length === 0) return preflight;
  for (const c of preflight.conflicts) {
    const account = { id: c.moodleId, username: c.username };
    await recordLookup(store, clock, { actor, outcome: 'exists', detail: `create: same ${c.matchedOn}`, account });
  }
  const full = await mayReadDetails(ctx.permissions, actor);
  return {
    kind: 'exists',
    message: describeConflicts(ctx.settings.moodleUrl, preflight.conflicts),
    conflicts: viewConflicts(preflight.conflicts, full),
  };
}

function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The courses (with their role) and cohorts asked for with the account, resolved against Moodle. */
async function resolveMemberships(
  ctx: UseCaseContext,
  input: Record<string, string | undefined>,
): Promise<Resolved<Pick<CreatePayload, 'enrolments' | 'cohorts'>> | SubmitOutcome> {
  const courses = splitList(input.courses);
  const cohorts = splitList(input.cohorts);
  if (courses.length === 0 && input.role?.trim()) {
    const message = 'role= is the role in the courses=; name the courses too.';
    return { ok: false, problems: [{ field: 'role', message }] };
  }
  if (courses.length === 0 && cohorts.length === 0) return { ok: true, value: {} };
  try {
    const settings = { roleIds: ctx.settings.roleIds ?? DEFAULT_ROLE_IDS, defaultRole: 'student' };
    // No dates here: the time zone they would be read in is the Slack layer's, and an account end date is separate.
    const when = { timeZone: 'UTC', now: ctx.clock.now() };
    const enrolments = await resolveEnrolments(ctx.gateway, settings, { courses, role: input.role }, when);
    const found = await resolveCohorts(ctx.gateway, cohorts);
    const problems = [enrolments, found].flatMap((r) => (r.ok ? [] : r.problems));
    if (!enrolments.ok || !found.ok) return { ok: false, problems };
    const value: Pick<CreatePayload, 'enrolments' | 'cohorts'> = {};
    if (enrolments.value.length > 0) value.enrolments = enrolments.value;
    if (found.value.length > 0) value.cohorts = found.value;
    return { ok: true, value };
  } catch (err) {
    ctx.log('warn', 'could not check courses and cohorts', { code: failureOf(err).code, hint: failureOf(err).hint });
    return unavailable(err, 'check the courses and cohorts');
  }
}
