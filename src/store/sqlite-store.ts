// The SQLite implementation of the Store port, on better-sqlite3. Every status change is one IMMEDIATE
// transaction: a compare-and-set UPDATE on id + status + version, plus its audit events, so a change and its
// record in the audit log cannot come apart, and two app instances on the same file cannot both win.
// Free text is passed through the secret scrubber before it is written, and the payload schemas drop any key
// they do not know (a password, say), so the database never holds a secret.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { z } from 'zod';
import {
  AUDIT_KINDS,
  type AuditEvent,
  type NewAuditEvent,
  type RequestAuditDraft,
  truncateDetail,
} from '../core/audit.js';
import {
  canTransition,
  type FieldChange,
  fieldChangeSchema,
  generateRequestId,
  type MessageLocation,
  type NewRequest,
  preflightSummarySchema,
  REQUEST_OPERATIONS,
  REQUEST_STATUSES,
  type RequestPatch,
  type RequestRecord,
  type RequestStatus,
  type RequestTarget,
  requestPayloadSchema,
  requestResultSchema,
  requestTargetSchema,
} from '../core/requests.js';
import type {
  AuditQuery,
  CreatesInFlightMatch,
  ListRequestsQuery,
  Store,
  TransitionChange,
  TransitionResult,
} from '../core/store.js';
import type { Logger } from '../logger.js';
import type { DatabaseLocation } from './database-url.js';
import { StoreError } from './errors.js';
import { runMigrations } from './migrations.js';
import { createWalFlusher, type WalFlusher, type WalFlusherOptions } from './wal-flush.js';

export interface TextScrubber {
  scrub(text: string): string;
}

export interface SqliteStoreOptions {
  logger?: Logger;
  /** Replaces known secret values in every text written (pass the logger's SecretScrubber). */
  scrubber?: TextScrubber;
  /** Refuse to create a new file (the audit export must not invent an empty database). */
  fileMustExist?: boolean;
  /** How long a write waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
  /** Tests inject colliding ids. */
  generateId?: () => string;
  /** Tests observe or fail the flush of the write-ahead log (see wal-flush.ts). */
  walSync?: WalFlusherOptions['sync'];
}

type Db = BetterSqlite3.Database;

const nullableText = z.string().nullable();
const nullableInt = z.number().int().nullable();

const requestRowSchema = z.object({
  id: z.string(),
  operation: z.enum(REQUEST_OPERATIONS),
  status: z.enum(REQUEST_STATUSES),
  version: z.number().int(),
  requester_id: z.string(),
  requester_team_id: nullableText,
  requester_channel_id: nullableText,
  target_moodle_id: nullableInt,
  target_username: nullableText,
  target_email: nullableText,
  payload: z.string(),
  preflight: nullableText,
  reason: nullableText,
  created_at: z.string(),
  updated_at: z.string(),
  decided_at: nullableText,
  decided_by: nullableText,
  decision_comment: nullableText,
  corrections: nullableText,
  executed_at: nullableText,
  result: nullableText,
  approval_channel: nullableText,
  approval_ts: nullableText,
  notification_ts: nullableText,
  attempts: z.number().int(),
});

const auditRowSchema = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  kind: z.enum(AUDIT_KINDS),
  request_id: nullableText,
  operation: z.enum(REQUEST_OPERATIONS).nullable(),
  target_moodle_id: nullableInt,
  target_username: nullableText,
  target_email: nullableText,
  outcome: nullableText,
  moodle_id: nullableInt,
  detail: nullableText,
});

const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not JSON' });
    return z.NEVER;
  }
});

// One pipe per column schema, built once: every row read parses four JSON columns, and building a zod schema costs
// more than parsing a small value with it.
const jsonPipes = new WeakMap<z.ZodType, z.ZodType>();

function parseJsonColumn<T extends z.ZodType>(schema: T, text: string | null): z.output<T> | undefined {
  if (text === null) return undefined;
  let pipe = jsonPipes.get(schema);
  if (!pipe) {
    pipe = jsonText.pipe(schema);
    jsonPipes.set(schema, pipe);
  }
  return pipe.parse(text) as z.output<T>;
}

