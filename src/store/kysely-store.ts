// The Store port on the typed query layer, once for both databases; what differs lives in a StoreDialect
// (sqlite-dialect.ts, pg-dialect.ts). Every status change is one write transaction: a compare-and-set UPDATE on
// id + status + version, plus its audit events, so a change and its record in the audit log cannot come apart, and
// two processes cannot both win. Free text passes the secret scrubber before it is written, and the payload schemas
// drop any key they do not know (a password, say), so the database never holds a secret. Payloads are stored as
// their operation's JSON; the store reads no operation's fields, only the target columns and the target key.
import { sql } from 'kysely';
import { canTransition, generateRequestId } from '../core/requests.js';
import type { Store } from '../core/store.js';
import type { StoreDialect } from './dialect.js';
import { StoreError } from './errors.js';
import { createImportRowQueries } from './import-rows.js';
import { createLeaseQueries } from './lease-queries.js';
import { decodeAudit } from './rows.js';
import { createScheduleQueries } from './schedule-queries.js';
import { createSeenSignatureQueries } from './seen-signatures.js';
import { createRequestReads } from './store-reads.js';
import {
  claimReminder,
  createRequestIn,
  getRow,
  transitionIn,
  type WriteContext,
  writeAudit,
  writeAuditMany,
} from './store-writes.js';

export interface TextScrubber {
  scrub(text: string): string;
}

export interface StoreOptions {
  /** Replaces known secret values in every text written (pass the logger's SecretScrubber). */
  scrubber?: TextScrubber;
  /** Tests inject colliding ids. */
  generateId?: () => string;
  /** This process's lease holder id, recorded on the executions it starts (see findInterrupted). */
  holderId?: string;
}

export function randomHolderId(): string {
  return `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

export function createKyselyStore(dialect: StoreDialect, options: StoreOptions = {}): Store {
  const { db } = dialect;
  const scrubber = options.scrubber;
  const ctx: WriteContext = {
    dialect,
    scrub: scrubber ? (text) => scrubber.scrub(text) : (text) => text,
    generateId: options.generateId ?? generateRequestId,
    holderId: options.holderId ?? randomHolderId(),
  };
  const leases = createLeaseQueries(dialect);
  let closing: Promise<void> | undefined;

  return {
    createRequest: (input, audit = [], importRows = []) => createRequestIn(ctx, input, audit, importRows),
    getRequest: (id) => getRow(db, id),
    async transition(id, change) {
      if (!canTransition(change.from, change.to)) {
        throw new StoreError('invalid_transition', `A request cannot go from ${change.from} to ${change.to}.`);
      }
      const result = await dialect.writeTransaction((trx) => transitionIn(ctx, trx, id, change));
      if (result.ok) await dialect.durable();
      return result;
    },
    async setApprovalMessage(id, location) {
      const set = { approval_channel: location.channel, approval_ts: location.ts };
      await dialect.writeOne((q) => q.updateTable('requests').set(set).where('id', '=', id).execute());
      await dialect.durable();
    },
    async setNotificationTs(id, ts) {
      await dialect.writeOne((q) =>
        q.updateTable('requests').set({ notification_ts: ts }).where('id', '=', id).execute(),
      );
      await dialect.durable();
    },
    claimReminder: (id, at, dueBefore) => claimReminder(dialect, id, at, dueBefore),
    ...createRequestReads(dialect),
    ...createScheduleQueries(dialect, ctx.holderId, ctx.scrub),
    async appendAudit(event) {
      const written = await dialect.writeOne((q) => writeAudit(ctx, q, event));
      await dialect.durable();
      return written;
    },
    async listAudit(query = {}) {
      let select = db.selectFrom('audit_events').selectAll();
      if (query.since) select = select.where('at', '>=', query.since.toISOString());
      if (query.until) select = select.where('at', '<', query.until.toISOString());
      if (query.limit !== undefined) select = select.limit(Math.max(0, query.limit));
      return (await select.orderBy('id').execute()).map((raw) => decodeAudit(raw));
    },
    ...createImportRowQueries(dialect, {
      writeAuditMany: (q, events) => writeAuditMany(ctx, q, events),
      scrub: ctx.scrub,
    }),
    acquireLease: leases.acquire,
    releaseLease: leases.release,
    findLeaseHolder: leases.findHolder,
    sharedAcrossProcesses: dialect.kind === 'postgres',
    ...createSeenSignatureQueries(dialect),
    async isHealthy() {
      if (closing) return false;
      try {
        await sql`SELECT 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    close() {
      closing ??= dialect.close();
      return closing;
    },
  };
}
