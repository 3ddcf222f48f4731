// Versioned schema migrations for the SQLite store (PostgreSQL has its own, pg-migrations.ts), applied in order at
// start-up. Each entry is applied once, in its own transaction, and recorded in schema_migrations. Never edit an
// entry that has shipped: add one.
import type { Database } from 'better-sqlite3';
import { StoreError } from './errors.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'requests and audit events',
    sql: `
      CREATE TABLE requests (
        id TEXT PRIMARY KEY,
        operation TEXT NOT NULL CHECK (operation IN ('create', 'update', 'suspend', 'unsuspend', 'delete')),
        status TEXT NOT NULL CHECK (status IN
          ('pending', 'approved', 'executing', 'succeeded', 'failed', 'rejected', 'cancelled', 'expired')),
        version INTEGER NOT NULL,
        requester_id TEXT NOT NULL,
        requester_team_id TEXT,
        requester_channel_id TEXT,
        target_moodle_id INTEGER,
        target_username TEXT,
        target_email TEXT,
        payload TEXT NOT NULL,
        preflight TEXT,
        reason TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        decided_at TEXT,
        decided_by TEXT,
        decision_comment TEXT,
        corrections TEXT,
        executed_at TEXT,
        result TEXT,
        approval_channel TEXT,
        approval_ts TEXT,
        notification_ts TEXT,
        attempts INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX requests_status_created ON requests (status, created_at);
      CREATE INDEX requests_requester_created ON requests (requester_id, created_at);

      -- No foreign key to requests: the audit trail must outlive any clean-up of old requests.
      CREATE TABLE audit_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        request_id TEXT,
        operation TEXT,
        target_moodle_id INTEGER,
        target_username TEXT,
        target_email TEXT,
        outcome TEXT,
        moodle_id INTEGER,
        detail TEXT
      ) STRICT;
      CREATE INDEX audit_events_at ON audit_events (at);
      CREATE INDEX audit_events_request ON audit_events (request_id);
    `,
  },
  {
    version: 2,
    name: 'index creates in flight by username and email',
    // Every new create asks "is a create for this username or email already waiting?". These partial indexes hold
    // only waiting creates, keyed on the payload's username and lower-cased email: the payload is what an
    // approver's correction rewrites and what is executed, so it is the current value. CREATE INDEX indexes the
    // rows already there. The queries must repeat these expressions and this WHERE clause word for word
    // (the store's in-flight query at the time), or SQLite will not use the indexes.
    sql: `
      CREATE INDEX requests_create_in_flight_username ON requests (json_extract(payload, '$.user.username'))
        WHERE operation = 'create' AND status IN ('pending', 'approved', 'executing');
      CREATE INDEX requests_create_in_flight_email ON requests (lower(json_extract(payload, '$.user.email')))
        WHERE operation = 'create' AND status IN ('pending', 'approved', 'executing');
    `,
  },
  {
    version: 3,
    name: 'operations from the registry: no fixed operation list, a generic target key, in-flight indexes on the target',
    // SQLite cannot drop a CHECK constraint, so the table is rebuilt. The in-flight indexes move from the create
    // payload's JSON to the target columns every operation fills; the queries repeat their WHERE word for word
    // (in-flight-query.ts). Existing rows get the keys their operations give (operations/*.ts targetKey).
    sql: `
      CREATE TABLE requests_v3 (
        id TEXT PRIMARY KEY,
        operation TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN
          ('pending', 'approved', 'executing', 'succeeded', 'failed', 'rejected', 'cancelled', 'expired')),
        version INTEGER NOT NULL,
        requester_id TEXT NOT NULL,
        requester_team_id TEXT,
        requester_channel_id TEXT,
        target_moodle_id INTEGER,
        target_username TEXT,
        target_email TEXT,
        target_key TEXT,
        payload TEXT NOT NULL,
        preflight TEXT,
        reason TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        decided_at TEXT,
        decided_by TEXT,
        decision_comment TEXT,
        corrections TEXT,
        executed_at TEXT,
        result TEXT,
        approval_channel TEXT,
        approval_ts TEXT,
        notification_ts TEXT,
        attempts INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      INSERT INTO requests_v3 (
        id, operation, status, version, requester_id, requester_team_id, requester_channel_id, target_moodle_id,
        target_username, target_email, target_key, payload, preflight, reason, created_at, updated_at, decided_at,
        decided_by, decision_comment, corrections, executed_at, result, approval_channel, approval_ts,
        notification_ts, attempts
      )
      SELECT
        id, operation, status, version, requester_id, requester_team_id, requester_channel_id, target_moodle_id,
        target_username, target_email,
        CASE operation WHEN 'create' THEN 'username:' || coalesce(target_username, '')
          ELSE 'user:' || coalesce(target_moodle_id, target_username, '') END,
        payload, preflight, reason, created_at, updated_at, decided_at,
        decided_by, decision_comment, corrections, executed_at, result, approval_channel, approval_ts,
        notification_ts, attempts
      FROM requests;
      DROP TABLE requests;
      ALTER TABLE requests_v3 RENAME TO requests;
      CREATE INDEX requests_status_created ON requests (status, created_at);
      CREATE INDEX requests_requester_created ON requests (requester_id, created_at);
      CREATE INDEX requests_in_flight_username ON requests (operation, target_username)
        WHERE status IN ('pending', 'approved', 'executing');
      CREATE INDEX requests_in_flight_email ON requests (operation, lower(target_email))
        WHERE status IN ('pending', 'approved', 'executing');
      CREATE INDEX requests_in_flight_key ON requests (operation, target_key)
        WHERE status IN ('pending', 'approved', 'executing');
    `,
  },
  {
    version: 4,
    name: 'approvals of a quorum and the last reminder',
    // Additive: the approvals given so far (JSON array of { by, at, comment? }) for APPROVALS_REQUIRED, and when
    // the approvers were last reminded of a pending request (REMIND_AFTER_HOURS), NULL for none; and how many
    // approvers the request needs, fixed when it is asked for (1 for the requests already there).
    sql: `
      ALTER TABLE requests ADD COLUMN approvals TEXT;
      ALTER TABLE requests ADD COLUMN reminded_at TEXT;
      ALTER TABLE requests ADD COLUMN approvals_needed INTEGER NOT NULL DEFAULT 1;
    `,
  },
  {
    version: 5,
    name: 'leases for background jobs and replicas; the process that started an execution',
    // executing_holder: the lease holder id of the process that moved the request to executing, so that another
    // replica can tell an execution whose process died from one still under way (Store.findInterrupted).
    sql: `
      ALTER TABLE requests ADD COLUMN executing_holder TEXT;
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        acquired_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 6,
    name: 'scheduled actions: account end dates and their reminders',
    sql: `
      CREATE TABLE scheduled_actions (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('expire', 'remind')),
        moodle_id INTEGER NOT NULL,
        username TEXT NOT NULL,
        end_at TEXT NOT NULL,
        due_at TEXT NOT NULL,
        request_id TEXT NOT NULL,
        requester_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('scheduled', 'running', 'done', 'failed', 'cancelled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at TEXT NOT NULL,
        lease_holder TEXT,
        lease_until TEXT,
        last_error TEXT,
        result_request_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX scheduled_actions_due ON scheduled_actions (state, next_try_at);
      CREATE INDEX scheduled_actions_account ON scheduled_actions (moodle_id, state);
    `,
  },
  {
    version: 7,
    name: 'the rows of bulk imports',
    // One row per file row of an import request: its state (pending → sending → account_done → created | updated |
    // partial | failed, or skipped), the account's id and a message; see src/core/import/types.ts.
    sql: `
      CREATE TABLE import_rows (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        row_number INTEGER NOT NULL,
        state TEXT NOT NULL,
        action TEXT NOT NULL,
        username TEXT NOT NULL,
        moodle_id INTEGER,
        message TEXT,
        plan TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX import_rows_request_state ON import_rows (request_id, state);
    `,
  },
  {
    version: 8,
    name: 'signatures of the Slack requests taken, for replay refusal across replicas',
    // PostgreSQL's migration 5. A SQLite file serves one process, whose replay memory is enough: the table stays
    // empty here, and exists so that both dialects keep one schema (migrate-store, the store's types).
    sql: `
      CREATE TABLE seen_signatures (
        hash TEXT PRIMARY KEY,
        expires_at TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX seen_signatures_expires ON seen_signatures (expires_at);
    `,
  },
];

/** The database was written by a newer release; it is left untouched. */
export function schemaTooNew(where: string, found: number, latest: number, other: 'file' | 'database'): StoreError {
  return new StoreError(
    'schema_too_new',
    `The database ${where} has schema version ${found}, but this moodle-provisioner knows versions up to ${latest}. ` +
      `It was written by a newer release: run that release (or newer), or point DATABASE_URL at another ${other}. ` +
      'The database was left untouched.',
  );
}

export function migrationFailed(where: string, migration: Migration, cause: unknown): StoreError {
  return new StoreError(
    'migration_failed',
    `Could not upgrade the database ${where} to schema version ${migration.version} (${migration.name}): ${
      cause instanceof Error ? cause.message : String(cause)
    }. Nothing of this step was applied.`,
    { cause },
  );
}

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

function currentVersion(db: Database): number {
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as
    | { version: number | null }
    | undefined;
  return row?.version ?? 0;
}

/**
 * Brings the schema up to date and returns the migrations it applied. Safe to run from two processes at
 * once: each step re-reads the version inside an IMMEDIATE transaction, so a step is applied exactly once.
 */
export function runMigrations(db: Database, where: string, migrations: readonly Migration[] = MIGRATIONS): Migration[] {
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const found = currentVersion(db);
  if (found > latest) throw schemaTooNew(where, found, latest, 'file');
  const applied: Migration[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const step = db.transaction(() => {
      if (currentVersion(db) >= migration.version) return false;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
      return true;
    });
    try {
      if (step.immediate()) applied.push(migration);
    } catch (cause) {
      throw migrationFailed(where, migration, cause);
    }
  }
  return applied;
}
