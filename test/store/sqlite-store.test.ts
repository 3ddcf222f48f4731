// The SQLite store against real temp files: opening, migrations, reopening, compare-and-set, queries, errors.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_DETAIL_MAX } from '../../src/core/audit.js';
import { createManualClock } from '../../src/core/clock.js';
import { createRequestService } from '../../src/core/request-lifecycle.js';
import {
  canTransition,
  type NewRequest,
  REQUEST_STATUSES,
  type RequestRecord,
  type RequestStatus,
} from '../../src/core/requests.js';
import type { Store } from '../../src/core/store.js';
import { createLogger } from '../../src/logger.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, openStore, parseDatabaseUrl, StoreError } from '../../src/store/index.js';
import { runMigrations } from '../../src/store/migrations.js';

let dir: string;
let dbPath: string;
let url: string;
const opened: Store[] = [];

function open(options: Parameters<typeof openStore>[1] = {}): Store {
  const store = openStore(url, options);
  opened.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mp-store-'));
  dbPath = join(dir, 'nested', 'folder', 'test.db');
  url = `sqlite:${dbPath}`;
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = new Date('2026-02-01T10:00:00.000Z');
const newRequest = (overrides: Partial<NewRequest> = {}): NewRequest => ({
  requester: { userId: 'UREQ' },
  target: { moodleId: 5, username: 'jdoe' },
  payload: { operation: 'suspend' },
  createdAt: T0,
  ...overrides,
});

function expectStoreError(fn: () => unknown, code: string): StoreError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe(code);
    return error as StoreError;
  }
  throw new Error(`expected a StoreError ${code}`);
}

describe('opening and migrations', () => {
  it('creates the folder and the file, uses WAL, and records the schema version', async () => {
    const store = open();
    expect(existsSync(dbPath)).toBe(true);
    expect(await store.isHealthy()).toBe(true);
    await store.createRequest(newRequest());
    expect(existsSync(`${dbPath}-wal`)).toBe(true);
    const raw = new BetterSqlite3(dbPath, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('SELECT version FROM schema_migrations').all()).toEqual(
        MIGRATIONS.map((m) => ({ version: m.version })),
      );
    } finally {
      raw.close();
    }
  });

  it('applies migrations once, however often it opens', async () => {
    const lines: string[] = [];
    const { logger } = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    await open({ logger }).close();
    await open({ logger }).close();
    expect(lines.filter((l) => l.includes('schema upgraded'))).toHaveLength(1);

    const raw = new BetterSqlite3(dbPath);
    try {
      expect(runMigrations(raw, 'test')).toEqual([]);
      const extra = {
        version: LATEST_SCHEMA_VERSION + 1,
        name: 'add a column',
        sql: 'ALTER TABLE requests ADD COLUMN x TEXT',
      };
      expect(runMigrations(raw, 'test', [extra, ...MIGRATIONS])).toEqual([extra]);
      expect(runMigrations(raw, 'test', [...MIGRATIONS, extra])).toEqual([]);
    } finally {
      raw.close();
    }
  });

  it('refuses a database written by a newer release, and leaves it untouched', async () => {
    await open().close();
    const raw = new BetterSqlite3(dbPath);
    raw.prepare("INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01')").run();
    raw.close();
    const error = expectStoreError(() => openStore(url), 'schema_too_new');
    expect(error.message).toContain('schema version 99');
    expect(error.message).toContain(`up to ${LATEST_SCHEMA_VERSION}`);
    expect(error.message).toContain('newer release');
    const after = new BetterSqlite3(dbPath, { readonly: true });
    expect(after.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: 99 });
    after.close();
  });

  it('says clearly when the file is not a database, or the URL is not SQLite', () => {
    const bogus = join(dir, 'notes.db');
    writeFileSync(bogus, 'this is not a database, just some text that is long enough to look like a header...');
    expect(expectStoreError(() => openStore(`sqlite:${bogus}`), 'database_open_failed').message).toContain(bogus);
    expect(expectStoreError(() => openStore('postgres://db/x'), 'unsupported_database_url').message).toContain(
      'not supported yet',
    );
    expectStoreError(() => openStore('sqlite:'), 'unsupported_database_url');
    expectStoreError(() => openStore(`sqlite:${join(dir, 'absent.db')}`, { fileMustExist: true }), 'database_missing');
    expect(existsSync(join(dir, 'absent.db'))).toBe(false);
  });

  it('parses the URL forms', () => {
    expect(parseDatabaseUrl('sqlite:data/x.db')).toEqual({ kind: 'sqlite', path: 'data/x.db' });
    expect(parseDatabaseUrl('sqlite:///var/lib/x.db')).toEqual({ kind: 'sqlite', path: '/var/lib/x.db' });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ kind: 'sqlite-memory' });
  });

  it('reports unhealthy once closed, and closes twice without error', async () => {
    const store = open();
    await store.close();
    await store.close();
    expect(await store.isHealthy()).toBe(false);
  });
});

