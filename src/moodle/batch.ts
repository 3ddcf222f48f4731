// Creating many users: batches sized under PHP's max_input_vars, and, because core_user_create_users is
// all-or-nothing, isolation of the bad users of a failed batch by binary search, so that N users with k bad ones
// end with N−k created in at most k·(⌈log2 batch⌉+1) extra round trips. A batch whose outcome is unknown
// (transport failure after sending) is reconciled by looking its usernames up, never blindly resent.
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { CreatedUser, CreateUserInput, MoodleGateway, MoodleUser } from '../core/moodle-gateway.js';
import { duplicateInRunError, isDataError, planBatches, usernameTakenError } from './batch-plan.js';
import { asMoodleError, type MoodleError } from './errors.js';

export interface CreateUsersInBatchesOptions {
  /** Form fields per call, including wstoken, wsfunction and moodlewsrestformat (default 900; PHP's default limit is 1000). */
  maxFieldsPerBatch?: number;
  /** Users per call (default 50). */
  maxUsersPerBatch?: number;
  /** Batches in flight at once (default 1). */
  concurrency?: number;
  /**
   * How many times the missing users of a batch whose outcome was unknown are resent, each after a look-up
   * (default 2). The last unknown outcome is still looked up, so that users it did create are reported created.
   */
  maxReconciliations?: number;
  /**
   * Whether the site allows several accounts with one email address (Moodle's allowaccountssameemail; default
   * false). When false, a user whose email an earlier user of the same run has is refused before anything is sent:
   * Moodle would refuse it after the first, but two calls at once cannot see each other's uncommitted users and
   * would both create theirs.
   */
  allowSameEmail?: boolean;
  logger?: Logger;
}

export interface BatchCreateResult {
  created: Array<{ index: number; id: number; username: string }>;
  failed: Array<{ index: number; username: string; error: MoodleError }>;
  /** Every call to Moodle, creates and look-ups. */
  roundTrips: number;
  /** How many batches the users were split into before any failure. */
  batches: number;
  /**
   * The error that stopped the run (transport, authentication, an outcome left unknown): the users failed with it
   * were not all tried, unlike those failed for their own data.
   */
  stopped?: MoodleError;
}

type BatchClient = Pick<MoodleGateway, 'createUsers' | 'getUsersByField'>;

interface Entry {
  index: number;
  user: CreateUserInput;
}

type Outcome =
  | { kind: 'ok' }
  /** After reconciliation every user is resolved, some as failures (their usernames already existed). */
  | { kind: 'mixed' }
  | { kind: 'data'; error: MoodleError }
  | { kind: 'fatal'; error: MoodleError };

export async function createUsersInBatches(
  client: BatchClient,
  users: readonly CreateUserInput[],
  options: CreateUsersInBatchesOptions = {},
): Promise<BatchCreateResult> {
  const run = new BatchRun(client, options);
  const plan = run.plan(users);
  // Every batch's first call is queued at once, in order; the limiter runs `concurrency` of them at a time.
  await Promise.all(plan.map((entries) => run.runBatch(entries)));
  return run.result(users.length, plan.length);
}

/** One run of the helper: what is resolved so far, the one limiter for every call, and the stop on a fatal error. */
class BatchRun {
  private readonly maxFields: number;
  private readonly maxUsers: number;
  private readonly concurrency: number;
  private readonly maxReconciliations: number;
  private readonly log: Logger | undefined;
  private readonly created = new Map<number, { index: number; id: number; username: string }>();
  private readonly failed = new Map<number, { index: number; username: string; error: MoodleError }>();
  private roundTrips = 0;
  private stopError: MoodleError | undefined;
  /**
   * Every call to Moodle goes through one limiter (first tries, bisection and look-ups alike), so that at most
   * `concurrency` are in flight and a slot freed by one batch serves whichever call waits first.
   */
  private readonly limit: ReturnType<typeof pLimit>;

