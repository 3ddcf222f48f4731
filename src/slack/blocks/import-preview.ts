// The import's preview, before anything is stored: how many rows would be created or updated and how many are
// skipped (invalid, duplicate in the file, already in Moodle, unchanged), the first problems row by row, the
// courses and cohorts named, a button that sends the full check as a CSV file, and "Submit for approval". Then the
// view that says what the submission became. Everything from the file or from Moodle is escaped.
import type { types } from '@slack/bolt';
import type { ImportCounts, ImportPreview, RowAction, RowChange } from '../../core/import/types.js';
import type { SubmitOutcome } from '../../core/use-cases/outcomes.js';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../ids.js';
import { encodeImportMetadata, type ImportMetadata } from '../views/import-values.js';
import { listBlocks } from './create-result.js';
import { buildImportNoticeView, formatCount, IMPORT_MODAL_TITLE, IMPORT_MODE_LABELS } from './import-modal.js';
import { CARD_NOT_POSTED, LIMITS, mrkdwn, plainText } from './text.js';
import { escapeMrkdwn } from './untrusted.js';

/** Problem rows shown in the modal; the full check has them all. */
export const PREVIEW_PROBLEM_LINES = 20;
/** Courses or cohorts named in one line before "and N more". */
const NAMES_SHOWN = 15;

const ACTION_WORDS: Readonly<Record<RowAction, string>> = {
  create: 'new',
  update: 'update',
  unchanged: 'unchanged',
  invalid: 'invalid',
  duplicate: 'duplicate in the file',
  exists: 'already in Moodle',
};

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** "950 new accounts", "12 invalid rows"…: only the kinds that occur, in a fixed order. */
export function describeCounts(counts: ImportCounts): string[] {
  const lines: string[] = [];
  if (counts.create > 0) lines.push(plural(counts.create, 'new account', 'new accounts'));
  if (counts.update > 0) lines.push(`${plural(counts.update, 'account', 'accounts')} to update`);
  if (counts.unchanged > 0) lines.push(`${plural(counts.unchanged, 'row', 'rows')} unchanged`);
  if (counts.invalid > 0) lines.push(`${plural(counts.invalid, 'invalid row', 'invalid rows')}`);
  if (counts.duplicate > 0) lines.push(`${plural(counts.duplicate, 'duplicate', 'duplicates')} within the file`);
  if (counts.exists > 0) lines.push(`${plural(counts.exists, 'row', 'rows')} already in Moodle (skipped)`);
  return lines;
}

