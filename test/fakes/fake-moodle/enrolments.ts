// enrol_manual_enrol_users, enrol_manual_unenrol_users and core_enrol_get_users_courses as recorded in
// real-responses-enrolment.json (sections b, c, d): all-or-nothing writes that stop at the first bad item, re-enrol
// as an upsert, idempotent unenrol, and a course list that shows only active enrolments.
import { COURSE_ASSIGNABLE_ROLES, type FakeCourse } from './catalogue.js';
import {
  invalidParameterError,
  MoodleError,
  missingRecordError,
  missingStringError,
  type RequestContext,
} from './errors.js';
import {
  type Caller,
  type FunctionDef,
  O,
  type Params,
  requireCapability,
  validateCourseContext,
} from './function-kit.js';
import { type Desc, multiple, type Returned, single, value } from './params.js';
import type { FakeUser } from './site.js';

const moodleException = 'core\\exception\\moodle_exception';

/** get_assignable_roles() of a course context for the caller: none without moodle/role:assign. */
function assignableRoles(ctx: RequestContext, caller: Caller): number[] {
  const site = ctx.site;
  if (site.isSiteAdmin(caller.userid)) return [...COURSE_ASSIGNABLE_ROLES];
  if (!site.hasCapability(caller.userid, 'moodle/role:assign')) return [];
  const allowed = new Set<number>();
  for (const role of site.roleAssignments.get(caller.userid) ?? []) {
    for (const id of site.catalogue.allowAssign.get(role) ?? []) allowed.add(id);
  }
  return COURSE_ASSIGNABLE_ROLES.filter((id) => allowed.has(id));
}

function noInstanceError(ctx: RequestContext, courseid: number): MoodleError {
  return new MoodleError(
    ctx,
    moodleException,
    'wsnoinstance',
    `Manual enrolment plugin instance doesn't exist or is disabled for the course (id = ${courseid})`,
  );
}

/**
 * core_user::get_user(MUST_EXIST) then require_active_user() (b11-b13, d5, d6). Where 4.5.6 does this within an
 * item is not shown by the recording; here it comes after the course, capability, role and instance checks.
 */
function requireActiveUser(ctx: RequestContext, userid: number): FakeUser {
  const user = ctx.site.getUser(userid);
  if (!user) throw missingRecordError(ctx, 'user', 'SELECT * FROM {user} WHERE id = ?', [[0, userid]]);
  if (user.deleted) throw missingStringError(ctx, 'userdeleted'); // b11: message error/userdeleted
  if (user.id === 1) {
    throw new MoodleError(ctx, moodleException, 'guestsarenotallowed', 'The guest user is not allowed to do this');
  }
  return user;
}

/** Runs `body` as one delegated transaction: any exception rolls every item back (b4, b4b, d5). */
function transaction<T>(ctx: RequestContext, body: () => T): T {
  const saved = ctx.site.catalogue.snapshot();
  try {
    return body();
  } catch (error) {
    ctx.site.catalogue.restore(saved);
    throw error;
  }
}