describe('durability', () => {
  it('continues a pending request in a new Store instance on the same file', async () => {
    const clock = createManualClock(T0);
    const first = open();
    const request = await createRequestService({ store: first, clock, ttlHours: 72 }).submit({
      requester: { userId: 'UREQ' },
      target: { username: 'jdoe', email: 'j@x.org' },
      payload: {
        operation: 'create',
        user: { username: 'jdoe', email: 'j@x.org', firstname: 'J', lastname: 'D', auth: 'manual' },
      },
    });
    await first.setApprovalMessage(request.id, { channel: 'CAPPROVE', ts: '1700000000.000100' });
    await first.close();

    const second = open();
    const reread = await second.getRequest(request.id);
    expect(reread).toMatchObject({
      status: 'pending',
      approvalMessage: { channel: 'CAPPROVE', ts: '1700000000.000100' },
    });
    const service = createRequestService({ store: second, clock, ttlHours: 72 });
    const approved = await service.approve(request.id, 'UAPPROVER');
    expect(approved).toMatchObject({ ok: true, request: { status: 'approved', decidedBy: 'UAPPROVER', version: 2 } });
  });
});

/** Drives a fresh request to `status` through allowed transitions only. */
async function requestIn(store: Store, status: RequestStatus): Promise<RequestRecord> {
  const paths: Record<RequestStatus, RequestStatus[]> = {
    pending: [],
    approved: ['approved'],
    executing: ['approved', 'executing'],
    succeeded: ['approved', 'executing', 'succeeded'],
    failed: ['approved', 'executing', 'failed'],
    rejected: ['rejected'],
    cancelled: ['cancelled'],
    expired: ['expired'],
  };
  let request = await store.createRequest(newRequest());
  for (const to of paths[status]) {
    const result = await store.transition(request.id, {
      from: request.status,
      expectedVersion: request.version,
      to,
      at: T0,
    });
    if (!result.ok) throw new Error('setup failed');
    request = result.request;
  }
  return request;
}

describe('transition', () => {
  const pairs = REQUEST_STATUSES.flatMap((from) => REQUEST_STATUSES.map((to) => [from, to] as const));

  it('allows exactly the designed transitions, each bumping the version', async () => {
    const store = open();
    for (const [from, to] of pairs) {
      const request = await requestIn(store, from);
      const change = { from, expectedVersion: request.version, to, at: T0 };
      if (canTransition(from, to)) {
        const result = await store.transition(request.id, change);
        expect(result, `${from} → ${to}`).toMatchObject({
          ok: true,
          request: { status: to, version: request.version + 1 },
        });
      } else {
        await expect(store.transition(request.id, change), `${from} → ${to}`).rejects.toMatchObject({
          code: 'invalid_transition',
        });
        expect((await store.getRequest(request.id))?.status).toBe(from);
      }
    }
  });

  it('loses on a stale status or version, returns the current record, and writes none of its audit', async () => {
    const store = open();
    const request = await store.createRequest(newRequest());
    const win = await store.transition(request.id, {
      from: 'pending',
      expectedVersion: 1,
      to: 'approved',
      at: T0,
      patch: { decidedBy: 'UWIN', decidedAt: T0 },
      audit: [{ actor: 'UWIN', kind: 'decision', outcome: 'approved' }],
    });
    expect(win.ok).toBe(true);
    const stale = await store.transition(request.id, {
      from: 'pending',
      expectedVersion: 1,
      to: 'rejected',
      at: T0,
      audit: [{ actor: 'ULOSE', kind: 'decision', outcome: 'rejected' }],
    });
    expect(stale).toMatchObject({ ok: false, current: { status: 'approved', decidedBy: 'UWIN', version: 2 } });
    const wrongVersion = await store.transition(request.id, {
      from: 'approved',
      expectedVersion: 1,
      to: 'executing',
      at: T0,
    });
    expect(wrongVersion).toMatchObject({ ok: false, current: { status: 'approved', version: 2 } });
    expect(await store.transition('R-NOSUCH', { from: 'pending', expectedVersion: 1, to: 'approved', at: T0 })).toEqual(
      {
        ok: false,
        current: undefined,
      },
    );
    expect((await store.listAudit()).map((e) => e.actor)).toEqual(['UWIN']);
  });

  it('keeps the version when only the card or notification location changes', async () => {
    const store = open();
    const request = await store.createRequest(newRequest());
    await store.setApprovalMessage(request.id, { channel: 'C1', ts: '1.2' });
    await store.setNotificationTs(request.id, '3.4');
    expect(await store.getRequest(request.id)).toMatchObject({
      version: 1,
      approvalMessage: { channel: 'C1', ts: '1.2' },
      notificationTs: '3.4',
    });
  });

  it('draws a new id when the first one is taken', async () => {
    const ids = ['R-AAAAAA', 'R-AAAAAA', 'R-BBBBBB'];
    const store = open({ generateId: () => ids.shift() ?? 'R-CCCCCC' });
    expect((await store.createRequest(newRequest())).id).toBe('R-AAAAAA');
    expect((await store.createRequest(newRequest())).id).toBe('R-BBBBBB');
  });
});

