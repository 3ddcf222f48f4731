// core_course_get_courses_by_field as recorded in real-responses-enrolment.json (cases a1-a8): every course or those
// matching one field, full details for a caller who may enter the course, only the 16 public keys otherwise (a8),
// the front page included, and the PHP Error of an unknown id in `ids` (a6).
import type { FakeCourse } from './catalogue.js';
import { invalidParameterError, PhpError, type RequestContext } from './errors.js';
import {
  type Caller,
  canAccessCourse,
  type FunctionDef,
  O,
  type Params,
  validateContext,
  warningDesc,
} from './function-kit.js';
import { cleanParam, type Desc, multiple, type Returned, single, value } from './params.js';

const FILTERS = ['displayh5p', 'activitynames', 'mathjaxloader', 'emoticon', 'urltolink', 'mediaplugin'];

const fileDesc = single([
  ['filename', value('raw', O)],
  ['fileurl', value('raw', O)],
]);

// get_courses_by_field_returns() in the order a1 and a8 print, without the keys only course:update holders get.
const courseDesc: Desc = single([
  ['id', value('int')],
  ['fullname', value('raw')],
  ['displayname', value('raw')],
  ['shortname', value('raw')],
  ['courseimage', value('raw')],
  ['categoryid', value('int')],
  ['categoryname', value('raw')],
  ['sortorder', value('int', O)],
  ['summary', value('raw')],
  ['summaryformat', value('int')],
  ['summaryfiles', multiple(fileDesc, O)],
  ['overviewfiles', multiple(fileDesc)],
  ['showactivitydates', value('bool')],
  ['showcompletionconditions', value('bool')],
  [
    'contacts',
    multiple(
      single([
        ['id', value('int')],
        ['fullname', value('raw')],
      ]),
    ),
  ],
  ['enrollmentmethods', multiple(value('plugin'))],
  ['format', value('plugin', O)],
  ['showgrades', value('int', O)],
  ['newsitems', value('int', O)],
  ['startdate', value('int', O)],
  ['enddate', value('int', O)],
  ['maxbytes', value('int', O)],
  ['showreports', value('int', O)],
  ['visible', value('int', O)],
  ['groupmode', value('int', O)],
  ['groupmodeforce', value('int', O)],
  ['defaultgroupingid', value('int', O)],
  ['enablecompletion', value('int', O)],
  ['completionnotify', value('int', O)],
  ['lang', value('raw', O)],
  ['theme', value('raw', O)],
  ['marker', value('int', O)],
  [
    'filters',
    multiple(
      single([
        ['filter', value('plugin')],
        ['localstate', value('int')],
        ['inheritedstate', value('int')],
      ]),
      O,
    ),
  ],
  [
    'courseformatoptions',
    multiple(
      single([
        ['name', value('alpha')],
        ['value', value('raw')],
      ]),
      O,
    ),
  ],
]);

/** get_course_public_information(): what anyone who may see the category gets (a8). */
function publicInformation(ctx: RequestContext, course: FakeCourse): { [key: string]: Returned } {
  const site = course.format === 'site';
  return {
    id: course.id,
    fullname: course.fullname,
    displayname: course.fullname,
    shortname: course.shortname,
    courseimage: `${ctx.wwwroot}/pluginfile.php/${course.contextid}/course/generated/course.svg`,
    categoryid: course.categoryid,
    categoryname: course.categoryname,
    sortorder: course.sortorder,
    summary: '',
    summaryformat: 0,
    summaryfiles: [],
    overviewfiles: [],
    showactivitydates: false,
    // a5: null for the front page, which has no completion settings.
    showcompletionconditions: site ? null : true,
    contacts: [],
    enrollmentmethods: course.instances.filter((i) => i.enabled).map((i) => i.enrol),
  };
}

/** The keys for a caller who may enter the course (a1, a5). */
function accessibleInformation(course: FakeCourse): { [key: string]: Returned } {
  return {
    format: course.format,
    showgrades: 1,
    newsitems: course.newsitems,
    startdate: 0,
    enddate: 0,
    maxbytes: 0,
    showreports: 0,
    visible: course.visible ? 1 : 0,
    groupmode: 0,
    groupmodeforce: 0,
    defaultgroupingid: 0,
    enablecompletion: 0,
    completionnotify: 0,
    lang: '',
    theme: '',
    marker: 0,
    filters: FILTERS.map((filter) => ({ filter, localstate: 0, inheritedstate: 1 })),
    ...(course.format === 'site'
      ? {}
      : {
          courseformatoptions: [
            { name: 'hiddensections', value: 1 },
            { name: 'coursedisplay', value: 0 },
            { name: 'indentation', value: '1' },
          ],
        }),
  };
}

/** The courses a field/value pair selects, in id order (`ids`: in the order given). */
function selectCourses(ctx: RequestContext, field: string, raw: string): FakeCourse[] {
  const all = [...ctx.site.catalogue.courses].sort((a, b) => a.id - b.id);
  switch (field) {
    case '':
      return all;
    case 'id':
      return all.filter((c) => c.id === Number(cleanParam(raw, 'int', ctx)));
    case 'category':
      return all.filter((c) => c.categoryid === Number(cleanParam(raw, 'int', ctx)));
    case 'ids': {
      // external_util::validate_courses() on an id that does not exist: a PHP Error, not an exception (a6).
      const ids = raw.split(',').filter((s) => /^\d+$/.test(s));
      const courses = ids.map((id) => all.find((c) => c.id === Number(id)));
      if (courses.some((c) => c === undefined)) {
        throw new PhpError(ctx, 'Attempt to assign property "contextvalidated" on null');
      }
      return courses as FakeCourse[];
    }
    case 'shortname':
      // Exact match: PostgreSQL compares case-sensitively (a2b).
      return all.filter((c) => c.shortname === cleanParam(raw, 'text', ctx));
    case 'idnumber':
      return all.filter((c) => c.idnumber !== '' && c.idnumber === raw);
    default:
      throw invalidParameterError(ctx, 'Invalid field name'); // a7
  }
}

function getCoursesByField(ctx: RequestContext, caller: Caller, params: Params): Returned {
  const courses = selectCourses(ctx, String(params.field), String(params.value));
  const site = ctx.site;
  const result: Returned[] = [];
  for (const course of courses) {
    const seesHidden =
      site.isSiteAdmin(caller.userid) || site.hasCapability(caller.userid, 'moodle/course:viewhiddencourses');
    if (!course.visible && !seesHidden) continue;
    let accessible: boolean;
    try {
      validateContext(ctx, caller);
      accessible = canAccessCourse(ctx, caller, course);
    } catch {
      accessible = false;
    }
    result.push(
      accessible
        ? { ...publicInformation(ctx, course), ...accessibleInformation(course) }
        : publicInformation(ctx, course),
    );
  }
  return { courses: result, warnings: [] };
}

export const COURSE_FUNCTIONS: Readonly<Record<string, FunctionDef>> = {
  core_course_get_courses_by_field: {
    parameters: single([
      ['field', value('alpha', { default: '' })],
      ['value', value('raw', { default: '' })],
    ]),
    returns: single([
      ['courses', multiple(courseDesc)],
      ['warnings', warningDesc(true)],
    ]),
    run: getCoursesByField,
  },
};
