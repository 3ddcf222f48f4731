// Sending many items in all-or-nothing calls (enrolments, and cohort adds treated as such): a failed call is split
// in halves until the bad items are alone, so one bad row never blocks the others. A failure that is not about the
// items (Moodle unreachable, the token refused) stops everything: splitting would only repeat it.
import pLimit from 'p-limit';
import type { GatewayErrorShape } from '../moodle-gateway.js';

/** The gateway's codes for a refusal of the items themselves (as src/moodle/batch-plan.ts's data errors). */
const ITEM_ERROR_CODES: ReadonlySet<string> = new Set([
  'moodle_invalid_parameter',
  'moodle_database_write',
  'moodle_invalid_user',
  'moodle_invalid_record',
  'moodle_no_manual_enrolment',
  'moodle_cannot_assign_role',
  'moodle_course_not_accessible',
  'moodle_course_not_found',
  'moodle_cohort_not_found',
  'moodle_user_deleted',
  'moodle_guest_not_allowed',
  'moodle_update_warnings',
  'moodle_password_policy',
  'cohort_add_refused',
]);

export type ItemError = GatewayErrorShape & Error;

/** Whether a failed call was refused for its items (then splitting finds them) rather than for the site. */
export function isItemError(err: unknown): err is ItemError {
  const e = err as Partial<GatewayErrorShape> | null;
  return typeof e?.code === 'string' && ITEM_ERROR_CODES.has(e.code) && e.outcomeUnknown !== true;
}

export interface BisectResult<T> {
  ok: T[];
  failed: Array<{ item: T; error: ItemError }>;
  /** The first failure that was not about the items; the items not settled are in `unsettled`. */
  stopped?: unknown;
  unsettled: T[];
}

/**
 * Sends `batches` (at most `concurrency` calls at once), splitting each failed batch until its bad items are alone.
 * `onSettled` hears each batch's outcome as it comes (to record it before the next).
 */
export async function sendWithBisection<T>(
  batches: readonly T[][],
  call: (items: T[]) => Promise<void>,
  options: {
    concurrency: number;
    onSettled?: (ok: T[], failed: Array<{ item: T; error: ItemError }>) => Promise<void>;
  },
): Promise<BisectResult<T>> {
  const limit = pLimit(Math.max(1, options.concurrency));
  const result: BisectResult<T> = { ok: [], failed: [], unsettled: [] };
  const send = async (items: T[]): Promise<void> => {
    if (items.length === 0) return;
    if (result.stopped !== undefined) {
      result.unsettled.push(...items);
      return;
    }
    try {
      await limit(() => (result.stopped === undefined ? call(items) : Promise.reject(result.stopped)));
      result.ok.push(...items);
      await options.onSettled?.(items, []);
    } catch (err) {
      if (!isItemError(err)) {
        result.stopped ??= err;
        result.unsettled.push(...items);
        return;
      }
      if (items.length === 1) {
        const failed = [{ item: items[0] as T, error: err }];
        result.failed.push(...failed);
        await options.onSettled?.([], failed);
        return;
      }
      const half = Math.ceil(items.length / 2);
      await Promise.all([send(items.slice(0, half)), send(items.slice(half))]);
    }
  };
  await Promise.all(batches.map((batch) => send(batch)));
  return result;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += Math.max(1, size)) out.push(items.slice(i, i + Math.max(1, size)));
  return out;
}
