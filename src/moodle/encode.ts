// Moodle's wire format for requests: PHP form encoding with explicit indices (users[0][customfields][0][type]=…),
// booleans as 1/0, canonical integers, optional fields and empty optional arrays omitted. Values Moodle would
// reject for their form (non-integer ids, ill-formed UTF-16) are refused here, before anything is sent.
import { type CreateUserInput, OPTIONAL_PROFILE_FIELDS, type UpdateUserInput } from '../core/moodle-gateway.js';

/** A parameter value as the encoder accepts it. `undefined` and `null` mean "omit". */
export type FormValue = string | number | boolean | undefined | null | readonly FormValue[] | FormObject;
export interface FormObject {
  readonly [key: string]: FormValue;
}

export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function flattenInto(out: Array<[string, string]>, key: string, value: FormValue): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'boolean') {
    out.push([key, value ? '1' : '0']);
  } else if (typeof value === 'number') {
    // PARAM_INT only accepts the canonical decimal form; anything else is invalidparameter on Moodle's side.
    if (!Number.isSafeInteger(value)) throw new EncodeError(`${key} must be a whole number, got ${value}`);
    out.push([key, String(value === 0 ? 0 : value)]);
  } else if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw new EncodeError(`${key} is not valid Unicode text`);
    out.push([key, value]);
  } else if (Array.isArray(value)) {
    // Explicit indices: with `[]` PHP would start a new element for every field.
    let index = 0;
    for (const item of value as readonly FormValue[]) {
      if (item === undefined || item === null) continue;
      flattenInto(out, `${key}[${index}]`, item);
      index += 1;
    }
  } else {
    for (const [k, v] of Object.entries(value as FormObject)) flattenInto(out, `${key}[${k}]`, v);
  }
}

/** The form fields of `params`, in order, as [name, value] pairs (names not yet percent-encoded). */
export function flattenParams(params: FormObject): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(params)) flattenInto(out, key, value);
  return out;
}

/** application/x-www-form-urlencoded body of the given fields. */
export function encodeFormBody(fields: ReadonlyArray<readonly [string, string]>): string {
  return new URLSearchParams(fields as Array<[string, string]>).toString();
}

const PROFILE_KEYS = OPTIONAL_PROFILE_FIELDS;

function typeValueList(list: ReadonlyArray<{ type: string; value: string }> | undefined): FormValue {
  if (!list || list.length === 0) return undefined;
  return list.map((e) => ({ type: e.type, value: e.value }));
}

/**
 * One element of core_user_create_users' `users`. Only keys Moodle accepts are copied (an unknown key fails the
 * whole batch with "Unexpected keys"); optional fields that are absent or empty are left out.
 */
export function encodeCreateUser(user: CreateUserInput): FormObject {
  const out: Record<string, FormValue> = {
    username: user.username,
    firstname: user.firstname,
    lastname: user.lastname,
    email: user.email,
    auth: user.auth,
  };
  if (user.createpassword) out.createpassword = true;
  else if (user.password !== undefined) out.password = user.password;
  for (const key of PROFILE_KEYS) {
    const value = user[key];
    if (value !== undefined && value !== '') out[key] = value;
  }
  out.customfields = typeValueList(user.customfields);
  out.preferences = typeValueList(user.preferences);
  return out;
}

const UPDATE_KEYS = ['username', 'email', 'firstname', 'lastname', 'auth', ...PROFILE_KEYS] as const;

/**
 * One element of core_user_update_users' `users`. Only the fields given change in Moodle; an empty string is sent
 * as such because it clears the field.
 */
export function encodeUpdateUser(user: UpdateUserInput): FormObject {
  const out: Record<string, FormValue> = { id: user.id };
  for (const key of UPDATE_KEYS) {
    const value = user[key];
    if (value !== undefined) out[key] = value;
  }
  if (user.suspended !== undefined) out.suspended = user.suspended;
  if (user.password !== undefined) out.password = user.password;
  out.customfields = typeValueList(user.customfields);
  out.preferences = typeValueList(user.preferences);
  return out;
}

const given = (value: unknown): number => (value === undefined || value === null ? 0 : 1);

function countTypeValues(list: ReadonlyArray<{ type: string; value: string }> | undefined): number {
  let n = 0;
  for (const e of list ?? []) n += given(e.type) + given(e.value);
  return n;
}

/**
 * How many form fields (PHP input variables) one user adds to a create call: what flattenParams would make of
 * encodeCreateUser's object, counted without making either (the batches of a 10,000-row import are planned).
 */
export function countCreateUserFields(user: CreateUserInput): number {
  let n = given(user.username) + given(user.firstname) + given(user.lastname) + given(user.email) + given(user.auth);
  n += user.createpassword ? 1 : given(user.password);
  for (const key of PROFILE_KEYS) {
    const value = user[key];
    if (value !== '') n += given(value);
  }
  return n + countTypeValues(user.customfields) + countTypeValues(user.preferences);
}

/** Form fields whose value must never be kept or logged: the token and any password. */
export function isSecretField(name: string): boolean {
  return name === 'wstoken' || /\[password\]$/.test(name) || name === 'password';
}
