// Manual enrolments: enrol_manual_enrol_users, enrol_manual_unenrol_users and core_enrol_get_users_courses.
// What reconciliation relies on (docs/moodle-enrolment.md): both writes are all-or-nothing and idempotent, and the
// course list shows only active enrolments.
import { z } from 'zod';
import type { EnrolmentInput, EnrolmentsGateway, UnenrolmentInput, UserCourse } from '../core/gateway/enrolments.js';
import { type MoodleCaller, requireId, requireTime } from './method-kit.js';

/** Both writes answer JSON `null`. */
export const enrolUsersResponseSchema = z.null();
export const unenrolUsersResponseSchema = z.null();

export const getUsersCoursesResponseSchema = z.array(
  z.object({
    id: z.number().int(),
    shortname: z.string(),
    fullname: z.string(),
    idnumber: z.string().optional(),
  }),
);

function encodeEnrolment(fn: string, e: EnrolmentInput) {
  return {
    roleid: requireId(fn, 'roleId', e.roleId),
    userid: requireId(fn, 'userId', e.userId),
    courseid: requireId(fn, 'courseId', e.courseId),
    timestart: e.timeStart === undefined ? undefined : requireTime(fn, 'timeStart', e.timeStart),
    timeend: e.timeEnd === undefined ? undefined : requireTime(fn, 'timeEnd', e.timeEnd),
    suspend: e.suspend === undefined ? undefined : e.suspend ? 1 : 0,
  };
}

export function createEnrolmentMethods({ call, parse }: MoodleCaller): EnrolmentsGateway {
  return {
    /**
     * A write, never retried. All-or-nothing: one bad item fails the call (only the first is reported) and none is
     * kept. Idempotent when repeated identically, but an upsert, not "make sure enrolled": an existing enrolment
     * takes this call's times and status (omitted times become 0 = unlimited, an omitted `suspend` re-activates it)
     * and a different role is added next to the existing one.
     */
    async enrolUsers(enrolments: EnrolmentInput[]): Promise<void> {
      const fn = 'enrol_manual_enrol_users';
      if (enrolments.length === 0) return;
      const items = enrolments.map((e) => encodeEnrolment(fn, e));
      parse(enrolUsersResponseSchema, await call(fn, { enrolments: items }, { kind: 'write' }), fn, true);
    },

    /**
     * A write, never retried. All-or-nothing; idempotent: unenrolling someone who is not enrolled succeeds. It
     * removes the whole enrolment and every role the user had in the course.
     */
    async unenrolUsers(items: UnenrolmentInput[]): Promise<void> {
      const fn = 'enrol_manual_unenrol_users';
      if (items.length === 0) return;
      const enrolments = items.map((i) => ({
        userid: requireId(fn, 'userId', i.userId),
        courseid: requireId(fn, 'courseId', i.courseId),
      }));
      parse(unenrolUsersResponseSchema, await call(fn, { enrolments }, { kind: 'write' }), fn, true);
    },

    /**
     * A read (retried). Only active enrolments: a suspended one, or one that has not started or has ended, is left
     * out, so this cannot confirm `suspend` or a future start. An unknown or deleted user gives [].
     */
    async getUserCourses(userId: number): Promise<UserCourse[]> {
      const fn = 'core_enrol_get_users_courses';
      const userid = requireId(fn, 'userId', userId);
      // returnusercount=0 spares Moodle counting every course's participants.
      const body = await call(fn, { userid, returnusercount: false }, { kind: 'read' });
      return parse(getUsersCoursesResponseSchema, body, fn, false).map((c) => ({
        id: c.id,
        shortname: c.shortname,
        fullname: c.fullname,
        ...(c.idnumber === undefined ? {} : { idnumber: c.idnumber }),
      }));
    },
  };
}
