// End dates as people ask for them: `until=` read in the requester's time zone (refused in the past or too far
// ahead), the expire and extend requests (like any change: APPROVAL_REQUIRED keys expire and extend), and what
// ends in the next days, for the lists of requests and of accounts that end.

import { describeAccount } from './account-ref.js';
import { type AccountEnd, currentEndDate, DAY_MS } from './account-schedule.js';
import { type AccountDeps, accountServiceFor, type ChangeOutcome } from './accounts.js';
import { parseDay } from './dates.js';
import type { RequesterContext } from './requests.js';
import { OPEN_STATES, type ScheduledAction } from './scheduled-actions.js';
import type { Resolved } from './use-cases/resolve-memberships.js';

/** How far ahead the lists of accounts that end look. */
export const EXPIRING_WINDOW_DAYS = 30;

/** An end date typed as YYYY-MM-DD, read in `timeZone`: the account ends when that day does. Absent: none. */
export function readEndDate(text: string | undefined, timeZone: string, now: Date): Resolved<{ end?: AccountEnd }> {
  if (!text?.trim()) return { ok: true, value: {} };
  const read = parseDay(text, { timeZone, now, edge: 'end', what: 'The end date (until=)' });
  if (!read.ok) return { ok: false, problems: [{ field: 'until', message: read.message }] };
  return { ok: true, value: { end: { until: text.trim(), endAt: read.at.toISOString() } } };
}

export interface EndDateAsked {
  until: string | undefined;
  /** The requester's time zone (IANA), in which the date is read. */
  timeZone: string;
  reason?: string | undefined;
}

/** Sets (expire) or moves later (extend) an existing account's end date, as a request. */
export async function requestEndDate(
  deps: AccountDeps,
  requester: RequesterContext,
  ref: string | { by: 'id'; id: number },
  operation: 'expire' | 'extend',
  asked: EndDateAsked,
): Promise<ChangeOutcome> {
  const found = await accountServiceFor(deps).target(requester, ref, operation);
  if (found.kind !== 'target') return found;
  if (!asked.until?.trim()) {
    return { kind: 'invalid', problems: [{ field: 'until', message: 'Give the end date: until=YYYY-MM-DD.' }] };
  }
  const now = (deps.clock ?? { now: () => new Date() }).now();
  const read = readEndDate(asked.until, asked.timeZone, now);
  if (!read.ok) return { kind: 'invalid', problems: read.problems };
  const end = read.value.end!;
  const current = await currentEndDate(deps.store, found.user.id);
  const account = describeAccount(found.user);
  const refused = operation === 'extend' ? checkExtension(end, current, account) : undefined;
  if (refused) return { kind: 'invalid', problems: [{ field: 'until', message: refused }] };
  const note = current ? `Current end date: ${formatEnd(current)}.` : `${account} has no end date yet.`;
  const target = { moodleId: found.user.id, username: found.user.username, email: found.user.email };
  return deps.provisioning.submitRequest(
    requester,
    target,
    { operation, end },
    { checked: true, notes: [note], conflicts: [] },
    asked.reason?.trim() || undefined,
  );
}

/** Why `end` cannot extend the account's `current` end date, or undefined when it can. */
export function checkExtension(end: AccountEnd, current: ScheduledAction | undefined, account: string) {
  if (!current) return `${account} has no end date to extend; set one with expire.`;
  if (new Date(end.endAt) <= current.endAt) {
    return `An extension must end later than the current end date (${formatEnd(current)}).`;
  }
  return undefined;
}

/** An end date as a person reads it: the instant it ends, in UTC. */
export function formatEnd(action: Pick<ScheduledAction, 'endAt'>): string {
  return `${action.endAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Accounts whose end date comes within EXPIRING_WINDOW_DAYS (or has come and waits), soonest first. */
export function listExpiring(
  deps: Pick<AccountDeps, 'store' | 'clock'>,
  options: { requesterId?: string; moodleIds?: readonly number[]; limit?: number } = {},
): Promise<ScheduledAction[]> {
  const now = (deps.clock ?? { now: () => new Date() }).now();
  return deps.store.listActions({
    kind: 'expire',
    states: OPEN_STATES,
    dueBefore: new Date(now.getTime() + EXPIRING_WINDOW_DAYS * DAY_MS),
    limit: options.limit ?? 50,
    ...(options.requesterId ? { requesterId: options.requesterId } : {}),
    ...(options.moodleIds ? { moodleIds: options.moodleIds } : {}),
  });
}

export { currentEndDate };
