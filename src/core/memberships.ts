// Enrolment and cohort requests for an existing account: who may ask, the course (or cohort), role and dates
// resolved against Moodle before anyone approves, then the same submit → approve → execute path as every change.
// Framework-free: the Slack layer passes what was typed and the person's time zone.
import type { AccountRef } from './account-ref.js';
import { withAccount } from './account-view.js';
import { type AccountDeps, type AccountService, accountServiceFor, type ChangeOutcome } from './accounts.js';
import type { MoodleGateway, MoodleUser } from './moodle-gateway.js';
import { describeCohort, describeCourse, enrolledCourseIds } from './operations/memberships.js';
import type { RequestPayload } from './operations/registry.js';
import type { ProvisioningService } from './provisioning.js';
import { describeUnavailable } from './request-words.js';
import type { PreflightSummary, RequesterContext } from './requests.js';
import {
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

/** The account (permission, look-up, protection, in flight), what the card should note, then the request. */
async function submitMembership(
  deps: MembershipDeps,
  requester: RequesterContext,
  user: string | AccountRef,
  payload: RequestPayload & { operation: 'enrol' | 'unenrol' | 'cohort_add' | 'cohort_remove' },
  notes: (account: MoodleUser) => Promise<string[]>,
  reason: string | undefined,
): Promise<ChangeOutcome> {
  const found = await deps.accounts.target(requester, user, payload.operation, payload);
  if (found.kind !== 'target') return found;
  let preflight: PreflightSummary;
  try {
    preflight = { checked: true, notes: await notes(found.user), conflicts: [] };
  } catch {
    preflight = { checked: false, notes: ['Could not read the account’s current courses.'], conflicts: [] };
  }
  const target = { moodleId: found.user.id, username: found.user.username, email: found.user.email };
  const withIt = withAccount(preflight, found.user);
  return deps.provisioning.submitRequest(requester, target, payload, withIt, reason?.trim() || undefined);
}

/** Permission first (so that nobody without it can probe courses), then what was typed, then the account. */
export function createMembershipService(deps: MembershipDeps): MembershipService {
  const { gateway, provisioning } = deps;
  const resolve = resolveInput;
  const submit = (...args: Parameters<typeof submitMembership> extends [MembershipDeps, ...infer R] ? R : never) =>
    submitMembership(deps, ...args);

  return {
    async requestEnrolment(requester, user, asked) {
      const allowed = await provisioning.canRequest(requester.userId);
      if (!allowed.ok) return { kind: 'refused', reason: allowed.reason };
      const resolved = await resolve(() =>
        resolveEnrolments(
          gateway,
          deps.settings,
          { ...asked, courses: [asked.course] },
          {
            timeZone: asked.timeZone,
            now: deps.now(),
          },
        ),
      );
      if (!('ok' in resolved)) return resolved;
      const [enrolment] = resolved.value;
      if (!enrolment) return { kind: 'invalid', problems: [{ field: 'courses', message: 'Say which course.' }] };
      const course = describeCourse(enrolment.course);
      return submit(
        requester,
        user,
        { operation: 'enrol', enrolment },
        async (account) =>
          (await enrolledCourseIds(gateway, account.id)).has(enrolment.course.id)
            ? [`${account.username} is already enrolled in ${course}; approving replaces the role's dates.`]
            : [`${course} exists and takes manual enrolments; ${account.username} is not enrolled there yet.`],
        asked.reason,
      );
    },

    async requestUnenrolment(requester, user, typedCourse, reason) {
      const allowed = await provisioning.canRequest(requester.userId);
      if (!allowed.ok) return { kind: 'refused', reason: allowed.reason };
      const resolved = await resolve(() => resolveCourses(gateway, [typedCourse]));
      if (!('ok' in resolved)) return resolved;
      const [found] = resolved.value;
      if (!found) return { kind: 'invalid', problems: [{ field: 'courses', message: 'Say which course.' }] };
      const course = { id: found.id, shortname: found.shortname, fullname: found.fullname };
      return submit(
        requester,
        user,
        { operation: 'unenrol', course },
        async (account) =>
          (await enrolledCourseIds(gateway, account.id)).has(course.id)
            ? [`${account.username} is enrolled in ${describeCourse(course)}.`]
            : [
                `${account.username} has no active enrolment in ${describeCourse(course)} (a suspended or future one is still removed).`,
              ],
        reason,
      );
    },

    async requestCohortChange(requester, user, operation, typedCohort, reason) {
      const allowed = await provisioning.canRequest(requester.userId);
      if (!allowed.ok) return { kind: 'refused', reason: allowed.reason };
      const resolved = await resolve(() => resolveCohorts(gateway, [typedCohort]));
      if (!('ok' in resolved)) return resolved;
      const [cohort] = resolved.value;
      if (!cohort) return { kind: 'invalid', problems: [{ field: 'cohorts', message: 'Say which cohort.' }] };
      return submit(
        requester,
        user,
        { operation, cohort },
        async () => [`The cohort ${describeCohort(cohort)} exists.`],
        reason,
      );
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
