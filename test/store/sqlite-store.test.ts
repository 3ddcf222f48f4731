// The SQLite store against real temp files: the file, WAL mode, migrations of older files, and errors on opening.
// What every store does (transitions, queries, leases) is the contract, run by sqlite-contract.test.ts.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewRequest } from '../../src/core/requests.js';
import type { Store } from '../../src/core/store.js';
import { createLogger } from '../../src/logger.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, openStore, parseDatabaseUrl, StoreError } from '../../src/store/index.js';
import { runMigrations } from '../../src/store/migrations.js';

let dir: string;
let dbPath: string;
let url: string;
const opened: Store[] = [];

async function open(options: Parameters<typeof openStore>[1] = {}): Promise<Store> {
  const store = await openStore(url, options);
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

async function expectStoreError(fn: () => Promise<unknown>, code: string): Promise<StoreError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe(code);
    return error as StoreError;
  }
  throw new Error(`expected a StoreError ${code}`);
}

describe('opening and migrations', () => {
  it('creates the folder and the file, uses WAL, and records the schema version', async () => {
    const store = await open();
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
    await (await open({ logger })).close();
    await (await open({ logger })).close();
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

  it('upgrades a file of the release before leases (schema 4, quorum approvals in use), keeping its requests', async () => {
    const raw = new BetterSqlite3(join(dir, 'v4.db'));
    runMigrations(
      raw,
      'test',
      MIGRATIONS.filter((m) => m.version <= 4),
    );
    raw
      .prepare(`INSERT INTO requests (id, operation, status, version, requester_id, target_moodle_id, target_username,
        target_key, payload, created_at, updated_at, approvals, reminded_at, approvals_needed)
        VALUES ('R-QUORUM', 'delete', 'pending', 2, 'UREQ', 5, 'leaver', 'user:5', '{"operation":"delete"}',
        '2026-01-01T08:00:00.000Z', '2026-01-01T09:00:00.000Z',
        '[{"by":"UAPPR1","at":"2026-01-01T09:00:00.000Z"}]', '2026-01-02T08:00:00.000Z', 2)`)
      .run();
    raw.close();

    const store = await openStore(`sqlite:${join(dir, 'v4.db')}`);
    opened.push(store);
    expect(await store.getRequest('R-QUORUM')).toMatchObject({
      version: 2,
      approvalsNeeded: 2,
      approvals: [{ by: 'UAPPR1', at: new Date('2026-01-01T09:00:00.000Z') }],
      remindedAt: new Date('2026-01-02T08:00:00.000Z'),
    });
    expect(await store.acquireLease('job:expiry', 'H1', 30_000)).toBe(true);
    expect(await store.findInterrupted()).toEqual([]);
  });

  it('refuses a database written by a newer release, and leaves it untouched', async () => {
    await (await open()).close();
    const raw = new BetterSqlite3(dbPath);
    raw.prepare("INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01')").run();
    raw.close();
    const error = await expectStoreError(() => openStore(url), 'schema_too_new');
    expect(error.message).toContain('schema version 99');
    expect(error.message).toContain(`up to ${LATEST_SCHEMA_VERSION}`);
    expect(error.message).toContain('newer release');
    const after = new BetterSqlite3(dbPath, { readonly: true });
    expect(after.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: 99 });
    after.close();
  });

  it('says clearly when the file is not a database, or the URL is neither SQLite nor PostgreSQL', async () => {
    const bogus = join(dir, 'notes.db');
    writeFileSync(bogus, 'this is not a database, just some text that is long enough to look like a header...');
    expect((await expectStoreError(() => openStore(`sqlite:${bogus}`), 'database_open_failed')).message).toContain(
      bogus,
    );
    expect((await expectStoreError(() => openStore('mysql://db/x'), 'unsupported_database_url')).message).toContain(
      'not supported',
    );
    await expectStoreError(() => openStore('sqlite:'), 'unsupported_database_url');
    await expectStoreError(
      () => openStore(`sqlite:${join(dir, 'absent.db')}`, { fileMustExist: true }),
      'database_missing',
    );
    expect(existsSync(join(dir, 'absent.db'))).toBe(false);
  });

  it('parses the URL forms', () => {
    expect(parseDatabaseUrl('sqlite:data/x.db')).toEqual({ kind: 'sqlite', path: 'data/x.db' });
    expect(parseDatabaseUrl('sqlite:///var/lib/x.db')).toEqual({ kind: 'sqlite', path: '/var/lib/x.db' });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ kind: 'sqlite-memory' });
  });
});
