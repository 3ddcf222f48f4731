// The user web-service functions, with their parameter/return descriptions and the behaviour recorded in
// docs/moodle/real-responses.md (cases cited inline) and described in docs/moodle/ws-reference.md §2; and the table of every function the
// fake serves (the course, enrolment and cohort ones live in courses.ts, enrolments.ts, cohorts.ts).
import { COHORT_FUNCTIONS } from './cohorts.js';
import { COURSE_FUNCTIONS } from './courses.js';
import { ENROLMENT_FUNCTIONS } from './enrolments.js';
import {
  invalidParameterError,
  MoodleError,
  missingRecordError,
  missingStringError,
  type RequestContext,
} from './errors.js';
import { type Caller, type FunctionDef, O, requireCapability, validateContext, warningDesc } from './function-kit.js';
import {
  cleanParam,
  type Desc,
  INSTALLED_AUTH,
  multiple,
  type ParamType,
  type Returned,
  single,
  type Validated,
  value,
} from './params.js';
import { md5, phpEmpty, phpLooseEquals, phpTrim, phpVarExportPairs } from './php.js';
import { type FakeUser, hashPassword } from './site.js';

export type { Caller, FunctionDef } from './function-kit.js';

// The two list parameters that close both create_users_parameters() and update_users_parameters().
const userListFields: ReadonlyArray<readonly [string, Desc]> = [
  [
    'customfields',
    multiple(
      single([
        ['type', value('alphanumext')],
        ['value', value('raw')],
      ]),
      O,
    ),
  ],
  [
    'preferences',
    multiple(
      single([
        ['type', value('raw')],
        ['value', value('raw')],
      ]),
      O,
    ),
  ],
];

// create_users_parameters() in description order (docs/moodle/ws-reference.md §2.1); the order decides which error wins.
const createUserFields: ReadonlyArray<readonly [string, Desc]> = [
  ['createpassword', value('bool', O)],
  ['username', value('username')],
  ['auth', value('auth', { default: 'manual' })],
  ['password', value('raw', O)],
  ['firstname', value('notags')],
  ['lastname', value('notags')],
  ['email', value('raw_trimmed')],
  ['maildisplay', value('int', O)],
  ['city', value('text', O)],
  ['country', value('alpha', O)],
  ['timezone', value('timezone', O)],
  ['description', value('raw', O)],
  ['firstnamephonetic', value('notags', O)],
  ['lastnamephonetic', value('notags', O)],
  ['middlename', value('notags', O)],
  ['alternatename', value('notags', O)],
  ['interests', value('text', O)],
  ['idnumber', value('raw', { default: '' })],
  ['institution', value('text', O)],
  ['department', value('text', O)],
  ['phone1', value('notags', O)],
  ['phone2', value('notags', O)],
  ['address', value('text', O)],
  ['lang', value('lang', { default: 'en' })],
  ['calendartype', value('plugin', { default: 'gregorian' })],
  ['theme', value('theme', O)],
  ['mailformat', value('int', O)],
  ...userListFields,
];

const updateUserFields: ReadonlyArray<readonly [string, Desc]> = [
  ['id', value('int')],
  ['username', value('username', O)],
  ['auth', value('auth', O)],
  ['suspended', value('bool', O)],
  ['password', value('raw', O)],
  ['firstname', value('notags', O)],
  ['lastname', value('notags', O)],
  ['email', value('raw_trimmed', O)],
  ['maildisplay', value('int', O)],
  ['city', value('text', O)],
  ['country', value('alpha', O)],
  ['timezone', value('timezone', O)],
  ['description', value('raw', O)],
  ['userpicture', value('int', O)],
  ['firstnamephonetic', value('notags', O)],
  ['lastnamephonetic', value('notags', O)],
  ['middlename', value('notags', O)],
  ['alternatename', value('notags', O)],
  ['interests', value('text', O)],
  ['idnumber', value('raw', O)],
  ['institution', value('text', O)],
  ['department', value('text', O)],
  ['phone1', value('notags', O)],
  ['phone2', value('notags', O)],
  ['address', value('text', O)],
  ['lang', value('lang', O)],
  ['calendartype', value('plugin', O)],
  ['theme', value('theme', O)],
  ['mailformat', value('int', O)],
  ...userListFields,
];

