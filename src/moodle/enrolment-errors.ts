// What the course, enrolment and cohort functions' errors mean and what a Moodle admin does about them (the
// behaviour is in docs/moodle-enrolment.md); and their per-item cohort warnings as the port's CohortWarning.
import type { CohortWarning } from '../core/gateway/cohorts.js';
import { MoodleErrorCode, type MoodleExceptionEnvelope } from './errors.js';

const ROLES_PAGE = 'Site administration > Users > Permissions > Define roles';
const DEBUG_HINT =
  'To see the exact reason, an administrator can set Site administration > Development > Debugging > Debug messages to NORMAL.';

export interface ExplainedError {
  code: MoodleErrorCode;
  hint: string;
}

/** "(id = 4)" of wsnoinstance; "(1) … (23) … (2)" of wsusercannotassign. */
function numbersIn(message: string): string[] {
  return [...message.matchAll(/\((?:id = )?(\d+)\)/g)].map((m) => m[1]!);
}

const BY_ERRORCODE: Record<string, (message: string) => ExplainedError> = {
  wsnoinstance: (message) => ({
    code: MoodleErrorCode.NoManualEnrolment,
    hint: `Course ${numbersIn(message)[0] ?? '?'} has no enabled "Manual enrolments" method, which enrolling through web services needs: in the course, open Participants > Enrolment methods and add "Manual enrolments" (or enable it with its eye icon). If the plugin is off for the whole site: Site administration > Plugins > Enrolments > Manage enrol plugins.`,
  }),
  wsusercannotassign: (message) => {
    const [role, , course] = numbersIn(message);
    return {
      code: MoodleErrorCode.CannotAssignRole,
      hint: `The token's user may not give role id ${role ?? '?'} in course ${course ?? '?'}. Either ROLE_IDS maps the role name to a wrong id (Moodle answers the same for a role id that does not exist; the ids are on ${ROLES_PAGE}), or the web-service role may not assign that role: ${ROLES_PAGE} > Allow role assignments, tick it in the web-service role's row (that role also needs moodle/role:assign).`,
    };
  },
  requireloginerror: () => ({
    code: MoodleErrorCode.CourseNotAccessible,
    hint: `The token's user cannot enter the course, so Moodle refuses to enrol anyone in it: allow moodle/course:view in the web-service role (${ROLES_PAGE} > (the web-service role)), and moodle/course:viewhiddencourses for hidden courses.`,
  }),
  userdeleted: () => ({
    code: MoodleErrorCode.UserDeleted,
    hint: 'The Moodle account has been deleted: it can no longer be enrolled or unenrolled. Look the person up again.',
  }),
  guestsarenotallowed: () => ({
    code: MoodleErrorCode.GuestNotAllowed,
    hint: "Moodle's guest account cannot be enrolled in courses.",
  }),
};

/**
 * The code and hint of an error of the course, enrolment and cohort functions, or undefined when the general
 * mapping applies. Moodle's answer to an unknown course differs by function: `invalidparameter` from
 * enrol_manual_enrol_users (the same body as a malformed call), `invalidrecord` from enrol_manual_unenrol_users.
 */
export function explainEnrolmentError(
  envelope: MoodleExceptionEnvelope,
  wsfunction: string,
): ExplainedError | undefined {
  const { errorcode, message, debuginfo } = envelope;
  const byCode = BY_ERRORCODE[errorcode];
  if (byCode) return byCode(message);
  if (errorcode === '') {
    // A PHP Error, not a Moodle exception: no errorcode at all (core_course_get_courses_by_field with an unknown id).
    return {
      code: MoodleErrorCode.PhpError,
      hint: `Moodle stopped with an internal PHP error ("${message}") instead of answering. core_course_get_courses_by_field does this for a course id that does not exist in an "ids" search; otherwise the web server's PHP error log has the details.`,
    };
  }
  if (errorcode === 'invalidrecord' && /table course\.?$/.test(message)) {
    return {
      code: MoodleErrorCode.CourseNotFound,
      hint: 'No course has that id (it may have been deleted): look the course up again by its short name.',
    };
  }
  if (errorcode === 'invalidrecord' && /table cohort\.?$/.test(message)) {
    return {
      code: MoodleErrorCode.CohortNotFound,
      hint: 'No cohort has that id (it may have been deleted): look it up again under Site administration > Users > Accounts > Cohorts.',
    };
  }
  if (errorcode === 'invalidparameter' && wsfunction === 'enrol_manual_enrol_users') {
    if (debuginfo?.trim() === 'Context does not exist') {
      return {
        code: MoodleErrorCode.CourseNotFound,
        hint: 'No course has that id (it may have been deleted): look the course up again by its short name.',
      };
    }
    if (!debuginfo) {
      return {
        code: MoodleErrorCode.InvalidParameter,
        hint: `Moodle rejected the enrolment without saying why. The likely cause is a course id that does not exist: Moodle answers an unknown course exactly like a malformed request. Look the course up again by its short name. ${DEBUG_HINT}`,
      };
    }
  }
  return undefined;
}

const WARNING_KINDS: Record<string, CohortWarning['kind']> = {
  '1': 'invalid',
  '2': 'not_found',
  '3': 'already_member',
};

/**
 * A warning of core_cohort_add_cohort_members as the port's CohortWarning, or undefined for a code Moodle does not
 * document. The code is a string ("1" bad type, "2" no such cohort or user, "3" already a member) and there is no
 * item id: the message is the only link to the item.
 */
export function toCohortWarning(warning: { warningcode: string; message: string }): CohortWarning | undefined {
  const kind = WARNING_KINDS[warning.warningcode];
  return kind === undefined ? undefined : { kind, message: warning.message };
}
