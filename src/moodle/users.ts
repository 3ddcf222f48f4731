// The user look-ups of the client (core_user_get_users_by_field, core_user_get_users) and the case-insensitive
// email search built on them.
import type { GetUsersCriterionKey, MoodleGateway, MoodleUser } from '../core/moodle-gateway.js';
import { criteriaCap, escapeLike, LIKE_CRITERIA, lookupCap, lookupTooBroadError } from './lookup-limits.js';
import type { MoodleCaller } from './method-kit.js';
import { badResponseError, invalidRequestError } from './response-errors.js';
import { getUsersByFieldResponseSchema, getUsersResponseSchema, toMoodleUser } from './schemas.js';

/** The keys core_user_get_users supports; any other key is dropped by Moodle, which then returns every user. */
export const GET_USERS_CRITERION_KEYS: readonly GetUsersCriterionKey[] = [
  'id',
  'lastname',
  'firstname',
  'idnumber',
  'username',
  'email',
  'auth',
];

const LOOKUP_FIELDS = ['id', 'idnumber', 'username', 'email'] as const;

type UserLookups = Pick<MoodleGateway, 'getUsersByField' | 'getUsers' | 'findUsersByEmail'>;

export function createUserLookups({ call, parse }: MoodleCaller): UserLookups {
  const lookups: UserLookups = {
    async getUsersByField(field, values): Promise<MoodleUser[]> {
      const fn = 'core_user_get_users_by_field';
      if (!(LOOKUP_FIELDS as readonly string[]).includes(field)) {
        throw invalidRequestError(fn, `field must be one of ${LOOKUP_FIELDS.join(', ')}, got "${String(field)}"`);
      }
      if (values.length === 0) return [];
      const wireValues = values.map((v) => {
        if (field !== 'id') return String(v);
        const n = typeof v === 'number' ? v : /^-?(0|[1-9]\d*)$/.test(v) ? Number(v) : Number.NaN;
        if (!Number.isSafeInteger(n)) throw invalidRequestError(fn, `user id "${String(v)}" is not a whole number`);
        return n;
      });
      const body = await call(fn, { field, values: wireValues }, { kind: 'read' });
      const users = parse(getUsersByFieldResponseSchema, body, fn, false);
      const cap = lookupCap(field, new Set(wireValues).size);
      if (users.length > cap) throw lookupTooBroadError(fn, users.length, cap);
      return users.map(toMoodleUser);
    },

    async getUsers(criteria): Promise<MoodleUser[]> {
      const fn = 'core_user_get_users';
      if (criteria.length === 0) throw invalidRequestError(fn, 'at least one search criterion is needed');
      const seen = new Set<string>();
      for (const c of criteria) {
        // Moodle ignores an unsupported key and then returns every user (real-responses d8): never send one.
        if (!(GET_USERS_CRITERION_KEYS as readonly string[]).includes(c.key)) {
          throw invalidRequestError(
            fn,
            `"${String(c.key)}" is not a search key Moodle supports (${GET_USERS_CRITERION_KEYS.join(', ')})`,
          );
        }
        if (seen.has(c.key)) throw invalidRequestError(fn, `the search key "${c.key}" is given twice`);
        if (typeof c.value !== 'string') throw invalidRequestError(fn, `the value for "${c.key}" must be text`);
        seen.add(c.key);
      }
      // LIKE criteria are escaped so that a typed % or _ matches itself, never every account.
      const wire = criteria.map((c) => ({
        key: c.key,
        value: LIKE_CRITERIA.has(c.key) ? escapeLike(c.value) : c.value,
      }));
      const parsed = parse(getUsersResponseSchema, await call(fn, { criteria: wire }, { kind: 'read' }), fn, false);
      if (parsed.warnings.length > 0) {
        // A dropped criterion widens the search, so the list cannot be trusted.
        const w = parsed.warnings[0];
        throw badResponseError(`warning ${w?.warningcode ?? ''} for ${w?.item ?? '?'}`, {
          wsfunction: fn,
          write: false,
          hint: `Moodle ignored a search criterion (${w?.message ?? 'no message'}), so the result would list unrelated users.`,
        });
      }
      const cap = criteriaCap(criteria.map((c) => c.key));
      if (parsed.users.length > cap) throw lookupTooBroadError(fn, parsed.users.length, cap);
      return parsed.users.map(toMoodleUser);
    },

    async findUsersByEmail(email: string): Promise<MoodleUser[]> {
      const wanted = email.trim();
      if (wanted === '') throw invalidRequestError('core_user_get_users', 'the email address is empty');
      // core_user_get_users compares emails ignoring case, as Moodle's duplicate check on create does
      // (get_users_by_field is case-sensitive: real-responses d3b); getUsers escapes the LIKE wildcards.
      const users = await lookups.getUsers([{ key: 'email', value: wanted }]);
      const lower = wanted.toLowerCase();
      return users.filter((u) => u.email.trim().toLowerCase() === lower);
    },
  };
  return lookups;
}
