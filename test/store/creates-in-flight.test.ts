// Store.findInFlight on SQLite: requests written before the in-flight indexes existed are found, and the look-up is
// an index search, not a scan (what every store must find is in contract/in-flight-contract.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { buildInFlightQuery } from '../../src/store/in-flight-query.js';
import { MIGRATIONS, openStore } from '../../src/store/index.js';
import { runMigrations } from '../../src/store/migrations.js';
import type { Database } from '../../src/store/schema.js';
import { createOf, moveTo } from './contract/in-flight-contract.js';

let dir: string;
let dbPath: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mp-inflight-'));
  dbPath = join(dir, 'test.db');
  store = await openStore(`sqlite:${dbPath}`);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const ids = (found: { id: string }[]) => found.map((r) => r.id);

describe('findInFlight on SQLite', () => {
  it('finds requests written before the indexes existed (schema version 1)', async () => {
    await store.close();
    const oldPath = join(dir, 'old.db');
    const raw = new BetterSqlite3(oldPath);
    runMigrations(
      raw,
      'test',
      MIGRATIONS.filter((m) => m.version === 1),
    );
    const insert = raw.prepare(`INSERT INTO requests (id, operation, status, version, requester_id, target_username,
      target_email, payload, created_at, updated_at) VALUES (?, 'create', ?, 1, 'UOLD', ?, ?, ?, ?, ?)`);
    const user = (username: string, email: string) =>
      JSON.stringify({ operation: 'create', user: { username, email, firstname: 'A', lastname: 'B', auth: 'manual' } });
    insert.run(
      'R-OLD-1',
      'approved',
      'early',
      'Early@Example.org',
      user('early', 'Early@Example.org'),
      '2025-01-01',
      '2025-01-01',
    );
    insert.run(
      'R-OLD-2',
      'pending',
      'later',
      'later@example.org',
      user('later', 'later@example.org'),
      '2025-01-02',
      '2025-01-02',
    );
    insert.run(
      'R-OLD-3',
      'succeeded',
      'gone',
      'gone@example.org',
      user('gone', 'gone@example.org'),
      '2025-01-03',
      '2025-01-03',
    );
    raw.close();

    store = await openStore(`sqlite:${oldPath}`);
    expect(
      ids(
        await store.findInFlight({
          operation: 'create',
          usernames: ['early', 'later', 'gone'],
          emails: ['gone@example.org'],
        }),
      ),
    ).toEqual(['R-OLD-2', 'R-OLD-1']);
    expect(ids(await store.findInFlight({ operation: 'create', emails: ['early@example.org'] }))).toEqual(['R-OLD-1']);
  });
});

describe('the look-up is an index search, not a scan of the requests', () => {
  function planOf(usernames: number, emails: number): string[] {
    const raw = new BetterSqlite3(dbPath, { readonly: true });
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
    try {
      const query = buildInFlightQuery(db, {
        operation: 'create',
        usernames: Array.from({ length: usernames }, (_, i) => `user${i}`),
        emails: Array.from({ length: emails }, (_, i) => `user${i}@example.org`),
      });
      if (!query) throw new Error('nothing asked');
      const { sql, parameters } = query.compile();
      return raw
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...parameters)
        .map((row) => (row as { detail: string }).detail);
    } finally {
      raw.close();
    }
  }

  it("for usernames, emails or both, and for a derived username's 50 candidates", async () => {
    // Enough rows, without ANALYZE (the app never runs it), that the planner has a real choice to make.
    for (let i = 0; i < 60; i++) {
      const request = await store.createRequest(createOf(`user${i}`));
      if (i % 3 === 1) await moveTo(store, request, ['approved']);
      if (i % 3 === 2) await moveTo(store, request, ['rejected']);
    }
    for (const [usernames, emails] of [
      [1, 0],
      [0, 1],
      [1, 1],
      [50, 0],
      [50, 1],
    ] as const) {
      const plan = planOf(usernames, emails);
      const searches = plan.filter((line) => /\b(SCAN|SEARCH) requests\b/.test(line));
      expect(searches, `${usernames} usernames, ${emails} emails`).toEqual([
        ...(usernames > 0 ? [expect.stringMatching(/^SEARCH requests USING INDEX requests_in_flight_username /)] : []),
        ...(emails > 0 ? [expect.stringMatching(/^SEARCH requests USING INDEX requests_in_flight_email /)] : []),
      ]);
    }
  });
});
