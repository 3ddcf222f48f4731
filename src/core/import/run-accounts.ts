// The accounts of an import: rows whose create was sent but not recorded are looked up (never resent blindly),
// rows that meanwhile clash with an account are failed before sending, then new accounts go through the batch
// helper (bisection isolates bad rows) and changed ones through update calls, each batch recorded as it ends.
import type {
  CreatedUser,
  CreateUserInput,
  MoodleGateway,
  UpdateUserInput,
  UserProfileFields,
} from '../moodle-gateway.js';
import { createInputFor } from '../operations/create-user.js';
import type { OperationSettings } from '../operations/types.js';
import { chunk, type ItemError, sendWithBisection } from './bisect.js';
import { lookUpAccounts } from './lookups.js';
import type { MembershipPipeline } from './pipeline.js';
import type { BatchCreator } from './ports.js';
import { LOCAL_PASSWORD_AUTHS } from './preview.js';
import type { ImportTracker } from './tracker.js';
import { createBatchSize, type ImportTuning, ROWS_PER_PART } from './tuning.js';
import type { ImportRowRecord, ImportRowUpdate } from './types.js';

export interface AccountsDeps {
  gateway: MoodleGateway;
  settings: OperationSettings;
  createInBatches: BatchCreator;
  tuning: ImportTuning;
  /** Takes the rows of each create call with createpassword=1 as it answers, for their courses and cohorts. */
  pipeline?: Pick<MembershipPipeline, 'offer'>;
}

/** What stopped a run (a failure of the site, not of a row); the rows it left are resumed later. */
export interface Stop {
  error: unknown;
}

const hasMemberships = (row: ImportRowRecord) =>
  (row.plan.enrolments?.length ?? 0) + (row.plan.cohorts?.length ?? 0) > 0;

/** The state of a row whose account now exists. */
function accountDone(row: ImportRowRecord, moodleId: number): ImportRowUpdate {
  const state = hasMemberships(row) ? 'account_done' : row.action === 'update' ? 'updated' : 'created';
  return { row: row.row, state, moodleId };
}

/** Rows left `sending` by a stop or a crash: created (found under their username and email) or not sent. */
export async function reconcileSending(deps: AccountsDeps, tracker: ImportTracker): Promise<void> {
  const sending = tracker.rowsIn('sending');
  if (sending.length === 0) return;
  const updates: ImportRowUpdate[] = sending
    .filter((r) => r.action === 'update')
    .map((r) => ({ row: r.row, state: 'pending' }));
  const creates = sending.filter((r) => r.action === 'create');
  const found = await lookUpAccounts(deps.gateway, {
    usernames: creates.map((r) => r.username),
    emails: [],
    idnumbers: [],
  });
  for (const row of creates) {
    const user = found.byUsername.get(row.username);
    const email = row.plan.user?.email?.toLowerCase();
    if (user && (user.email === '' || user.email.toLowerCase() === email)) updates.push(accountDone(row, user.id));
    else updates.push({ row: row.row, state: 'pending' });
  }
  await tracker.update(updates);
}

/** Accounts made since the preview with a row's username or email: the row fails before anything is sent. */
async function failNewClashes(
  deps: AccountsDeps,
  tracker: ImportTracker,
  rows: ImportRowRecord[],
): Promise<ImportRowRecord[]> {
  const index = await lookUpAccounts(deps.gateway, {
    usernames: rows.map((r) => r.username),
    emails: rows.map((r) => r.plan.user?.email ?? ''),
    idnumbers: [],
  });
  const clear: ImportRowRecord[] = [];
  const failed: ImportRowUpdate[] = [];
  for (const row of rows) {
    const user =
      index.byUsername.get(row.username) ?? index.byEmail.get(row.plan.user?.email?.toLowerCase() ?? '')?.[0];
    if (!user) clear.push(row);
    else {
      const message = `Moodle account ${user.username} (id ${user.id}) has this username or email since the preview; nothing was created.`;
      failed.push({ row: row.row, state: 'failed', message });
    }
  }
  await tracker.update(failed);
  return clear;
}

/**
 * PASSWORD_MODE=generate changed since the preview: a generated password would be shown to nobody, so accounts with
 * Moodle passwords are not made (the preview refuses such imports; this holds at execution too).
 */
async function refuseGeneratedPasswords(deps: AccountsDeps, tracker: ImportTracker, rows: ImportRowRecord[]) {
  if (deps.settings.passwordMode !== 'generate') return rows;
  const refused = rows.filter((r) => LOCAL_PASSWORD_AUTHS.has(r.plan.user?.auth ?? ''));
  const message = 'Not created: PASSWORD_MODE=generate would show its password to nobody; use PASSWORD_MODE=email.';
  await tracker.update(refused.map((r) => ({ row: r.row, state: 'failed', message })));
  return rows.filter((r) => !refused.includes(r));
}

/**
 * The batch helper's client: each call's rows are recorded done as soon as it answers, and handed to `onDone` (the
 * membership pipeline) once recorded.
 */
