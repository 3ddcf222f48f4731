// What every fake web-service function is made of: the caller resolved from the token, the function definition
// the REST server dispatches on, and the access checks Moodle's functions share (validate_context,
// require_capability, and require_login in a course).
import type { FakeCourse } from './catalogue.js';
import { SITE_COURSE_ID } from './catalogue.js';
import { MoodleError, missingStringError, type RequestContext } from './errors.js';
import { type Desc, multiple, type Returned, single, type Validated, value } from './params.js';

/** The calling user, resolved from the token. */
export interface Caller {
  readonly userid: number;
  readonly service: string;
}

export type Params = { [key: string]: Validated };

export interface FunctionDef {
  readonly parameters: Desc;
  /** null = the function returns nothing (delete_users: JSON `null`, XML empty RESPONSE). */
  readonly returns: Desc | null;
  readonly run: (ctx: RequestContext, caller: Caller, params: Params) => Returned;
}

export const O = 'optional' as const;

/** external_warnings(): item, itemid (where the function has one), warningcode, message. */
export const warningDesc = (withItemId: boolean): Desc =>
  multiple(
    single([
      ['item', value('text', O)],
      ...(withItemId ? ([['itemid', value('int', O)]] as const) : []),
      ['warningcode', value('alphanum')],
      ['message', value('raw')],
    ]),
  );

/** require_capability() in the system context; `name` is the capability's display name Moodle prints. */
export function requireCapability(ctx: RequestContext, caller: Caller, capability: string, name: string): void {
  if (!ctx.site.hasCapability(caller.userid, capability)) {
    // g8: required_capability_exception / nopermissions with the capability's display name.
    throw new MoodleError(
      ctx,
      'core\\exception\\required_capability_exception',
      'nopermissions',
      `Sorry, but you do not currently have permissions to do that (${name}).`,
    );
  }
}

/** validate_context() -> require_login() failures for the token user (docs/moodle/ws-reference.md §3.1). */
export function validateContext(ctx: RequestContext, caller: Caller): void {
  const user = ctx.site.getUser(caller.userid);
  if (!user) return;
  if (ctx.site.getPreference(user.id, 'auth_forcepasswordchange') === '1') {
    throw missingStringError(ctx, 'forcepasswordchangenotice');
  }
  if (user.firstname === '' || user.lastname === '' || user.email === '') {
    throw new MoodleError(ctx, 'core\\exception\\moodle_exception', 'usernotfullysetup', 'User not fully set-up');
  }
}

/**
 * require_login() in a course: everybody may enter the front page; other courses need moodle/course:view or an
 * active enrolment (and moodle/course:viewhiddencourses for a hidden one).
 */
export function canAccessCourse(ctx: RequestContext, caller: Caller, course: FakeCourse): boolean {
  const site = ctx.site;
  if (course.id === SITE_COURSE_ID || site.isSiteAdmin(caller.userid)) return true;
  if (!course.visible && !site.hasCapability(caller.userid, 'moodle/course:viewhiddencourses')) return false;
  return (
    site.hasCapability(caller.userid, 'moodle/course:view') ||
    site.catalogue.isActivelyEnrolled(caller.userid, course.id, ctx.now)
  );
}

/** validate_context() on a course context (a8b: require_login_exception). */
export function validateCourseContext(ctx: RequestContext, caller: Caller, course: FakeCourse): void {
  validateContext(ctx, caller);
  if (!canAccessCourse(ctx, caller, course)) {
    throw new MoodleError(
      ctx,
      'core\\exception\\require_login_exception',
      'requireloginerror',
      'Course or activity not accessible.',
    );
  }
}
