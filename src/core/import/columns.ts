// The columns of an import file: Moodle's Upload users names (admin/tool/uploaduser), so an admin's existing file
// works unchanged. Headers match ignoring case and surrounding spaces; course1..N, role1..N and cohort1..N number
// the memberships of a row.
import { PROFILE_FIELDS, type UserProfileFields } from '../moodle-gateway.js';

/** The columns a file must have. username may be left out: it is then made from the email, as for one account. */
export const REQUIRED_COLUMNS = ['firstname', 'lastname', 'email'] as const;

export type ColumnRole =
  | { kind: 'field'; field: keyof UserProfileFields }
  | { kind: 'course' | 'role' | 'cohort'; n: number };

const NUMBERED = /^(course|role|cohort)([1-9]\d{0,2})$/;

/** A header cell as Moodle's tool compares it. */
export function normaliseHeader(cell: string): string {
  return cell.trim().toLowerCase();
}

/** What a (normalised) header names, or undefined for a column this app does not take. */
export function columnRole(header: string): ColumnRole | undefined {
  if ((PROFILE_FIELDS as readonly string[]).includes(header)) {
    return { kind: 'field', field: header as keyof UserProfileFields };
  }
  const numbered = NUMBERED.exec(header);
  if (numbered) return { kind: numbered[1] as 'course' | 'role' | 'cohort', n: Number(numbered[2]) };
  return undefined;
}

/** Every column name the app takes, for the sentence that refuses an unknown one. */
export const SUPPORTED_COLUMNS_TEXT = `${PROFILE_FIELDS.join(', ')}, course1…courseN, role1…roleN, cohort1…cohortN`;

/** Why a file with a password column is refused, in the words the person sees. */
export const PASSWORD_COLUMN_MESSAGE =
  'The file has a password column, and passwords never travel through Slack. Remove the column: Moodle emails ' +
  'each new user a password of their own (or they log in with the site’s single sign-on).';
