// The bulk import's shapes (issue #12): a file read into rows, its preview against Moodle, the rows as stored one by
// one under the import request, and what its execution reports. No Slack, no wire format: see docs/ARCHITECTURE.md.
import { z } from 'zod';
import type { UserProfileFields } from '../moodle-gateway.js';
import type { CohortRef, EnrolmentSpec } from '../operations/memberships.js';

/** The limits of a file; the Slack side says them in its inline errors. */
export interface ImportLimits {
  /** Bytes of the file as downloaded. */
  maxBytes: number;
  /** Data rows (the header row not counted). At least 10,000. */
  maxRows: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxBytes: 5 * 1024 * 1024, maxRows: 10_000 };

/** Why a whole file is refused; `message` is one sentence for the inline error on the file field. */
export type ImportFileErrorCode =
  | 'empty'
  | 'too_large'
  | 'not_utf8'
  | 'not_csv'
  | 'no_header'
  | 'missing_columns'
  | 'unknown_columns'
  | 'password_column'
  | 'too_many_rows';

export interface ImportFileError {
  code: ImportFileErrorCode;
  message: string;
}

/** One data row as read: its number as a spreadsheet shows it (the header is row 1) and its cells by column. */
export interface ImportFileRow {
  row: number;
  /** What is wrong with the row as a row (more cells than the header has, a role without its course). */
  problems?: string[];
  /** Profile fields as typed (trimmed); absent columns and empty cells are left out. */
  fields: Partial<Record<keyof UserProfileFields, string>>;
  /** course1..N with role1..N (role '' when the column is empty or absent), in column order, empty ones left out. */
  courses: Array<{ course: string; role: string }>;
  /** cohort1..N, empty ones left out. */
  cohorts: string[];
}

export interface ImportFile {
  fileName: string;
  /** sha256 of the bytes, hex: two imports of the same file in flight are one too many. */
  sha256: string;
  /** The columns as Moodle names them, in file order. */
  columns: string[];
  rows: ImportFileRow[];
}

export type ImportFileResult = { ok: true; file: ImportFile } | { ok: false; error: ImportFileError };

/** "add new only" (default, Moodle's uutype 0) or "add new and update existing" (changed fields only). */
export type ImportMode = 'create' | 'create_or_update';

/**
 * What the preview decided for one row. `create` and `update` are carried out; the others are reported only:
 * `unchanged` (update mode, nothing differs), `invalid` (fails a rule, or names an unknown course/cohort/role),
 * `duplicate` (same username, email or ID number as an earlier row of the file), `exists` (add-new-only mode and
 * an account has the username, email or ID number).
 */
export type RowAction = 'create' | 'update' | 'unchanged' | 'invalid' | 'duplicate' | 'exists';

export interface RowChange {
  field: keyof UserProfileFields;
  /** Absent when the reader may not see it: a contact field's old value for a plain requester (docs/SECURITY.md). */
  before?: string;
  after: string;
}

/** One row as checked, and, for create/update, everything its execution needs. */
export interface PlannedRow {
  row: number;
  action: RowAction;
  username: string;
  /** The account updated (update), or the one a clash names (exists). */
  moodleId?: number;
  /** create: the record to send; update: username + the changed fields only. */
  user?: UserProfileFields;
  changes?: RowChange[];
  enrolments?: EnrolmentSpec[];
  cohorts?: CohortRef[];
  /** invalid / duplicate / exists / unchanged: why, in plain words (every problem of the row, joined). */
  message?: string;
}

export interface ImportCounts {
  create: number;
  update: number;
  unchanged: number;
  invalid: number;
  duplicate: number;
  exists: number;
}

/** A preview: the person sees `counts` and `problems`, can download `checkCsv`, then submits it for approval. */
export interface ImportPreview {
  fileName: string;
  sha256: string;
  mode: ImportMode;
  counts: ImportCounts;
  /** Every row, in file order. */
  rows: PlannedRow[];
  /** The first problem rows (invalid, duplicate, exists), in file order, at most PREVIEW_PROBLEMS. */
  problems: Array<{ row: number; username: string; action: RowAction; message: string }>;
  /** The courses and cohorts the rows name, resolved (for the preview, the card and the audit). */
  courses: Array<{ id: number; shortname: string; enrolments: number }>;
  cohorts: Array<{ id: number; name: string; members: number }>;
  /** False when Moodle could not be asked (then nothing may be submitted); notes say why. */
  checked: boolean;
  notes: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Rows as stored, one by one, under the import request (table import_rows)

/**
 * pending: not sent yet; sending: in a create/update call whose answer is not recorded (after a crash it is looked
 * up by username, never resent blindly); account_done: the account exists (moodle id known), courses and cohorts
 * still to add; then one of the final states. `skipped`: not carried out (the preview's invalid, duplicate,
 * exists, unchanged rows).
 */
export const IMPORT_ROW_STATES = [
  'pending',
  'sending',
  'account_done',
  'created',
  'updated',
  'partial',
  'failed',
  'skipped',
] as const;
export type ImportRowState = (typeof IMPORT_ROW_STATES)[number];

export const FINAL_ROW_STATES: ReadonlySet<ImportRowState> = new Set([
  'created',
  'updated',
  'partial',
  'failed',
  'skipped',
]);

/** What a row carries from the preview to its execution (stored as JSON beside the row). */
export const rowPlanSchema = z.object({
  action: z.enum(['create', 'update', 'unchanged', 'invalid', 'duplicate', 'exists']),
  user: z.record(z.string(), z.string()).exactOptional(),
  changes: z
    .array(z.object({ field: z.string(), before: z.string().exactOptional(), after: z.string() }))
    .exactOptional(),
  enrolments: z.array(z.unknown()).exactOptional(),
  cohorts: z.array(z.unknown()).exactOptional(),
});

export interface ImportRowRecord {
  requestId: string;
  row: number;
  state: ImportRowState;
  /** create or update for rows carried out; the preview's verdict for skipped rows. */
  action: RowAction;
  username: string;
  moodleId: number | undefined;
  /** Plain words: why it failed, was skipped, or what is missing. */
  message: string | undefined;
  /** The PlannedRow without row/action/username/moodleId/message (user, changes, enrolments, cohorts). */
  plan: Pick<PlannedRow, 'user' | 'changes' | 'enrolments' | 'cohorts'>;
}

export interface ImportRowUpdate {
  row: number;
  state: ImportRowState;
  moodleId?: number;
  message?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Execution: progress and result

export type ImportPhase = 'accounts' | 'enrolments' | 'cohorts' | 'done';

/** "412 of 1,000 created": the Slack side words it; sent at most every IMPORT_PROGRESS_INTERVAL_MS. */
export interface ImportProgress {
  phase: ImportPhase;
  /** Rows carried out (create + update) in total, and how many of them have their account done so far. */
  total: number;
  done: number;
  created: number;
  updated: number;
  failed: number;
  /** In the enrolments and cohorts phases: how many of them were sent so far. */
  memberships?: number;
}

export interface ImportTotals {
  rows: number;
  created: number;
  updated: number;
  /** Account made or updated, but some of its courses or cohorts are missing. */
  partial: number;
  failed: number;
  skipped: number;
  /** Not finished yet (pending, sending, account_done): non-zero only for an import that stopped. */
  unfinished: number;
}

/** The outcome of an import: totals, and the result CSV (row, username, Moodle id, status, message). */
export interface ImportResult {
  requestId: string;
  fileName: string;
  totals: ImportTotals;
  /** UTF-8 text with a header row; the Slack side uploads it as `<file>-result.csv`. Written when first read. */
  readonly csv: string;
}
