// Look-ups match literally and return a bounded number of accounts. core_user_get_users compares email, firstname
// and lastname with a case-insensitive SQL LIKE (`%` and `_` are wildcards, `\` escapes), so a typed `%@%` would
// match every account: such values are escaped here. An answer with more accounts than a look-up can name is an
// error (never a result, never retried). See docs/SECURITY.md "Look-ups and reading".
import { type GetUsersCriterionKey, LOOKUP_TOO_BROAD } from '../core/moodle-gateway.js';
import { MoodleError } from './errors.js';

/** The core_user_get_users criteria that Moodle compares with LIKE (user/externallib.php get_users). */
export const LIKE_CRITERIA: ReadonlySet<GetUsersCriterionKey> = new Set(['email', 'firstname', 'lastname']);

/**
 * The most accounts one email address or ID number may name: sites may allow accounts to share an email
 * (allowaccountssameemail), and Moodle does not make ID numbers unique. Ids and usernames name one account each.
 */
export const MAX_ACCOUNTS_PER_VALUE = 10;

/** Makes a LIKE pattern match `value` literally, with Moodle's escape character (sql_like's default `\`). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, '\\$&');
}

type LookupKey = GetUsersCriterionKey;

/** How many accounts a look-up by `key` for `valueCount` values may return at most. */
export function lookupCap(key: LookupKey, valueCount: number): number {
  return key === 'id' || key === 'username' ? valueCount : valueCount * MAX_ACCOUNTS_PER_VALUE;
}

/** Criteria are ANDed: the narrowest key bounds the answer. */
export function criteriaCap(keys: readonly LookupKey[]): number {
  return Math.min(...keys.map((k) => lookupCap(k, 1)));
}

export function lookupTooBroadError(wsfunction: string, returned: number, cap: number): MoodleError {
  return new MoodleError({
    code: LOOKUP_TOO_BROAD,
    message: `${wsfunction}: Moodle returned ${returned} accounts where at most ${cap} were expected; the answer was not used`,
    hint: `Moodle returned more accounts (${returned}) than this look-up can name (at most ${cap}), so the answer was not used. Name the account by its username or Moodle id.`,
    wsfunction,
    retryable: false,
  });
}
