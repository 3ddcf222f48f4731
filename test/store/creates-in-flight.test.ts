// Store.listCreatesInFlight: the create requests a new create must not clash with, read without decoding every
// waiting request. It must list exactly what findByStatus would (pending, approved, executing; creates only; in
// that order, each oldest first) and refuse a row it cannot read, as findByStatus does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewRequest, RequestRecord, RequestStatus } from '../../src/core/requests.js';
import type { Store } from '../../src/core/store.js';
import { openStore } from '../../src/store/index.js';

let dir: string;
let dbPath: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mp-inflight-'));
  dbPath = join(dir, 'test.db');
  store = openStore(`sqlite:${dbPath}`);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

let minute = 0;
function createOf(username: string, email = `${username}@example.org`): NewRequest {
  minute += 1;
  return {
    requester: { userId: `U${username.toUpperCase()}` },
    target: { username, email },
    payload: { operation: 'create', user: { username, email, firstname: 'A', lastname: 'B', auth: 'manual' } },
    createdAt: new Date(Date.UTC(2026, 1, 1, 10, minute)),
  };
}

async function moveTo(request: RequestRecord, path: RequestStatus[]): Promise<RequestRecord> {
  let current = request;
  for (const to of path) {
    const result = await store.transition(current.id, {
      from: current.status,
      expectedVersion: current.version,
      to,
      at: new Date(),
    });
    if (!result.ok) throw new Error('setup failed');
    current = result.request;
  }
  return current;
}

describe('listCreatesInFlight', () => {
  it('lists the creates findByStatus gives for pending, approved and executing, in the same order', async () => {
    const executing = await moveTo(await store.createRequest(createOf('exec')), ['approved', 'executing']);
    const approved = await moveTo(await store.createRequest(createOf('appr', 'Appr@Example.org')), ['approved']);
    const pendingOld = await store.createRequest(createOf('old'));
    await moveTo(await store.createRequest(createOf('done')), ['approved', 'executing', 'succeeded']);
    await moveTo(await store.createRequest(createOf('no')), ['rejected']);
    await store.createRequest({
      requester: { userId: 'UX' },
      target: { moodleId: 5, username: 'suspendme' },
      payload: { operation: 'suspend' },
      createdAt: new Date(Date.UTC(2026, 1, 1, 9)),
    });
    const pendingNew = await store.createRequest(createOf('new'));

    const listed = await store.listCreatesInFlight();
    expect(listed).toEqual([
      { id: pendingOld.id, status: 'pending', requesterId: 'UOLD', username: 'old', email: 'old@example.org' },
      { id: pendingNew.id, status: 'pending', requesterId: 'UNEW', username: 'new', email: 'new@example.org' },
      { id: approved.id, status: 'approved', requesterId: 'UAPPR', username: 'appr', email: 'Appr@Example.org' },
      { id: executing.id, status: 'executing', requesterId: 'UEXEC', username: 'exec', email: 'exec@example.org' },
    ]);

    const viaRecords = (
      await Promise.all((['pending', 'approved', 'executing'] as const).map((s) => store.findByStatus(s)))
    )
      .flat()
      .flatMap((r) =>
        r.payload.operation === 'create' ? [[r.id, r.payload.user.username, r.payload.user.email]] : [],
      );
    expect(listed.map((r) => [r.id, r.username, r.email])).toEqual(viaRecords);
  });

  it('is empty when nothing waits', async () => {
    expect(await store.listCreatesInFlight()).toEqual([]);
  });

  it('names the request whose payload it cannot read', async () => {
    const request = await store.createRequest(createOf('broken'));
    const raw = new BetterSqlite3(dbPath);
    raw.prepare('UPDATE requests SET payload = \'{"operation":"create"}\' WHERE id = ?').run(request.id);
    raw.close();
    await expect(store.listCreatesInFlight()).rejects.toMatchObject({
      code: 'corrupt_row',
      message: expect.stringContaining(request.id),
    });
  });
});