function enrolOne(ctx: RequestContext, caller: Caller, item: Params): void {
  const catalogue = ctx.site.catalogue;
  const courseid = Number(item.courseid);
  const userid = Number(item.userid);
  const roleid = Number(item.roleid);
  const course = catalogue.getCourse(courseid);
  // context_course::instance(IGNORE_MISSING) then validate_context(false): the same body as a malformed call (b5).
  if (!course) throw invalidParameterError(ctx, 'Context does not exist');
  validateCourseContext(ctx, caller, course); // a8b
  requireCapability(ctx, caller, 'enrol/manual:enrol', 'Enrol users');
  if (!assignableRoles(ctx, caller).includes(roleid)) {
    // b7, b8, b8c: an unknown role and a forbidden one look alike.
    throw new MoodleError(
      ctx,
      moodleException,
      'wsusercannotassign',
      `You don't have the permission to assign this role (${roleid}) to this user (${userid}) in this course (${courseid}).`,
    );
  }
  if (!course.instances.some((i) => i.enrol === 'manual' && i.enabled)) throw noInstanceError(ctx, courseid); // b6
  requireActiveUser(ctx, userid);
  const timestart = item.timestart === undefined ? 0 : Number(item.timestart);
  const timeend = item.timeend === undefined ? 0 : Number(item.timeend);
  const status: 0 | 1 = item.suspend !== undefined && Number(item.suspend) !== 0 ? 1 : 0;
  const existing = catalogue.enrolment(userid, courseid);
  if (existing) {
    // enrol_user(): an upsert that writes only when times or status differ (b9-b9c; b9e keeps timemodified).
    if (existing.timestart !== timestart || existing.timeend !== timeend || existing.status !== status) {
      Object.assign(existing, { timestart, timeend, status, timemodified: ctx.now });
    }
  } else {
    catalogue.enrolments.push({
      userid,
      courseid,
      status,
      timestart,
      timeend,
      timecreated: ctx.now,
      timemodified: ctx.now,
    });
  }
  // role_assign(): a different role is added next to the existing one (b9d), the same one is kept (b9e).
  if (!catalogue.rolesOf(userid, courseid).includes(roleid)) catalogue.courseRoles.push({ userid, courseid, roleid });
}

function enrolUsers(ctx: RequestContext, caller: Caller, params: Params): Returned {
  transaction(ctx, () => {
    for (const item of params.enrolments as Params[]) enrolOne(ctx, caller, item);
  });
  return null;
}

function unenrolOne(ctx: RequestContext, caller: Caller, item: Params): void {
  const catalogue = ctx.site.catalogue;
  const courseid = Number(item.courseid);
  const userid = Number(item.userid);
  const course = catalogue.getCourse(courseid);
  if (!course) {
    // context_course::instance(MUST_EXIST): unlike enrol, a missing record (d3).
    throw missingRecordError(ctx, 'course', 'SELECT id,category FROM {course} WHERE id = ?', [[0, courseid]]);
  }
  validateCourseContext(ctx, caller, course);
  requireCapability(ctx, caller, 'enrol/manual:unenrol', 'Unenrol users from the course');
  // get_record('enrol', manual): a disabled instance still counts here (d4: TEST103 has none at all).
  if (!course.instances.some((i) => i.enrol === 'manual')) throw noInstanceError(ctx, courseid);
  requireActiveUser(ctx, userid);
  // unenrol_user(): the enrolment and every course role go, whatever roleid says (d1, d7); none: nothing (d2).
  catalogue.enrolments = catalogue.enrolments.filter((e) => !(e.userid === userid && e.courseid === courseid));
  catalogue.courseRoles = catalogue.courseRoles.filter((r) => !(r.userid === userid && r.courseid === courseid));
}

function unenrolUsers(ctx: RequestContext, caller: Caller, params: Params): Returned {
  transaction(ctx, () => {
    for (const item of params.enrolments as Params[]) unenrolOne(ctx, caller, item);
  });
  return null;
}

/** The enrolled users get_enrolled_sql() counts: every enrolment of a user who is not deleted (c2). */
function enrolledUserCount(ctx: RequestContext, course: FakeCourse): number {
  return ctx.site.catalogue.enrolments.filter((e) => e.courseid === course.id && !ctx.site.getUser(e.userid)?.deleted)
    .length;
}