const fieldChangesSchema = z.array(fieldChangeSchema);

const createInFlightRowSchema = z.object({
  id: z.string(),
  status: z.enum(['pending', 'approved', 'executing']),
  requester_id: z.string(),
  username: z.string(),
  email: z.string(),
});

// These must repeat, word for word, the expressions and the WHERE clause of the partial indexes of migration 2
// (requests_create_in_flight_username, requests_create_in_flight_email): SQLite uses an index on an expression
// only for the same expression, and a partial index only when the query's WHERE contains the index's. The queries
// name their index (INDEXED BY): without statistics, for a list of usernames (a derived username's 50 candidates)
// the planner prefers requests_status_created, which reads every waiting request; and should an index stop
// matching, SQLite then fails the query instead of silently scanning.
const CREATES_IN_FLIGHT_WHERE = "operation = 'create' AND status IN ('pending', 'approved', 'executing')";
const CREATE_USERNAME = "json_extract(payload, '$.user.username')";
const CREATE_EMAIL_LOWER = "lower(json_extract(payload, '$.user.email'))";

/**
 * Creates in flight with one of `usernames` usernames or one of `emails` emails (lower() on both sides: the
 * same ASCII-only folding whatever the case of either). One SELECT per index joined by UNION, because SQLite does
 * not combine two partial indexes for an OR. The order is the one findByStatus gives for pending, approved and
 * executing, one after the other. Exported for the query-plan test.
 */
export function createsInFlightSql(usernames: number, emails: number): string {
  const list = (n: number, one: string) => Array.from({ length: n }, () => one).join(', ');
  const columns = `id, status, requester_id, created_at, ${CREATE_USERNAME} AS username,
            json_extract(payload, '$.user.email') AS email`;
  const branches: string[] = [];
  if (usernames > 0) {
    branches.push(
      `SELECT ${columns} FROM requests INDEXED BY requests_create_in_flight_username
        WHERE ${CREATES_IN_FLIGHT_WHERE} AND ${CREATE_USERNAME} IN (${list(usernames, '?')})`,
    );
  }
  if (emails > 0) {
    branches.push(
      `SELECT ${columns} FROM requests INDEXED BY requests_create_in_flight_email
        WHERE ${CREATES_IN_FLIGHT_WHERE} AND ${CREATE_EMAIL_LOWER} IN (${list(emails, 'lower(?)')})`,
    );
  }
  return `SELECT id, status, requester_id, username, email FROM (${branches.join(' UNION ')})
      ORDER BY CASE status WHEN 'pending' THEN 0 WHEN 'approved' THEN 1 ELSE 2 END, created_at, id`;
}

const date = (iso: string | null): Date | undefined => (iso === null ? undefined : new Date(iso));
const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

function targetFromColumns(moodleId: number | null, username: string | null, email: string | null): RequestTarget {
  const target: RequestTarget = {};
  if (moodleId !== null) target.moodleId = moodleId;
  if (username !== null) target.username = username;
  if (email !== null) target.email = email;
  return target;
}

function decodeRequest(raw: unknown): RequestRecord {
  const id = (raw as { id?: unknown } | null)?.id;
  try {
    const row = requestRowSchema.parse(raw);
    const requester: RequestRecord['requester'] = { userId: row.requester_id };
    if (row.requester_team_id !== null) requester.teamId = row.requester_team_id;
    if (row.requester_channel_id !== null) requester.channelId = row.requester_channel_id;
    return {
      id: row.id,
      operation: row.operation,
      status: row.status,
      version: row.version,
      requester,
      target: targetFromColumns(row.target_moodle_id, row.target_username, row.target_email),
      payload: parseJsonColumn(requestPayloadSchema, row.payload)!,
      preflight: parseJsonColumn(preflightSummarySchema, row.preflight),
      reason: orUndefined(row.reason),
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
      decidedAt: date(row.decided_at),
      decidedBy: orUndefined(row.decided_by),
      decisionComment: orUndefined(row.decision_comment),
      corrections: parseJsonColumn(fieldChangesSchema, row.corrections),
      executedAt: date(row.executed_at),
      result: parseJsonColumn(requestResultSchema, row.result),
      approvalMessage:
        row.approval_channel !== null && row.approval_ts !== null
          ? { channel: row.approval_channel, ts: row.approval_ts }
          : undefined,
      notificationTs: orUndefined(row.notification_ts),
      attempts: row.attempts,
    };
  } catch (cause) {
    throw new StoreError('corrupt_row', `The stored request ${String(id)} cannot be read: ${summarise(cause)}`, {
      cause,
    });
  }
}

