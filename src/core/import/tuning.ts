// How an import is cut into Moodle calls, and why: docs/PERFORMANCE.md "Imports" (figures from
// docs/moodle/bulk-timings.md). Every number here is a default the bench can override.

export interface ImportTuning {
  /** Calls in flight at once: 4 streams were 1.7–2.6× faster than 1 on a 2-core site; more only queue in PHP. */
  concurrency: number;
  /**
   * Create calls with createpassword=1 in flight at once: most of such a call is Moodle waiting for its mail server
   * (about 46 of its 57 ms a user), not its CPU, and 4 streams of them were 3.4× faster than 1 on the measured site.
   */
  mailConcurrency: number;
  /** Form variables per call: PHP's max_input_vars is 5,000 on a Moodle site; 10% is left for the rest. */
  maxFieldsPerCall: number;
  /** A call should end well inside MOODLE_TIMEOUT_MS, or its answer is lost and must be looked up. */
  callBudgetMs: number;
  /** What Moodle spends per new user: about 11 ms with a password or none, 57 ms with createpassword=1. */
  createMsPerUser: { plain: number; createpassword: number };
  /** Enrolments per call (3–5 variables each; about 6 ms each in Moodle). */
  enrolmentsPerCall: number;
  /** Cohort memberships per call (4 variables each). */
  cohortMembersPerCall: number;
  /** Accounts per update call (1 variable for the id and one per changed field). */
  updatesPerCall: number;
  /** Progress at most this often (on the injected clock). */
  progressIntervalMs: number;
}

/**
 * Rows carried out at a time (accounts, then courses and cohorts): what one part needs is dropped before the next
 * is made, so a large file never holds its inputs, batches and calls for every row at once. 1,000 rows keep the
 * four slots busy (4 create calls of 250, 2 enrolment calls of 500) and make one part of a 1,000-row file.
 */
export const ROWS_PER_PART = 1_000;

export const DEFAULT_IMPORT_TUNING: ImportTuning = {
  concurrency: 4,
  mailConcurrency: 8,
  maxFieldsPerCall: 4_500,
  callBudgetMs: 5_000,
  createMsPerUser: { plain: 11, createpassword: 57 },
  enrolmentsPerCall: 500,
  cohortMembersPerCall: 1_000,
  updatesPerCall: 200,
  progressIntervalMs: 3_000,
};

/**
 * Users per create call: no more users than a call can finish in its time budget, spread evenly over the rounds of
 * calls that the slots need (a last round half empty would leave slots idle), and never under 25 (each call costs
 * Moodle about 100 ms whatever it carries). The batch helper also keeps each call under maxFieldsPerCall.
 */
export function createBatchSize(users: number, withCreatePassword: boolean, tuning: ImportTuning): number {
  const perUser = withCreatePassword ? tuning.createMsPerUser.createpassword : tuning.createMsPerUser.plain;
  const slots = withCreatePassword ? tuning.mailConcurrency : tuning.concurrency;
  const byTime = Math.max(1, Math.floor(tuning.callBudgetMs / perUser));
  const rounds = Math.ceil(Math.ceil(users / byTime) / slots);
  const even = Math.ceil(users / (rounds * slots));
  return Math.max(1, Math.min(byTime, Math.max(25, even)));
}