  constructor(
    private readonly client: BatchClient,
    private readonly options: CreateUsersInBatchesOptions,
  ) {
    this.maxFields = options.maxFieldsPerBatch ?? 900;
    this.maxUsers = options.maxUsersPerBatch ?? 50;
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.maxReconciliations = options.maxReconciliations ?? 2;
    // Stryker disable next-line ObjectLiteral,StringLiteral: log wording
    this.log = options.logger?.child({ component: 'moodle-batch' });
    this.limit = pLimit(this.concurrency);
  }

  private isResolved(e: Entry): boolean {
    return this.created.has(e.index) || this.failed.has(e.index);
  }

  private unresolved(entries: readonly Entry[]): Entry[] {
    return entries.filter((e) => !this.isResolved(e));
  }

  /** A user resolved already keeps its outcome (created, or the first reason it failed). */
  private fail(e: Entry, error: MoodleError): void {
    if (!this.isResolved(e)) this.failed.set(e.index, { index: e.index, username: e.user.username, error });
  }

  private failAll(entries: readonly Entry[], error: MoodleError): void {
    for (const e of entries) this.fail(e, error);
  }

  private succeed(e: Entry, c: CreatedUser): void {
    this.created.set(e.index, { index: e.index, id: c.id, username: c.username });
  }

  /** Slots that would stay idle if the caller made one call now (nothing else running or waiting for them). */
  private spareSlots(): number {
    return this.concurrency - this.limit.activeCount - this.limit.pendingCount - 1;
  }

  private stopped(entries: readonly Entry[], error: MoodleError): void {
    this.failAll(entries, error);
    this.stopError ??= error;
  }

  async attempt(entries: Entry[], reconciliationsLeft = this.maxReconciliations): Promise<Outcome> {
    try {
      const result = await this.limit(async () => {
        // A fatal error (auth, transport) seen by another call while this one waited: it would fail the same way.
        if (this.stopError) return undefined;
        this.roundTrips += 1;
        try {
          return await this.client.createUsers(entries.map((e) => e.user));
        } catch (err) {
          // Noted before the slot is released, so that no call waiting for it goes out.
          const error = asMoodleError(err, { wsfunction: 'core_user_create_users', write: true });
          if (!isDataError(error) && !error.outcomeUnknown) this.stopError ??= error;
          throw error;
        }
      });
      if (result === undefined) return { kind: 'fatal', error: this.stopError as MoodleError };
      const byName = new Map(result.map((c) => [c.username, c]));
      entries.forEach((e, i) => {
        // Moodle answers in request order; match on the username anyway.
        const c = byName.get(e.user.username) ?? result[i];
        // Stryker disable next-line ConditionalExpression: equivalent, the client throws on an answer that misses a user
        if (c) this.succeed(e, c);
      });
      return { kind: 'ok' };
    } catch (err) {
      // The create's own failures were made MoodleErrors above; anything else is a fault of ours, not unknown.
      const error = asMoodleError(err);
      if (isDataError(error)) return { kind: 'data', error };
      if (!error.outcomeUnknown) return { kind: 'fatal', error };
      return this.reconcile(entries, error, reconciliationsLeft);
    }
  }

