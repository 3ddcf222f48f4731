// The doctor's checks for enrolments and cohorts: the functions in the service, the capabilities, and that the
// token user may assign each role of ROLE_IDS. Every probe is one Moodle refuses before it writes anything, or
// one whose write it rolls back:
// - enrol / unenrol the token's own user on the front page (course 1): Moodle checks the capability and, for
//   enrol, whether the role may be assigned, then stops at "no manual enrolment instance" (wsnoinstance), which
//   the front page never has. "May not assign" (wsusercannotassign) is told apart from every other answer.
// - remove the token user from a real cohort and from cohort 0 in one call: the capability is checked on the first
//   item, the second fails (invalidrecord) and the call keeps nothing (all-or-nothing, recording f17).
// - list courses and cohorts: reads.
import { MoodleErrorCode } from '../moodle/errors.js';
import type { CheckResult } from './checklist.js';
import { attempt, codeOf, FUNCTIONS_PAGE, messageOf, type Outcome, ROLES_PAGE } from './doctor-kit.js';
import type { DoctorMoodle } from './moodle-checks.js';

export const ENROLMENT_FUNCTIONS = [
  'core_course_get_courses_by_field',
  'enrol_manual_enrol_users',
  'enrol_manual_unenrol_users',
  'core_enrol_get_users_courses',
  'core_cohort_get_cohorts',
  'core_cohort_add_cohort_members',
  'core_cohort_delete_cohort_members',
] as const;

const FRONT_PAGE = 1;
const ALLOW_ASSIGN_PAGE = 'Site administration > Users > Permissions > Define roles > Allow role assignments';

export interface EnrolmentCheckOptions {
  moodle: DoctorMoodle;
  available: ReadonlySet<string>;
  /** The token's user (site info); the enrolment probes act on it, so they need it. */
  tokenUserId: number | undefined;
  roleIds: Readonly<Record<string, number>> | undefined;
}

/** ✓ when the probe's answer is `passed` (what Moodle says once past the capability check), ✗ on nopermissions. */
function capabilityResult(cap: string, outcome: Outcome<unknown>, passed: readonly string[], why: string): CheckResult {
  const id = `moodle.capability.${cap}`;
  const title = `Capability ${cap}`;
  const code = outcome.ok ? 'ok' : codeOf(outcome.error);
  if (code !== undefined && passed.includes(code)) return { id, status: 'ok', title };
  if (code === MoodleErrorCode.NoPermissions) {
    return { id, status: 'fail', title, detail: why, fix: `${ROLES_PAGE}: allow ${cap}.` };
  }
  return {
    id,
    status: 'warn',
    title,
    detail: `could not be checked: ${outcome.ok ? 'unexpected success' : messageOf(outcome.error)}`,
  };
}

function functionResults(available: ReadonlySet<string>): CheckResult[] {
  const missing = ENROLMENT_FUNCTIONS.filter((f) => !available.has(f));
  if (missing.length === ENROLMENT_FUNCTIONS.length) {
    return [
      {
        id: 'moodle.enrolment',
        status: 'warn',
        title: 'Enrolment functions',
        detail: 'none is in the service: enrolling, unenrolling and cohort changes will not work',
        fix: `${FUNCTIONS_PAGE}: add ${ENROLMENT_FUNCTIONS.join(', ')}.`,
      },
    ];
  }
  return ENROLMENT_FUNCTIONS.map((name) =>
    available.has(name)
      ? { id: `moodle.function.${name}`, status: 'ok', title: `Function ${name}` }
      : {
          id: `moodle.function.${name}`,
          status: 'warn',
          title: `Function ${name}`,
          detail: 'not in the service: the enrolment commands that need it will not work',
          fix: `${FUNCTIONS_PAGE}: add ${name}.`,
        },
  );
}

async function checkCourseView(moodle: DoctorMoodle): Promise<CheckResult> {
  const id = 'moodle.capability.moodle/course:view';
  const title = 'Capability moodle/course:view';
  const r = await attempt(() => moodle.firstCourse());
  if (!r.ok) return { id, status: 'warn', title, detail: `could not be checked: ${messageOf(r.error)}` };
  if (!r.value) return { id, status: 'warn', title, detail: 'could not be checked: the site has no course yet' };
  if (r.value.visible !== undefined) return { id, status: 'ok', title, detail: `checked on ${r.value.shortname}` };
  return {
    id,
    status: 'fail',
    title,
    detail: `the token user sees only the public information of ${r.value.shortname}: Moodle refuses enrolments into courses it cannot enter (requireloginerror)`,
    fix: `${ROLES_PAGE}: allow moodle/course:view.`,
  };
}