/** "TEST101 (950), TEST102 (12) and 3 more". */
export function describeNames(items: ReadonlyArray<{ name: string; count: number }>): string {
  const shown = items.slice(0, NAMES_SHOWN).map((i) => `${escapeMrkdwn(i.name, 100)} (${formatCount(i.count)})`);
  const more = items.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${formatCount(more)} more` : shown.join(', ');
}

function section(text: string): types.SectionBlock {
  return { type: 'section', text: mrkdwn(text) };
}

function problemLines(preview: ImportPreview): string[] {
  const shown = preview.problems.slice(0, PREVIEW_PROBLEM_LINES).map((p) => {
    const who = p.username ? ` · ${escapeMrkdwn(p.username, 100)}` : '';
    return `• Row ${p.row}${who} (${ACTION_WORDS[p.action]}): ${escapeMrkdwn(p.message, 300)}`;
  });
  const total = preview.counts.invalid + preview.counts.duplicate + preview.counts.exists;
  if (total > shown.length) shown.push(`…and ${formatCount(total - shown.length)} more in the full check.`);
  return shown;
}

/** Updates shown in the modal, with their changed fields; the full check has them all. */
export const PREVIEW_UPDATE_LINES = 10;

/** "city York → Leeds", or "email changed to …" when the core left the old value out for this reader. */
function changeLine(c: RowChange): string {
  const after = escapeMrkdwn(c.after || '(empty)', 80);
  return c.before === undefined
    ? `${c.field} changed to ${after}`
    : `${c.field} ${escapeMrkdwn(c.before || '(empty)', 80)} → ${after}`;
}

/** "• Row 5 · jdoe: city York → Leeds; email changed to jd@x.org", for the first updates. */
function updateLines(preview: ImportPreview): string[] {
  const updates = preview.rows.filter((row) => row.action === 'update');
  const shown = updates.slice(0, PREVIEW_UPDATE_LINES).map((row) => {
    const changes = (row.changes ?? []).map(changeLine).join('; ');
    return `• Row ${row.row} · ${escapeMrkdwn(row.username, 100)}: ${changes}`;
  });
  if (updates.length > shown.length)
    shown.push(`…and ${formatCount(updates.length - shown.length)} more in the full check.`);
  return shown;
}

/** Rows that would change Moodle. */
export function rowsToImport(counts: ImportCounts): number {
  return counts.create + counts.update;
}

export function buildImportPreviewView(
  preview: ImportPreview,
  metadata: ImportMetadata,
  options: { checkSent?: boolean } = {},
): types.ModalView {
  const rows = Object.values(preview.counts).reduce((a, b) => a + b, 0);
  const head = [
    `*${escapeMrkdwn(preview.fileName, 200)}*: ${plural(rows, 'row', 'rows')} checked · ${IMPORT_MODE_LABELS[preview.mode].toLowerCase()}`,
    ...describeCounts(preview.counts).map((line) => `• ${line}`),
  ];
  const blocks: types.KnownBlock[] = [section(head.join('\n'))];
  const named: string[] = [];
  if (preview.courses.length > 0) {
    named.push(`*Courses*: ${describeNames(preview.courses.map((c) => ({ name: c.shortname, count: c.enrolments })))}`);
  }
  if (preview.cohorts.length > 0) {
    named.push(`*Cohorts*: ${describeNames(preview.cohorts.map((c) => ({ name: c.name, count: c.members })))}`);
  }
  if (named.length > 0) blocks.push(section(named.join('\n')));
  if (preview.notes.length > 0) {
    const mark = preview.checked ? ':information_source:' : ':warning:';
    blocks.push({ type: 'context', elements: [mrkdwn(`${mark} ${escapeMrkdwn(preview.notes.join(' '))}`)] });
  }
  const updates = updateLines(preview);
  if (updates.length > 0)
    blocks.push({ type: 'divider' }, section('*Updates (changed fields only)*'), ...listBlocks(updates));
  const problems = problemLines(preview);
  if (problems.length > 0) blocks.push({ type: 'divider' }, section('*Problems, row by row*'), ...listBlocks(problems));
  blocks.push({
    type: 'actions',
    block_id: BLOCK_IDS.importCheckBlock,
    elements: [
      {
        type: 'button',
        action_id: ACTION_IDS.importCheckButton,
        text: plainText('Download the full check', LIMITS.buttonText),
        value: 'check',
      },
    ],
  });
  const submittable = preview.checked && rowsToImport(preview.counts) > 0;
  if (options.checkSent) {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(':incoming_envelope: The full check is in your direct messages with the app.')],
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        submittable
          ? 'The full check comes as a CSV file in a direct message. Submitting checks the file against Moodle once more; skipped rows stay skipped.'
          : preview.checked
            ? 'Nothing in this file would change Moodle: fix the rows above and run `/moodle-adduser import` again.'
            : 'Moodle could not be checked, so the file cannot be submitted yet. Try again in a moment.',
      ),
    ],
  });
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.importPreviewModal,
    title: plainText(IMPORT_MODAL_TITLE, LIMITS.modalTitle),
    close: plainText(submittable ? 'Cancel' : 'Close', LIMITS.modalButton),
    ...(submittable ? { submit: plainText('Submit for approval', LIMITS.modalButton) } : {}),
    private_metadata: encodeImportMetadata(metadata) ?? '{}',
    blocks: blocks.slice(0, 100),
  };
}

/** What became of "Submit for approval". */
export function buildImportSubmittedView(outcome: SubmitOutcome, approvalChannel: string): types.ModalView {
  return buildImportNoticeView(describeSubmitOutcome(outcome, approvalChannel));
}

export function describeSubmitOutcome(outcome: SubmitOutcome, approvalChannel: string): string {
  switch (outcome.kind) {
    case 'pending': {
      const saved =
        `:inbox_tray: Import \`${outcome.request.id}\` is saved. An approver will review it in ` +
        `<#${approvalChannel}>; you will get a direct message with the result file when it has run.`;
      return outcome.cardNotPosted ? `${saved}\n:warning: ${escapeMrkdwn(CARD_NOT_POSTED)}` : saved;
    }
    case 'executed':
    case 'failed':
      return (
        `:gear: Import \`${outcome.execution.request.id}\` has run. You will get a direct message with ` +
        'the totals and the result file, row by row.'
      );
    case 'refused':
      return `:no_entry: ${escapeMrkdwn(outcome.reason)}`;
    case 'invalid':
      return `:warning: Nothing was submitted: ${escapeMrkdwn(outcome.problems.map((p) => p.message).join(' '))}`;
    case 'exists':
    case 'unavailable':
      return `:warning: Nothing was submitted: ${escapeMrkdwn(outcome.message)}`;
    case 'preview':
      // The import form never asks for a dry run.
      return ':mag: This was a dry run: nothing was stored and Moodle was not changed.';
  }
}
