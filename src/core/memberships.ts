// Enrolment and cohort requests for an existing account: who may ask, the course (or cohort), role and dates
// resolved against Moodle before anyone approves, then the same submit → approve → execute path as every change.
// Framework-free: the Slack layer passes what was typed and the person's time zone.
import type { AccountRef } from './account-ref.js';
import { withAccount } from './account-view.js';
import { type AccountDeps, type AccountService, accountServiceFor, type ChangeOutcome } from './accounts.js';
import type { MoodleGateway, MoodleUser } from './moodle-gateway.js';
import { type CohortRef, describeCohort, describeCourse, enrolledCourseIds } from './operations/memberships.js';
import type { RequestPayload } from './operations/registry.js';
import type { ProvisioningService } from './provisioning.js';
import { describeUnavailable } from './request-words.js';
import type { PreflightSummary, RequesterContext } from './requests.js';
import {
  cohortRef,
  type MembershipSettings,
  type Resolved,
  resolveCohorts,
  resolveCourses,
  resolveEnrolments,
} from './use-cases/resolve-memberships.js';

/** The role of an enrolment when none is named. */
export const DEFAULT_ROLE = 'student';

export interface MembershipDeps {
  gateway: MoodleGateway;
  accounts: AccountService;
  provisioning: ProvisioningService;
  settings: MembershipSettings;
  now: () => Date;
}

export interface EnrolmentRequest {
  course: string;
  role?: string | undefined;
  from?: string | undefined;
  until?: string | undefined;
  reason?: string | undefined;
  /** The requester's time zone (IANA), in which the dates are read. */
  timeZone: string;
}

/** What a form asks for at once: one operation on one or more courses (or cohorts) of one account. */
export type MembershipAsk =
  | ({ operation: 'enrol'; courses: readonly string[] } & Omit<EnrolmentRequest, 'course' | 'reason'>)
  | { operation: 'unenrol'; courses: readonly string[] }
  | { operation: 'cohort_add' | 'cohort_remove'; cohorts: readonly string[] };

type MembershipPayload = RequestPayload & { operation: MembershipAsk['operation'] };

interface PlannedChange {
  payload: MembershipPayload;
  /** What the card should note about the account, read just before the request is stored. */
  notes: (account: MoodleUser) => Promise<string[]>;
}

/** Everything checked (input, permission, account, protection, nothing alike in flight); nothing stored yet. */
export interface MembershipPlan {
  kind: 'planned';
  requester: RequesterContext;
  account: MoodleUser;
  changes: PlannedChange[];
}

export interface MembershipService {
  requestEnrolment(
    requester: RequesterContext,
    user: string | AccountRef,
    asked: EnrolmentRequest,
  ): Promise<ChangeOutcome>;
  requestUnenrolment(
    requester: RequesterContext,
    user: string | AccountRef,
    course: string,
    reason?: string,
  ): Promise<ChangeOutcome>;
  requestCohortChange(
    requester: RequesterContext,
    user: string | AccountRef,
    operation: 'cohort_add' | 'cohort_remove',
    cohort: string,
    reason?: string,
  ): Promise<ChangeOutcome>;
  /** Checks a form's ask without storing anything: fast enough to keep the form open with inline problems. */
  plan(
    requester: RequesterContext,
    user: string | AccountRef,
    ask: MembershipAsk,
  ): Promise<MembershipPlan | ChangeOutcome>;
  /** Stores (and, where policy allows, executes) each planned change: one request per course or cohort. */
  submit(plan: MembershipPlan, reason?: string): Promise<ChangeOutcome[]>;
  /** The cohorts a form may offer; undefined when Moodle would not list them. */
  cohortChoices(): Promise<CohortRef[] | undefined>;
}

/** Resolves what was typed; Moodle being unreachable is said as such, not as a problem with the input. */
async function resolveInput<T>(work: () => Promise<Resolved<T>>): Promise<{ ok: true; value: T } | ChangeOutcome> {
  try {
    const resolved = await work();
    return resolved.ok ? resolved : { kind: 'invalid', problems: resolved.problems };
  } catch (err) {
    return { kind: 'unavailable', message: describeUnavailable(err, 'check Moodle') };
  }
}