function decodeAudit(raw: unknown): AuditEvent {
  try {
    const row = auditRowSchema.parse(raw);
    return {
      id: row.id,
      at: new Date(row.at),
      actor: row.actor,
      kind: row.kind,
      requestId: orUndefined(row.request_id),
      operation: orUndefined(row.operation),
      target: targetFromColumns(row.target_moodle_id, row.target_username, row.target_email),
      outcome: orUndefined(row.outcome),
      moodleId: orUndefined(row.moodle_id),
      detail: orUndefined(row.detail),
    };
  } catch (cause) {
    const id = (raw as { id?: unknown } | null)?.id;
    throw new StoreError('corrupt_row', `The audit event ${String(id)} cannot be read: ${summarise(cause)}`, {
      cause,
    });
  }
}

function summarise(cause: unknown): string {
  if (cause instanceof z.ZodError) return cause.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  return cause instanceof Error ? cause.message : String(cause);
}

function isPrimaryKeyClash(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Opens (creating if allowed) and migrates a SQLite database, and returns the Store over it. */
export function openSqliteStore(location: DatabaseLocation, options: SqliteStoreOptions = {}): Store {
  const where = location.kind === 'sqlite-memory' ? '(in memory)' : `at ${resolve(location.path)}`;
  const { db, wal } = openDatabase(location, where, options);
  /** After a commit: resolves once it is on disk (a no-op in memory, or when SQLite itself flushes every commit). */
  const durable = (): Promise<void> => wal?.afterCommit() ?? Promise.resolve();
  const scrub = (text: string): string => (options.scrubber ? options.scrubber.scrub(text) : text);
  const text = (value: string | undefined): string | null => (value === undefined ? null : scrub(value));
  const json = (value: unknown): string => scrub(JSON.stringify(value));
  const generateId = options.generateId ?? generateRequestId;

  const selectRequest = db.prepare('SELECT * FROM requests WHERE id = ?');
  const insertRequest = db.prepare(`
    INSERT INTO requests (
      id, operation, status, version, requester_id, requester_team_id, requester_channel_id,
      target_moodle_id, target_username, target_email, payload, preflight, reason,
      created_at, updated_at, decided_at, decided_by, attempts
    ) VALUES (
      @id, @operation, @status, 1, @requester_id, @requester_team_id, @requester_channel_id,
      @target_moodle_id, @target_username, @target_email, @payload, @preflight, @reason,
      @created_at, @created_at, @decided_at, @decided_by, 0
    )`);
  const insertAudit = db.prepare(`
    INSERT INTO audit_events (
      at, actor, kind, request_id, operation, target_moodle_id, target_username, target_email, outcome, moodle_id, detail
    ) VALUES (
      @at, @actor, @kind, @request_id, @operation, @target_moodle_id, @target_username, @target_email, @outcome,
      @moodle_id, @detail
    )`);
  const selectAudit = db.prepare('SELECT * FROM audit_events WHERE id = ?');
  const updateApprovalMessage = db.prepare('UPDATE requests SET approval_channel = ?, approval_ts = ? WHERE id = ?');
  const updateNotificationTs = db.prepare('UPDATE requests SET notification_ts = ? WHERE id = ?');
  // Statements built at run time (an update's SET list, a query's filters) come in few shapes: each is prepared once.
  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepared = (sql: string): BetterSqlite3.Statement => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };

  const getRow = (id: string): RequestRecord | undefined => {
    const raw = selectRequest.get(id);
    return raw === undefined ? undefined : decodeRequest(raw);
  };

  const writeAudit = (event: NewAuditEvent): number => {
    const target = requestTargetSchema.parse(event.target ?? {});
    const detail = truncateDetail(event.detail);
    return Number(
      insertAudit.run({
        at: event.at.toISOString(),
        actor: scrub(event.actor),
        kind: event.kind,
        request_id: event.requestId ?? null,
        operation: event.operation ?? null,
        target_moodle_id: target.moodleId ?? null,
        target_username: text(target.username),
        target_email: text(target.email),
        outcome: text(event.outcome),
        moodle_id: event.moodleId ?? null,
        detail: text(detail),
      }).lastInsertRowid,
    );
  };

  const writeDrafts = (request: RequestRecord, at: Date, drafts: readonly RequestAuditDraft[]): void => {
    for (const draft of drafts) {
      const event: NewAuditEvent = {
        at,
        actor: draft.actor,
        kind: draft.kind,
        requestId: request.id,
        operation: request.operation,
        target: request.target,
      };
      if (draft.outcome !== undefined) event.outcome = draft.outcome;
      if (draft.moodleId !== undefined) event.moodleId = draft.moodleId;
      if (draft.detail !== undefined) event.detail = draft.detail;
      writeAudit(event);
    }
  };

  const createTx = db.transaction(
    (row: Record<string, unknown>, id: string, createdAt: Date, drafts: readonly RequestAuditDraft[]) => {
      insertRequest.run(row);
      const request = getRow(id)!;
      writeDrafts(request, createdAt, drafts);
      return request;
    },
  );

  const transitionTx = db.transaction((id: string, change: TransitionChange): TransitionResult => {
    const before = getRow(id);
    if (!before) return { ok: false, current: undefined };
    const patch: RequestPatch = change.patch ?? {};
    if (patch.payload && patch.payload.operation !== before.operation) {
      throw new StoreError(
        'invalid_transition',
        `A ${patch.payload.operation} payload cannot replace ${id}'s ${before.operation} payload.`,
      );
    }
    const { sql, params } = buildUpdate(patch, scrub);
    const info = prepared(sql).run({
      ...params,
      id,
      from: change.from,
      to: change.to,
      expected_version: change.expectedVersion,
      at: change.at.toISOString(),
    });
    // The WHERE clause is the compare-and-set: zero rows means someone else changed the request first.
    if (info.changes !== 1) return { ok: false, current: before };
    const request = getRow(id)!;
    writeDrafts(request, change.at, change.audit ?? []);
    return { ok: true, request };
  });

  const listFrom = (sql: string, ...params: unknown[]): RequestRecord[] =>
    prepared(sql)
      .all(...params)
      .map((raw) => decodeRequest(raw));

  return {
    async createRequest(input: NewRequest, audit: RequestAuditDraft[] = []) {
      const payload = requestPayloadSchema.parse(input.payload);
      const target = requestTargetSchema.parse(input.target);
      const status = input.initialStatus ?? 'pending';
      const row = {
        operation: payload.operation,
        status,
        requester_id: input.requester.userId,
        requester_team_id: input.requester.teamId ?? null,
        requester_channel_id: input.requester.channelId ?? null,
        target_moodle_id: target.moodleId ?? null,
        target_username: text(target.username),
        target_email: text(target.email),
        payload: json(payload),
        preflight: input.preflight ? json(preflightSummarySchema.parse(input.preflight)) : null,
        reason: text(input.reason),
        created_at: input.createdAt.toISOString(),
        decided_at: status === 'approved' ? input.createdAt.toISOString() : null,
        decided_by: status === 'approved' ? (input.decidedBy ?? input.requester.userId) : null,
      };
      // An id clash is rare (see generateRequestId) but must not lose the request: draw again.
      for (let attempt = 0; attempt < 10; attempt++) {
        const id = generateId();
        let request: RequestRecord;
        try {
          request = createTx.immediate({ ...row, id }, id, input.createdAt, audit);
        } catch (error) {
          if (!isPrimaryKeyClash(error)) throw error;
          continue;
        }
        await durable();
        return request;
      }
      throw new StoreError('id_exhausted', 'Could not find a free request id after 10 tries.');
    },

    async getRequest(id) {
      return getRow(id);
    },

    async transition(id, change) {
      if (!canTransition(change.from, change.to)) {
        throw new StoreError('invalid_transition', `A request cannot go from ${change.from} to ${change.to}.`);
      }
      const result = transitionTx.immediate(id, change);
      if (result.ok) await durable();
      return result;
    },

    async setApprovalMessage(id, location: MessageLocation) {
      updateApprovalMessage.run(location.channel, location.ts, id);
      await durable();
    },

    async setNotificationTs(id, ts) {
      updateNotificationTs.run(ts, id);
      await durable();
    },

    async listRequests(query: ListRequestsQuery) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.requester !== undefined) {
        where.push('requester_id = ?');
        params.push(query.requester);
      }
      if (query.statuses !== undefined) {
        if (query.statuses.length === 0) return [];
        where.push(`status IN (${query.statuses.map(() => '?').join(', ')})`);
        params.push(...query.statuses);
      }
      if (query.operation !== undefined) {
        where.push('operation = ?');
        params.push(query.operation);
      }
      if (query.moodleId !== undefined) {
        where.push('target_moodle_id = ?');
        params.push(query.moodleId);
      }
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      return listFrom(
        `SELECT * FROM requests ${clause} ORDER BY created_at DESC, id LIMIT ?`,
        ...params,
        Math.max(0, query.limit),
      );
    },

    async findExpired(olderThan) {
      return listFrom(
        "SELECT * FROM requests WHERE status = 'pending' AND created_at < ? ORDER BY created_at, id",
        olderThan.toISOString(),
      );
    },

    async findByStatus(status: RequestStatus) {
      return listFrom('SELECT * FROM requests WHERE status = ? ORDER BY created_at, id', status);
    },

    async findCreatesInFlight(match: CreatesInFlightMatch) {
      // Each distinct value once: a repeated one would only lengthen the statement.
      const usernames = [...new Set(match.usernames ?? [])];
      const emails = [...new Set(match.emails ?? [])];
      if (usernames.length === 0 && emails.length === 0) return [];
      return prepared(createsInFlightSql(usernames.length, emails.length))
        .all(...usernames, ...emails)
        .map((raw) => {
          const parsed = createInFlightRowSchema.safeParse(raw);
          if (!parsed.success) {
            const id = (raw as { id?: unknown } | null)?.id;
            throw new StoreError(
              'corrupt_row',
              `The stored request ${String(id)} cannot be read: ${summarise(parsed.error)}`,
              { cause: parsed.error },
            );
          }
          const row = parsed.data;
          return {
            id: row.id,
            status: row.status,
            requesterId: row.requester_id,
            username: row.username,
            email: row.email,
          };
        });
    },

    async appendAudit(event) {
      const id = writeAudit(event);
      const written = decodeAudit(selectAudit.get(id));
      await durable();
      return written;
    },

    async listAudit(query: AuditQuery = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.since) {
        where.push('at >= ?');
        params.push(query.since.toISOString());
      }
      if (query.until) {
        where.push('at < ?');
        params.push(query.until.toISOString());
      }
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      const limit = query.limit === undefined ? -1 : Math.max(0, query.limit);
      return db
        .prepare(`SELECT * FROM audit_events ${clause} ORDER BY id LIMIT ?`)
        .all(...params, limit)
        .map((raw) => decodeAudit(raw));
    },

    async isHealthy() {
      if (!db.open) return false;
      try {
        db.prepare('SELECT 1').get();
        return true;
      } catch {
        return false;
      }
    },

    async close() {
      await wal?.close();
      if (db.open) db.close();
    },
  };
}

