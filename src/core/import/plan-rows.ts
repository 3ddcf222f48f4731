// What each row of an import will do, decided from its own checks and what Moodle holds: create, update (changed
// fields only), or be reported (unchanged, invalid, duplicate, exists). Pure: the look-ups are done before.
import type { MoodleCohort } from '../gateway/cohorts.js';
import type { MoodleUser, UserProfileFields } from '../moodle-gateway.js';
import type { CohortRef, EnrolmentSpec } from '../operations/memberships.js';
import type { CheckedRow } from './check-rows.js';
import type { AccountIndex, CourseLookup } from './lookups.js';
import type { ImportCounts, ImportMode, ImportPreview, PlannedRow, RowChange } from './types.js';

/** How many problem rows the preview lists; the full check CSV has every row. */
export const PREVIEW_PROBLEMS = 20;

export interface PlanInputs {
  mode: ImportMode;
  accounts: AccountIndex;
  courses: Map<string, CourseLookup>;
  cohorts: Map<string, MoodleCohort | undefined>;
  /** Usernames this app never changes (guest, the token's user, PROTECTED_USERS), lower-cased. */
  isProtected: (user: MoodleUser) => string | undefined;
}

function describeAccount(u: MoodleUser): string {
  return `Moodle account ${u.username} (id ${u.id})`;
}

/** Another account than `self` with the row's email or ID number. */
function clashOf(inputs: PlanInputs, user: UserProfileFields, self: MoodleUser | undefined): string | undefined {
  const other = (list: MoodleUser[] | undefined) => list?.find((u) => u.id !== self?.id);
  const byEmail = other(inputs.accounts.byEmail.get(user.email.toLowerCase()));
  if (byEmail) return `The email is already used by ${describeAccount(byEmail)}.`;
  const byIdnumber = user.idnumber ? other(inputs.accounts.byIdnumber.get(user.idnumber)) : undefined;
  if (byIdnumber) return `The ID number is already used by ${describeAccount(byIdnumber)}.`;
  return undefined;
}

// One enrolment (course and role) and one cohort reference for every row that names them, not one per row: a file
// of 10,000 rows in the same course keeps one object, not 10,000 (docs/PERFORMANCE.md (f), "Memory").
const sharedEnrolments = new WeakMap<object, Map<string, EnrolmentSpec>>();
const sharedCohorts = new WeakMap<MoodleCohort, CohortRef>();

function enrolmentOf(found: { course: EnrolmentSpec['course'] }, role: CheckedRow['courses'][number]['role']) {
  let byRole = sharedEnrolments.get(found);
  if (!byRole) {
    byRole = new Map();
    sharedEnrolments.set(found, byRole);
  }
  const key = `${role.id}/${role.shortname}`;
  let spec = byRole.get(key);
  if (!spec) {
    const { id, shortname, fullname } = found.course;
    spec = { course: { id, shortname, fullname }, role: { shortname: role.shortname, id: role.id } };
    byRole.set(key, spec);
  }
  return spec;
}

function memberships(inputs: PlanInputs, row: CheckedRow, problems: string[]) {
  const enrolments: EnrolmentSpec[] = [];
  for (const { course, role } of row.courses) {
    const found = inputs.courses.get(course);
    if (!found || 'problem' in found) problems.push(found?.problem ?? `No Moodle course ${course}.`);
    else enrolments.push(enrolmentOf(found, role));
  }
  const cohorts: CohortRef[] = [];
  for (const name of row.cohorts) {
    const cohort = inputs.cohorts.get(name);
    if (!cohort) problems.push(`No Moodle cohort has the ID number or name ${name}.`);
    else {
      const ref = sharedCohorts.get(cohort) ?? { id: cohort.id, idnumber: cohort.idnumber, name: cohort.name };
      sharedCohorts.set(cohort, ref);
      cohorts.push(ref);
    }
  }
  return { enrolments, cohorts };
}

function changesOf(row: CheckedRow, user: UserProfileFields, existing: MoodleUser): RowChange[] {
  const changes: RowChange[] = [];
  for (const field of row.given) {
    if (field === 'username') continue;
    const after = user[field] ?? '';
    const before = String(existing[field as keyof MoodleUser] ?? '');
    if (before !== after) changes.push({ field, before, after });
  }
  return changes;
}

