// Moodle's rules for a user record, checked before anything reaches Moodle.
// With production debugging Moodle answers almost every bad create with the same "Invalid parameter value detected",
// and over-long values with "Error writing to database" (docs/moodle/real-responses.md c3-c13), so the app must say what is wrong
// itself. The rules follow docs/moodle/ws-reference.md §2.0-§3.6: PARAM_USERNAME with extendedusernamechars off, validate_email,
// the `user` table's column sizes, country codes Moodle knows, allowed auth plugins, PARAM_LANG and PARAM_TIMEZONE.
import { z } from 'zod';
import { findCountryCode, isCountryCode } from './countries.js';
import { isParamTimezone, isValidEmail } from './field-formats.js';
import { describeHiddenCharacter } from './free-text.js';
import { PROFILE_FIELDS, type UserProfileFields } from './moodle-gateway.js';

export { isParamTimezone, isValidEmail } from './field-formats.js';
export { checkPasswordPolicy, DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from './password.js';

export type ProfileFieldKey = keyof UserProfileFields;

/** One problem with one field, worded for the person who typed it. */
export interface FieldProblem {
  /** A profile key, an unknown key as given, or '*' for the record as a whole. */
  field: string;
  message: string;
}

export interface UserRecordOptions {
  /** ALLOWED_AUTH: auth plugin names this app may set. */
  allowedAuth: readonly string[];
  /** DEFAULT_AUTH: used on create when no auth is given. */
  defaultAuth: string;
}

export type ValidationResult<T> = { ok: true; record: T } | { ok: false; problems: FieldProblem[] };

export const PROFILE_FIELD_KEYS = PROFILE_FIELDS;

/** Keys that belong to the request rather than the record; the validators skip them. */
export const REQUEST_ONLY_KEYS = ['reason', 'courses', 'role', 'cohorts', 'until'] as const;

/** How Moodle's own forms name each field. */
export const FIELD_LABELS: Readonly<Record<ProfileFieldKey, string>> = {
  username: 'Username',
  email: 'Email address',
  firstname: 'First name',
  lastname: 'Last name',
  auth: 'Authentication method',
  idnumber: 'ID number',
  institution: 'Institution',
  department: 'Department',
  city: 'City/town',
  country: 'Country',
  lang: 'Language',
  timezone: 'Time zone',
  phone1: 'Phone',
  phone2: 'Mobile phone',
  address: 'Address',
};

/** Column sizes of Moodle's `user` table (lib/db/install.xml), in characters; longer values fail in the database. */
export const FIELD_MAX_LENGTHS: Readonly<Record<ProfileFieldKey, number>> = {
  username: 100,
  email: 100,
  firstname: 100,
  lastname: 100,
  auth: 20,
  idnumber: 255,
  institution: 255,
  department: 255,
  city: 120,
  country: 2,
  lang: 30,
  timezone: 100,
  phone1: 20,
  phone2: 20,
  address: 255,
};

const REQUIRED_ON_CREATE: ReadonlySet<ProfileFieldKey> = new Set(['username', 'email', 'firstname', 'lastname']);
/** Fields an update may not set to '' (the others are cleared by ''). */
const NOT_CLEARABLE: ReadonlySet<ProfileFieldKey> = new Set([
  'username',
  'email',
  'firstname',
  'lastname',
  'auth',
  'lang',
  'timezone',
]);
/** PARAM_NOTAGS / PARAM_TEXT fields: Moodle strips HTML tags, and a value that changes is rejected. */
const TAG_FREE: ReadonlySet<ProfileFieldKey> = new Set([
  'firstname',
  'lastname',
  'institution',
  'department',
  'city',
  'address',
  'phone1',
  'phone2',
]);

export const USERNAME_CHARS = /^[-.@_a-z0-9]+$/;
// Moodle language pack directory names: en, de, pt_br, en_us_k12 ...
const LANG_CODE = /^[a-z]{2,3}(?:_[a-z0-9]+)*$/;

const length = (value: string): number => [...value].length;
// A lone UTF-16 surrogate cannot be sent as UTF-8; Moodle's fix_utf8 would mangle it.
const isWellFormed = (value: string): boolean => !/\p{Cs}/u.test(value);

/** Shows a value inside a message without letting a huge or multi-line paste flood the reply. */
export function quoteForMessage(value: string, max = 60): string {
  const flat = value.replace(/[\p{Cc}]/gu, ' ');
  return `"${length(flat) > max ? `${[...flat].slice(0, max - 1).join('')}…` : flat}"`;
}

function describeChar(ch: string): string {
  if (ch === ' ') return 'space';
  if (/\s/.test(ch)) return 'whitespace';
  if (/[\p{Cc}\p{Cf}]/u.test(ch)) return 'control characters';
  return `"${ch}"`;
}

function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    return false;
  }
  return true;
}

