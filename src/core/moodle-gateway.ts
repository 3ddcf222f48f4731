// The port through which the core talks to Moodle. src/moodle implements it; the core never sees the wire format.
// Shapes follow Moodle's own field names so that nothing is lost in translation.
import type { CohortsGateway } from './gateway/cohorts.js';
import type { CoursesGateway } from './gateway/courses.js';
import type { EnrolmentsGateway } from './gateway/enrolments.js';

/** A user as Moodle's look-up functions return it (optional keys are absent when Moodle omits them). */
export interface MoodleUser {
  id: number;
  username: string;
  firstname: string;
  lastname: string;
  fullname: string;
  email: string;
  auth: string;
  suspended: boolean;
  confirmed: boolean;
  department?: string;
  institution?: string;
  idnumber?: string;
  city?: string;
  country?: string;
  lang?: string;
  timezone?: string;
  phone1?: string;
  phone2?: string;
  address?: string;
  firstaccess?: number;
  lastaccess?: number;
}

/** The profile fields every account has; Moodle requires them on create. */
export const REQUIRED_PROFILE_FIELDS = ['username', 'email', 'firstname', 'lastname', 'auth'] as const;

/** The optional profile fields the app lets people set, in the order Moodle's forms list them. */
export const OPTIONAL_PROFILE_FIELDS = [
  'idnumber',
  'institution',
  'department',
  'city',
  'country',
  'lang',
  'timezone',
  'phone1',
  'phone2',
  'address',
] as const;

/** Every profile field the app lets people set (the README's keys without `reason`), as Moodle names them. */
export const PROFILE_FIELDS = [...REQUIRED_PROFILE_FIELDS, ...OPTIONAL_PROFILE_FIELDS] as const;

/** The profile fields the app lets people set (the README's keys), as Moodle names them. */
export interface UserProfileFields {
  username: string;
  email: string;
  firstname: string;
  lastname: string;
  auth: string;
  idnumber?: string;
  institution?: string;
  department?: string;
  city?: string;
  country?: string;
  lang?: string;
  timezone?: string;
  phone1?: string;
  phone2?: string;
  address?: string;
}

export interface CreateUserInput extends UserProfileFields {
  /** Set exactly one of password / createpassword for auth methods with local passwords; neither otherwise. */
  password?: string;
  createpassword?: boolean;
  preferences?: Array<{ type: string; value: string }>;
  customfields?: Array<{ type: string; value: string }>;
}

export interface UpdateUserInput extends Partial<UserProfileFields> {
  id: number;
  suspended?: boolean;
  password?: string;
  preferences?: Array<{ type: string; value: string }>;
  customfields?: Array<{ type: string; value: string }>;
}

export interface CreatedUser {
  id: number;
  username: string;
}

export interface SiteInfo {
  sitename: string;
  siteurl: string;
  release: string;
  version: string;
  userid: number;
  username: string;
  fullname: string;
  userissiteadmin: boolean;
  functions: string[];
}

/**
 * The code of the error a look-up gives when Moodle returns more accounts than it can name (a wildcard that slipped
 * through, a site with many accounts sharing one email): never a result, never retried.
 */
export const LOOKUP_TOO_BROAD = 'moodle_lookup_too_broad';

/** Criteria keys that core_user_get_users really supports; any other key makes Moodle return every user. */
export type GetUsersCriterionKey = 'id' | 'lastname' | 'firstname' | 'idnumber' | 'username' | 'email' | 'auth';

/**
 * What every error out of the gateway looks like to the core. src/moodle's MoodleError implements it.
 * `outcomeUnknown` is true when a write may or may not have happened (transport failure after sending):
 * the caller must look the user up before doing anything else.
 */
export interface GatewayErrorShape {
  code: string;
  /** One or two sentences a person can act on, naming the Moodle admin page where relevant. */
  hint: string;
  outcomeUnknown: boolean;
}

export interface MoodleGateway extends CoursesGateway, EnrolmentsGateway, CohortsGateway {
  getSiteInfo(): Promise<SiteInfo>;
  /** All-or-nothing, like Moodle: one bad user fails the whole call. */
  createUsers(users: CreateUserInput[]): Promise<CreatedUser[]>;
  /** Resolves when Moodle reported no warning; rejects with the per-user warnings otherwise. */
  updateUsers(users: UpdateUserInput[]): Promise<void>;
  /** All-or-nothing, like Moodle. */
  deleteUsers(userIds: number[]): Promise<void>;
  /** Exact matches; at most one account per id or username, a few per email or ID number (else LOOKUP_TOO_BROAD). */
  getUsersByField(
    field: 'id' | 'idnumber' | 'username' | 'email',
    values: Array<string | number>,
  ): Promise<MoodleUser[]>;
  /** Values match literally (LIKE wildcards are escaped); capped like getUsersByField. */
  getUsers(criteria: Array<{ key: GetUsersCriterionKey; value: string }>): Promise<MoodleUser[]>;
  /** Accounts whose email equals `email` ignoring case: the same accounts Moodle's duplicate check on create finds. */
  findUsersByEmail(email: string): Promise<MoodleUser[]>;
}

/** An account's profile page on the site. */
export function profileUrl(moodleUrl: string, moodleId: number): string {
  return `${moodleUrl}/user/profile.php?id=${moodleId}`;
}

export function isGatewayError(err: unknown): err is GatewayErrorShape & Error {
  return (
    err instanceof Error &&
    typeof (err as Partial<GatewayErrorShape>).code === 'string' &&
    typeof (err as Partial<GatewayErrorShape>).hint === 'string'
  );
}