// user_description() key order, taken from the XML of g6d.
const userDesc: Desc = single([
  ['id', value('int')],
  ['username', value('raw', O)],
  ['firstname', value('notags', O)],
  ['lastname', value('notags', O)],
  ['fullname', value('notags')],
  ['email', value('raw', O)],
  ['address', value('text', O)],
  ['phone1', value('notags', O)],
  ['phone2', value('notags', O)],
  ['department', value('text', O)],
  ['institution', value('text', O)],
  ['idnumber', value('raw', O)],
  ['interests', value('text', O)],
  ['firstaccess', value('int', O)],
  ['lastaccess', value('int', O)],
  ['auth', value('raw', O)],
  ['suspended', value('bool', O)],
  ['confirmed', value('bool', O)],
  ['lang', value('raw', O)],
  ['calendartype', value('raw', O)],
  ['theme', value('raw', O)],
  ['timezone', value('raw', O)],
  ['mailformat', value('int', O)],
  ['trackforums', value('int', O)],
  ['description', value('raw', O)],
  ['descriptionformat', value('int', O)],
  ['city', value('notags', O)],
  ['country', value('alpha', O)],
  ['profileimageurlsmall', value('raw')],
  ['profileimageurl', value('raw')],
  [
    'customfields',
    multiple(
      single([
        ['type', value('alphanumext')],
        ['value', value('raw')],
        ['displayvalue', value('raw', O)],
        ['name', value('raw')],
        ['shortname', value('raw')],
      ]),
      O,
    ),
  ],
  [
    'preferences',
    multiple(
      single([
        ['name', value('raw')],
        ['value', value('raw')],
      ]),
      O,
    ),
  ],
]);

// get_site_info_returns() key order, taken from the XML of g11.
const siteInfoDesc: Desc = single([
  ['sitename', value('raw')],
  ['username', value('raw')],
  ['firstname', value('text')],
  ['lastname', value('text')],
  ['fullname', value('text')],
  ['lang', value('lang')],
  ['userid', value('int')],
  ['siteurl', value('raw')],
  ['userpictureurl', value('raw')],
  [
    'functions',
    multiple(
      single([
        ['name', value('raw')],
        ['version', value('text')],
      ]),
    ),
  ],
  ['downloadfiles', value('int', O)],
  ['uploadfiles', value('int', O)],
  ['release', value('text', O)],
  ['version', value('text', O)],
  ['mobilecssurl', value('raw', O)],
  [
    'advancedfeatures',
    multiple(
      single([
        ['name', value('alphanumext')],
        ['value', value('int')],
      ]),
      O,
    ),
  ],
  ['usercanmanageownfiles', value('bool', O)],
  ['userquota', value('int', O)],
  ['usermaxuploadfilesize', value('int', O)],
  ['userhomepage', value('int', O)],
  ['userhomepageurl', value('raw', O)],
  ['userprivateaccesskey', value('alphanum', O)],
  ['siteid', value('int', O)],
  ['sitecalendartype', value('plugin', O)],
  ['usercalendartype', value('plugin', O)],
  ['userissiteadmin', value('bool', O)],
  ['theme', value('plugin', O)],
  ['limitconcurrentlogins', value('int', O)],
  ['usersessionscount', value('int', O)],
  ['policyagreed', value('int', O)],
]);

export const SITE_RELEASE = '4.5.6 (Build: 20250811)';
export const SITE_VERSION = '2024100706';

// a1: advancedfeatures of a fresh 4.5 install.
const ADVANCED_FEATURES: ReadonlyArray<readonly [string, number]> = [
  ['usecomments', 1],
  ['usetags', 1],
  ['enablenotes', 1],
  ['messaging', 1],
  ['enableblogs', 1],
  ['enablecompletion', 1],
  ['enablebadges', 1],
  ['messagingallusers', 0],
  ['enablecustomreports', 1],
  ['enableglobalsearch', 0],
  ['mnet_dispatcher_mode', 0],
  ['enablecompetencies', 1],
];

/** `user` column sizes (docs/moodle/ws-reference.md §2.0 table), in mdl_user column order (which error PostgreSQL hits first). */
const COLUMN_SIZES: ReadonlyArray<readonly [string, number]> = [
  ['auth', 20],
  ['username', 100],
  ['idnumber', 255],
  ['firstname', 100],
  ['lastname', 100],
  ['email', 100],
  ['phone1', 20],
  ['phone2', 20],
  ['institution', 255],
  ['department', 255],
  ['address', 255],
  ['city', 120],
  ['country', 2],
  ['lang', 30],
  ['calendartype', 30],
  ['theme', 50],
  ['timezone', 100],
  ['lastnamephonetic', 255],
  ['firstnamephonetic', 255],
  ['middlename', 255],
  ['alternatename', 255],
];

const USER_COLUMNS = new Set([
  ...COLUMN_SIZES.map(([c]) => c),
  'description',
  'maildisplay',
  'mailformat',
  'suspended',
]);

