// The SQLite implementation of the Store port, on better-sqlite3. Every status change is one IMMEDIATE
// transaction: a compare-and-set UPDATE on id + status + version, plus its audit events, so a change and its
// record in the audit log cannot come apart, and two app instances on the same file cannot both win.
// Free text is passed through the secret scrubber before it is written, and the payload schemas drop any key
// they do not know (a password, say), so the database never holds a secret. Payloads are stored as their
// operation's JSON; the store reads no operation's fields, only the target columns and the target key.
import { resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { z } from 'zod';
import { type NewAuditEvent, type RequestAuditDraft, truncateDetail } from '../core/audit.js';
import { requestPayloadSchema } from '../core/operations/registry.js';
import {
  canTransition,
  generateRequestId,
  IN_FLIGHT_STATUSES,
  type MessageLocation,
  type NewRequest,
  preflightSummarySchema,
  type RequestPatch,
  type RequestRecord,
  type RequestStatus,
  requestTargetSchema,
} from '../core/requests.js';
import type {
  AuditQuery,
  InFlightMatch,
  ListRequestsQuery,
  Store,
  TransitionChange,
  TransitionResult,
} from '../core/store.js';
import type { Logger } from '../logger.js';
import type { DatabaseLocation } from './database-url.js';
import { StoreError } from './errors.js';
import { openDatabase } from './sqlite-open.js';
import { buildUpdate, decodeAudit, decodeRequest, summarise, targetKeyOf } from './sqlite-rows.js';
import type { WalFlusherOptions } from './wal-flush.js';

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

const inFlightRowSchema = z.object({
  id: z.string(),
  status: z.enum(IN_FLIGHT_STATUSES),
  requester_id: z.string(),
  target_username: z.string().nullable(),
  target_email: z.string().nullable(),
});

// These must repeat, word for word, the expressions and the WHERE clause of the partial indexes of migration 3
// (requests_in_flight_username, requests_in_flight_email, requests_in_flight_key): SQLite uses an index on an
// expression only for the same expression, and a partial index only when the query's WHERE contains the index's.
// The queries name their index (INDEXED BY): without statistics the planner may prefer requests_status_created,
// which reads every waiting request; and should an index stop matching, SQLite fails instead of scanning.
const IN_FLIGHT_WHERE = "status IN ('pending', 'approved', 'executing')";

/**
 * Requests of one operation in flight whose target has one of `usernames`, one of `emails` (lower() on both
 * sides: ASCII-only folding) or one of `keys`. One SELECT per index joined by UNION, because SQLite does not
 * combine partial indexes for an OR. Pending first, then approved, then executing, each oldest first. Exported for
 * the query-plan test.
 */
export function inFlightSql(usernames: number, emails: number, keys: number): string {
  const list = (n: number, one: string) => Array.from({ length: n }, () => one).join(', ');
  const columns = 'id, status, requester_id, created_at, target_username, target_email';
  const branch = (index: string, condition: string) =>
    `SELECT ${columns} FROM requests INDEXED BY ${index} WHERE ${IN_FLIGHT_WHERE} AND operation = ? AND ${condition}`;
  const branches: string[] = [];
  if (usernames > 0)
    branches.push(branch('requests_in_flight_username', `target_username IN (${list(usernames, '?')})`));
  if (emails > 0)
    branches.push(branch('requests_in_flight_email', `lower(target_email) IN (${list(emails, 'lower(?)')})`));
  if (keys > 0) branches.push(branch('requests_in_flight_key', `target_key IN (${list(keys, '?')})`));
  return `SELECT id, status, requester_id, target_username, target_email FROM (${branches.join(' UNION ')})
      ORDER BY CASE status WHEN 'pending' THEN 0 WHEN 'approved' THEN 1 ELSE 2 END, created_at, id`;
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
      target_moodle_id, target_username, target_email, target_key, payload, preflight, reason,
      created_at, updated_at, decided_at, decided_by, attempts, approvals_needed
    ) VALUES (
      @id, @operation, @status, 1, @requester_id, @requester_team_id, @requester_channel_id,
      @target_moodle_id, @target_username, @target_email, @target_key, @payload, @preflight, @reason,
      @created_at, @created_at, @decided_at, @decided_by, 0, @approvals_needed
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
  const updateRemindedAt = db.prepare(
    "UPDATE requests SET reminded_at = @at WHERE id = @id AND status = 'pending' AND coalesce(reminded_at, created_at) <= @due",
  );
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
      const { actor, kind, outcome, moodleId, detail } = draft;
      const event: NewAuditEvent = { at, actor, kind, requestId: request.id, operation: request.operation };
      event.target = request.target;
      if (outcome !== undefined) event.outcome = outcome;
      if (moodleId !== undefined) event.moodleId = moodleId;
      if (detail !== undefined) event.detail = detail;
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
    const { sql, params } = buildUpdate(before, patch, scrub);
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
        target_key: scrub(targetKeyOf(payload.operation, payload, target)),
        payload: json(payload),
        preflight: input.preflight ? json(preflightSummarySchema.parse(input.preflight)) : null,
        reason: text(input.reason),
        created_at: input.createdAt.toISOString(),
        decided_at: status === 'approved' ? input.createdAt.toISOString() : null,
        decided_by: status === 'approved' ? (input.decidedBy ?? input.requester.userId) : null,
        approvals_needed: input.approvalsNeeded ?? 1,
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

    async claimReminder(id, at, dueBefore) {
      // A conditional UPDATE: only one run (of any replica) claims each period's reminder.
      const won = updateRemindedAt.run({ id, at: at.toISOString(), due: dueBefore.toISOString() }).changes === 1;
      if (won) await durable();
      return won;
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

    async findInFlight(match: InFlightMatch) {
      // Each distinct value once: a repeated one would only lengthen the statement.
      const usernames = [...new Set(match.usernames ?? [])];
      const emails = [...new Set(match.emails ?? [])];
      const keys = [...new Set(match.targetKeys ?? [])];
      if (usernames.length + emails.length + keys.length === 0) return [];
      const branch = (values: string[]) => (values.length > 0 ? [match.operation, ...values] : []);
      const params = [...branch(usernames), ...branch(emails), ...branch(keys)];
      return prepared(inFlightSql(usernames.length, emails.length, keys.length))
        .all(...params)
        .map((raw) => {
          const parsed = inFlightRowSchema.safeParse(raw);
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
            username: row.target_username ?? '',
            email: row.target_email ?? '',
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
      try {
        return db.open && db.prepare('SELECT 1').get() !== undefined;
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