function roleResult(name: string, roleId: number, outcome: Outcome<unknown>): CheckResult {
  const id = `moodle.role.${name}`;
  const title = `Role ${name} (id ${roleId}) assignable by the token user`;
  const code = outcome.ok ? undefined : codeOf(outcome.error);
  if (code === MoodleErrorCode.NoManualEnrolment) return { id, status: 'ok', title };
  if (code === MoodleErrorCode.CannotAssignRole) {
    return {
      id,
      status: 'fail',
      title,
      detail: `the token user may not assign role id ${roleId} (or no role has that id)`,
      fix: `${ALLOW_ASSIGN_PAGE}: tick ${name} in the web-service role's row, and allow moodle/role:assign in that role (${ROLES_PAGE}); if ${roleId} is not the id of ${name}, correct ROLE_IDS (each role's id is in its edit link).`,
    };
  }
  return {
    id,
    status: 'warn',
    title,
    detail: `could not be checked: ${outcome.ok ? 'unexpected success' : messageOf(outcome.error)}`,
  };
}

/** enrol/manual:enrol, then one probe per role of ROLE_IDS (Moodle checks the capability before the role). */
async function checkEnrol(moodle: DoctorMoodle, userId: number, roleIds: Readonly<Record<string, number>>) {
  const enrol = (roleId: number) => attempt(() => moodle.enrolUsers([{ userId, courseId: FRONT_PAGE, roleId }]));
  const roles = Object.entries(roleIds);
  const outcomes = new Map<number, Outcome<unknown>>();
  for (const [, roleId] of roles) {
    const outcome = outcomes.get(roleId) ?? (await enrol(roleId));
    outcomes.set(roleId, outcome);
    if (!outcome.ok && codeOf(outcome.error) === MoodleErrorCode.NoPermissions) break;
  }
  const first = outcomes.values().next().value ?? { ok: true, value: undefined };
  const passed = [MoodleErrorCode.NoManualEnrolment, MoodleErrorCode.CannotAssignRole];
  const results = [capabilityResult('enrol/manual:enrol', first, passed, 'the app cannot enrol users')];
  if (results[0]?.status !== 'ok') return results;
  for (const [name, roleId] of roles) results.push(roleResult(name, roleId, outcomes.get(roleId) ?? first));
  return results;
}

async function checkCohorts(moodle: DoctorMoodle, available: ReadonlySet<string>, userId: number) {
  const results: CheckResult[] = [];
  const listed = await attempt(() => moodle.getCohorts());
  const cohort = listed.ok ? listed.value[0] : undefined;
  if (listed.ok && !cohort) {
    results.push({
      id: 'moodle.capability.moodle/cohort:view',
      status: 'warn',
      title: 'Capability moodle/cohort:view',
      detail: 'could not be checked: the site has no cohort yet (Moodle checks it cohort by cohort)',
    });
  } else {
    results.push(capabilityResult('moodle/cohort:view', listed, ['ok'], 'the app cannot find cohorts'));
  }
  if (!available.has('core_cohort_delete_cohort_members')) return results;
  if (!cohort) {
    results.push({
      id: 'moodle.capability.moodle/cohort:assign',
      status: 'warn',
      title: 'Capability moodle/cohort:assign',
      detail: 'could not be checked: it needs a cohort the token user can list',
    });
    return results;
  }
  const r = await attempt(() => moodle.probeCohortAssign(cohort.id, userId));
  results.push(capabilityResult('moodle/cohort:assign', r, [MoodleErrorCode.CohortNotFound], 'cohort changes fail'));
  return results;
}

export async function runEnrolmentChecks(options: EnrolmentCheckOptions): Promise<CheckResult[]> {
  const { moodle, available, tokenUserId, roleIds } = options;
  const results = functionResults(available);
  if (available.has('core_course_get_courses_by_field')) results.push(await checkCourseView(moodle));
  const needsUser = ['enrol_manual_enrol_users', 'enrol_manual_unenrol_users'].some((f) => available.has(f));
  if (tokenUserId === undefined) {
    if (needsUser) {
      results.push({
        id: 'moodle.enrolment.probes',
        status: 'warn',
        title: 'Enrolment capabilities and roles',
        detail: 'not checked: the probes act on the token user, which only core_webservice_get_site_info tells',
      });
    }
    return results;
  }
  if (available.has('enrol_manual_enrol_users')) {
    if (roleIds) results.push(...(await checkEnrol(moodle, tokenUserId, roleIds)));
    else
      results.push({ id: 'moodle.roles', status: 'skip', title: 'Roles of ROLE_IDS', detail: 'ROLE_IDS is not valid' });
  }
  if (available.has('enrol_manual_unenrol_users')) {
    const r = await attempt(() => moodle.unenrolUsers([{ userId: tokenUserId, courseId: FRONT_PAGE }]));
    const passed = [MoodleErrorCode.NoManualEnrolment];
    results.push(capabilityResult('enrol/manual:unenrol', r, passed, 'the app cannot unenrol users'));
  }
  if (available.has('core_cohort_get_cohorts')) results.push(...(await checkCohorts(moodle, available, tokenUserId)));
  return results;
}
