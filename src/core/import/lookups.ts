// What Moodle holds for a whole file, in as few calls as it allows: accounts by username, email and ID number
// (core_user_get_users_by_field takes many values per call; each value is one form variable, so a call stays well
// under PHP's max_input_vars), each course named (there is no many-values look-up by short name), and every cohort
// in one call. See docs/PERFORMANCE.md "Imports".
import pLimit from 'p-limit';
import type { MoodleCohort } from '../gateway/cohorts.js';
import type { MoodleCourse } from '../gateway/courses.js';
import type { MoodleGateway, MoodleUser } from '../moodle-gateway.js';
import { findCourse, manualEnrolmentProblem } from '../use-cases/resolve-memberships.js';

/** Values per look-up call: one form variable each, far under max_input_vars (5,000) with room for the rest. */
export const LOOKUP_VALUES_PER_CALL = 2_000;
/** Look-ups in flight at once (as many as the creates: see docs/PERFORMANCE.md). */
export const LOOKUP_CONCURRENCY = 4;

export interface AccountIndex {
  byUsername: Map<string, MoodleUser>;
  /** Lower-cased email → accounts. */
  byEmail: Map<string, MoodleUser[]>;
  byIdnumber: Map<string, MoodleUser[]>;
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

function addTo(map: Map<string, MoodleUser[]>, key: string, user: MoodleUser): void {
  const list = map.get(key) ?? [];
  if (!list.some((u) => u.id === user.id)) list.push(user);
  map.set(key, list);
}

/**
 * Accounts with any of the usernames, emails or ID numbers. Moodle compares emails exactly in this function, so each
 * email is asked as typed and lower-cased (how nearly every site stores them); an account whose stored email differs
 * in case from both is still refused by Moodle's own check at create, and that row alone fails.
 */
export async function lookUpAccounts(
  gateway: Pick<MoodleGateway, 'getUsersByField'>,
  wanted: { usernames: readonly string[]; emails: readonly string[]; idnumbers: readonly string[] },
): Promise<AccountIndex> {
  const limit = pLimit(LOOKUP_CONCURRENCY);
  const emailForms = [...new Set(wanted.emails.flatMap((e) => [e, e.toLowerCase()]))];
  const ask = (field: 'username' | 'email' | 'idnumber', values: readonly string[]) =>
    chunks([...new Set(values)], LOOKUP_VALUES_PER_CALL).map((chunk) =>
      limit(() => gateway.getUsersByField(field, chunk)),
    );
  const [names, emails, idnumbers] = await Promise.all([
    Promise.all(ask('username', wanted.usernames)),
    Promise.all(ask('email', emailForms)),
    Promise.all(ask('idnumber', wanted.idnumbers)),
  ]);
  const index: AccountIndex = { byUsername: new Map(), byEmail: new Map(), byIdnumber: new Map() };
  for (const u of names.flat()) index.byUsername.set(u.username, u);
  for (const u of emails.flat()) addTo(index.byEmail, u.email.toLowerCase(), u);
  for (const u of idnumbers.flat()) if (u.idnumber) addTo(index.byIdnumber, u.idnumber, u);
  return index;
}

export type CourseLookup = { course: MoodleCourse } | { problem: string };

/** Each course named in the file, by short name then ID number (as for one account), a few at a time. */
export async function lookUpCourses(
  gateway: MoodleGateway,
  names: readonly string[],
): Promise<Map<string, CourseLookup>> {
  const limit = pLimit(LOOKUP_CONCURRENCY);
  const distinct = [...new Set(names)];
  const found = await Promise.all(distinct.map((name) => limit(() => findCourse(gateway, name))));
  const map = new Map<string, CourseLookup>();
  distinct.forEach((name, i) => {
    const result = found[i];
    if (!result) return;
    if ('field' in result) map.set(name, { problem: result.message });
    else {
      const manual = manualEnrolmentProblem(result);
      map.set(name, manual ? { problem: manual.message } : { course: result });
    }
  });
  return map;
}

/** Cohorts by ID number (as Upload users names them), then by name ignoring case, or `id:N`: one call for all. */
export async function lookUpCohorts(
  gateway: MoodleGateway,
  names: readonly string[],
): Promise<Map<string, MoodleCohort | undefined>> {
  const map = new Map<string, MoodleCohort | undefined>();
  if (names.length === 0) return map;
  const all = await gateway.getCohorts();
  for (const text of new Set(names)) {
    const byId = /^id:(\d{1,9})$/i.exec(text);
    map.set(
      text,
      byId
        ? all.find((c) => c.id === Number(byId[1]))
        : (all.find((c) => c.idnumber === text) ?? all.find((c) => c.name.toLowerCase() === text.toLowerCase())),
    );
  }
  return map;
}