describe('queries', () => {
  it('lists by requester and status, newest first, with a limit', async () => {
    const store = open();
    const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
    const a = await store.createRequest(newRequest({ createdAt: at(1) }));
    const b = await store.createRequest(newRequest({ createdAt: at(2), requester: { userId: 'UOTHER' } }));
    const c = await store.createRequest(newRequest({ createdAt: at(3) }));
    await store.transition(c.id, { from: 'pending', expectedVersion: 1, to: 'cancelled', at: at(4) });
    const ids = (rs: RequestRecord[]) => rs.map((r) => r.id);
    expect(ids(await store.listRequests({ limit: 10 }))).toEqual([c.id, b.id, a.id]);
    expect(ids(await store.listRequests({ requester: 'UREQ', limit: 10 }))).toEqual([c.id, a.id]);
    expect(ids(await store.listRequests({ statuses: ['pending'], limit: 10 }))).toEqual([b.id, a.id]);
    expect(ids(await store.listRequests({ statuses: ['pending'], limit: 1 }))).toEqual([b.id]);
    expect(await store.listRequests({ statuses: [], limit: 10 })).toEqual([]);
    expect(ids(await store.findExpired(at(2)))).toEqual([a.id]);
    expect(ids(await store.findByStatus('cancelled'))).toEqual([c.id]);
  });

  it('lists by operation and target account', async () => {
    const store = open();
    const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
    const suspend5 = await store.createRequest(newRequest({ createdAt: at(1) }));
    const delete5 = await store.createRequest(newRequest({ createdAt: at(2), payload: { operation: 'delete' } }));
    const suspend6 = await store.createRequest(
      newRequest({ createdAt: at(3), target: { moodleId: 6, username: 'other' } }),
    );
    const ids = (rs: RequestRecord[]) => rs.map((r) => r.id);
    expect(ids(await store.listRequests({ operation: 'suspend', limit: 10 }))).toEqual([suspend6.id, suspend5.id]);
    expect(ids(await store.listRequests({ moodleId: 5, limit: 10 }))).toEqual([delete5.id, suspend5.id]);
    expect(ids(await store.listRequests({ operation: 'suspend', moodleId: 5, limit: 10 }))).toEqual([suspend5.id]);
    expect(await store.listRequests({ operation: 'update', moodleId: 5, limit: 10 })).toEqual([]);
  });

  it('lists audit events in a time window (since inclusive, until exclusive)', async () => {
    const store = open();
    const day = (d: number) => new Date(Date.UTC(2026, 0, d, 12));
    for (const d of [1, 2, 3])
      await store.appendAudit({ at: day(d), actor: 'system', kind: 'expiry', detail: `day ${d}` });
    const details = async (q: Parameters<Store['listAudit']>[0]) => (await store.listAudit(q)).map((e) => e.detail);
    expect(await details({})).toEqual(['day 1', 'day 2', 'day 3']);
    expect(await details({ since: day(2) })).toEqual(['day 2', 'day 3']);
    expect(await details({ until: day(2) })).toEqual(['day 1']);
    expect(await details({ since: day(1), until: day(3), limit: 1 })).toEqual(['day 1']);
  });

  it('cuts an overlong audit detail instead of refusing it', async () => {
    const store = open();
    const event = await store.appendAudit({ at: T0, actor: 'UX', kind: 'refusal', detail: 'x'.repeat(5000) });
    expect(event.detail).toHaveLength(AUDIT_DETAIL_MAX);
    expect(event.detail?.endsWith('…')).toBe(true);
  });

  it('names the request when a stored row cannot be read', async () => {
    const store = open();
    const request = await store.createRequest(newRequest());
    const raw = new BetterSqlite3(dbPath);
    raw.prepare('UPDATE requests SET payload = \'{"operation":"explode"}\' WHERE id = ?').run(request.id);
    raw.close();
    await expect(store.getRequest(request.id)).rejects.toMatchObject({
      code: 'corrupt_row',
      message: expect.stringContaining(request.id),
    });
  });
});
