// The CSV import form (`/moodle-adduser import`, the Import CSV buttons): one CSV file in Moodle's Upload users
// columns, "add new only" or "add new and update existing", and a reason. Also the short views shown in its place
// while the app works (reading the file, asking Moodle) or when it stops (a file it could not read, a refusal).
import type { types } from '@slack/bolt';
import type { ImportLimits, ImportMode } from '../../core/import/types.js';
import { BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from '../ids.js';
import { encodeImportMetadata, type ImportMetadata } from '../views/import-values.js';
import { buildReasonInput } from './reason-input.js';
import { LIMITS, mrkdwn, plainText } from './text.js';
import { escapeMrkdwn } from './untrusted.js';

export const IMPORT_MODAL_TITLE = 'Import accounts (CSV)';

export const IMPORT_MODE_LABELS: Readonly<Record<ImportMode, string>> = {
  create: 'Add new only',
  create_or_update: 'Add new and update existing',
};

const MODE_HINTS: Readonly<Record<ImportMode, string>> = {
  create: 'Rows whose username, email or ID number already has an account are skipped.',
  create_or_update: 'Existing accounts (same username) get the changed fields only.',
};

/** "5 MB", "10,000": limits as the form and its errors say them. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export interface ImportModalOptions {
  limits: ImportLimits;
  reasonRequired: boolean;
  metadata?: ImportMetadata;
}

function modeOption(mode: ImportMode): types.Option {
  return {
    text: plainText(IMPORT_MODE_LABELS[mode], LIMITS.optionText),
    description: plainText(MODE_HINTS[mode], LIMITS.optionText),
    value: mode,
  };
}

export function buildImportModal(options: ImportModalOptions): types.ModalView {
  const { limits } = options;
  const intro =
    "Create many Moodle accounts from one CSV file with Moodle's *Upload users* columns: `firstname`, " +
    '`lastname`, `email` (required), `username` (else made from the email), and any of `auth idnumber ' +
    'institution department city country lang timezone phone1 phone2 address`, `course1` with `role1`, ' +
    '`cohort1`, … Every row is checked against Moodle before anyone approves; nothing changes until then.';
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.importModal,
    title: plainText(IMPORT_MODAL_TITLE, LIMITS.modalTitle),
    submit: plainText('Check the file', LIMITS.modalButton),
    close: plainText('Cancel', LIMITS.modalButton),
    private_metadata: encodeImportMetadata(options.metadata ?? {}) ?? '{}',
    blocks: [
      { type: 'section', text: mrkdwn(intro) },
      {
        type: 'input',
        block_id: BLOCK_IDS.importFileBlock,
        label: plainText('CSV file', LIMITS.inputLabel),
        element: {
          type: 'file_input',
          action_id: INPUT_ACTION_IDS.importFileInput,
          filetypes: ['csv'],
          max_files: 1,
        },
        hint: plainText(
          `One .csv file (comma, semicolon or tab; UTF-8, as Excel's "CSV UTF-8"), at most ` +
            `${formatBytes(limits.maxBytes)} and ${formatCount(limits.maxRows)} rows. No password column: ` +
            'Moodle emails each new person their login.',
          LIMITS.inputHint,
        ),
      },
      {
        type: 'input',
        block_id: BLOCK_IDS.importModeBlock,
        label: plainText('Accounts that already exist', LIMITS.inputLabel),
        element: {
          type: 'radio_buttons',
          action_id: INPUT_ACTION_IDS.importModeInput,
          options: [modeOption('create'), modeOption('create_or_update')],
          initial_option: modeOption('create'),
        },
      },
      buildReasonInput('Reason', {
        placeholder: 'Why these accounts are needed (shown to the approvers)',
        required: options.reasonRequired,
      }),
    ],
  };
}

/** A view in the import's place with one message: reading, checking, or why it stopped. */
export function buildImportNoticeView(text: string, metadata?: ImportMetadata): types.ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.importPreviewModal,
    title: plainText(IMPORT_MODAL_TITLE, LIMITS.modalTitle),
    close: plainText('Close', LIMITS.modalButton),
    ...(metadata ? { private_metadata: encodeImportMetadata(metadata) ?? '{}' } : {}),
    blocks: [{ type: 'section', text: mrkdwn(text) }],
  };
}

export function buildImportCheckingView(fileName: string, rows?: number): types.ModalView {
  const what = rows === undefined ? '' : ` (${formatCount(rows)} row${rows === 1 ? '' : 's'})`;
  return buildImportNoticeView(
    `:hourglass_flowing_sand: Checking *${escapeMrkdwn(fileName)}*${what} against Moodle… This can take a few ` +
      'seconds for a large file.',
  );
}

/** The file could not be read after the form had closed (a slow download): say why and how to start again. */
export function buildImportFileProblemView(fileName: string, message: string): types.ModalView {
  return buildImportNoticeView(
    `:warning: *${escapeMrkdwn(fileName)}* cannot be imported: ${escapeMrkdwn(message)}\n` +
      'Fix the file and run `/moodle-adduser import` again.',
  );
}