  /**
   * After a create whose outcome is unknown: find out what Moodle holds before sending anything again. The missing
   * users are resent while `resendsLeft` allows; after that the look-up still tells which were created.
   */
  async reconcile(entries: Entry[], error: MoodleError, resendsLeft: number): Promise<Outcome> {
    let found: MoodleUser[];
    try {
      found = await this.limit(async () => {
        this.roundTrips += 1;
        try {
          return await this.client.getUsersByField(
            'username',
            entries.map((e) => e.user.username),
          );
        } catch (err) {
          // Moodle cannot say what it holds: the run stops, noted before the slot is released (as in attempt()).
          this.stopError ??= error;
          throw err;
        }
      });
    } catch {
      // Cannot tell what happened: report the original unknown outcome, resend nothing.
      return { kind: 'fatal', error };
    }
    const byName = new Map(found.map((u) => [u.username, u]));
    const isOurs = (e: Entry) => {
      const u = byName.get(e.user.username);
      return u !== undefined && (u.email === '' || u.email.toLowerCase() === e.user.email.toLowerCase());
    };
    if (entries.every(isOurs)) {
      for (const e of entries) {
        const u = byName.get(e.user.username);
        // Stryker disable next-line ConditionalExpression: equivalent, every user was just found
        if (u) this.succeed(e, { id: u.id, username: u.username });
      }
      // Stryker disable next-line ObjectLiteral,StringLiteral: log wording
      this.log?.info({ users: entries.length }, 'create outcome was unknown: all users found, counted as created');
      // Not 'ok': the accounts might have existed before, so the bisection must not infer anything from them.
      return { kind: 'mixed' };
    }
    // The call is all-or-nothing, so it did not commit: accounts found under these usernames existed before.
    const missing: Entry[] = [];
    for (const e of entries) {
      const u = byName.get(e.user.username);
      if (u) this.fail(e, usernameTakenError(e.user.username, u.id));
      else missing.push(e);
    }
    if (missing.length === 0) return { kind: 'mixed' };
    // Out of resends: the outcome stays unknown for the missing users (Moodle may still be running the call).
    if (resendsLeft <= 0) return { kind: 'fatal', error };
    // Stryker disable all: log wording
    this.log?.info(
      { users: entries.length, existing: entries.length - missing.length },
      'create outcome was unknown: batch not committed, resending the missing users',
    );
    // Stryker restore all
    const resent = await this.attempt(missing, resendsLeft - 1);
    if (resent.kind === 'ok') return missing.length === entries.length ? { kind: 'ok' } : { kind: 'mixed' };
    return resent;
  }

  /**
   * `suspects` failed together with the data error `error`, so one of them at least is bad: find the bad ones,
   * creating the others. A binary search (halves that succeed are created for good; the other half of a failing
   * split is set aside, status unknown, for one call later) costs ⌈log2 n⌉+1 calls per bad user, one after the
   * other. When calls would otherwise leave slots idle (the last batches of a run), the search splits into as many
   * parts as there are slots instead and tries them at once: more calls, less waiting.
   */
  async isolate(suspects: Entry[], error: MoodleError): Promise<void> {
    let x = this.unresolved(suspects);
    let culpritError = error;
    const setAside: Entry[] = [];
    while (x.length > 1) {
      // Stryker disable next-line ConditionalExpression: equivalent, attempt() sends nothing once stopped; this spares the wait for a slot
      if (this.stopError) return this.stopped([...x, ...setAside], this.stopError);
      const spare = this.spareSlots();
      if (spare > 0) {
        await Promise.all([this.searchAtOnce(x, spare + 1), this.settle(setAside)]);
        return;
      }
      const left = x.slice(0, Math.ceil(x.length / 2));
      const right = x.slice(left.length);
      const out = await this.attempt(left);
      if (out.kind === 'ok') {
        x = right;
      } else if (out.kind === 'data') {
        setAside.push(...right);
        x = this.unresolved(left);
        culpritError = out.error;
      } else if (out.kind === 'mixed') {
        // Some culprits were found by reconciliation: the right half is no longer known to hold one.
        setAside.push(...right);
        x = [];
      } else {
        return this.stopped([...x, ...setAside], out.error);
      }
    }
    // Everything else in the set that failed with this error was created, so the error is this user's.
    const [culprit] = this.unresolved(x);
    if (culprit) this.fail(culprit, culpritError);
    await this.settle(setAside);
  }

