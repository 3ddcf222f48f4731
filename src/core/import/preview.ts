// The preview of an import: every row checked as a single create would be, rows repeating each other found, and one
// pre-flight against Moodle for the whole file (accounts, courses, cohorts). Nothing is stored or changed.
import { PRIVATE_FIELDS } from '../account-view.js';
import { isGatewayError, type MoodleGateway, type MoodleUser } from '../moodle-gateway.js';
import type { AccountGuard } from '../protection.js';
import { type CheckedRow, checkRows, type RowRules } from './check-rows.js';
import { csvOf } from './csv-out.js';
import { lookUpAccounts, lookUpCohorts, lookUpCourses } from './lookups.js';
import { countActions, firstProblems, membershipTotals, planRow } from './plan-rows.js';
import type { ImportFile, ImportMode, ImportPreview, PlannedRow, RowChange } from './types.js';

export interface PreviewDeps {
  gateway: MoodleGateway;
  guard: AccountGuard;
  rules: RowRules;
  passwordMode: 'email' | 'generate';
}

/** Auth plugins whose users log in with a Moodle password (PASSWORD_MODE applies to them). */
export const LOCAL_PASSWORD_AUTHS: ReadonlySet<string> = new Set(['manual', 'email']);

/**
 * PASSWORD_MODE=generate shows each new password once to the person who asked: a thousand passwords in Slack is what
 * this app never does, so an import may only make accounts that log in elsewhere (oauth2, ldap, saml2, …).
 */
export function generateModeRefusal(mode: 'email' | 'generate', rows: readonly CheckedRow[]): string | undefined {
  if (mode !== 'generate') return undefined;
  const needing = rows.filter((r) => r.user && LOCAL_PASSWORD_AUTHS.has(r.user.auth));
  if (needing.length === 0) return undefined;
  return (
    `This app runs with PASSWORD_MODE=generate, which shows each new password once in Slack; an import would have ` +
    `to show ${needing.length.toLocaleString('en')} of them, so imports are refused for accounts with Moodle ` +
    `passwords (auth ${needing[0]?.user?.auth}, row ${needing[0]?.row}). Set auth to the site's single sign-on in ` +
    'the file, or ask an operator to use PASSWORD_MODE=email (Moodle emails each new user).'
  );
}

async function protections(guard: AccountGuard, users: Iterable<MoodleUser>): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  for (const user of users) {
    const p = await guard.protectionOf(user);
    if (p.protected !== false) found.set(user.id, p.reason);
  }
  return found;
}

export type PreviewResult =
  | { ok: true; preview: ImportPreview }
  | { ok: false; refused: string }
  | { ok: false; unavailable: string };

export async function previewImport(deps: PreviewDeps, file: ImportFile, mode: ImportMode): Promise<PreviewResult> {
  const checked = checkRows(deps.rules, file.rows);
  const refusal = generateModeRefusal(deps.passwordMode, checked);
  if (refusal) return { ok: false, refused: refusal };
  const valid = checked.filter((r) => r.user && !r.duplicateOf);
  try {
    const [accounts, courses, cohorts] = await Promise.all([
      lookUpAccounts(deps.gateway, {
        usernames: valid.map((r) => r.username),
        emails: valid.map((r) => r.user?.email ?? ''),
        idnumbers: valid.flatMap((r) => (r.user?.idnumber ? [r.user.idnumber] : [])),
      }),
      lookUpCourses(
        deps.gateway,
        valid.flatMap((r) => r.courses.map((c) => c.course)),
      ),
      lookUpCohorts(
        deps.gateway,
        valid.flatMap((r) => r.cohorts),
      ),
    ]);
    const guarded =
      mode === 'create_or_update' ? await protections(deps.guard, accounts.byUsername.values()) : new Map();
    const rows = checked.map((row) =>
      planRow({ mode, accounts, courses, cohorts, isProtected: (u) => guarded.get(u.id) }, row),
    );
    const preview: ImportPreview = {
      fileName: file.fileName,
      sha256: file.sha256,
      mode,
      counts: countActions(rows),
      rows,
      problems: firstProblems(rows),
      ...membershipTotals(rows),
      checked: true,
      notes: [],
    };
    return { ok: true, preview };
  } catch (err) {
    const hint = isGatewayError(err) ? err.hint : 'Look at the app log, then try again.';
    return { ok: false, unavailable: `Could not check the file against Moodle: ${hint}` };
  }
}

/** A cell a spreadsheet would run as a formula (=, +, -, @ first) is kept as text. */
export function safeCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** "city: Oslo → Bergen", or "email: changed to …" when the reader may not see the old value. */
function changeText(c: RowChange): string {
  const after = c.after || '(empty)';
  return c.before === undefined ? `${c.field}: changed to ${after}` : `${c.field}: ${c.before || '(empty)'} → ${after}`;
}

function changesText(row: PlannedRow): string {
  return (row.changes ?? []).map(changeText).join('; ');
}

const HIDDEN_FIELDS: ReadonlySet<string> = new Set(PRIVATE_FIELDS);

/**
 * The preview as this reader may see it: for a plain requester, an update's old value of a contact field, an
 * identifier or the sign-in method (PRIVATE_FIELDS) is left out (its new value is theirs), so neither the preview,
 * the check CSV nor the rows they submit hold it. Rows without such a change are the same objects.
 */
export function previewForReader(preview: ImportPreview, full: boolean): ImportPreview {
  if (full) return preview;
  const rows = preview.rows.map((row) => {
    if (!row.changes?.some((c) => HIDDEN_FIELDS.has(c.field))) return row;
    const changes = row.changes.map((c) => (HIDDEN_FIELDS.has(c.field) ? { field: c.field, after: c.after } : c));
    return { ...row, changes };
  });
  return { ...preview, rows };
}

/** The full check: one line per row of the file. */
export function previewCsv(preview: ImportPreview): string {
  return csvOf(
    ['row', 'username', 'action', 'moodle_id', 'changes', 'courses', 'cohorts', 'message'],
    preview.rows,
    (row) => [
      row.row,
      safeCell(row.username),
      row.action,
      row.moodleId ?? '',
      safeCell(changesText(row)),
      safeCell((row.enrolments ?? []).map((e) => `${e.course.shortname} (${e.role.shortname})`).join('; ')),
      safeCell((row.cohorts ?? []).map((c) => c.name).join('; ')),
      safeCell(row.message),
    ],
  );
}
