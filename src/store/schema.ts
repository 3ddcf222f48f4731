// The tables of the store as the typed query layer (Kysely) sees them, shared by both dialects. Column types are
// what a query may pass and what a row may hold in either database: times are ISO-8601 text in SQLite and
// timestamptz in PostgreSQL (returned as Date), JSON is text in SQLite and jsonb in PostgreSQL (returned parsed).
import type { ColumnType, Generated } from 'kysely';

/** Written as ISO-8601 text (PostgreSQL casts it), read as text (SQLite) or a Date (PostgreSQL). */
export type TimeColumn = ColumnType<string | Date, string, string>;
export type NullableTimeColumn = ColumnType<string | Date | null, string | null, string | null>;
/** Written as JSON text, read as text (SQLite) or the parsed value (PostgreSQL jsonb). */
export type JsonColumn = ColumnType<unknown, string, string>;
export type NullableJsonColumn = ColumnType<unknown, string | null, string | null>;

export interface RequestsTable {
  id: string;
  operation: string;
  status: string;
  version: number;
  requester_id: string;
  requester_team_id: string | null;
  requester_channel_id: string | null;
  target_moodle_id: number | null;
  target_username: string | null;
  target_email: string | null;
  target_key: string | null;
  payload: JsonColumn;
  preflight: NullableJsonColumn;
  reason: string | null;
  created_at: TimeColumn;
  updated_at: TimeColumn;
  decided_at: NullableTimeColumn;
  decided_by: string | null;
  decision_comment: string | null;
  corrections: NullableJsonColumn;
  executed_at: NullableTimeColumn;
  result: NullableJsonColumn;
  approval_channel: string | null;
  approval_ts: string | null;
  notification_ts: string | null;
  attempts: number;
  /** The approvals of a quorum so far (APPROVALS_REQUIRED), as JSON; NULL for none. */
  approvals: NullableJsonColumn;
  /** When the approvers were last reminded of this pending request (REMIND_AFTER_HOURS). */
  reminded_at: NullableTimeColumn;
  /** Different approvers the request needs, fixed when it is asked for. */
  approvals_needed: ColumnType<number, number | undefined, number>;
  /** The process (lease holder id) that started the current execution; see Store.findInterrupted. */
  executing_holder: string | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: TimeColumn;
  actor: string;
  kind: string;
  request_id: string | null;
  operation: string | null;
  target_moodle_id: number | null;
  target_username: string | null;
  target_email: string | null;
  outcome: string | null;
  moodle_id: number | null;
  detail: string | null;
}

export interface LeasesTable {
  name: string;
  holder: string;
  /** Set from the database's own clock, so that the replicas' clocks need not agree. */
  expires_at: TimeColumn;
  acquired_at: TimeColumn;
}

/** An account's end date and its reminder (src/core/scheduled-actions.ts); times from the app's clock. */
export interface ScheduledActionsTable {
  id: string;
  kind: string;
  moodle_id: number;
  username: string;
  end_at: TimeColumn;
  due_at: TimeColumn;
  request_id: string;
  requester_id: string;
  state: string;
  attempts: ColumnType<number, number | undefined, number>;
  next_try_at: TimeColumn;
  lease_holder: string | null;
  lease_until: NullableTimeColumn;
  last_error: string | null;
  result_request_id: string | null;
  created_at: TimeColumn;
  updated_at: TimeColumn;
}

/** One row of a bulk import (operation `import`), tracked on its own so that a restart resumes where it stopped. */
export interface ImportRowsTable {
  /** `<request id>/<row number, zero-padded>`: one key that orders the rows of a request (and the copy's pages). */
  id: string;
  request_id: string;
  row_number: number;
  state: string;
  action: string;
  username: string;
  moodle_id: number | null;
  message: string | null;
  /** What the row does (user record, changes, enrolments, cohorts), as JSON. */
  plan: JsonColumn;
  updated_at: TimeColumn;
}

/**
 * Signed Slack requests already taken, by the SHA-256 of their signature (never the signature), until their timestamp
 * leaves Slack's window: a replay sent to another replica finds its row (src/store/seen-signatures.ts).
 */
export interface SeenSignaturesTable {
  hash: string;
  expires_at: TimeColumn;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: TimeColumn;
}

export interface Database {
  requests: RequestsTable;
  audit_events: AuditEventsTable;
  leases: LeasesTable;
  scheduled_actions: ScheduledActionsTable;
  import_rows: ImportRowsTable;
  seen_signatures: SeenSignaturesTable;
  schema_migrations: SchemaMigrationsTable;
}
