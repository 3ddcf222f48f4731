import type { Config } from '../config.js';
import { describeAccount } from './account-ref.js';
import { isGatewayError, type MoodleGateway, type MoodleUser, profileUrl } from './moodle-gateway.js';
import { FIELD_KEYS, type FieldChange, PROFILE_FIELDS, type ProfileField } from './profile.js';
import type { PreflightSummary } from './requests.js';
import type { Store } from './store.js';
import { type FieldProblem, validateUserUpdate } from './user-record.js';

/** The value Moodle holds for a field ('' when it omits it). */
export function currentValue(user: MoodleUser, field: ProfileField): string {
  const value = user[field];
  return typeof value === 'string' ? value : '';
}

export type UpdatePreparation =
  | { ok: true; changes: FieldChange[] }
  | { ok: false; problems: FieldProblem[] }
  | { ok: 'unchanged'; message: string };

/**
 * Validates only the fields that differ from the account (an odd value already in Moodle does not block an
 * unrelated edit) with the create rules, then keeps the fields whose normalised value still differs.
 */
export function prepareUpdate(
  current: MoodleUser,
  input: Record<string, string | undefined>,
  options: Pick<Config, 'allowedAuth' | 'defaultAuth'>,
): UpdatePreparation {
  const differing: Record<string, string> = {};
  const unknown: Record<string, string> = {};
  for (const [key, raw] of Object.entries(input)) {
    if (raw === undefined) continue;
    if (!FIELD_KEYS.has(key)) {
      unknown[key] = raw;
      continue;
    }
    if (raw.trim() !== currentValue(current, key as ProfileField)) differing[key] = raw;
  }
  if (Object.keys(unknown).length > 0 || Object.keys(differing).length > 0) {
    const validated = validateUserUpdate({ ...differing, ...unknown }, options);
    if (!validated.ok) return { ok: false, problems: validated.problems };
    const changes: FieldChange[] = [];
    for (const field of PROFILE_FIELDS) {
      const after = validated.record[field];
      if (after === undefined) continue;
      const before = currentValue(current, field);
      if (after !== before) changes.push({ field, before, after });
    }
    if (changes.length > 0) return { ok: true, changes };
  }
  return {
    ok: 'unchanged',
    message: `Nothing to change: ${describeAccount(current)} already has ${Object.keys(input).length > 0 ? 'these values' : 'the values given'}.`,
  };
}

/** A new username or email that a create waiting for approval (or being carried out) is about to take. */
export async function createsInFlight(store: Store, changes: readonly FieldChange[]): Promise<FieldProblem[]> {
  const wanted = (field: 'username' | 'email') =>
    changes.filter((c) => c.field === field && c.after !== '').map((c) => c.after);
  const usernames = wanted('username');
  const emails = wanted('email');
  if (usernames.length === 0 && emails.length === 0) return [];
  const [twin] = await store.findInFlight({ operation: 'create', usernames, emails });
  if (!twin) return [];
  const field = usernames.includes(twin.username) ? 'username' : 'email';
  const what = field === 'username' ? `the username ${twin.username}` : 'this email address';
  const message = `Request ${twin.id} to create an account with ${what} is already in progress (${twin.status}).`;
  return [{ field, message }];
}

/** The fields whose new value must not be another account's: Moodle's keys, and the ID number sites sync by. */
const UNIQUE_FIELDS = { username: 'username', email: 'email', idnumber: 'ID number' } as const;

/**
 * A rename, an email change (ignoring case, like Moodle) or an ID number change onto another account's is a problem
 * on that field. When a look-up cannot be made, the request may still go ahead: the summary says what was not
 * checked, and Moodle's own check refuses a clash at execution.
 */
export async function checkUpdateCollisions(
  gateway: MoodleGateway,
  current: MoodleUser,
  changes: readonly FieldChange[],
  moodleUrl: string,
): Promise<{ problems: FieldProblem[]; preflight: PreflightSummary }> {
  const problems: FieldProblem[] = [];
  const preflight: PreflightSummary = { checked: true, notes: [], conflicts: [] };
  const others = (users: MoodleUser[]) => users.filter((u) => u.id !== current.id);
  const clash = (u: MoodleUser) => `${describeAccount(u)}, ${profileUrl(moodleUrl, u.id)}`;
  for (const change of changes) {
    const field = change.field;
    if (field !== 'username' && field !== 'email' && field !== 'idnumber') continue;
    if (change.after === '') continue;
    try {
      const found = others(
        field === 'email'
          ? await gateway.findUsersByEmail(change.after)
          : await gateway.getUsersByField(field, [change.after]),
      );
      for (const u of found) {
        preflight.conflicts.push({ moodleId: u.id, username: u.username, email: u.email, matchedOn: field });
        problems.push({
          field,
          message: `The ${UNIQUE_FIELDS[field]} ${change.after} is already used by ${clash(u)}${field === 'email' ? ' (Moodle compares emails ignoring case)' : ''}.`,
        });
      }
      if (found.length === 0) {
        preflight.notes.push(`No other Moodle account uses the ${UNIQUE_FIELDS[field]} ${change.after}.`);
      }
    } catch (err) {
      preflight.checked = false;
      const hint = isGatewayError(err) ? err.hint : 'see the app log';
      preflight.notes.push(`Could not check whether another account uses the new ${UNIQUE_FIELDS[field]}: ${hint}`);
    }
  }
  return { problems, preflight };
}
