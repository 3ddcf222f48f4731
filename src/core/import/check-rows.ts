// The rules every row of an import meets before Moodle is asked: the same as a single create (user-record.ts),
// a known role for each course, and no second row with the same username, email (ignoring case) or ID number.
import type { UserProfileFields } from '../moodle-gateway.js';
import { FIELD_LABELS, type UserRecordOptions, validateNewUser } from '../user-record.js';
import { deriveUsername } from '../username.js';
import type { ImportFileRow } from './types.js';

export interface RowRules extends UserRecordOptions {
  /** Moodle role ids by short name (ROLE_IDS). */
  roleIds: Readonly<Record<string, number>>;
}

/** The role of a course column left empty, as Moodle's Upload users assumes. */
export const DEFAULT_IMPORT_ROLE = 'student';

/** A row checked on its own and against the rows before it. */
export interface CheckedRow {
  row: number;
  username: string;
  /** Set when the row meets every rule of a single create. */
  user?: UserProfileFields;
  /** The fields the file gives (an update changes only those). */
  given: Array<keyof UserProfileFields>;
  courses: Array<{ course: string; role: { shortname: string; id: number } }>;
  cohorts: string[];
  /** Every problem, in plain words; empty when the row is valid. */
  problems: string[];
  /** The earlier row this one repeats (same username, email or ID number), and on what. */
  duplicateOf?: { row: number; on: 'username' | 'email' | 'ID number' };
}

// One role object for every row that names it: a preview keeps 10,000 rows (docs/PERFORMANCE.md (f), "Memory").
const sharedRoles = new WeakMap<object, Map<string, { shortname: string; id: number }>>();

function roleOf(rules: RowRules, shortname: string, id: number): { shortname: string; id: number } {
  let roles = sharedRoles.get(rules.roleIds);
  if (!roles) {
    roles = new Map();
    sharedRoles.set(rules.roleIds, roles);
  }
  const known = roles.get(shortname);
  const role = known?.id === id ? known : { shortname, id };
  roles.set(shortname, role);
  return role;
}

function checkRoles(rules: RowRules, row: ImportFileRow, problems: string[]): CheckedRow['courses'] {
  const courses: CheckedRow['courses'] = [];
  for (const { course, role } of row.courses) {
    const shortname = (role === '' ? DEFAULT_IMPORT_ROLE : role).toLowerCase();
    const id = rules.roleIds[shortname];
    if (id === undefined) {
      problems.push(
        `The role ${shortname} (for ${course}) is not one this app can assign; use one of ${Object.keys(rules.roleIds).join(', ')}.`,
      );
    } else if (!courses.some((c) => c.course === course)) courses.push({ course, role: roleOf(rules, shortname, id) });
  }
  return courses;
}

/** One row against the rules of a single create. */
export function checkRow(rules: RowRules, row: ImportFileRow): CheckedRow {
  const problems = [...(row.problems ?? [])];
  const fields: Record<string, string | undefined> = { ...row.fields };
  if (fields.username === undefined && fields.email !== undefined) fields.username = deriveUsername(fields.email);
  const validation = validateNewUser(fields, rules);
  if (!validation.ok) {
    for (const p of validation.problems) {
      const label = FIELD_LABELS[p.field as keyof UserProfileFields];
      problems.push(label && !p.message.includes(label) ? `${label}: ${p.message}` : p.message);
    }
  }
  const courses = checkRoles(rules, row, problems);
  return {
    row: row.row,
    username: validation.ok ? validation.record.username : (fields.username ?? '').trim().toLowerCase(),
    ...(validation.ok && problems.length === 0 ? { user: validation.record } : {}),
    given: Object.keys(row.fields) as Array<keyof UserProfileFields>,
    courses,
    cohorts: row.cohorts.length < 2 ? row.cohorts : [...new Set(row.cohorts)],
    problems,
  };
}

/** Marks the rows that repeat an earlier valid row's username, email (ignoring case) or ID number. */
export function markDuplicates(rows: CheckedRow[]): void {
  const seen = {
    username: new Map<string, number>(),
    email: new Map<string, number>(),
    'ID number': new Map<string, number>(),
  };
  for (const row of rows) {
    if (!row.user) continue;
    const keys = { username: row.user.username, email: row.user.email.toLowerCase(), 'ID number': row.user.idnumber };
    for (const on of ['username', 'email', 'ID number'] as const) {
      const key = keys[on];
      if (key === undefined || key === '') continue;
      const first = seen[on].get(key);
      if (first !== undefined) {
        row.duplicateOf = { row: first, on };
        break;
      }
    }
    if (row.duplicateOf) continue;
    for (const on of ['username', 'email', 'ID number'] as const) {
      const key = keys[on];
      if (key !== undefined && key !== '') seen[on].set(key, row.row);
    }
  }
}

export function checkRows(rules: RowRules, rows: readonly ImportFileRow[]): CheckedRow[] {
  const checked = rows.map((row) => checkRow(rules, row));
  markDuplicates(checked);
  return checked;
}
