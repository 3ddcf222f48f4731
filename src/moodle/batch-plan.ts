// The batch helper's pure parts: how users are grouped into calls that stay under PHP's max_input_vars, which
// Moodle errors are about the data (so bisection can isolate the user), and the errors it reports itself.
import type { CreateUserInput } from '../core/moodle-gateway.js';
import { countCreateUserFields } from './encode.js';
import { MoodleError, MoodleErrorCode } from './errors.js';

const RESERVED_FIELDS = 3; // wstoken, wsfunction, moodlewsrestformat
const DATA_ERRORS: ReadonlySet<string> = new Set([
  MoodleErrorCode.InvalidParameter,
  MoodleErrorCode.PasswordPolicy,
  MoodleErrorCode.DatabaseWrite,
]);

/** Whether a failed create is about the users' data (then bisection can isolate the culprits). */
export function isDataError(error: MoodleError): boolean {
  return DATA_ERRORS.has(error.code) && !error.outcomeUnknown;
}

/** Splits users (by index) into batches of at most maxUsers users and maxFields form fields. */
export function planBatches(users: readonly CreateUserInput[], maxFields: number, maxUsers: number): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let fields = RESERVED_FIELDS;
  users.forEach((user, index) => {
    const n = countCreateUserFields(user);
    if (current.length > 0 && (current.length >= maxUsers || fields + n > maxFields)) {
      batches.push(current);
      current = [];
      fields = RESERVED_FIELDS;
    }
    current.push(index);
    fields += n;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

export function duplicateInRunError(
  what: 'username' | 'email address',
  value: string,
  firstIndex: number,
): MoodleError {
  return new MoodleError({
    code: MoodleErrorCode.InvalidParameter,
    message: `core_user_create_users: the ${what} ${value} is also that of user ${firstIndex + 1} of this run`,
    hint: `The ${what} "${value}" appears twice in this run (first as user ${firstIndex + 1}); only the first was sent to Moodle. Nothing was created for this user.`,
    wsfunction: 'core_user_create_users',
  });
}

export function usernameTakenError(username: string, id: number): MoodleError {
  return new MoodleError({
    code: MoodleErrorCode.InvalidParameter,
    message: `core_user_create_users: the username ${username} already exists (user id ${id})`,
    hint: `The username "${username}" is already taken in Moodle (account id ${id}). Nothing was created for this user.`,
    wsfunction: 'core_user_create_users',
  });
}