  /** `suspects` (one bad at least) split into `ways` parts, all tried at once; each failing part is searched. */
  async searchAtOnce(suspects: Entry[], ways: number): Promise<void> {
    const size = Math.ceil(suspects.length / Math.min(ways, suspects.length));
    const parts: Entry[][] = [];
    for (let i = 0; i < suspects.length; i += size) parts.push(suspects.slice(i, i + size));
    const outcomes = await Promise.all(parts.map((part) => this.attempt(part)));
    // Stryker disable next-line ArrayDeclaration: equivalent, Promise.all takes a stray value as resolved
    const searches: Array<Promise<void>> = [];
    parts.forEach((part, i) => {
      // Stryker disable next-line OptionalChaining: equivalent, every part has an outcome
      const out = outcomes[i];
      // Stryker disable next-line OptionalChaining: equivalent, every part has an outcome
      if (out?.kind === 'fatal') this.stopped(part, out.error);
      // Stryker disable next-line OptionalChaining,ConditionalExpression: equivalent, searching resolved users is a no-op
      if (out?.kind === 'data') searches.push(this.isolate(part, out.error));
    });
    // Each part is tried for itself, so nothing is inferred: a user is only ever failed with its own part's error.
    await Promise.all(searches);
  }

  /** Users of unknown status (set aside by a search): one call for all; if it fails, search them. */
  async settle(entries: Entry[]): Promise<void> {
    const rest = this.unresolved(entries);
    if (rest.length === 0) return;
    const out = await this.attempt(rest);
    if (out.kind === 'fatal') return this.stopped(rest, out.error);
    // Stryker disable next-line ConditionalExpression: equivalent, searching resolved users is a no-op
    if (out.kind === 'data') await this.isolate(rest, out.error);
  }

  async runBatch(entries: Entry[]): Promise<void> {
    const out = await this.attempt(entries);
    // Transport and auth failures would repeat for every user: fail the rest without splitting.
    if (out.kind === 'fatal') return this.stopped(entries, out.error);
    // Stryker disable next-line ConditionalExpression: equivalent, searching resolved users is a no-op
    if (out.kind === 'data') await this.isolate(entries, out.error);
    // 'mixed': every user is resolved (found existing, or created after reconciliation).
  }

  /** The batches to send: users of one run that clash with each other are failed up front (the first keeps its
   * place), so that no two calls, whichever run at once, can race for one username or email. */
  plan(users: readonly CreateUserInput[]): Entry[][] {
    const firstWithName = new Map<string, number>();
    const firstWithEmail = new Map<string, number>();
    const eligible: number[] = [];
    users.forEach((user, index) => {
      // Stryker disable next-line MethodExpression: equivalent, upper case folds as well
      const email = user.email.toLowerCase();
      const sameName = firstWithName.get(user.username);
      // No email is no clash: it is never recorded below.
      const sameEmail = this.options.allowSameEmail ? undefined : firstWithEmail.get(email);
      if (sameName !== undefined) {
        this.fail({ index, user }, duplicateInRunError('username', user.username, sameName));
      } else if (sameEmail !== undefined) {
        this.fail({ index, user }, duplicateInRunError('email address', user.email, sameEmail));
      } else {
        eligible.push(index);
        firstWithName.set(user.username, index);
        if (email !== '') firstWithEmail.set(email, index);
      }
    });
    return planBatches(
      eligible.map((index) => users[index] as CreateUserInput),
      this.maxFields,
      this.maxUsers,
    ).map((positions) =>
      positions.map((position) => {
        const index = eligible[position] as number;
        return { index, user: users[index] as CreateUserInput };
      }),
    );
  }

  result(users: number, batches: number): BatchCreateResult {
    const result: BatchCreateResult = {
      created: [...this.created.values()].sort((a, b) => a.index - b.index),
      failed: [...this.failed.values()].sort((a, b) => a.index - b.index),
      roundTrips: this.roundTrips,
      batches,
      ...(this.stopError ? { stopped: this.stopError } : {}),
    };
    // Stryker disable all: log wording
    this.log?.info(
      {
        users,
        batches,
        created: result.created.length,
        failed: result.failed.length,
        roundTrips: this.roundTrips,
      },
      'batch create finished',
    );
    // Stryker restore all
    return result;
  }
}

export { isDataError, planBatches } from './batch-plan.js';
