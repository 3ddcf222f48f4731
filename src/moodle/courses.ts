// core_course_get_courses_by_field: finding the course a person names. Shapes and behaviour from the enrolment
// recording (docs/moodle-enrolment.md): short names compare case-sensitively, "not found" is an empty list, the
// front page comes back too (and is dropped here), and a token user who may not enter a course sees only its
// public keys (no `visible`).
import { z } from 'zod';
import type { CoursesGateway, MoodleCourse } from '../core/gateway/courses.js';
import { type MoodleCaller, requireId } from './method-kit.js';
import { invalidRequestError } from './response-errors.js';
import { warningSchema } from './schemas.js';

const courseSchema = z.object({
  id: z.number().int(),
  shortname: z.string(),
  fullname: z.string(),
  // Only for holders of moodle/course:update.
  idnumber: z.string().optional(),
  categoryid: z.number().int(),
  // Absent for a caller who may not enter the course (public keys only).
  format: z.string().optional(),
  visible: z.number().int().optional(),
  enrollmentmethods: z.array(z.string()),
});

export const getCoursesByFieldResponseSchema = z.object({
  courses: z.array(courseSchema),
  warnings: z.array(warningSchema),
});

/** The front page is course 1 in category 0 with format "site": nobody enrols there. */
function isFrontPage(course: z.infer<typeof courseSchema>): boolean {
  return course.categoryid === 0 || course.format === 'site';
}

export function toMoodleCourse(course: z.infer<typeof courseSchema>): MoodleCourse {
  const out: MoodleCourse = {
    id: course.id,
    shortname: course.shortname,
    fullname: course.fullname,
    enrolmentMethods: course.enrollmentmethods,
  };
  if (course.idnumber !== undefined) out.idnumber = course.idnumber;
  if (course.visible !== undefined) out.visible = course.visible !== 0;
  return out;
}

export function createCourseMethods({ call, parse }: MoodleCaller): CoursesGateway {
  return {
    /** A read (retried like the other reads). */
    async getCoursesByField(field, value): Promise<MoodleCourse[]> {
      const fn = 'core_course_get_courses_by_field';
      let wire: string | number;
      if (field === 'id') {
        wire = requireId(fn, 'the course id', typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);
      } else if (field === 'shortname' || field === 'idnumber') {
        if (typeof value !== 'string' || value === '') throw invalidRequestError(fn, `the course ${field} is empty`);
        wire = value;
      } else {
        throw invalidRequestError(fn, `field must be id, shortname or idnumber, got "${String(field)}"`);
      }
      // Never `ids`: one id that does not exist makes Moodle fail with a PHP error (recording a6).
      const body = await call(fn, { field, value: wire }, { kind: 'read' });
      const parsed = parse(getCoursesByFieldResponseSchema, body, fn, false);
      return parsed.courses.filter((c) => !isFrontPage(c)).map(toMoodleCourse);
    },
  };
}