function openDatabase(
  location: DatabaseLocation,
  where: string,
  options: SqliteStoreOptions,
): { db: Db; wal: WalFlusher | undefined } {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (location.kind === 'sqlite') {
    if (options.fileMustExist && !existsSync(location.path)) {
      throw new StoreError(
        'database_missing',
        `There is no database ${where}. Check DATABASE_URL (or --database), and run this from the directory the app runs in.`,
      );
    }
    try {
      mkdirSync(dirname(location.path), { recursive: true });
    } catch (cause) {
      throw new StoreError(
        'database_open_failed',
        `Cannot create the folder for the database ${where}: ${summarise(cause)}`,
        {
          cause,
        },
      );
    }
  }
  let db: Db | undefined;
  let wal: WalFlusher | undefined;
  try {
    db = new BetterSqlite3(location.kind === 'sqlite' ? location.path : ':memory:', {
      timeout: busyTimeoutMs,
      fileMustExist: options.fileMustExist ?? false,
    });
    const mode = location.kind === 'sqlite' ? db.pragma('journal_mode = WAL', { simple: true }) : 'memory';
    if (location.kind === 'sqlite' && mode !== 'wal') {
      options.logger?.warn({ journalMode: mode }, 'SQLite could not switch to WAL mode; concurrent access is slower');
    }
    // A request acknowledged to the requester must survive a power cut, not only a crash. In WAL mode the store
    // flushes the log itself after each commit, off the event loop (wal-flush.ts), and SQLite need not (NORMAL
    // still flushes around checkpoints); in any other journal mode SQLite flushes every commit (FULL).
    if (location.kind === 'sqlite' && mode === 'wal') {
      db.pragma('synchronous = NORMAL');
      wal = createWalFlusher(`${location.path}-wal`, options.walSync ? { sync: options.walSync } : {});
    } else {
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
  } catch (cause) {
    db?.close();
    throw new StoreError('database_open_failed', `Cannot open the database ${where}: ${summarise(cause)}`, { cause });
  }
  try {
    const applied = runMigrations(db, where);
    if (applied.length > 0) {
      options.logger?.info(
        { migrations: applied.map((m) => `${m.version} ${m.name}`) },
        `database ${where}: schema upgraded`,
      );
    }
  } catch (error) {
    db.close();
    throw error;
  }
  options.logger?.debug(`database ${where} open`);
  return { db, wal };
}

type Params = Record<string, string | number | null>;

/** The UPDATE for one transition: a fixed column list chosen by which patch keys are present (no user text in SQL). */
function buildUpdate(patch: RequestPatch, scrub: (text: string) => string): { sql: string; params: Params } {
  const sets = ['status = @to', 'version = version + 1', 'updated_at = @at'];
  const params: Params = {};
  const set = (column: string, value: string | number | null) => {
    sets.push(`${column} = @${column}`);
    params[column] = value;
  };
  if (patch.decidedAt) set('decided_at', patch.decidedAt.toISOString());
  if (patch.decidedBy !== undefined) set('decided_by', patch.decidedBy);
  if (patch.decisionComment !== undefined) set('decision_comment', scrub(patch.decisionComment));
  if (patch.corrections !== undefined) {
    const corrections: FieldChange[] = fieldChangesSchema.parse(patch.corrections);
    set('corrections', scrub(JSON.stringify(corrections)));
  }
  if (patch.payload !== undefined) set('payload', scrub(JSON.stringify(requestPayloadSchema.parse(patch.payload))));
  if (patch.target !== undefined) {
    const target = requestTargetSchema.parse(patch.target);
    set('target_moodle_id', target.moodleId ?? null);
    set('target_username', target.username === undefined ? null : scrub(target.username));
    set('target_email', target.email === undefined ? null : scrub(target.email));
  }
  if (patch.executedAt) set('executed_at', patch.executedAt.toISOString());
  if (patch.result !== undefined) {
    set('result', patch.result === null ? null : scrub(JSON.stringify(requestResultSchema.parse(patch.result))));
  }
  if (patch.incrementAttempts) sets.push('attempts = attempts + 1');
  return {
    sql: `UPDATE requests SET ${sets.join(', ')} WHERE id = @id AND status = @from AND version = @expected_version`,
    params,
  };
}
