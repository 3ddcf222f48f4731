// Turning what a person typed (course short names or ID numbers, a role name, dates, cohort ID numbers or names)
// into the courses, role and cohorts Moodle knows, checked before anyone approves: the course exists (short
// names are case-sensitive in Moodle), it has an enabled manual enrolment method, the role is one the app can
// map to an id, the dates make sense, the cohort exists. Each problem is a sentence naming what to fix.
import { type DateResult, parseDay, toUnixSeconds } from '../dates.js';
import type { MoodleCohort } from '../gateway/cohorts.js';
import type { MoodleCourse } from '../gateway/courses.js';
import type { MoodleGateway } from '../moodle-gateway.js';
import type { CohortRef, CourseRef, EnrolmentSpec } from '../operations/memberships.js';
import type { FieldProblem } from '../user-record.js';

/** Moodle's standard role ids, for ROLE_IDS unset. */
export const DEFAULT_ROLE_IDS: Readonly<Record<string, number>> = { student: 5, teacher: 4, editingteacher: 3 };

export interface MembershipSettings {
  /** Moodle role ids by role short name (web services cannot list roles). */
  roleIds: Readonly<Record<string, number>>;
  defaultRole: string;
}

export interface EnrolmentAsked {
  courses: readonly string[];
  role?: string | undefined;
  from?: string | undefined;
  until?: string | undefined;
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

const MAX_ITEMS = 20;

function courseRef(course: MoodleCourse): CourseRef {
  return { id: course.id, shortname: course.shortname, fullname: course.fullname };
}

export function cohortRef(cohort: MoodleCohort): CohortRef {
  return { id: cohort.id, idnumber: cohort.idnumber, name: cohort.name };
}

/** `TEST101` by short name, then by ID number; `id:4` by id. */
export async function findCourse(gateway: MoodleGateway, typed: string): Promise<MoodleCourse | FieldProblem> {
  const text = typed.trim();
  if (text === '' || text.length > 255) {
    return { field: 'courses', message: 'Name each course by its short name or ID number (at most 255 characters).' };
  }
  const byId = /^id:(\d{1,9})$/i.exec(text);
  const course = byId
    ? (await gateway.getCoursesByField('id', Number(byId[1])))[0]
    : ((await gateway.getCoursesByField('shortname', text))[0] ??
      (await gateway.getCoursesByField('idnumber', text))[0]);
  if (!course) {
    return {
      field: 'courses',
      message: `No Moodle course has the short name or ID number ${text}. Short names are case-sensitive in Moodle.`,
    };
  }
  return course;
}

/** A course people can be enrolled in by this app: it must have the manual enrolment method enabled. */
export function manualEnrolmentProblem(course: MoodleCourse): FieldProblem | undefined {
  if (course.enrolmentMethods.includes('manual')) return undefined;
  return {
    field: 'courses',
    message:
      `The course ${course.shortname} has no enabled "Manual enrolments" method, so nobody can be enrolled there ` +
      "from here. A teacher or Moodle admin adds it under the course's Participants > Enrolment methods.",
  };
}

export async function resolveCourses(
  gateway: MoodleGateway,
  typed: readonly string[],
): Promise<Resolved<MoodleCourse[]>> {
  const problems: FieldProblem[] = [];
  const courses: MoodleCourse[] = [];
  if (typed.length > MAX_ITEMS) {
    return { ok: false, problems: [{ field: 'courses', message: `At most ${MAX_ITEMS} courses per request.` }] };
  }
  for (const text of typed) {
    const found = await findCourse(gateway, text);
    if ('field' in found) problems.push(found);
    else if (courses.some((c) => c.id === found.id)) continue;
    else {
      const manual = manualEnrolmentProblem(found);
      if (manual) problems.push(manual);
      else courses.push(found);
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: courses };
}

export function resolveRole(settings: MembershipSettings, typed: string | undefined): Resolved<EnrolmentSpec['role']> {
  const shortname = (typed ?? settings.defaultRole).trim().toLowerCase();
  const id = settings.roleIds[shortname];
  if (id !== undefined) return { ok: true, value: { shortname, id } };
  const known = Object.keys(settings.roleIds).join(', ');
  return {
    ok: false,
    problems: [
      {
        field: 'role',
        message: `The role ${shortname} is not one this app can assign; use one of ${known}. A Moodle provisioner admin can add others.`,
      },
    ],
  };
}

/** The enrolment dates, read in the person's time zone; `until` must be after `from` and not in the past. */
export function resolveDates(
  asked: Pick<EnrolmentAsked, 'from' | 'until'>,
  context: { timeZone: string; now: Date },
): Resolved<Pick<EnrolmentSpec, 'from' | 'until' | 'timeStart' | 'timeEnd'>> {
  const problems: FieldProblem[] = [];
  const value: Pick<EnrolmentSpec, 'from' | 'until' | 'timeStart' | 'timeEnd'> = {};
  const read = (field: 'from' | 'until', text: string | undefined, edge: 'start' | 'end'): DateResult | undefined =>
    text === undefined
      ? undefined
      : parseDay(text, { ...context, edge, what: field === 'from' ? 'The start date' : 'The end date' });
  const from = read('from', asked.from, 'start');
  const until = read('until', asked.until, 'end');
  if (from && !from.ok) problems.push({ field: 'from', message: from.message });
  if (until && !until.ok) problems.push({ field: 'until', message: until.message });
  if (from?.ok && asked.from) Object.assign(value, { from: asked.from.trim(), timeStart: toUnixSeconds(from.at) });
  if (until?.ok && asked.until) Object.assign(value, { until: asked.until.trim(), timeEnd: toUnixSeconds(until.at) });
  if (value.timeStart !== undefined && value.timeEnd !== undefined && value.timeEnd <= value.timeStart) {
    problems.push({ field: 'until', message: 'The end date must be after the start date.' });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

/** Every enrolment asked for, or every problem with it at once. */
export async function resolveEnrolments(
  gateway: MoodleGateway,
  settings: MembershipSettings,
  asked: EnrolmentAsked,
  context: { timeZone: string; now: Date },
): Promise<Resolved<EnrolmentSpec[]>> {
  const role = resolveRole(settings, asked.role);
  const dates = resolveDates(asked, context);
  const courses = await resolveCourses(gateway, asked.courses);
  const problems = [role, dates, courses].flatMap((r) => (r.ok ? [] : r.problems));
  if (!role.ok || !dates.ok || !courses.ok) return { ok: false, problems };
  return { ok: true, value: courses.value.map((c) => ({ course: courseRef(c), role: role.value, ...dates.value })) };
}

/** Cohorts by ID number (as Moodle's Upload users names them), then by name ignoring case, or `id:N`. */
export async function resolveCohorts(gateway: MoodleGateway, typed: readonly string[]): Promise<Resolved<CohortRef[]>> {
  if (typed.length === 0) return { ok: true, value: [] };
  if (typed.length > MAX_ITEMS) {
    return { ok: false, problems: [{ field: 'cohorts', message: `At most ${MAX_ITEMS} cohorts per request.` }] };
  }
  const all = await gateway.getCohorts();
  const problems: FieldProblem[] = [];
  const found: CohortRef[] = [];
  for (const raw of typed) {
    const text = raw.trim();
    const byId = /^id:(\d{1,9})$/i.exec(text);
    const cohort = byId
      ? all.find((c) => c.id === Number(byId[1]))
      : (all.find((c) => c.idnumber === text) ?? all.find((c) => c.name.toLowerCase() === text.toLowerCase()));
    if (!cohort) problems.push({ field: 'cohorts', message: `No Moodle cohort has the ID number or name ${text}.` });
    else if (!found.some((c) => c.id === cohort.id)) found.push(cohortRef(cohort));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: found };
}