/** Normalises a value the way a person would expect (trim, NFC; codes to Moodle's case). */
function normalise(key: ProfileFieldKey, raw: string): string {
  const trimmed = raw.trim();
  switch (key) {
    case 'country':
      return findCountryCode(trimmed) ?? trimmed;
    case 'lang':
      return trimmed.toLowerCase().replace(/-/g, '_');
    default:
      // NFC leaves the ASCII of usernames, emails, auth and time zones as it is.
      return isWellFormed(trimmed) ? trimmed.normalize('NFC') : trimmed;
  }
}

/** The problems of one non-empty, normalised value. */
function checkField(key: ProfileFieldKey, value: string, options: UserRecordOptions): string[] {
  const label = FIELD_LABELS[key];
  const max = FIELD_MAX_LENGTHS[key];
  // Length first: past twice the column size only the length is reported, so no pattern below ever runs on more
  // than a few hundred characters, whatever was pasted.
  const n = length(value);
  const tooLong = n > max && key !== 'country' ? `${label} is too long: ${n} characters, at most ${max}.` : undefined;
  if (n > Math.max(2 * max, 64)) return [tooLong ?? countryProblem(value)];
  const problems: string[] = [];
  if (!isWellFormed(value)) return [`${label} contains characters that are not valid text.`];
  if (/[\p{Cc}]/u.test(value)) problems.push(`${label} may not contain line breaks, tabs or control characters.`);
  const hidden = describeHiddenCharacter(label, value);
  if (hidden) problems.push(hidden);
  if (TAG_FREE.has(key) && /[<>]/.test(value)) {
    problems.push(`${label} may not contain < or > (Moodle removes anything that looks like HTML).`);
  }
  switch (key) {
    case 'username': {
      if (!USERNAME_CHARS.test(value)) {
        const lower = value.toLowerCase();
        if (USERNAME_CHARS.test(lower)) {
          problems.push(`Username must be in lowercase: use ${quoteForMessage(lower)} instead.`);
        } else {
          const bad = [...new Set([...lower].filter((ch) => !/[-.@_a-z0-9]/.test(ch)))].slice(0, 5);
          problems.push(
            `Username may only contain lowercase letters, digits and - . _ @ (not ${bad.map(describeChar).join(', ')}).`,
          );
        }
      }
      break;
    }
    case 'email':
      if (!isValidEmail(value)) {
        problems.push(
          `Email address ${quoteForMessage(value)} is not valid: write it as name@example.org, without spaces or accents.`,
        );
      }
      break;
    case 'auth':
      if (!options.allowedAuth.includes(value)) {
        problems.push(
          `Authentication method ${quoteForMessage(value)} is not allowed here; use ${
            options.allowedAuth.length === 1 ? options.allowedAuth[0] : `one of ${options.allowedAuth.join(', ')}`
          }.`,
        );
      }
      break;
    case 'country':
      if (!isCountryCode(value)) problems.push(countryProblem(value));
      break;
    case 'lang':
      if (!LANG_CODE.test(value)) {
        problems.push(
          `Language ${quoteForMessage(value)} is not a Moodle language code: use one such as en, de or pt_br (the language pack must be installed).`,
        );
      }
      break;
    case 'timezone':
      if (value !== '99' && !(isParamTimezone(value) && isKnownTimeZone(value))) {
        problems.push(
          `Time zone ${quoteForMessage(value)} is not one Moodle accepts: use a name such as Europe/London or America/New_York, or 99 for the site's default.`,
        );
      }
      break;
  }
  if (tooLong) problems.push(tooLong);
  return problems;
}