function getUsersCourses(ctx: RequestContext, caller: Caller, params: Params): Returned {
  const site = ctx.site;
  const catalogue = site.catalogue;
  const userid = Number(params.userid);
  const user = site.getUser(userid);
  if (!user || user.deleted) return []; // c4, c5
  const courses = catalogue.enrolments
    .filter((e) => e.userid === userid && catalogue.isActive(e, ctx.now)) // b2b, b3: only active ones
    .map((e) => catalogue.getCourse(e.courseid))
    .filter((c): c is FakeCourse => c !== undefined)
    .sort((a, b) => Number(b.visible) - Number(a.visible) || a.sortorder - b.sortorder); // c3: TEST102 first
  const result: Returned[] = [];
  for (const course of courses) {
    try {
      validateCourseContext(ctx, caller, course);
    } catch {
      continue; // "we can not disclose who is enrolled in this course"
    }
    const self = caller.userid === userid;
    if (!self && !site.hasCapability(caller.userid, 'moodle/course:viewparticipants')) continue;
    result.push({
      id: course.id,
      shortname: course.shortname,
      fullname: course.fullname,
      displayname: course.fullname,
      enrolledusercount: params.returnusercount === false ? undefined : enrolledUserCount(ctx, course), // c3b
      idnumber: course.idnumber,
      visible: course.visible ? 1 : 0,
      summary: '',
      summaryformat: 0,
      format: course.format,
      courseimage: `${ctx.wwwroot}/pluginfile.php/${course.contextid}/course/generated/course.svg`,
      showgrades: true,
      lang: '',
      enablecompletion: false,
      completionhascriteria: false,
      completionusertracked: false,
      category: course.categoryid,
      progress: null,
      completed: null,
      startdate: 0,
      enddate: 0,
      marker: 0,
      lastaccess: null,
      isfavourite: false,
      hidden: false,
      overviewfiles: [],
      showactivitydates: false,
      showcompletionconditions: true,
      timemodified: course.timemodified,
    });
  }
  return result;
}

// get_users_courses_returns() in the order b1-check prints.
const userCourseDesc: Desc = single([
  ['id', value('int')],
  ['shortname', value('raw')],
  ['fullname', value('raw')],
  ['displayname', value('raw', O)],
  ['enrolledusercount', value('int', O)],
  ['idnumber', value('raw')],
  ['visible', value('int')],
  ['summary', value('raw', O)],
  ['summaryformat', value('int', O)],
  ['format', value('plugin', O)],
  ['courseimage', value('raw', O)],
  ['showgrades', value('bool', O)],
  ['lang', value('raw', O)],
  ['enablecompletion', value('bool', O)],
  ['completionhascriteria', value('bool', O)],
  ['completionusertracked', value('bool', O)],
  ['category', value('int', O)],
  ['progress', value('raw', O)],
  ['completed', value('bool', O)],
  ['startdate', value('int', O)],
  ['enddate', value('int', O)],
  ['marker', value('int', O)],
  ['lastaccess', value('int', O)],
  ['isfavourite', value('bool', O)],
  ['hidden', value('bool', O)],
  ['overviewfiles', multiple(single([['filename', value('raw', O)]]), O)],
  ['showactivitydates', value('bool', O)],
  ['showcompletionconditions', value('bool', O)],
  ['timemodified', value('int', O)],
]);

export const ENROLMENT_FUNCTIONS: Readonly<Record<string, FunctionDef>> = {
  enrol_manual_enrol_users: {
    parameters: single([
      [
        'enrolments',
        multiple(
          single([
            ['roleid', value('int')],
            ['userid', value('int')],
            ['courseid', value('int')],
            ['timestart', value('int', O)],
            ['timeend', value('int', O)],
            ['suspend', value('int', O)],
          ]),
        ),
      ],
    ]),
    returns: null,
    run: enrolUsers,
  },
  enrol_manual_unenrol_users: {
    parameters: single([
      [
        'enrolments',
        multiple(
          single([
            ['userid', value('int')],
            ['courseid', value('int')],
            ['roleid', value('int', O)],
          ]),
        ),
      ],
    ]),
    returns: null,
    run: unenrolUsers,
  },
  core_enrol_get_users_courses: {
    parameters: single([
      ['userid', value('int')],
      ['returnusercount', value('bool', { default: '1' })],
    ]),
    returns: multiple(userCourseDesc),
    run: getUsersCourses,
  },
};
