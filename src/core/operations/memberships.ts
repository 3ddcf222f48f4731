// What enrolments and cohort memberships a request carries (alone, or with a new account), how they are sent, and
// how they are told apart from what Moodle already holds. Moodle's enrolment is an upsert and its cohort add and
// remove are idempotent (docs/moodle-enrolment.md), so sending the same items again is how a retry completes them.
import { z } from 'zod';
import type { CohortMembership } from '../gateway/cohorts.js';
import type { EnrolmentInput } from '../gateway/enrolments.js';
import type { MoodleGateway } from '../moodle-gateway.js';
import type { RecordLine } from './types.js';

export const courseRefSchema = z.object({ id: z.number().int(), shortname: z.string(), fullname: z.string() });
export type CourseRef = z.infer<typeof courseRefSchema>;

export const cohortRefSchema = z.object({ id: z.number().int(), idnumber: z.string(), name: z.string() });
export type CohortRef = z.infer<typeof cohortRefSchema>;

/** One enrolment as asked for: the dates as typed (for people) and as Unix seconds (for Moodle). */
export const enrolmentSpecSchema = z.object({
  course: courseRefSchema,
  role: z.object({ shortname: z.string(), id: z.number().int() }),
  from: z.string().exactOptional(),
  until: z.string().exactOptional(),
  timeStart: z.number().int().exactOptional(),
  timeEnd: z.number().int().exactOptional(),
});
export type EnrolmentSpec = z.infer<typeof enrolmentSpecSchema>;

export function enrolmentInput(userId: number, spec: EnrolmentSpec): EnrolmentInput {
  const input: EnrolmentInput = { userId, courseId: spec.course.id, roleId: spec.role.id };
  if (spec.timeStart !== undefined) input.timeStart = spec.timeStart;
  if (spec.timeEnd !== undefined) input.timeEnd = spec.timeEnd;
  return input;
}

export function describeCourse(course: CourseRef): string {
  return course.fullname && course.fullname !== course.shortname
    ? `${course.shortname} (${course.fullname})`
    : course.shortname;
}

export function describeCohort(cohort: CohortRef): string {
  return cohort.name && cohort.name !== cohort.idnumber ? `${cohort.idnumber} (${cohort.name})` : cohort.idnumber;
}

export function describeEnrolment(spec: EnrolmentSpec): string {
  const dates = [spec.from ? `from ${spec.from}` : '', spec.until ? `until ${spec.until}` : ''].filter(Boolean);
  return `${describeCourse(spec.course)} as ${spec.role.shortname}${dates.length > 0 ? `, ${dates.join(' ')}` : ''}`;
}

export function membershipLines(enrolments: readonly EnrolmentSpec[], cohorts: readonly CohortRef[]): RecordLine[] {
  const lines: RecordLine[] = enrolments.map((e) => ({ label: 'Course', value: describeEnrolment(e) }));
  for (const c of cohorts) lines.push({ label: 'Cohort', value: describeCohort(c) });
  return lines;
}

/** A cohort add that Moodle answered with a warning other than "already a member". */
export class CohortAddError extends Error {
  readonly code = 'cohort_add_refused';
  readonly hint = 'Check that the cohort still exists and that the account is not deleted.';
  readonly outcomeUnknown = false;
}

/** Adds the user to the cohorts; Moodle warns instead of failing, so a warning other than "already in" throws. */
export async function addToCohorts(gateway: MoodleGateway, userId: number, cohorts: readonly CohortRef[]) {
  if (cohorts.length === 0) return;
  const items: CohortMembership[] = cohorts.map((c) => ({ cohortId: c.id, userId }));
  const problems = (await gateway.addCohortMembers(items)).filter((w) => w.kind !== 'already_member');
  if (problems.length > 0)
    throw new CohortAddError(`Moodle did not add the account to a cohort: ${problems[0]?.message}`);
}

/** Which of the courses the user is actively enrolled in (Moodle lists no suspended or future enrolment). */
export async function enrolledCourseIds(gateway: MoodleGateway, userId: number): Promise<Set<number>> {
  return new Set((await gateway.getUserCourses(userId)).map((c) => c.id));
}