const countryProblem = (value: string): string =>
  `Country ${quoteForMessage(value)} is not one Moodle knows: use a two-letter code such as GB, DE or US, or the English name.`;

type Mode = 'create' | 'update';

/** One field's value as given (text or absent): the value to keep, and its problems in plain words. */
function checkValue(
  key: ProfileFieldKey,
  mode: Mode,
  raw: string | undefined,
  options: UserRecordOptions,
): { value: string | undefined; problems: string[] } {
  const label = FIELD_LABELS[key];
  if (raw === undefined) {
    const required = mode === 'create' && REQUIRED_ON_CREATE.has(key);
    return { value: undefined, problems: required ? [`${label} is required.`] : [] };
  }
  const value = normalise(key, raw);
  if (value === '') {
    const problems = (mode === 'update' ? NOT_CLEARABLE.has(key) : REQUIRED_ON_CREATE.has(key))
      ? [key === 'timezone' ? `${label} cannot be blank: use 99 for the site's default.` : `${label} cannot be blank.`]
      : [];
    // On create an empty optional field is simply not sent; on update '' clears it.
    return { value: mode === 'update' ? '' : undefined, problems };
  }
  return { value, problems: checkField(key, value, options) };
}

function fieldSchema(key: ProfileFieldKey, mode: Mode, options: UserRecordOptions) {
  const label = FIELD_LABELS[key];
  return z
    .string({ error: `${label} must be text.` })
    .optional()
    .transform((raw, ctx): string | undefined => {
      const { value, problems } = checkValue(key, mode, raw, options);
      // Stryker disable next-line StringLiteral: equivalent, only the message and the path are read
      for (const message of problems) ctx.addIssue({ code: 'custom', message, input: raw });
      return value;
    });
}

/**
 * The zod schema of a user record. On create, username, email, firstname and lastname are required and auth
 * must be in `allowedAuth` (validateNewUser fills in `defaultAuth`); on update every field is optional and ''
 * clears the optional ones.
 * Unknown keys are not this schema's business: see validateNewUser.
 */
export function buildUserRecordSchema(mode: Mode, options: UserRecordOptions) {
  const shape = Object.fromEntries(PROFILE_FIELD_KEYS.map((key) => [key, fieldSchema(key, mode, options)])) as Record<
    ProfileFieldKey,
    ReturnType<typeof fieldSchema>
  >;
  return z.object(shape);
}

const schemaCache = new Map<string, ReturnType<typeof buildUserRecordSchema>>();

/** Options come from the frozen config, so a handful of schemas serve the whole process. */
function schemaFor(mode: Mode, options: UserRecordOptions) {
  const key = JSON.stringify([mode, options.allowedAuth]);
  let schema = schemaCache.get(key);
  // Stryker disable next-line ConditionalExpression: equivalent, a schema built anew checks the same
  if (!schema) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, only bounds the memory
    if (schemaCache.size > 32) schemaCache.clear();
    schema = buildUserRecordSchema(mode, options);
    schemaCache.set(key, schema);
  }
  return schema;
}

function unknownKeyProblems(input: Record<string, unknown>): FieldProblem[] {
  const known = new Set<string>([...PROFILE_FIELD_KEYS, ...REQUEST_ONLY_KEYS]);
  return Object.keys(input)
    .filter((key) => !known.has(key))
    .map((key) => ({
      field: key,
      message: `${quoteForMessage(key)} is not a user field; the fields are ${PROFILE_FIELD_KEYS.join(', ')}.`,
    }));
}