const INTERNAL_AUTH = ['manual', 'email', 'nologin', 'none', 'db', 'oauth2', 'lti']; // §2.1 step 3.6

function charLength(text: string): number {
  return [...text].length;
}

function dmlWriteError(ctx: RequestContext, debuginfo: string): MoodleError {
  return new MoodleError(ctx, 'dml_write_exception', 'dmlwriteexception', 'Error writing to database', debuginfo);
}

/** PostgreSQL rejects an over-long varchar before the sequence is touched (c11, c13: no id consumed). */
function checkColumnSizes(
  ctx: RequestContext,
  row: ReadonlyArray<readonly [string, string | number]>,
  statement: string,
  params: ReadonlyArray<readonly [string | number, string | number]>,
): void {
  for (const [column, size] of COLUMN_SIZES) {
    const v = row.find(([c]) => c === column)?.[1];
    if (typeof v === 'string' && charLength(v) > size) {
      throw dmlWriteError(
        ctx,
        `ERROR:  value too long for type character varying(${size})\n${statement}\n[${phpVarExportPairs(params)}]`,
      );
    }
  }
}

/** validate_email(): PHP FILTER_VALIDATE_EMAIL (ASCII), no `<`, `>`, CR or LF (docs/moodle/ws-reference.md §3.4). */
export function isValidEmail(email: string): boolean {
  if (email === '' || /[<>\r\n]/.test(email)) return false;
  const at = email.lastIndexOf('@');
  if (at < 1 || email.length > 320) return false;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const atom = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
  if (local.length > 64 || !new RegExp(`^${atom}(\\.${atom})*$`).test(local)) return false;
  if (/^\[(\d{1,3}\.){3}\d{1,3}\]$/.test(domain)) return true;
  const label = '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
  return new RegExp(`^${label}(\\.${label})*$`).test(domain) && domain.length <= 253;
}

/** get_password_policy_errors() with the lang/en/auth.php texts (c6, docs/moodle/ws-reference.md §3.6). */
export function passwordPolicyErrors(ctx: RequestContext, password: string): string {
  const s = ctx.site.settings;
  if (!s.passwordpolicy) return '';
  const errors: string[] = [];
  const count = (re: RegExp) => (password.match(re) ?? []).length;
  if (charLength(password) < s.minpasswordlength) {
    errors.push(`Passwords must be at least ${s.minpasswordlength} characters long.`);
  }
  if (count(/[0-9]/g) < s.minpassworddigits)
    errors.push(`Passwords must have at least ${s.minpassworddigits} digit(s).`);
  if (count(/[a-z]/g) < s.minpasswordlower) {
    errors.push(`Passwords must have at least ${s.minpasswordlower} lower case letter(s).`);
  }
  if (count(/[A-Z]/g) < s.minpasswordupper) {
    errors.push(`Passwords must have at least ${s.minpasswordupper} upper case letter(s).`);
  }
  if ([...password].filter((c) => !/[A-Za-z0-9]/.test(c)).length < s.minpasswordnonalphanum) {
    errors.push(`The password must have at least ${s.minpasswordnonalphanum} special character(s) such as *, -, or #.`);
  }
  if (s.maxconsecutiveidentchars > 0 && new RegExp(`(.)\\1{${s.maxconsecutiveidentchars},}`, 'u').test(password)) {
    errors.push(`Passwords must have at most ${s.maxconsecutiveidentchars} consecutive identical characters.`);
  }
  return errors.map((e) => `<div>${e}</div>`).join('');
}

/** moodle_exception($errmsg) with the HTML policy text as errorcode and `error/<html>` as message (c6, c10b). */
function passwordPolicyError(ctx: RequestContext, html: string): MoodleError {
  return missingStringError(ctx, html);
}

function str(params: { [key: string]: Validated }, key: string): string | undefined {
  const v = params[key];
  return v === undefined ? undefined : String(v);
}

function pictureUrl(ctx: RequestContext, size: 'f1' | 'f2'): string {
  return `${ctx.wwwroot}/theme/image.php/boost/core/${ctx.site.themerev}/u/${size}`;
}