function recordingClient(
  deps: AccountsDeps,
  tracker: ImportTracker,
  byUsername: Map<string, ImportRowRecord>,
  onDone?: (rows: readonly ImportRowRecord[]) => void,
) {
  return {
    getUsersByField: deps.gateway.getUsersByField.bind(deps.gateway),
    async createUsers(users: CreateUserInput[]): Promise<CreatedUser[]> {
      const created = await deps.gateway.createUsers(users);
      const ids = new Map(created.map((c) => [c.username, c.id]));
      const rows = users.flatMap((u) => {
        const row = byUsername.get(u.username);
        return row && ids.has(u.username) ? [row] : [];
      });
      await tracker.update(rows.map((r) => accountDone(r, ids.get(r.username) as number)));
      onDone?.(rows);
      return created;
    },
  };
}

/**
 * New accounts, ROWS_PER_PART rows at a time: each part is checked for new clashes, marked `sending` and created
 * before the next, so that what a part needs (its look-ups, inputs, batches) is dropped before the next is made
 * (docs/PERFORMANCE.md (f), "Memory"). A stop leaves the later parts `pending`, resumed as any other row.
 */
export async function runCreates(deps: AccountsDeps, tracker: ImportTracker): Promise<Stop | undefined> {
  const pending = tracker.rowsIn('pending').filter((r) => r.action === 'create' && r.plan.user);
  for (let i = 0; i < pending.length; i += ROWS_PER_PART) {
    const stop = await createPart(deps, tracker, pending.slice(i, i + ROWS_PER_PART));
    if (stop) return stop;
  }
  return undefined;
}

async function createPart(
  deps: AccountsDeps,
  tracker: ImportTracker,
  pending: ImportRowRecord[],
): Promise<Stop | undefined> {
  const rows = await failNewClashes(deps, tracker, await refuseGeneratedPasswords(deps, tracker, pending));
  // Every row of the part is `sending` on disk before its first call (one write, not one a call): a crash from
  // here on has them looked up, and those not found are sent again.
  await tracker.update(rows.map((r) => ({ row: r.row, state: 'sending' })));
  const inputs = rows.map((r) => createInputFor(r.plan.user as UserProfileFields, deps.settings.passwordMode).input);
  const byUsername = new Map(rows.map((r) => [r.username, r]));
  const withCreatePassword = inputs.some((i) => i.createpassword === true);
  // Plain creates keep Moodle's CPU busy: their memberships wait for the last create, as sending them alongside
  // would only share the same cores (docs/PERFORMANCE.md (f)).
  const onDone = withCreatePassword ? deps.pipeline?.offer.bind(deps.pipeline) : undefined;
  const result = await deps.createInBatches(recordingClient(deps, tracker, byUsername, onDone), inputs, {
    maxUsersPerBatch: createBatchSize(inputs.length, withCreatePassword, deps.tuning),
    maxFieldsPerBatch: deps.tuning.maxFieldsPerCall,
    concurrency: withCreatePassword ? deps.tuning.mailConcurrency : deps.tuning.concurrency,
  });
  // Rows still `sending` were made by a call whose answer was lost and found by the batch helper's look-up; the
  // others were recorded as their call answered (and may have moved on since, in the pipeline).
  const updates: ImportRowUpdate[] = result.created.flatMap((c) => {
    const row = rows[c.index];
    return row?.state === 'sending' ? [accountDone(row, c.id)] : [];
  });
  for (const f of result.failed) {
    const row = rows[f.index];
    if (!row) continue;
    if (result.stopped && f.error === result.stopped) {
      // Not refused for its data: resumed later (still `sending`, so looked up first).
    } else updates.push({ row: row.row, state: 'failed', message: f.error.hint });
  }
  await tracker.update(updates);
  return result.stopped ? { error: result.stopped } : undefined;
}

export async function runUpdates(deps: AccountsDeps, tracker: ImportTracker): Promise<Stop | undefined> {
  const rows = tracker.rowsIn('pending').filter((r) => r.action === 'update' && r.moodleId !== undefined);
  if (rows.length === 0) return undefined;
  const input = (row: ImportRowRecord): UpdateUserInput => {
    const changed: Record<string, string> = {};
    for (const c of row.plan.changes ?? []) changed[c.field] = c.after;
    return { id: row.moodleId as number, ...changed };
  };
  const result = await sendWithBisection(
    chunk(rows, deps.tuning.updatesPerCall),
    (batch) =>
      batch.some((r) => (r.plan.changes?.length ?? 0) > 0)
        ? deps.gateway.updateUsers(batch.filter((r) => (r.plan.changes?.length ?? 0) > 0).map(input))
        : Promise.resolve(),
    {
      concurrency: deps.tuning.concurrency,
      onSettled: (ok, failed: Array<{ item: ImportRowRecord; error: ItemError }>) =>
        tracker.update([
          ...ok.map((r) => accountDone(r, r.moodleId as number)),
          ...failed.map(({ item, error }) => ({ row: item.row, state: 'failed' as const, message: error.hint })),
        ]),
    },
  );
  return result.stopped === undefined ? undefined : { error: result.stopped };
}
