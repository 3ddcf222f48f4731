// The course side of the fake Moodle's model: courses and their enrolment instances, user enrolments (times and
// status), course role assignments, cohorts and their members, and role_allow_assign. Seeded like the site of
// real-responses-enrolment.json (its header and case a5).

export const SITE_COURSE_ID = 1;

/** Standard role ids of a fresh install, by short name. */
export const ROLE_SHORTNAMES: Readonly<Record<number, string>> = {
  1: 'manager',
  2: 'coursecreator',
  3: 'editingteacher',
  4: 'teacher',
  5: 'student',
  6: 'guest',
  7: 'user',
  8: 'frontpage',
};

/** Roles that role_context_levels lets anyone assign in a course context. */
export const COURSE_ASSIGNABLE_ROLES: readonly number[] = [1, 3, 4, 5];

export interface FakeCourse {
  id: number;
  shortname: string;
  fullname: string;
  idnumber: string;
  categoryid: number;
  categoryname: string;
  sortorder: number;
  /** The course context id (courseimage URLs carry it). */
  contextid: number;
  format: 'site' | 'topics';
  newsitems: number;
  visible: boolean;
  timemodified: number;
  /** Enrolment instances in sort order; the enabled ones are `enrollmentmethods`. */
  instances: Array<{ enrol: string; enabled: boolean }>;
}

/** A row of user_enrolments (status 0 active, 1 suspended), keyed by user and course (one manual instance each). */
export interface FakeEnrolment {
  userid: number;
  courseid: number;
  status: 0 | 1;
  timestart: number;
  timeend: number;
  timecreated: number;
  timemodified: number;
}

export interface FakeCourseRole {
  userid: number;
  courseid: number;
  roleid: number;
}

export interface FakeCohort {
  id: number;
  name: string;
  idnumber: string;
  description: string;
  visible: boolean;
}

export interface CatalogueState {
  enrolments: FakeEnrolment[];
  courseRoles: FakeCourseRole[];
  members: Array<{ cohortid: number; userid: number }>;
}

const topics = (id: number, shortname: string, fullname: string, sortorder: number, contextid: number) => ({
  id,
  shortname,
  fullname,
  idnumber: shortname,
  categoryid: 1,
  categoryname: 'Category 1',
  sortorder,
  contextid,
  format: 'topics' as const,
  newsitems: 1,
  visible: true,
  timemodified: 0,
  instances: [
    { enrol: 'manual', enabled: true },
    { enrol: 'guest', enabled: false },
    { enrol: 'self', enabled: false },
  ],
});

export class FakeCatalogue {
  courses: FakeCourse[] = [];
  enrolments: FakeEnrolment[] = [];
  courseRoles: FakeCourseRole[] = [];
  cohorts: FakeCohort[] = [];
  members: Array<{ cohortid: number; userid: number }> = [];
  /** role_allow_assign: system role short name of the assigner -> role ids it may assign. */
  readonly allowAssign = new Map<string, Set<number>>();

  /** The front page alone, plus (with `learning`) TEST101, TEST102, TEST103 without manual instance and COHORT1. */
  seed(site: { fullname: string; shortname: string; now: number }, learning: boolean, tokenRole: string): void {
    this.courses = [
      {
        id: SITE_COURSE_ID,
        shortname: site.shortname,
        fullname: site.fullname,
        idnumber: '',
        categoryid: 0,
        categoryname: '',
        sortorder: 1,
        contextid: 2,
        format: 'site',
        newsitems: 3,
        visible: true,
        timemodified: site.now,
        instances: [],
      },
    ];
    this.enrolments = [];
    this.courseRoles = [];
    this.cohorts = [];
    this.members = [];
    this.allowAssign.clear();
    if (!learning) return;
    const test103 = topics(4, 'TEST103', 'Test Course 103 (no manual enrolment)', 10001, 27);
    test103.instances = test103.instances.filter((i) => i.enrol !== 'manual'); // Appendix B: deleted
    this.courses.push(
      topics(2, 'TEST101', 'Test Course 101', 10003, 12),
      topics(3, 'TEST102', 'Test Course 102', 10002, 13),
      test103,
    );
    for (const course of this.courses) course.timemodified = site.now;
    this.cohorts = [{ id: 1, name: 'Cohort 1', idnumber: 'COHORT1', description: '', visible: true }];
    this.allowAssign.set(tokenRole, new Set([3, 4, 5]));
  }

  getCourse(id: number): FakeCourse | undefined {
    return this.courses.find((c) => c.id === id);
  }

  enrolment(userid: number, courseid: number): FakeEnrolment | undefined {
    return this.enrolments.find((e) => e.userid === userid && e.courseid === courseid);
  }

  /** enrol_get_users_courses(onlyactive): active status, enabled instance, started before `now`, not ended. */
  isActive(e: FakeEnrolment, now: number): boolean {
    const instance = this.getCourse(e.courseid)?.instances.find((i) => i.enrol === 'manual');
    // Moodle rounds "now" to 100 s there, for query caching.
    const rounded = Math.round(now / 100) * 100;
    return (
      e.status === 0 && instance?.enabled === true && e.timestart < rounded && (e.timeend === 0 || e.timeend > rounded)
    );
  }

  isActivelyEnrolled(userid: number, courseid: number, now: number): boolean {
    const e = this.enrolment(userid, courseid);
    return e !== undefined && this.isActive(e, now);
  }

  rolesOf(userid: number, courseid: number): number[] {
    return this.courseRoles.filter((r) => r.userid === userid && r.courseid === courseid).map((r) => r.roleid);
  }

  isMember(cohortid: number, userid: number): boolean {
    return this.members.some((m) => m.cohortid === cohortid && m.userid === userid);
  }

  /** A copy of what the write functions change, for their all-or-nothing transactions. */
  snapshot(): CatalogueState {
    return {
      enrolments: this.enrolments.map((e) => ({ ...e })),
      courseRoles: this.courseRoles.map((r) => ({ ...r })),
      members: this.members.map((m) => ({ ...m })),
    };
  }

  restore(state: CatalogueState): void {
    this.enrolments = state.enrolments;
    this.courseRoles = state.courseRoles;
    this.members = state.members;
  }
}