/** user_get_user_details() as far as the recordings and docs/moodle/ws-reference.md §2.4 item 5 describe it. */
function userDetails(ctx: RequestContext, caller: Caller, user: FakeUser): { [key: string]: Returned } | null {
  const site = ctx.site;
  const self = user.id === caller.userid;
  const admin = site.isSiteAdmin(caller.userid);
  const can = (cap: string) => admin || site.hasCapability(caller.userid, cap);
  if (!self && !can('moodle/user:viewdetails')) return null;
  const allDetails = self || can('moodle/user:viewalldetails');
  const identity = (field: string) =>
    site.settings.showuseridentity.includes(field) && can('moodle/site:viewuseridentity');
  const d: { [key: string]: Returned } = { id: user.id };
  if (allDetails) d.username = user.username;
  if (user.firstname !== '') d.firstname = user.firstname;
  if (user.lastname !== '') d.lastname = user.lastname;
  d.fullname = `${user.firstname} ${user.lastname}`;
  if (user.email !== '' && (allDetails || identity('email') || user.maildisplay === 1)) d.email = user.email;
  if (user.address !== '' && (allDetails || identity('address'))) d.address = user.address;
  if (user.phone1 !== '' && (allDetails || identity('phone1'))) d.phone1 = user.phone1;
  if (user.phone2 !== '' && (allDetails || identity('phone2'))) d.phone2 = user.phone2;
  // d1: department is returned even when empty ("isset"), institution and idnumber only when set.
  if (allDetails || identity('department')) d.department = user.department;
  if (user.institution !== '' && (allDetails || identity('institution'))) d.institution = user.institution;
  if (user.idnumber !== '' && (allDetails || identity('idnumber'))) d.idnumber = user.idnumber;
  if (user.interests.length > 0) d.interests = user.interests.join(', ');
  d.firstaccess = user.firstaccess;
  d.lastaccess = user.lastaccess;
  if (allDetails) {
    d.auth = user.auth;
    d.suspended = user.suspended;
    d.confirmed = user.confirmed;
    d.lang = user.lang;
    d.theme = user.theme;
    d.timezone = user.timezone;
    d.mailformat = user.mailformat;
    d.trackforums = user.trackforums;
  }
  if (user.description !== '') {
    d.description = user.description;
    d.descriptionformat = 1;
  }
  if (user.city !== '') d.city = user.city;
  if (user.country !== '') d.country = user.country;
  d.profileimageurlsmall = pictureUrl(ctx, 'f2');
  d.profileimageurl = pictureUrl(ctx, 'f1');
  // d8: only the caller's own record carries preferences, with `_lastloaded` (an int) appended.
  if (self) {
    d.preferences = [
      ...user.preferences.map(([name, v]) => ({ name, value: v })),
      { name: '_lastloaded', value: ctx.now },
    ];
  }
  return d;
}

const CREATE_ALLOWED_AUTH = INSTALLED_AUTH.filter((a) => a !== 'mnet' && a !== 'webservice');

