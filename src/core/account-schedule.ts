// An account's end date as the operations set it (create with until=, expire, extend): its expiry on the date, and the
// requester's reminder EXPIRY_REMIND_DAYS before it, stored as scheduled actions (scheduled-actions.ts).
import { z } from 'zod';
import type { Clock } from './clock.js';
import { type NewScheduledAction, OPEN_STATES, type ScheduledAction, type ScheduleStore } from './scheduled-actions.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** An end date as a request carries it: the day the person typed, and the instant it ends (UTC). */
export const accountEndSchema = z.object({ until: z.string(), endAt: z.iso.datetime() });
export type AccountEnd = z.infer<typeof accountEndSchema>;

export interface EndDateInput {
  moodleId: number;
  username: string;
  end: AccountEnd;
  /** The request that sets it, and who asked (they get the reminder and hear of the expiry). */
  requestId: string;
  requesterId: string;
}

/** The operations' port for end dates (OperationContext.schedule). */
export interface AccountScheduler {
  /** Replaces the account's end date (and its reminder) with this one. */
  setEndDate(input: EndDateInput): Promise<void>;
  /** The account's end date still to come (or due and not carried out yet). */
  endDateOf(moodleId: number): Promise<ScheduledAction | undefined>;
}

/** The account's end date still to come (or due and not carried out yet). */
export async function currentEndDate(store: ScheduleStore, moodleId: number): Promise<ScheduledAction | undefined> {
  const open = await store.listActions({ moodleIds: [moodleId], kind: 'expire', states: OPEN_STATES });
  return open[0];
}

export function describeEnd(end: AccountEnd): string {
  return `${end.until} (ends ${end.endAt.slice(0, 16).replace('T', ' ')} UTC)`;
}

export function createAccountScheduler(
  store: ScheduleStore,
  clock: Clock,
  settings: { remindDays: number },
): AccountScheduler {
  return {
    async setEndDate({ moodleId, username, end, requestId, requesterId }) {
      const now = clock.now();
      const endAt = new Date(end.endAt);
      const base = { moodleId, username, endAt, requestId, requesterId };
      const actions: NewScheduledAction[] = [{ ...base, kind: 'expire', dueAt: endAt }];
      const remindAt = new Date(endAt.getTime() - settings.remindDays * DAY_MS);
      // A date already inside the reminder period needs no reminder: its requester has just chosen it.
      if (settings.remindDays > 0 && remindAt.getTime() > now.getTime()) {
        actions.unshift({ ...base, kind: 'remind', dueAt: remindAt });
      }
      await store.replaceSchedule(moodleId, actions, now);
    },
    endDateOf: (moodleId) => currentEndDate(store, moodleId),
  };
}