/** The typed courses or cohorts as the changes they ask for, or every problem with them. */
async function resolveChanges(deps: MembershipDeps, ask: MembershipAsk): Promise<PlannedChange[] | ChangeOutcome> {
  const { gateway } = deps;
  const invalid = (field: string, message: string): ChangeOutcome => ({
    kind: 'invalid',
    problems: [{ field, message }],
  });
  if ('cohorts' in ask) {
    const resolved = await resolveInput(() => resolveCohorts(gateway, ask.cohorts));
    if (!('ok' in resolved)) return resolved;
    if (resolved.value.length === 0) return invalid('cohorts', 'Say which cohort.');
    return resolved.value.map((cohort) => ({
      payload: { operation: ask.operation, cohort },
      notes: async () => [`The cohort ${describeCohort(cohort)} exists.`],
    }));
  }
  if (ask.operation === 'unenrol') {
    const resolved = await resolveInput(() => resolveCourses(gateway, ask.courses));
    if (!('ok' in resolved)) return resolved;
    if (resolved.value.length === 0) return invalid('courses', 'Say which course.');
    return resolved.value.map((found) => {
      const course = { id: found.id, shortname: found.shortname, fullname: found.fullname };
      return {
        payload: { operation: 'unenrol', course },
        notes: async (account: MoodleUser) =>
          (await enrolledCourseIds(gateway, account.id)).has(course.id)
            ? [`${account.username} is enrolled in ${describeCourse(course)}.`]
            : [
                `${account.username} has no active enrolment in ${describeCourse(course)} (a suspended or future one is still removed).`,
              ],
      };
    });
  }
  const when = { timeZone: ask.timeZone, now: deps.now() };
  const resolved = await resolveInput(() => resolveEnrolments(gateway, deps.settings, ask, when));
  if (!('ok' in resolved)) return resolved;
  if (resolved.value.length === 0) return invalid('courses', 'Say which course.');
  return resolved.value.map((enrolment) => {
    const course = describeCourse(enrolment.course);
    return {
      payload: { operation: 'enrol', enrolment },
      notes: async (account: MoodleUser) =>
        (await enrolledCourseIds(gateway, account.id)).has(enrolment.course.id)
          ? [`${account.username} is already enrolled in ${course}; approving replaces the role's dates.`]
          : [`${course} exists and takes manual enrolments; ${account.username} is not enrolled there yet.`],
    };
  });
}

/** Permission first (so that nobody without it can probe courses), then what was typed, then the account. */
async function planChanges(
  deps: MembershipDeps,
  requester: RequesterContext,
  user: string | AccountRef,
  ask: MembershipAsk,
): Promise<MembershipPlan | ChangeOutcome> {
  const allowed = await deps.provisioning.canRequest(requester.userId);
  if (!allowed.ok) return { kind: 'refused', reason: allowed.reason };
  const changes = await resolveChanges(deps, ask);
  if (!Array.isArray(changes)) return changes;
  let account: MoodleUser | undefined;
  for (const change of changes) {
    // The account is looked up by what was typed once, then by its id; each change has its own in-flight check.
    const ref: string | AccountRef = account ? { by: 'id', id: account.id } : user;
    const found = await deps.accounts.target(requester, ref, ask.operation, change.payload);
    if (found.kind !== 'target') return found;
    account = found.user;
  }
  if (!account) return { kind: 'invalid', problems: [{ field: '*', message: 'Nothing to change.' }] };
  return { kind: 'planned', requester, account, changes };
}

/** What the card should note, then the request. */
async function submitChange(
  deps: MembershipDeps,
  plan: MembershipPlan,
  change: PlannedChange,
  reason: string | undefined,
): Promise<ChangeOutcome> {
  let preflight: PreflightSummary;
  try {
    preflight = { checked: true, notes: await change.notes(plan.account), conflicts: [] };
  } catch {
    preflight = { checked: false, notes: ['Could not read the account’s current courses.'], conflicts: [] };
  }
  const { account } = plan;
  const target = { moodleId: account.id, username: account.username, email: account.email };
  return deps.provisioning.submitRequest(
    plan.requester,
    target,
    change.payload,
    withAccount(preflight, account),
    reason?.trim() || undefined,
  );
}

export function createMembershipService(deps: MembershipDeps): MembershipService {
  const plan = (requester: RequesterContext, user: string | AccountRef, ask: MembershipAsk) =>
    planChanges(deps, requester, user, ask);
  const submit = async (planned: MembershipPlan, reason?: string) => {
    const outcomes: ChangeOutcome[] = [];
    for (const change of planned.changes) outcomes.push(await submitChange(deps, planned, change, reason));
    return outcomes;
  };
  /** The text commands ask for one course or cohort: planned and stored at once, one outcome. */
  const request = async (
    requester: RequesterContext,
    user: string | AccountRef,
    ask: MembershipAsk,
    reason: string | undefined,
  ): Promise<ChangeOutcome> => {
    const planned = await plan(requester, user, ask);
    if (planned.kind !== 'planned') return planned;
    const [outcome] = await submit(planned, reason);
    return outcome ?? { kind: 'invalid', problems: [{ field: '*', message: 'Nothing to change.' }] };
  };

  return {
    plan,
    submit,
    requestEnrolment: (requester, user, { course, reason, ...asked }) =>
      request(requester, user, { operation: 'enrol', courses: [course], ...asked }, reason),
    requestUnenrolment: (requester, user, course, reason) =>
      request(requester, user, { operation: 'unenrol', courses: [course] }, reason),
    requestCohortChange: (requester, user, operation, cohort, reason) =>
      request(requester, user, { operation, cohorts: [cohort] }, reason),
    async cohortChoices() {
      try {
        return (await deps.gateway.getCohorts()).map(cohortRef);
      } catch {
        return undefined;
      }
    },
  };
}

const services = new WeakMap<object, MembershipService>();

/** One service per dependency set, like the account service it builds on. */
export function membershipServiceFor(
  deps: AccountDeps & { config: { roleIds: Readonly<Record<string, number>> }; clock: { now(): Date } },
): MembershipService {
  let service = services.get(deps);
  if (!service) {
    service = createMembershipService({
      gateway: deps.gateway,
      accounts: accountServiceFor(deps),
      provisioning: deps.provisioning,
      settings: { roleIds: deps.config.roleIds, defaultRole: DEFAULT_ROLE },
      now: () => deps.clock.now(),
    });
    services.set(deps, service);
  }
  return service;
}
