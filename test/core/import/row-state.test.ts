// The rows of a run in memory: every change written before it is kept, audit events only for rows that end, the
// disk flush only for rows about to be sent, progress at most every few seconds on the injected clock; and the
// totals and words of the result CSV for each state.
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/core/clock.js';
import type { ImportRowStore } from '../../../src/core/import/ports.js';
import { buildImportResult, describeTotals, statusOf, totalsOf } from '../../../src/core/import/result.js';
import { ImportTracker } from '../../../src/core/import/tracker.js';
import { createBatchSize, DEFAULT_IMPORT_TUNING } from '../../../src/core/import/tuning.js';
import type { ImportProgress, ImportRowRecord } from '../../../src/core/import/types.js';

const row = (n: number, over: Partial<ImportRowRecord> = {}): ImportRowRecord => ({
  requestId: 'R-AAAAAA',
  row: n,
  state: 'pending',
  action: 'create',
  username: `u${n}`,
  moodleId: undefined,
  message: undefined,
  plan: {},
  ...over,
});

function tracked(rows: ImportRowRecord[]) {
  const clock = createManualClock();
  const writes: Array<{ updates: unknown[]; audit: Array<{ outcome?: string }>; durable: boolean | undefined }> = [];
  const store = {
    async updateImportRows(
      _id: string,
      updates: unknown[],
      audit: Array<{ outcome?: string }> = [],
      options?: { durable?: boolean },
    ) {
      writes.push({ updates, audit, durable: options?.durable });
    },
  } as unknown as ImportRowStore;
  const progress: ImportProgress[] = [];
  const tracker = new ImportTracker(
    { rows: store, clock, progressIntervalMs: 3_000, onProgress: async (p) => void progress.push(p) },
    'R-AAAAAA',
    rows,
  );
  return { tracker, clock, writes, progress };
}

describe('the rows of a run', () => {
  it('are written before they are kept; only rows that end are audited; only rows about to be sent wait for the disk', async () => {
    const { tracker, writes } = tracked([row(2), row(3), row(4, { action: 'invalid', state: 'skipped' })]);
    await tracker.update([
      { row: 2, state: 'sending' },
      { row: 3, state: 'sending' },
      { row: 4, state: 'skipped' },
    ]);
    await tracker.update([
      { row: 2, state: 'created', moodleId: 9 },
      { row: 3, state: 'failed', message: 'Moodle refused the email.' },
    ]);
    expect(writes.map((w) => [w.updates.length, w.audit.map((a) => a.outcome), w.durable])).toEqual([
      [2, [], true],
      [2, ['created', 'failed'], false],
    ]);
    expect(tracker.rowsIn('created')).toEqual([expect.objectContaining({ row: 2, moodleId: 9 })]);
    expect(tracker.rowsIn('failed')[0]?.message).toBe('Moodle refused the email.');
  });

  it('tell their progress at most every 3 s of the clock, and once more at the end', async () => {
    const { tracker, clock, progress } = tracked([row(2), row(3), row(4)]);
    await tracker.update([{ row: 2, state: 'created', moodleId: 1 }]);
    clock.advance(2_999);
    await tracker.update([{ row: 3, state: 'created', moodleId: 2 }]);
    clock.advance(1);
    await tracker.update([{ row: 4, state: 'failed', message: 'x' }]);
    await tracker.finish();
    expect(progress.map((p) => [p.phase, p.done, p.created, p.failed])).toEqual([
      ['accounts', 1, 1, 0],
      ['accounts', 3, 2, 1],
      ['done', 3, 2, 1],
    ]);
  });
});

describe('the result', () => {
  it('counts each state and words it plainly; unfinished rows are said to be not done yet', () => {
    const rows = [
      row(2, { state: 'created', moodleId: 7 }),
      row(3, { state: 'partial', moodleId: 8, message: 'The account was created (id 8), but not added to course X.' }),
      row(4, {
        state: 'skipped',
        action: 'duplicate',
        message: 'Same email as row 2 of the file; only row 2 is imported.',
      }),
      row(5, { state: 'sending' }),
      row(6, { state: 'updated', action: 'update', moodleId: 3 }),
    ];
    const result = buildImportResult('R-AAAAAA', 'f.csv', rows);
    expect(result.totals).toEqual({
      rows: 5,
      created: 1,
      updated: 1,
      partial: 1,
      failed: 0,
      skipped: 1,
      unfinished: 1,
    });
    expect(result.csv.trim().split('\n')).toEqual([
      'row,username,moodle_id,status,message',
      '2,u2,7,created,',
      '3,u3,8,"done, but not all courses or cohorts","The account was created (id 8), but not added to course X."',
      '4,u4,,skipped: duplicate in the file,Same email as row 2 of the file; only row 2 is imported.',
      '5,u5,,not done yet,',
      '6,u6,3,updated,',
    ]);
    expect(statusOf({ state: 'skipped', action: 'exists' })).toBe('skipped: already in Moodle');
    expect(describeTotals(totalsOf({ created: 2, failed: 1, pending: 1 }))).toBe(
      '2 created, 0 updated, 1 failed, 0 skipped, 1 not done yet (of 4 rows)',
    );
  });
});

describe('the batch size of creates', () => {
  it('keeps every slot busy, stays in the time budget, and never goes under 25', () => {
    expect(createBatchSize(1_000, false, DEFAULT_IMPORT_TUNING)).toBe(250);
    expect(createBatchSize(1_000, true, DEFAULT_IMPORT_TUNING)).toBe(87);
    expect(createBatchSize(10_000, false, DEFAULT_IMPORT_TUNING)).toBe(454);
    expect(createBatchSize(40, false, DEFAULT_IMPORT_TUNING)).toBe(25);
  });
});
