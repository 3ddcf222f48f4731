// The rows of an import in the store: written with their request in one transaction (the skipped ones audited
// there), listed in row order and by state, moved in batches with the audit events of the rows that end, counted;
// and an id clash never leaves rows without their request. Runs against every store.
import { beforeEach, describe, expect, it } from 'vitest';
import type { ImportRowRecord } from '../../../src/core/import/types.js';
import type { NewRequest } from '../../../src/core/requests.js';
import type { Store } from '../../../src/core/store.js';
import { type ContractTarget, useContractDatabase } from './targets.js';

export const importRequest: NewRequest = {
  requester: { userId: 'U0REQUESTER' },
  target: {},
  payload: {
    operation: 'import',
    fileName: 'staff.csv',
    sha256: 'a'.repeat(64),
    mode: 'create',
    rows: 3,
    counts: { create: 2, update: 0, unchanged: 0, invalid: 1, duplicate: 0, exists: 0 },
    courses: [{ id: 2, shortname: 'TEST101', enrolments: 1 }],
    cohorts: [],
  },
  createdAt: new Date('2026-03-02T08:00:00.000Z'),
};

export function importRowsOf(n: number): ImportRowRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    requestId: '',
    row: i + 2,
    state: i === n - 1 ? 'skipped' : 'pending',
    action: i === n - 1 ? 'invalid' : 'create',
    username: `user${i}`,
    moodleId: undefined,
    message: i === n - 1 ? 'Email: not an email address.' : undefined,
    plan:
      i === n - 1
        ? {}
        : {
            user: { username: `user${i}`, email: `u${i}@example.org`, firstname: 'A', lastname: 'B', auth: 'manual' },
            enrolments: [],
          },
  }));
}

export function describeImportRowsContract(target: ContractTarget): void {
  const ctx = useContractDatabase(target);
  let store: Store;

  describe('import rows', () => {
    beforeEach(async () => {
      store = await ctx.open();
    });

    it('are listed whole past a page of 1,000 rows, in row order, by state, and without plans when asked', async () => {
      const many = importRowsOf(2_501).map((r, i) =>
        i % 2 === 0
          ? r
          : {
              ...r,
              plan: {
                ...r.plan,
                enrolments: [
                  { course: { id: 2, shortname: 'T', fullname: 'T' }, role: { shortname: 'student', id: 5 } },
                ],
              },
            },
      );
      const request = await store.createRequest(importRequest, [], many);
      const rows = await store.listImportRows(request.id);
      expect(rows.map((r) => r.row)).toEqual(many.map((r) => r.row));
      expect(rows[2_499]?.plan.user?.email).toBe('u2499@example.org');
      // Equal courses and cohorts come back as one object, not one a row.
      expect(rows[1]?.plan.enrolments?.[0]).toBe(rows[2_001]?.plan.enrolments?.[0]);
      expect((await store.listImportRows(request.id, { states: ['pending'] })).length).toBe(2_500);
      const plain = await store.listImportRows(request.id, { plans: false });
      expect(plain.length).toBe(2_501);
      expect(plain.every((r) => Object.keys(r.plan).length === 0)).toBe(true);
      expect(plain[2_500]).toMatchObject({ state: 'skipped', message: 'Email: not an email address.' });
    });

    it('are stored with their request, listed in row order and by state, the skipped ones audited at once', async () => {
      const request = await store.createRequest(importRequest, [], importRowsOf(3));
      const rows = await store.listImportRows(request.id);
      expect(rows.map((r) => [r.requestId, r.row, r.state, r.username])).toEqual([
        [request.id, 2, 'pending', 'user0'],
        [request.id, 3, 'pending', 'user1'],
        [request.id, 4, 'skipped', 'user2'],
      ]);
      expect(rows[0]?.plan.user?.email).toBe('u0@example.org');
      expect(rows[2]).toMatchObject({
        action: 'invalid',
        message: 'Email: not an email address.',
        moodleId: undefined,
      });
      expect((await store.listImportRows(request.id, { states: ['skipped'] })).map((r) => r.row)).toEqual([4]);
      expect(await store.listImportRows(request.id, { states: [] })).toEqual([]);
      const audit = await store.listAudit();
      expect(audit.filter((e) => e.kind === 'import_row')).toEqual([
        expect.objectContaining({
          requestId: request.id,
          outcome: 'skipped',
          target: { username: 'user2' },
          detail: 'row 4: Email: not an email address.',
        }),
      ]);
      expect(await store.getRequest(request.id)).toMatchObject({ operation: 'import', payload: importRequest.payload });
    });

    it('move in batches with the audit events of the rows that end, in one transaction, and are counted by state', async () => {
      const request = await store.createRequest(importRequest, [], importRowsOf(3));
      await store.updateImportRows(request.id, [
        { row: 2, state: 'sending' },
        { row: 3, state: 'sending' },
      ]);
      await store.updateImportRows(
        request.id,
        [
          { row: 2, state: 'created', moodleId: 9_000_000_001 },
          { row: 3, state: 'failed', message: 'Moodle refused the email.' },
        ],
        [
          {
            at: new Date(),
            actor: 'system',
            kind: 'import_row',
            requestId: request.id,
            outcome: 'created',
            moodleId: 9_000_000_001,
          },
        ],
      );
      expect(await store.countImportRows(request.id)).toEqual({ created: 1, failed: 1, skipped: 1 });
      const [first, second] = await store.listImportRows(request.id);
      expect(first).toMatchObject({ state: 'created', moodleId: 9_000_000_001 });
      expect(second).toMatchObject({ state: 'failed', message: 'Moodle refused the email.', moodleId: undefined });
      expect((await store.listAudit()).filter((e) => e.kind === 'import_row').map((e) => e.outcome)).toEqual([
        'skipped',
        'created',
      ]);
    });

    it('take each its own Moodle id when a batch ends in one statement, and may be written without waiting for the disk', async () => {
      const request = await store.createRequest(importRequest, [], importRowsOf(3));
      await store.updateImportRows(
        request.id,
        [
          { row: 2, state: 'created', moodleId: 501 },
          { row: 3, state: 'created', moodleId: 502 },
        ],
        [],
        { durable: false },
      );
      expect((await store.listImportRows(request.id)).map((r) => [r.row, r.state, r.moodleId])).toEqual([
        [2, 'created', 501],
        [3, 'created', 502],
        [4, 'skipped', undefined],
      ]);
    });

    it('of one request are not those of another; a request id drawn twice keeps each request with its own rows', async () => {
      const ids = ['R-AAAAAA', 'R-AAAAAA', 'R-BBBBBB'];
      store = await ctx.open({ generateId: () => ids.shift() as string });
      const a = await store.createRequest(importRequest, [], importRowsOf(2));
      const b = await store.createRequest(importRequest, [], importRowsOf(3));
      expect([a.id, b.id]).toEqual(['R-AAAAAA', 'R-BBBBBB']);
      expect(await store.countImportRows(a.id)).toEqual({ pending: 1, skipped: 1 });
      expect(await store.countImportRows(b.id)).toEqual({ pending: 2, skipped: 1 });
      expect(await store.listImportRows('R-ZZZZZZ')).toEqual([]);
    });
  });
}