/** A valid, unique row against Moodle. Objects of one shape, no spreads: a preview keeps one for every row. */
function planValidRow(inputs: PlanInputs, row: CheckedRow, user: UserProfileFields): PlannedRow {
  const { username } = user;
  const existing = inputs.accounts.byUsername.get(username);
  if (existing && inputs.mode === 'create') {
    const message = `An account with this username exists (${describeAccount(existing)}). Choose “add new and update existing” to update it.`;
    return { row: row.row, username, action: 'exists', moodleId: existing.id, message };
  }
  const problems: string[] = [];
  const clash = clashOf(inputs, user, existing);
  const protection = existing ? inputs.isProtected(existing) : undefined;
  const { enrolments, cohorts } = memberships(inputs, row, problems);
  if (problems.length > 0 || protection) {
    return { row: row.row, username, action: 'invalid', message: [protection, ...problems].filter(Boolean).join(' ') };
  }
  if (clash) return { row: row.row, username, action: 'exists', message: clash };
  let planned: PlannedRow;
  if (!existing) planned = { row: row.row, username, action: 'create', user };
  else {
    const changes = changesOf(row, user, existing);
    if (changes.length === 0 && enrolments.length + cohorts.length === 0) {
      const message = 'The account already has these values.';
      return { row: row.row, username, action: 'unchanged', moodleId: existing.id, message };
    }
    const update = { username } as UserProfileFields;
    for (const c of changes) Object.assign(update, { [c.field]: c.after });
    planned = { row: row.row, username, action: 'update', moodleId: existing.id, user: update, changes };
  }
  if (enrolments.length > 0) planned.enrolments = enrolments;
  if (cohorts.length > 0) planned.cohorts = cohorts;
  return planned;
}

export function planRow(inputs: PlanInputs, row: CheckedRow): PlannedRow {
  if (!row.user || row.problems.length > 0) {
    return { row: row.row, username: row.username, action: 'invalid', message: row.problems.join(' ') };
  }
  if (row.duplicateOf) {
    const { row: first, on } = row.duplicateOf;
    return {
      row: row.row,
      username: row.username,
      action: 'duplicate',
      message: `Same ${on} as row ${first} of the file; only row ${first} is imported.`,
    };
  }
  return planValidRow(inputs, row, row.user);
}

export function countActions(rows: readonly PlannedRow[]): ImportCounts {
  const counts: ImportCounts = { create: 0, update: 0, unchanged: 0, invalid: 0, duplicate: 0, exists: 0 };
  for (const row of rows) counts[row.action] += 1;
  return counts;
}

/** The courses and cohorts the rows carried out name, with how many rows each. */
export function membershipTotals(rows: readonly PlannedRow[]): Pick<ImportPreview, 'courses' | 'cohorts'> {
  const courses = new Map<number, { id: number; shortname: string; enrolments: number }>();
  const cohorts = new Map<number, { id: number; name: string; members: number }>();
  for (const row of rows) {
    for (const e of row.enrolments ?? []) {
      const entry = courses.get(e.course.id) ?? { id: e.course.id, shortname: e.course.shortname, enrolments: 0 };
      entry.enrolments += 1;
      courses.set(e.course.id, entry);
    }
    for (const c of row.cohorts ?? []) {
      const entry = cohorts.get(c.id) ?? { id: c.id, name: c.name, members: 0 };
      entry.members += 1;
      cohorts.set(c.id, entry);
    }
  }
  return { courses: [...courses.values()], cohorts: [...cohorts.values()] };
}

export function firstProblems(rows: readonly PlannedRow[]): ImportPreview['problems'] {
  const problems: ImportPreview['problems'] = [];
  for (const row of rows) {
    if (problems.length >= PREVIEW_PROBLEMS) break;
    if (row.action === 'invalid' || row.action === 'duplicate' || row.action === 'exists') {
      problems.push({ row: row.row, username: row.username, action: row.action, message: row.message ?? '' });
    }
  }
  return problems;
}