function createUsers(ctx: RequestContext, caller: Caller, params: { [key: string]: Validated }): Returned {
  const site = ctx.site;
  validateContext(ctx, caller);
  requireCapability(ctx, caller, 'moodle/user:create', 'Create users'); // g8
  const users = params.users as Array<{ [key: string]: Validated }>;
  // One delegated transaction for the batch (c10, c10b, c11): the new rows are kept apart and committed only at
  // the end. Existing rows are not touched, so only the unique checks need them (as sets: a bench fills the site).
  const working: FakeUser[] = [];
  const usernames = new Set(site.users.map((x) => x.username));
  const emails = new Set(site.users.map((x) => x.email.toLowerCase()));
  const created: Array<{ id: number; username: string }> = [];
  const mailTo: string[] = [];
  for (const u of users) {
    const username = String(u.username);
    for (const field of ['username', 'firstname', 'lastname']) {
      if (phpTrim(String(u[field])) === '') throw invalidParameterError(ctx, `The field ${field} cannot be blank`); // c7b
    }
    if (usernames.has(username)) throw invalidParameterError(ctx, `Username already exists: ${username}`); // c1, c10
    const auth = String(u.auth);
    if (!CREATE_ALLOWED_AUTH.includes(auth)) throw invalidParameterError(ctx, `Invalid authentication type: ${auth}`);
    const internal = INTERNAL_AUTH.includes(auth);
    const createpassword = u.createpassword === true;
    if (internal && phpEmpty(str(u, 'password')) && !createpassword) {
      throw invalidParameterError(ctx, 'Invalid password: you must provide a password, or set createpassword.'); // c8
    }
    const email = String(u.email);
    if (!isValidEmail(email)) throw invalidParameterError(ctx, `Email address is invalid: ${email}`); // c5
    if (!site.settings.allowaccountssameemail && emails.has(email.toLowerCase())) {
      throw invalidParameterError(ctx, `Email address already exists: ${email}`); // c2, c2b
    }
    // user_create_user(): the policy runs before the insert (c6, c10b).
    const password = internal && !createpassword ? str(u, 'password') : undefined;
    if (password !== undefined) {
      const html = passwordPolicyErrors(ctx, password);
      if (html !== '') throw passwordPolicyError(ctx, html);
    }
    // The INSERT's columns in $user key order (c11/c13 debuginfo), then the defaults user_create_user() adds.
    const row: Array<[string, string | number]> = [];
    for (const [key, desc] of createUserFields) {
      const v = u[key];
      if (v === undefined || !USER_COLUMNS.has(key)) continue;
      row.push([key, desc.kind === 'value' && desc.type === 'int' ? Number(v) : String(v)]);
    }
    row.push(['confirmed', 1], ['mnethostid', '1']);
    const defaults: Array<[string, string]> = [
      ['maildisplay', '2'],
      ['mailformat', '1'],
      ['maildigest', '0'],
      ['autosubscribe', '1'],
      ['trackforums', '0'],
      ['city', ''],
      ['country', ''],
    ];
    for (const [key, v] of defaults) if (!row.some(([c]) => c === key)) row.push([key, v]);
    row.push(['timecreated', ctx.now], ['timemodified', ctx.now]);
    checkColumnSizes(
      ctx,
      row,
      `INSERT INTO mdl_user (${row.map(([c]) => c).join(',')}) VALUES(${row.map((_, i) => `$${i + 1}`).join(',')}) RETURNING id`,
      row,
    );
    const get = (key: string): string | undefined => row.find(([c]) => c === key)?.[1]?.toString();
    const country = get('country') ?? '';
    const id = site.allocateId();
    const preferences: Array<[string, string]> = [];
    // update_internal_user_password() notes when a manual account's password was set (enrolment recording g1, g3).
    if (password !== undefined && auth === 'manual')
      preferences.push(['auth_manual_passwordupdatetime', String(ctx.now)]);
    if (createpassword) preferences.push(['auth_forcepasswordchange', '1']); // b1
    for (const p of (u.preferences ?? []) as Array<{ [key: string]: Validated }>) {
      // Only preference names core knows are stored (docs/moodle/ws-reference.md §2.1 step 6); of those we model just this one.
      if (p.type === 'auth_forcepasswordchange' && !preferences.some(([n]) => n === 'auth_forcepasswordchange')) {
        preferences.push(['auth_forcepasswordchange', String(p.value)]);
      }
    }
    working.push({
      id,
      username,
      auth,
      passwordHash: password !== undefined ? hashPassword(password) : '',
      firstname: String(u.firstname),
      lastname: String(u.lastname),
      email,
      idnumber: get('idnumber') ?? '',
      institution: get('institution') ?? '',
      department: get('department') ?? '',
      address: get('address') ?? '',
      phone1: get('phone1') ?? '',
      phone2: get('phone2') ?? '',
      city: get('city') ?? '',
      // core_user::validate() silently replaces an invalid country by the site default (docs/moodle/ws-reference.md §2.1 step 5).
      country: /^[A-Z]{2}$/.test(country) ? country : '',
      lang: get('lang') ?? 'en',
      calendartype: 'gregorian',
      theme: get('theme') ?? '',
      timezone: get('timezone') ?? '99',
      description: get('description') ?? '',
      firstnamephonetic: get('firstnamephonetic') ?? '',
      lastnamephonetic: get('lastnamephonetic') ?? '',
      middlename: get('middlename') ?? '',
      alternatename: get('alternatename') ?? '',
      interests: (str(u, 'interests') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
      maildisplay: Number(get('maildisplay')),
      mailformat: Number(get('mailformat')),
      maildigest: 0,
      autosubscribe: 1,
      trackforums: 0,
      suspended: false,
      deleted: false,
      confirmed: true,
      firstaccess: 0,
      lastaccess: 0,
      timecreated: ctx.now,
      timemodified: ctx.now,
      preferences,
      privateaccesskey: md5(`${id}-${ctx.now}-${Math.random()}`),
    });
    usernames.add(username);
    emails.add(email.toLowerCase());
    created.push({ id, username });
    if (createpassword && internal) mailTo.push(email);
  }
  site.users.push(...working);
  // 4.5.6 mails the generated passwords after the commit (b1).
  for (const to of mailTo) site.mail.push({ to, subject: `${site.profile.sitename}: New user account` });
  return created;
}

type Warning = {
  item: string;
  itemid: number;
  warningcode: string;
  message: string;
};

function updateUsers(ctx: RequestContext, caller: Caller, params: { [key: string]: Validated }): Returned {
  requireCapability(ctx, caller, 'moodle/user:update', 'Update user profiles');
  validateContext(ctx, caller);
  const warnings: Warning[] = [];
  for (const u of params.users as Array<{ [key: string]: Validated }>) {
    const id = Number(u.id);
    // Each user has its own transaction: an exception becomes a warning with getMessage() (e2-e9, B-e*).
    try {
      updateOneUser(ctx, caller, id, u);
    } catch (error) {
      if (!(error instanceof MoodleError)) throw error;
      warnings.push({ item: 'user', itemid: id, warningcode: error.errorcode, message: error.message });
    }
  }
  return { warnings };
}

function updateOneUser(ctx: RequestContext, caller: Caller, id: number, u: { [key: string]: Validated }): void {
  const site = ctx.site;
  const existing = site.getUser(id);
  if (!existing) {
    throw new MoodleError(
      ctx,
      'core\\exception\\moodle_exception',
      'invaliduserid',
      'Invalid user ID',
      'Invalid user ID',
    ); // e3
  }
  if (existing.id !== caller.userid && site.isSiteAdmin(existing.id) && !site.isSiteAdmin(caller.userid)) {
    throw new MoodleError(
      ctx,
      'core\\exception\\moodle_exception',
      'usernotupdatedadmin',
      'Cannot update admin accounts',
      'Cannot update admin accounts',
    ); // e5
  }
  if (existing.deleted) throw missingStringError(ctx, 'usernotupdateddeleted', 'User is a deleted user');
  if (existing.username === 'guest' && existing.id === 1) {
    throw missingStringError(ctx, 'usernotupdatedguest', 'Cannot update guest account'); // e8
  }
  const email = str(u, 'email');
  if (email !== undefined && email !== existing.email) {
    if (!isValidEmail(email)) throw missingStringError(ctx, 'useremailinvalid', 'Invalid email address'); // e7
    if (
      !site.settings.allowaccountssameemail &&
      site.users.some((x) => x.id !== id && x.email.toLowerCase() === email.toLowerCase())
    ) {
      throw new MoodleError(
        ctx,
        'core\\exception\\moodle_exception',
        'useremailduplicate',
        'Duplicate address',
        'Duplicate email address',
      ); // e2
    }
  }
  const password = str(u, 'password');
  if (password !== undefined) {
    const html = passwordPolicyErrors(ctx, password);
    // §2.2 item 7: the HTML errorcode later breaks clean_returnvalue (warningcode is PARAM_ALPHANUM).
    if (html !== '') throw passwordPolicyError(ctx, html);
  }
  const set: Array<[string, string | number]> = [];
  for (const [key, desc] of updateUserFields) {
    const v = u[key];
    if (v === undefined || key === 'id' || !USER_COLUMNS.has(key)) continue;
    if (key === 'calendartype' && v === '') continue;
    const isInt = desc.kind === 'value' && (desc.type === 'int' || desc.type === 'bool');
    set.push([key, isInt ? Number(v) : String(v)]);
  }
  set.push(['timemodified', ctx.now]);
  const statement = `UPDATE mdl_user SET ${set.map(([c], i) => `${c} = $${i + 1}`).join(',')} WHERE id=$${set.length + 1}`;
  const debugParams: Array<[string | number, string | number]> = [...set, [0, String(id)]];
  checkColumnSizes(ctx, set, statement, debugParams);
  const newUsername = str(u, 'username');
  if (newUsername !== undefined && site.users.some((x) => x.id !== id && x.username === newUsername)) {
    // e6: no application check; the unique index (mnethostid, username) rejects it.
    throw dmlWriteError(
      ctx,
      `ERROR:  duplicate key value violates unique constraint "mdl_user_mneuse_uix"\nDETAIL:  Key (mnethostid, username)=(1, ${newUsername}) already exists.\n${statement}\n[${phpVarExportPairs(debugParams)}]`,
    );
  }
  const target = existing as unknown as Record<string, unknown>;
  for (const [key, v] of set) {
    if (key === 'suspended')
      existing.suspended = v === 1; // e4
    else if (key === 'maildisplay' || key === 'mailformat' || key === 'timemodified') target[key] = Number(v);
    else if (key === 'country') existing.country = /^[A-Z]{2}$/.test(String(v)) ? String(v) : '';
    else target[key] = String(v);
  }
  if (password !== undefined && INTERNAL_AUTH.includes(existing.auth)) existing.passwordHash = hashPassword(password);
  const interests = str(u, 'interests');
  if (interests !== undefined) {
    existing.interests = interests
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
}

function deleteUsers(ctx: RequestContext, caller: Caller, params: { [key: string]: Validated }): Returned {
  const site = ctx.site;
  requireCapability(ctx, caller, 'moodle/user:delete', 'Delete users');
  validateContext(ctx, caller);
  // One transaction for the batch (f6): mutate a copy, commit at the end.
  const working = site.snapshotUsers();
  for (const raw of params.userids as number[]) {
    const user = working.find((x) => x.id === raw && !x.deleted);
    if (!user) {
      // f2, f2b: get_record(..., MUST_EXIST) on table user.
      throw missingRecordError(ctx, 'user', 'SELECT * FROM {user} WHERE id = ? AND deleted = ?', [
        [0, raw],
        [1, 0],
      ]);
    }
    if (site.isSiteAdmin(user.id)) {
      throw new MoodleError(
        ctx,
        'core\\exception\\moodle_exception',
        'useradminodelete',
        'Administrator accounts cannot be deleted.',
      ); // f3
    }
    if (user.id === caller.userid) {
      throw new MoodleError(
        ctx,
        'core\\exception\\moodle_exception',
        'usernotdeletederror',
        'User not deleted - error',
      ); // f4
    }
    if (user.username === 'guest') continue; // f5: delete_user() refuses quietly, the call still returns null.
    // delete_user(): soft delete (docs/moodle/ws-reference.md §2.3).
    const source = user.email !== '' ? user.email : `${user.username}.${user.id}@unknownemail.invalid`;
    const prefix = [...String(cleanParam(source, 'username', ctx))].slice(0, 89).join('');
    let deltime = ctx.now;
    while (working.some((x) => x.username === `${prefix}.${deltime}`)) deltime += 1;
    const oldUsername = user.username;
    user.deleted = true;
    user.username = `${prefix}.${deltime}`;
    user.email = md5(oldUsername);
    user.idnumber = '';
    user.timemodified = deltime;
    site.tokens = site.tokens.filter((t) => t.userid !== user.id);
  }
  site.users = working;
  return null;
}

const FIELD_TYPES: Record<string, ParamType> = {
  id: 'int',
  idnumber: 'raw',
  username: 'username',
  email: 'raw_trimmed',
};

function getUsersByField(ctx: RequestContext, caller: Caller, params: { [key: string]: Validated }): Returned {
  const field = String(params.field);
  const type = FIELD_TYPES[field];
  if (!type) {
    throw new MoodleError(
      ctx,
      'core\\exception\\coding_exception',
      'codingerror',
      'Coding error detected, it must be fixed by a programmer: invalid field parameter',
      `The search field '${field}' is not supported, look at the web service documentation`,
    );
  }
  const cleaned: Array<string | number> = [];
  for (const v of params.values as string[]) {
    const c = cleanParam(v, type, ctx);
    if (!phpLooseEquals(v, c)) {
      throw invalidParameterError(ctx, `The field '${field}' value is invalid: ${v}(cleaned value: ${c})`);
    }
    cleaned.push(c);
  }
  // get_records_list(..., 'id'): exact IN match (PostgreSQL: case-sensitive, d3b), sorted by id, no deleted filter.
  const matches = ctx.site.users
    .filter((u) => cleaned.some((c) => String(u[field as 'id' | 'idnumber' | 'username' | 'email']) === String(c)))
    .sort((a, b) => a.id - b.id);
  validateContext(ctx, caller);
  const result: Returned[] = [];
  for (const user of matches) {
    const details = userDetails(ctx, caller, user);
    if (details && !isEmpty(details[field])) result.push(details);
  }
  return result;
}

/** PHP empty() on a detail value: the searched field must be visible and non-empty (docs/moodle/ws-reference.md §2.4, §2.5). */
function isEmpty(v: Returned): boolean {
  return v === undefined || v === null || v === '' || v === 0 || v === '0' || v === false;
}

const GET_USERS_KEYS = ['id', 'idnumber', 'username', 'email', 'auth', 'lastname', 'firstname'];

function likeToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      source += pattern[i + 1]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      i += 1;
    } else if (ch === '%') source += '[\\s\\S]*';
    else if (ch === '_') source += '[\\s\\S]';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'iu');
}

