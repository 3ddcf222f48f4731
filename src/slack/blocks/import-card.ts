// What an import request adds to the generic request renderings (approval-card.ts): its subject (the file, not an
// account), its progress while it runs ("412 of 1,000 accounts done"), its totals once it has run, and the direct
// message that comes with the result file. The record lines (rows of each kind, courses, cohorts) are the
// operation's own describe(), shown by the generic card.
import type { types } from '@slack/bolt';
import { z } from 'zod';
import type { ImportProgress, ImportResult, ImportTotals } from '../../core/import/types.js';
import type { RequestRecord } from '../../core/requests.js';
import { formatCount } from './import-modal.js';
import { LIMITS, mrkdwn, truncateText } from './text.js';
import { escapeMrkdwn } from './untrusted.js';

const importPayloadSchema = z.looseObject({
  operation: z.literal('import'),
  fileName: z.string(),
  rows: z.number().int().nonnegative().optional(),
});

/** Whether the request is an import (whose subject is a file and whose outcome is a table of rows). */
export function isImportRequest(request: Pick<RequestRecord, 'payload'>): boolean {
  return importPayloadSchema.safeParse(request.payload).success;
}

/** "staff.csv (1,000 rows)"; undefined for any other request. Raw: escape before putting it in mrkdwn. */
export function importSubject(request: Pick<RequestRecord, 'payload'>): string | undefined {
  const payload = importPayloadSchema.safeParse(request.payload);
  if (!payload.success) return undefined;
  const { fileName, rows } = payload.data;
  return rows === undefined ? fileName : `${fileName} (${formatCount(rows)} row${rows === 1 ? '' : 's'})`;
}

const PHASE_WORDS: Readonly<Record<ImportProgress['phase'], string>> = {
  accounts: 'creating and updating accounts',
  enrolments: 'adding course enrolments',
  cohorts: 'adding cohort members',
  done: 'finishing',
};

/** ":gear: 412 of 1,000 accounts done (400 created, 12 updated, 3 failed) · creating and updating accounts". */
export function describeProgress(progress: ImportProgress): string {
  const parts = [`${formatCount(progress.created)} created`, `${formatCount(progress.updated)} updated`];
  if (progress.failed > 0) parts.push(`${formatCount(progress.failed)} failed`);
  return (
    `:gear: *${formatCount(progress.done)} of ${formatCount(progress.total)} accounts done* (${parts.join(', ')}) · ` +
    PHASE_WORDS[progress.phase]
  );
}

/** "980 created, 3 updated, 2 missing courses or cohorts, 17 failed, 12 skipped": only the kinds that occur. */
export function describeTotals(totals: ImportTotals): string {
  const parts: string[] = [];
  if (totals.created > 0) parts.push(`${formatCount(totals.created)} created`);
  if (totals.updated > 0) parts.push(`${formatCount(totals.updated)} updated`);
  if (totals.partial > 0) parts.push(`${formatCount(totals.partial)} missing some courses or cohorts`);
  if (totals.failed > 0) parts.push(`${formatCount(totals.failed)} failed`);
  if (totals.skipped > 0) parts.push(`${formatCount(totals.skipped)} skipped`);
  if (totals.unfinished > 0) parts.push(`${formatCount(totals.unfinished)} not finished`);
  return parts.length > 0 ? parts.join(', ') : 'no rows';
}

/** The card's line while the import runs. */
export function buildImportProgressBlocks(progress: ImportProgress): types.KnownBlock[] {
  return [{ type: 'context', elements: [mrkdwn(describeProgress(progress), LIMITS.contextText)] }];
}

/** The card's totals once the import has run (or stopped). */
export function buildImportTotalsBlocks(totals: ImportTotals): types.KnownBlock[] {
  const resume = totals.unfinished > 0 ? '\nRetry resumes the rows not finished; no account is created twice.' : '';
  return [
    {
      type: 'section',
      text: mrkdwn(`*Rows (${formatCount(totals.rows)})*: ${describeTotals(totals)}.${resume}`),
    },
  ];
}

/**
 * The comment that comes with the result file in the requester's direct message. It is sent as the run ends, before
 * the request's status says so: rows not finished mean the run stopped.
 */
export function buildImportResultComment(request: RequestRecord, result: ImportResult): string {
  const file = `*${escapeMrkdwn(result.fileName, 200)}* (\`${request.id}\`)`;
  const totals = describeTotals(result.totals);
  const head =
    request.status === 'failed' || result.totals.unfinished > 0
      ? `:x: Your import ${file} stopped before every row was done: ${totals}. An approver can retry it from its card; it resumes where it stopped and creates no account twice.`
      : `:white_check_mark: Your import ${file} has run: ${totals}.`;
  return truncateText(
    `${head}\nThe attached file has one line per row: row, username, Moodle id, status and what happened.`,
    LIMITS.messageText,
  );
}
