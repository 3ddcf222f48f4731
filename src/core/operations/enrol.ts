// enrol and unenrol: one user in one course (manual enrolments), with a role and optional dates on enrol.
import { z } from 'zod';
import { accountKey, requireTargetId } from './account-target.js';
import {
  courseRefSchema,
  describeCourse,
  enrolledCourseIds,
  enrolmentInput,
  enrolmentSpecSchema,
  membershipLines,
} from './memberships.js';
import type { OperationDefinition } from './types.js';

export const enrolPayloadSchema = z.object({ operation: z.literal('enrol'), enrolment: enrolmentSpecSchema });
export type EnrolPayload = z.infer<typeof enrolPayloadSchema>;

export const unenrolPayloadSchema = z.object({ operation: z.literal('unenrol'), course: courseRefSchema });
export type UnenrolPayload = z.infer<typeof unenrolPayloadSchema>;

export const enrolUser = {
  name: 'enrol',
  policyKey: 'enrol',
  payloadSchema: enrolPayloadSchema,
  target: 'existing',
  correctable: false,
  words: {
    verb: 'enrol',
    title: 'Enrol in a course',
    done: 'enrolled',
    outcome: 'enrolled',
    notYet: 'the enrolment isn’t made yet',
  },
  keepsAccount: true,
  headline: (payload, person) => `Enrol ${person} in ${payload.enrolment.course.shortname}`,
  describe: (payload) => membershipLines([payload.enrolment], []),
  targetKey: (payload, target) => `${accountKey(target)}/course:${payload.enrolment.course.id}`,

  async execute({ gateway }, request) {
    const userId = requireTargetId(request);
    await gateway.enrolUsers([enrolmentInput(userId, request.payload.enrolment)]);
    return { moodleId: userId };
  },

  /** A future start date keeps the course out of Moodle's list: then "not applied", and a retry re-sends the same. */
  async lookUpOutcome({ gateway }, request) {
    const userId = requireTargetId(request);
    const courses = await enrolledCourseIds(gateway, userId);
    return { applied: courses.has(request.payload.enrolment.course.id), moodleId: userId };
  },
} satisfies OperationDefinition<EnrolPayload>;

export const unenrolUser = {
  name: 'unenrol',
  policyKey: 'unenrol',
  payloadSchema: unenrolPayloadSchema,
  target: 'existing',
  correctable: false,
  words: {
    verb: 'unenrol',
    title: 'Unenrol from a course',
    done: 'unenrolled',
    outcome: 'unenrolled',
    notYet: 'the enrolment isn’t removed yet',
  },
  keepsAccount: true,
  headline: (payload, person) => `Unenrol ${person} from ${payload.course.shortname}`,
  describe: (payload) => [{ label: 'Course', value: describeCourse(payload.course) }],
  targetKey: (payload, target) => `${accountKey(target)}/course:${payload.course.id}`,

  async execute({ gateway }, request) {
    const userId = requireTargetId(request);
    await gateway.unenrolUsers([{ userId, courseId: request.payload.course.id }]);
    return { moodleId: userId };
  },

  async lookUpOutcome({ gateway }, request) {
    const userId = requireTargetId(request);
    const courses = await enrolledCourseIds(gateway, userId);
    return { applied: !courses.has(request.payload.course.id), moodleId: userId };
  },
} satisfies OperationDefinition<UnenrolPayload>;