function getUsers(ctx: RequestContext, caller: Caller, params: { [key: string]: Validated }): Returned {
  validateContext(ctx, caller);
  const used = new Set<string>();
  const warnings: Array<{ item: string; warningcode: string; message: string }> = [];
  const filters: Array<(u: FakeUser) => boolean> = [];
  const searched: string[] = [];
  for (const criterion of params.criteria as Array<{ key: string; value: string }>) {
    const key = criterion.key;
    if (used.has(key)) {
      throw missingStringError(ctx, 'keyalreadyset', `The key ${key} can only be sent once`);
    }
    used.add(key);
    if (!GET_USERS_KEYS.includes(key)) {
      // d8: the criterion is dropped, so an unsupported key alone returns every user.
      warnings.push({
        item: key,
        warningcode: 'invalidfieldparameter',
        message: `The search key '${key}' is not supported, look at the web service documentation`,
      });
      continue;
    }
    searched.push(key);
    const type: ParamType =
      key === 'id'
        ? 'int'
        : key === 'username'
          ? 'username'
          : key === 'auth'
            ? 'auth'
            : key === 'email'
              ? 'raw_trimmed'
              : key === 'idnumber'
                ? 'raw'
                : 'notags';
    const cleaned = String(cleanParam(criterion.value, type, ctx));
    const column = key as 'id' | 'idnumber' | 'username' | 'email' | 'auth' | 'lastname' | 'firstname';
    if (key === 'email' || key === 'firstname' || key === 'lastname') {
      const re = likeToRegExp(cleaned); // d6b: case-insensitive LIKE, `%` and `_` are wildcards
      filters.push((u) => re.test(String(u[column])));
    } else {
      filters.push((u) => String(u[column]) === cleaned);
    }
  }
  const users: Returned[] = [];
  for (const user of [...ctx.site.users].sort((a, b) => a.id - b.id)) {
    if (user.deleted || !filters.every((f) => f(user))) continue;
    const details = userDetails(ctx, caller, user);
    if (!details) continue;
    if (searched.every((k) => !isEmpty(details[k]))) users.push(details);
  }
  return { users, warnings };
}

