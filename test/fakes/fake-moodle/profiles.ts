// The sites the fake Moodle can start as. Two are the recording sites exactly (docs/moodle/real-responses.md for the user
// functions, real-responses-enrolment.json for courses, enrolments and cohorts: different installs, same release);
// the default, 'complete', is the users site set up the way the app now needs it (all thirteen functions).

export type FakeSiteName = 'complete' | 'users-recording' | 'enrolment-recording';

/** The users recording's service (a1), in service order. */
export const USER_FUNCTIONS = [
  'core_user_create_users',
  'core_user_update_users',
  'core_user_delete_users',
  'core_user_get_users_by_field',
  'core_user_get_users',
  'core_webservice_get_site_info',
] as const;

/** What the enrolment recording's service adds, in service order (its header). */
export const ENROLMENT_FUNCTIONS = [
  'enrol_manual_enrol_users',
  'enrol_manual_unenrol_users',
  'core_cohort_add_cohort_members',
  'core_cohort_delete_cohort_members',
  'core_cohort_get_cohorts',
  'core_course_get_courses_by_field',
  'core_enrol_get_users_courses',
] as const;

/** Every function the fake implements. */
export const ALL_FUNCTIONS = [...USER_FUNCTIONS, ...ENROLMENT_FUNCTIONS] as const;

/** Capabilities of the token user's role on the users recording site (docs/moodle/real-responses.md header). */
export const API_USER_CAPABILITIES = [
  'webservice/rest:use',
  'moodle/user:create',
  'moodle/user:update',
  'moodle/user:delete',
  'moodle/user:viewdetails',
  'moodle/user:viewalldetails',
  'moodle/user:viewhiddendetails',
  'moodle/webservice:createtoken',
  'moodle/site:viewuseridentity',
] as const;

/** What the enrolment recording's role adds (its header). */
export const ENROLMENT_CAPABILITIES = [
  'enrol/manual:enrol',
  'enrol/manual:unenrol',
  'moodle/cohort:assign',
  'moodle/cohort:view',
  'moodle/course:view',
  'moodle/course:viewparticipants',
  'moodle/role:assign',
] as const;

export interface FakeSiteProfile {
  readonly name: FakeSiteName;
  readonly sitename: string;
  /** The front page (course id 1) short name. */
  readonly siteShortname: string;
  readonly apiUser: { firstname: string; lastname: string };
  readonly functions: readonly string[];
  readonly capabilities: readonly string[];
  /** Whether TEST101-TEST103, COHORT1 and role_allow_assign (student, teacher, editingteacher) exist. */
  readonly learning: boolean;
}

export const SITE_PROFILES: Readonly<Record<FakeSiteName, FakeSiteProfile>> = {
  complete: {
    name: 'complete',
    sitename: 'LMS Focusteck',
    siteShortname: 'LMSFocusteck',
    apiUser: { firstname: 'API', lastname: 'User' },
    functions: ALL_FUNCTIONS,
    capabilities: [...API_USER_CAPABILITIES, ...ENROLMENT_CAPABILITIES],
    learning: true,
  },
  'users-recording': {
    name: 'users-recording',
    sitename: 'LMS Focusteck',
    siteShortname: 'LMSFocusteck',
    apiUser: { firstname: 'API', lastname: 'User' },
    functions: USER_FUNCTIONS,
    capabilities: API_USER_CAPABILITIES,
    learning: false,
  },
  'enrolment-recording': {
    name: 'enrolment-recording',
    sitename: 'Test Moodle',
    siteShortname: 'TestMoodle',
    apiUser: { firstname: 'Api', lastname: 'User' },
    functions: ALL_FUNCTIONS,
    capabilities: [...API_USER_CAPABILITIES, ...ENROLMENT_CAPABILITIES],
    learning: true,
  },
};
