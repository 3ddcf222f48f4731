// What a person may read of a Moodle account, and the audit of every look-up a person makes. A plain requester
// learns that an account exists, its username, name and status; contact details and identifiers (email, ID
// number, phones, address, institution, department, access times) and the sign-in method (auth) are for approvers
// and admins. The core hands out the reduced object itself, so no renderer can show what it was never given.
import { truncateDetail } from './audit.js';
import type { Clock } from './clock.js';
import { LOOKUP_TOO_BROAD, type MoodleUser } from './moodle-gateway.js';
import type { Permissions } from './permissions.js';
import type { AccountSnapshot, PreflightSummary } from './requests.js';
import type { Store } from './store.js';

/** The fields a plain requester may read. */
export type AccountSummary = Pick<MoodleUser, 'id' | 'username' | 'firstname' | 'lastname' | 'fullname' | 'suspended'>;

export type AccountView = { detail: 'full'; user: MoodleUser } | { detail: 'summary'; user: AccountSummary };

export function summarizeAccount(user: AccountSummary): AccountSummary {
  const { id, username, firstname, lastname, fullname, suspended } = user;
  return { id, username, firstname, lastname, fullname, suspended };
}

/**
 * The profile fields a plain requester may not read: contact details, identifiers and the sign-in method. Approvers
 * and admins only; the edit form and an import's preview both hide exactly these.
 */
export const PRIVATE_FIELDS = [
  'email',
  'idnumber',
  'phone1',
  'phone2',
  'address',
  'institution',
  'department',
  'auth',
] as const satisfies readonly (keyof MoodleUser)[];

/** The account for a plain requester's edit form: its private fields blank (left blank, they are kept). */
export function redactForEdit(user: MoodleUser): MoodleUser {
  const redacted = { ...user };
  for (const field of PRIVATE_FIELDS) redacted[field] = '';
  return redacted;
}

/** A plain requester's edit form shows private fields blank; blank there means "keep", so such a blank is dropped. */
export function keepHiddenFields(fields: Readonly<Record<string, string>>): Record<string, string> {
  const kept = { ...fields };
  for (const field of PRIVATE_FIELDS) if (kept[field]?.trim() === '') delete kept[field];
  return kept;
}

/** Approvers and admins read everything; anyone else (a plain requester) the summary. */
export async function mayReadDetails(permissions: Permissions, userId: string): Promise<boolean> {
  if ((await permissions.check(userId, 'approver')).ok) return true;
  return (await permissions.check(userId, 'admin')).ok;
}

export function viewAccount(user: MoodleUser, full: boolean): AccountView {
  return full ? { detail: 'full', user } : { detail: 'summary', user: summarizeAccount(user) };
}

/** The account a request changes, kept on the request so that its card can name and describe it later. */
export function snapshotAccount(user: MoodleUser): AccountSnapshot {
  const fullname = user.fullname.trim() || `${user.firstname} ${user.lastname}`.trim();
  return {
    fullname,
    username: user.username,
    ...(user.email ? { email: user.email } : {}),
    suspended: user.suspended,
    ...(user.lastaccess ? { lastaccess: user.lastaccess } : {}),
  };
}

/** A request's pre-flight with the account it is about; a change that checked nothing else gets an empty check. */
export function withAccount(preflight: PreflightSummary | undefined, user: MoodleUser): PreflightSummary {
  return { ...(preflight ?? { checked: true, notes: [], conflicts: [] }), account: snapshotAccount(user) };
}

/** Pre-flight clashes as a reader may see them: without the other account's email unless they may read it. */
export function viewConflicts(conflicts: PreflightSummary['conflicts'], full: boolean): PreflightSummary['conflicts'] {
  return full ? conflicts : conflicts.map(({ email: _email, ...rest }) => rest);
}

/** Stable audit outcomes of a look-up. */
export type LookupAuditOutcome = 'found' | 'not_found' | 'ambiguous' | 'too_broad' | 'unavailable' | 'exists';

export function lookupFailureOutcome(code: string | undefined): LookupAuditOutcome {
  return code === LOOKUP_TOO_BROAD ? 'too_broad' : 'unavailable';
}

/** Writes who looked which account up, and why (`detail`: what was typed, for which command). */
export async function recordLookup(
  store: Store,
  clock: Clock,
  event: { actor: string; outcome: LookupAuditOutcome; detail: string; account?: Pick<MoodleUser, 'id' | 'username'> },
): Promise<void> {
  await store.appendAudit({
    at: clock.now(),
    actor: event.actor,
    kind: 'lookup',
    outcome: event.outcome,
    detail: truncateDetail(event.detail) ?? '',
    ...(event.account
      ? { target: { moodleId: event.account.id, username: event.account.username }, moodleId: event.account.id }
      : {}),
  });
}