function getSiteInfo(ctx: RequestContext, caller: Caller): Returned {
  const site = ctx.site;
  validateContext(ctx, caller);
  const user = site.getUser(caller.userid)!;
  // a1: `functions` is exactly the token's service, in service order.
  return {
    sitename: site.profile.sitename,
    username: user.username,
    firstname: user.firstname,
    lastname: user.lastname,
    fullname: `${user.firstname} ${user.lastname}`,
    lang: user.lang,
    userid: user.id,
    siteurl: ctx.wwwroot,
    userpictureurl: pictureUrl(ctx, 'f1'),
    functions: (site.services.get(caller.service) ?? []).map((name) => ({ name, version: SITE_VERSION })),
    downloadfiles: 0,
    uploadfiles: 0,
    release: SITE_RELEASE,
    version: SITE_VERSION,
    mobilecssurl: '',
    advancedfeatures: ADVANCED_FEATURES.map(([name, v]) => ({ name, value: v })),
    usercanmanageownfiles: true,
    userquota: 104857600,
    usermaxuploadfilesize: 2097152,
    userhomepage: 1,
    userprivateaccesskey: user.privateaccesskey,
    siteid: 1,
    sitecalendartype: 'gregorian',
    usercalendartype: user.calendartype,
    userissiteadmin: site.isSiteAdmin(user.id),
    theme: 'boost',
    limitconcurrentlogins: 0,
    policyagreed: 0,
  };
}