function checkText(
  mode: Mode,
  picked: Record<string, string | undefined>,
  options: UserRecordOptions,
  problems: FieldProblem[],
): { problems: FieldProblem[]; values: Partial<Record<ProfileFieldKey, string>> } {
  const values: Partial<Record<ProfileFieldKey, string>> = {};
  for (const key of PROFILE_FIELD_KEYS) {
    const checked = checkValue(key, mode, picked[key], options);
    for (const message of checked.problems) problems.push({ field: key, message });
    if (checked.value !== undefined) values[key] = checked.value;
  }
  return { problems, values: problems.length > 0 ? {} : values };
}

function run(
  mode: Mode,
  input: Record<string, string | undefined>,
  options: UserRecordOptions,
): { problems: FieldProblem[]; values: Partial<Record<ProfileFieldKey, string>> } {
  // The input is untrusted: anything but a plain object is a single problem, never a throw.
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { problems: [{ field: '*', message: 'No user fields were given.' }], values: {} };
  }
  const problems = unknownKeyProblems(input);
  const picked: Record<string, unknown> = {};
  // Stryker disable next-line ConditionalExpression: equivalent, an absent and an undefined field are both optional
  for (const key of PROFILE_FIELD_KEYS) if (Object.hasOwn(input, key)) picked[key] = input[key];
  if (mode === 'create') {
    const auth = picked.auth;
    if (auth === undefined || (typeof auth === 'string' && auth.trim() === '')) picked.auth = options.defaultAuth;
  }
  // Text only (every form and file gives text): checked field by field as the schema's transforms would, without
  // the schema's per-parse objects, which V8 puts straight in the old generation once a large parse (a Moodle
  // answer of hundreds of users) has made it keep zod's allocations: 10,000 rows of an import made 25 MB there.
  if (Object.values(picked).every((v) => v === undefined || typeof v === 'string')) {
    return checkText(mode, picked as Record<string, string | undefined>, options, problems);
  }
  const result = schemaFor(mode, options).safeParse(picked);
  if (!result.success) {
    for (const issue of result.error.issues) {
      // Stryker disable next-line StringLiteral: equivalent, every issue of this schema has a field as its path
      problems.push({ field: String(issue.path[0] ?? '*'), message: issue.message });
    }
    return { problems, values: {} };
  }
  const values: Partial<Record<ProfileFieldKey, string>> = {};
  for (const key of PROFILE_FIELD_KEYS) {
    const value = result.data[key];
    if (value !== undefined) values[key] = value;
  }
  return { problems, values };
}

/**
 * Checks a new user against Moodle's rules and returns the record to send, or every problem at once.
 * `reason` is ignored (it belongs to the request); other unknown keys are problems.
 */
export function validateNewUser(
  input: Record<string, string | undefined>,
  options: UserRecordOptions,
): ValidationResult<UserProfileFields> {
  const { problems, values } = run('create', input, options);
  if (problems.length > 0) return { ok: false, problems };
  const { username, email, firstname, lastname, auth, ...rest } = values;
  // Unreachable: the schema reports missing required fields; kept so the types need no assertion.
  // Stryker disable all: unreachable
  if (username === undefined || email === undefined || firstname === undefined || lastname === undefined || !auth) {
    return {
      ok: false,
      problems: [{ field: '*', message: 'Username, email, first name and last name are required.' }],
    };
  }
  // Stryker restore all
  return { ok: true, record: { username, email, firstname, lastname, auth, ...rest } };
}

/**
 * Checks the fields of an update (only those given; username may be renamed). '' clears an optional field.
 * At least one field must be given.
 */
export function validateUserUpdate(
  input: Record<string, string | undefined>,
  options: UserRecordOptions,
): ValidationResult<Partial<UserProfileFields>> {
  const { problems, values } = run('update', input, options);
  if (problems.length > 0) return { ok: false, problems };
  if (Object.keys(values).length === 0) {
    return {
      ok: false,
      problems: [{ field: '*', message: `Nothing to change: give at least one field, e.g. city="New York".` }],
    };
  }
  return { ok: true, record: values };
}
