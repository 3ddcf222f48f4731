// The rows of a run in memory: every change written before it is kept, audit events only for rows that end, the
// disk flush only for rows about to be sent, progress at most every few seconds on the injected clock; and the
// totals and words of the result CSV for each state.
import { describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/core/audit.js';
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

interface TrackedOptions {
  onProgress?: (p: ImportProgress) => Promise<void>;
  log?: (message: string, context: Record<string, unknown>) => void;
}

function tracked(rows: ImportRowRecord[], options: TrackedOptions = {}) {
  const clock = createManualClock();
  const writes: Array<{ updates: unknown[]; audit: Array<Record<string, unknown>>; durable: boolean | undefined }> = [];
  const store = {
    async updateImportRows(
      _id: string,
      updates: unknown[],
      audit: Array<Record<string, unknown>> = [],
      opts?: { durable?: boolean },
    ) {
      writes.push({ updates, audit, durable: opts?.durable });
    },
  } as unknown as ImportRowStore;
  const progress: ImportProgress[] = [];
  const onProgress = options.onProgress ?? (async (p: ImportProgress) => void progress.push(p));
  const tracker = new ImportTracker(
    { rows: store, clock, progressIntervalMs: 3_000, onProgress, ...(options.log ? { log: options.log } : {}) },
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

describe('a change of a row', () => {
  it('is written only when it changes something: a row of another run, the same state or the same Moodle id is not', async () => {
    const { tracker, writes } = tracked([row(2), row(3, { state: 'account_done', moodleId: 9 })]);
    await tracker.update([
      { row: 99, state: 'created', moodleId: 1 },
      { row: 2, state: 'pending' },
      { row: 3, state: 'account_done', moodleId: 9 },
      { row: 3, state: 'account_done' },
    ]);
    expect(writes).toEqual([]);
    await tracker.update([{ row: 2, state: 'pending', moodleId: 4 }]);
    expect(writes.map((w) => w.updates)).toEqual([[{ row: 2, state: 'pending', moodleId: 4 }]]);
    expect(tracker.rowsIn('pending', 'account_done').map((r) => [r.row, r.moodleId])).toEqual([
      [2, 4],
      [3, 9],
    ]);
  });

  it('waits for the disk when any row of it is about to be sent, even beside a row that ends', async () => {
    const { tracker, writes } = tracked([row(2), row(3)]);
    await tracker.update([
      { row: 2, state: 'failed', message: 'invalid' },
      { row: 3, state: 'sending' },
    ]);
    expect(writes.map((w) => w.durable)).toEqual([true]);
  });

  it('keeps what it does not say, and audits a row that ends with its Moodle id, row number and message', async () => {
    const { tracker, clock, writes } = tracked([
      row(2, { state: 'account_done', moodleId: 9 }),
      row(3, { state: 'sending' }),
      row(4, { message: 'looked up after a restart' }),
    ]);
    await tracker.update([
      { row: 2, state: 'partial', message: 'not added to course X' },
      { row: 3, state: 'failed' },
      { row: 4, state: 'sending' },
    ]);
    const base = {
      at: clock.now(),
      actor: SYSTEM_ACTOR,
      kind: 'import_row',
      requestId: 'R-AAAAAA',
      operation: 'import',
    };
    expect(writes[0]?.audit).toStrictEqual([
      {
        ...base,
        target: { username: 'u2', moodleId: 9 },
        outcome: 'partial',
        moodleId: 9,
        detail: 'row 2: not added to course X',
      },
      { ...base, target: { username: 'u3' }, outcome: 'failed', moodleId: undefined, detail: 'row 3' },
    ]);
    expect(tracker.rowsIn('partial')).toEqual([
      expect.objectContaining({ row: 2, moodleId: 9, message: 'not added to course X' }),
    ]);
    expect(tracker.rowsIn('sending')).toEqual([
      expect.objectContaining({ row: 4, message: 'looked up after a restart' }),
    ]);
  });
});

describe('the progress of a run', () => {
  it('counts add up: only rows carried out, a row done once its account is, failed rows done too', () => {
    const { tracker } = tracked([
      row(2, { action: 'update', moodleId: 3 }),
      row(3, { action: 'update', state: 'sending', moodleId: 4 }),
      row(4, { state: 'account_done', moodleId: 5 }),
      row(5, { action: 'update', state: 'updated', moodleId: 6 }),
      row(6, { state: 'failed' }),
      row(7, { state: 'created', moodleId: 8 }),
      row(8, { action: 'exists', state: 'skipped', moodleId: 10 }),
      row(9, { action: 'unchanged', state: 'skipped', moodleId: 11 }),
    ]);
    expect(tracker.progress()).toStrictEqual({
      phase: 'accounts',
      total: 6,
      done: 4,
      created: 2,
      updated: 1,
      failed: 1,
    });
  });

  it('counts the memberships sent in each phase from zero, and tells them', async () => {
    const { tracker, clock, progress } = tracked([row(2, { state: 'created', moodleId: 1 })]);
    tracker.startPhase('enrolments');
    tracker.countMemberships(3);
    clock.advance(3_000);
    tracker.countMemberships(2);
    expect(tracker.progress().memberships).toBe(5);
    tracker.startPhase('cohorts');
    tracker.countMemberships(4);
    expect(tracker.progress()).toMatchObject({ phase: 'cohorts', memberships: 4 });
    await tracker.finish();
    expect(progress.map((p) => [p.phase, p.memberships])).toEqual([
      ['enrolments', 3],
      ['enrolments', 5],
      ['done', undefined],
    ]);
  });

  it('that cannot be told is logged, and the run goes on to its end', async () => {
    const logged: Array<[string, Record<string, unknown>]> = [];
    let calls = 0;
    const onProgress = async () => {
      calls += 1;
      throw calls === 1 ? new Error('Slack is down') : 'rate limited';
    };
    const { tracker, clock } = tracked([row(2), row(3)], { onProgress, log: (m, c) => logged.push([m, c]) });
    await tracker.update([{ row: 2, state: 'created', moodleId: 1 }]);
    clock.advance(3_000);
    await tracker.update([{ row: 3, state: 'created', moodleId: 2 }]);
    await tracker.finish();
    expect(calls).toBe(3);
    expect(logged.slice(0, 2)).toEqual([
      ['could not tell the progress of an import', { requestId: 'R-AAAAAA', error: 'Slack is down' }],
      ['could not tell the progress of an import', { requestId: 'R-AAAAAA', error: 'rate limited' }],
    ]);
    const silent = tracked([row(2)], { onProgress });
    await expect(silent.tracker.finish()).resolves.toBeUndefined();
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

describe('the words of a row', () => {
  it('say why a row was skipped, and that a row not finished is not done yet (and counted so), whatever step it stopped at', () => {
    expect(
      (['pending', 'sending', 'account_done', 'created', 'updated', 'failed'] as const).map((state) =>
        statusOf({ state, action: 'create' }),
      ),
    ).toEqual(['not done yet', 'not done yet', 'not done yet', 'created', 'updated', 'failed']);
    expect(
      (['invalid', 'duplicate', 'exists', 'unchanged', 'create'] as const).map((action) =>
        statusOf({ state: 'skipped', action }),
      ),
    ).toEqual([
      'skipped: invalid',
      'skipped: duplicate in the file',
      'skipped: already in Moodle',
      'skipped: unchanged',
      'skipped: create',
    ]);
    expect(describeTotals(totalsOf({ created: 1, partial: 2, updated: 3, skipped: 4 }))).toBe(
      '1 created, 3 updated, 2 without all courses or cohorts, 0 failed, 4 skipped (of 10 rows)',
    );
    expect(totalsOf({ pending: 1, sending: 1, account_done: 2 }).unfinished).toBe(4);
  });
});

describe('the batch size of creates', () => {
  it('keeps every slot busy, stays in the time budget, and never goes under 25', () => {
    // One round of 4 calls (450 users would fit 5 s at 11 ms a user).
    expect(createBatchSize(1_000, false, DEFAULT_IMPORT_TUNING)).toBe(250);
    // createpassword: 87 users fit 5 s at 57 ms, so 12 calls; 8 in flight make that two rounds, evened to 16 of 63.
    expect(createBatchSize(1_000, true, DEFAULT_IMPORT_TUNING)).toBe(63);
    expect(createBatchSize(1_000, true, { ...DEFAULT_IMPORT_TUNING, mailConcurrency: 4 })).toBe(84);
    // 23 calls of at most 454 users: six rounds of 4, evened to 24 calls of 417.
    expect(createBatchSize(10_000, false, DEFAULT_IMPORT_TUNING)).toBe(417);
    expect(createBatchSize(40, false, DEFAULT_IMPORT_TUNING)).toBe(25);
    expect(createBatchSize(10, true, DEFAULT_IMPORT_TUNING)).toBe(25);
  });
});