export const FUNCTIONS: Readonly<Record<string, FunctionDef>> = {
  core_user_create_users: {
    parameters: single([['users', multiple(single(createUserFields))]]),
    returns: multiple(
      single([
        ['id', value('int')],
        ['username', value('raw')],
      ]),
    ),
    run: createUsers,
  },
  core_user_update_users: {
    parameters: single([['users', multiple(single(updateUserFields))]]),
    returns: single([['warnings', warningDesc(true)]]),
    run: updateUsers,
  },
  core_user_delete_users: {
    parameters: single([['userids', multiple(value('int'))]]),
    returns: null,
    run: deleteUsers,
  },
  core_user_get_users_by_field: {
    parameters: single([
      ['field', value('alpha')],
      ['values', multiple(value('raw'))],
    ]),
    returns: multiple(userDesc),
    run: getUsersByField,
  },
  core_user_get_users: {
    parameters: single([
      [
        'criteria',
        multiple(
          single([
            ['key', value('alpha')],
            ['value', value('raw')],
          ]),
        ),
      ],
    ]),
    returns: single([
      ['users', multiple(userDesc)],
      ['warnings', warningDesc(false)],
    ]),
    run: getUsers,
  },
  core_webservice_get_site_info: {
    parameters: single([['serviceshortnames', multiple(value('alphanumext'), { default: new Map() })]]),
    returns: siteInfoDesc,
    run: getSiteInfo,
  },
  ...COURSE_FUNCTIONS,
  ...ENROLMENT_FUNCTIONS,
  ...COHORT_FUNCTIONS,
};
