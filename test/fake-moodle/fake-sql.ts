// Answers the read-only SQL checks of real-responses-enrolment.json from the fake's model, as psql would print the
// rows (strings, in the query's ORDER BY), so a replay can compare them with the recorded ones.
import type { FakeMoodleSite } from '../fakes/fake-moodle/index.js';
import type { SqlCheck } from '../fixtures/moodle/extract.js';

const ROLE_NAMES: Record<number, string> = { 1: 'manager', 3: 'editingteacher', 4: 'teacher', 5: 'student' };

/** `'a','b'` of an `IN (...)` list. */
function quotedList(text: string): string[] {
  return [...text.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
}

const byColumns = (a: string[], b: string[]) => {
  for (let i = 0; i < a.length; i++) {
    const c = (a[i] ?? '').localeCompare(b[i] ?? '');
    if (c !== 0) return c;
  }
  return 0;
};

/** The rows of a recorded query on the fake's state; throws for a query it does not know. */
export function queryFake(site: FakeMoodleSite, check: SqlCheck): string[][] {
  const sql = check.sql;
  const catalogue = site.catalogue;
  const username = (id: number) => site.getUser(id)?.username ?? '?';
  const course = (id: number) => catalogue.getCourse(id)?.shortname ?? '?';
  let m = /FROM mdl_user WHERE id IN \(([\d,]+)\) ORDER BY id/.exec(sql);
  if (m) {
    const ids = m[1]!.split(',').map(Number);
    return site.users
      .filter((u) => ids.includes(u.id))
      .sort((a, b) => a.id - b.id)
      .map((u) => [String(u.id), u.username, u.deleted ? '1' : '0', u.suspended ? '1' : '0']);
  }
  m = /FROM mdl_user_enrolments .* WHERE u\.username IN \(([^)]*)\) ORDER BY u\.username, c\.shortname/.exec(sql);
  if (m) {
    const names = quotedList(m[1]!);
    return catalogue.enrolments
      .filter((e) => names.includes(username(e.userid)))
      .map((e) => [
        username(e.userid),
        course(e.courseid),
        String(e.status),
        String(e.timestart),
        String(e.timeend),
        String(e.timemodified),
      ])
      .sort(byColumns);
  }
  m =
    /FROM mdl_role_assignments .* WHERE u\.username IN \(([^)]*)\) ORDER BY u\.username, c\.shortname, r\.shortname/.exec(
      sql,
    );
  if (m) {
    const names = quotedList(m[1]!);
    // Manual enrolments assign roles without a component (component '', itemid 0).
    return catalogue.courseRoles
      .filter((r) => names.includes(username(r.userid)))
      .map((r) => [username(r.userid), course(r.courseid), ROLE_NAMES[r.roleid] ?? '?', '', '0'])
      .sort(byColumns);
  }
  if (/FROM mdl_cohort_members cm .* WHERE u\.username LIKE 'gt2\\_%' ORDER BY u\.username/.test(sql)) {
    return catalogue.members
      .map((mem) => [String(mem.cohortid), username(mem.userid)])
      .filter(([, name]) => name?.startsWith('gt2_'))
      .sort((a, b) => byColumns([a[1]!], [b[1]!]));
  }
  m = /FROM mdl_user_preferences p .* WHERE u\.username = '([^']+)' ORDER BY p\.name/.exec(sql);
  if (m) {
    const user = site.findUser(m[1]!);
    return (user?.preferences ?? []).map(([name, value]) => [name, String(value)]).sort(byColumns);
  }
  throw new Error(`the fake cannot answer this SQL check: ${sql}`);
}
