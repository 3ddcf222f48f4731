// The courses and cohorts of an import's rows, once their accounts exist: enrolments in large all-or-nothing calls
// (enrol_manual_enrol_users; a failed call is split until the bad enrolment is alone), then cohort memberships
// (Moodle adds per item and warns; a warning is treated as the call's failure and split the same way). Both are
// idempotent in Moodle, so a resumed run simply sends them again. A row whose account exists but missed a course or
// cohort ends `partial`, saying which.
import type { CohortMembership } from '../gateway/cohorts.js';
import type { EnrolmentInput } from '../gateway/enrolments.js';
import type { MoodleGateway } from '../moodle-gateway.js';
import { CohortAddError, type CohortRef, type EnrolmentSpec, enrolmentInput } from '../operations/memberships.js';
import { chunk, sendWithBisection } from './bisect.js';
import type { Stop } from './run-accounts.js';
import type { ImportTracker } from './tracker.js';
import { type ImportTuning, ROWS_PER_PART } from './tuning.js';
import type { ImportRowRecord, ImportRowUpdate } from './types.js';

interface Item<T> {
  row: number;
  what: string;
  input: T;
}

async function sendItems<T>(
  tracker: ImportTracker,
  tuning: ImportTuning,
  items: Item<T>[],
  perCall: number,
  call: (inputs: T[]) => Promise<void>,
  missed: Map<number, string[]>,
): Promise<Stop | undefined> {
  if (items.length === 0) return undefined;
  // Spread over the slots (a call runs on one of the site's cores), in calls of at least 50 (each call costs Moodle
  // about 100 ms whatever it carries) and at most perCall.
  const size = Math.min(perCall, Math.max(50, Math.ceil(items.length / tuning.concurrency)));
  const result = await sendWithBisection(chunk(items, size), (batch) => call(batch.map((i) => i.input)), {
    concurrency: tuning.concurrency,
    onSettled: async (ok, failed) => {
      for (const { item, error } of failed)
        missed.set(item.row, [...(missed.get(item.row) ?? []), `${item.what} (${error.hint})`]);
      tracker.countMemberships(ok.length + failed.length);
    },
  });
  return result.stopped === undefined ? undefined : { error: result.stopped };
}

async function addCohortMembers(gateway: MoodleGateway, items: CohortMembership[]): Promise<void> {
  const problems = (await gateway.addCohortMembers(items)).filter((w) => w.kind !== 'already_member');
  if (problems.length > 0)
    throw new CohortAddError(`Moodle did not add every account to its cohort: ${problems[0]?.message}`);
}

function enrolmentItems(rows: readonly ImportRowRecord[]): Item<EnrolmentInput>[] {
  return rows.flatMap((r) =>
    ((r.plan.enrolments ?? []) as EnrolmentSpec[]).map((spec) => ({
      row: r.row,
      what: `course ${spec.course.shortname}`,
      input: enrolmentInput(r.moodleId as number, spec),
    })),
  );
}

function cohortItems(rows: readonly ImportRowRecord[]): Item<CohortMembership>[] {
  return rows.flatMap((r) =>
    ((r.plan.cohorts ?? []) as CohortRef[]).map((c) => ({
      row: r.row,
      what: `cohort ${c.name}`,
      input: { cohortId: c.id, userId: r.moodleId as number },
    })),
  );
}

/** The items of ROWS_PER_PART rows at a time (see tuning.ts), each part sent before the next is made. */
async function sendParts<T>(
  rows: readonly ImportRowRecord[],
  itemsOf: (part: readonly ImportRowRecord[]) => Item<T>[],
  send: (items: Item<T>[]) => Promise<Stop | undefined>,
): Promise<Stop | undefined> {
  for (let i = 0; i < rows.length; i += ROWS_PER_PART) {
    const stop = await send(itemsOf(rows.slice(i, i + ROWS_PER_PART)));
    if (stop) return stop;
  }
  return undefined;
}

/**
 * The courses and cohorts of `rows` (by default every row whose account is done), then their end states. `phases`
 * false: sent while accounts are still being created (pipeline.ts), so the progress stays in its accounts phase.
 */
export async function runMemberships(
  gateway: MoodleGateway,
  tuning: ImportTuning,
  tracker: ImportTracker,
  options: { rows?: readonly ImportRowRecord[]; phases?: boolean } = {},
): Promise<Stop | undefined> {
  const rows = (options.rows ?? tracker.rowsIn('account_done')).filter(
    (r) => r.state === 'account_done' && r.moodleId !== undefined,
  );
  if (rows.length === 0) return undefined;
  const phases = options.phases ?? true;
  const missed = new Map<number, string[]>();
  if (phases) tracker.startPhase('enrolments');
  const enrolStop = await sendParts(rows, enrolmentItems, (items) =>
    sendItems(tracker, tuning, items, tuning.enrolmentsPerCall, (inputs) => gateway.enrolUsers(inputs), missed),
  );
  if (enrolStop) return enrolStop;
  if (phases) tracker.startPhase('cohorts');
  const cohortStop = await sendParts(rows, cohortItems, (items) =>
    sendItems(
      tracker,
      tuning,
      items,
      tuning.cohortMembersPerCall,
      (inputs) => addCohortMembers(gateway, inputs),
      missed,
    ),
  );
  if (cohortStop) return cohortStop;
  const updates: ImportRowUpdate[] = rows.map((r) => {
    const done = r.action === 'update' ? 'updated' : 'created';
    const lacking = missed.get(r.row);
    if (!lacking) return { row: r.row, state: done };
    const message = `The account was ${done} (id ${r.moodleId}), but not added to ${lacking.join('; ')}.`;
    return { row: r.row, state: 'partial', message };
  });
  await tracker.update(updates);
  return undefined;
}
