// The outcome of an import as people read it: totals, and the result CSV (row, username, Moodle id, status,
// message in plain words). Built from the stored rows, so it is the same whenever it is asked for.
import { csvOf } from './csv-out.js';
import { safeCell } from './preview.js';
import type { ImportResult, ImportRowRecord, ImportRowState, ImportTotals } from './types.js';

const STATUS_WORDS: Record<ImportRowState, string> = {
  pending: 'not done yet',
  sending: 'not done yet',
  account_done: 'not done yet',
  created: 'created',
  updated: 'updated',
  partial: 'done, but not all courses or cohorts',
  failed: 'failed',
  // Stryker disable next-line StringLiteral: never read; statusOf words a skipped row by its reason instead.
  skipped: 'skipped',
};

const SKIP_WORDS: Record<string, string> = {
  invalid: 'invalid',
  duplicate: 'duplicate in the file',
  exists: 'already in Moodle',
  unchanged: 'unchanged',
};

export function totalsOf(counts: Partial<Record<ImportRowState, number>>): ImportTotals {
  const n = (state: ImportRowState) => counts[state] ?? 0;
  return {
    rows: Object.values(counts).reduce((a, b) => a + (b ?? 0), 0),
    created: n('created'),
    updated: n('updated'),
    partial: n('partial'),
    failed: n('failed'),
    skipped: n('skipped'),
    unfinished: n('pending') + n('sending') + n('account_done'),
  };
}

export function statusOf(row: Pick<ImportRowRecord, 'state' | 'action'>): string {
  if (row.state !== 'skipped') return STATUS_WORDS[row.state];
  return `skipped: ${SKIP_WORDS[row.action] ?? row.action}`;
}

/** The CSV is written when read (the upload reads it; a card's redraw needs only the totals). */
export function buildImportResult(requestId: string, fileName: string, rows: readonly ImportRowRecord[]): ImportResult {
  const counts: Partial<Record<ImportRowState, number>> = {};
  for (const row of rows) counts[row.state] = (counts[row.state] ?? 0) + 1;
  let csv: string | undefined;
  return {
    requestId,
    fileName,
    totals: totalsOf(counts),
    get csv() {
      csv ??= csvOf(['row', 'username', 'moodle_id', 'status', 'message'], rows, (row) => [
        row.row,
        safeCell(row.username),
        row.moodleId ?? '',
        statusOf(row),
        safeCell(row.message),
      ]);
      return csv;
    },
  };
}

/** "980 created, 12 updated, 8 failed, 40 skipped" for logs and the audit event. */
export function describeTotals(t: ImportTotals): string {
  const parts = [
    `${t.created} created`,
    `${t.updated} updated`,
    ...(t.partial > 0 ? [`${t.partial} without all courses or cohorts`] : []),
    `${t.failed} failed`,
    `${t.skipped} skipped`,
    ...(t.unfinished > 0 ? [`${t.unfinished} not done yet`] : []),
  ];
  return `${parts.join(', ')} (of ${t.rows} rows)`;
}
