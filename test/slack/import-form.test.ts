// The CSV import form and its preview: the file_input value and private_metadata are untrusted (parsed with zod,
// anything malformed is a problem on its field, never a throw), the form says its limits, the preview shows the
// counts, the first problems and the courses and cohorts, and offers Submit only when there is something to import.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ImportPreview } from '../../src/core/import/types.js';
import { buildAddUserHelp } from '../../src/slack/blocks/help.js';
import { buildHomeView } from '../../src/slack/blocks/home-tab.js';
import { buildImportModal, formatBytes } from '../../src/slack/blocks/import-modal.js';
import {
  buildImportPreviewView,
  describeCounts,
  describeSubmitOutcome,
  PREVIEW_PROBLEM_LINES,
} from '../../src/slack/blocks/import-preview.js';
import { LIMITS } from '../../src/slack/blocks/text.js';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from '../../src/slack/ids.js';
import { derivedFileName, tooLargeMessage } from '../../src/slack/import-file.js';
import { encodeImportMetadata, parseImportMetadata, parseImportValues } from '../../src/slack/views/import-values.js';

const slackFile = {
  id: 'F0ABC123',
  created: 1,
  timestamp: 1,
  name: 'staff.csv',
  title: 'staff.csv',
  mimetype: 'text/csv',
  filetype: 'csv',
  size: 1234,
  url_private: 'https://files.slack.com/files-pri/T1-F0ABC123/staff.csv',
  url_private_download: 'https://files.slack.com/files-pri/T1-F0ABC123/download/staff.csv',
  user: 'U0REQUESTER',
};

const state = (file: unknown, mode: unknown = undefined, reason: unknown = undefined) => ({
  [BLOCK_IDS.importFileBlock]: { [INPUT_ACTION_IDS.importFileInput]: file },
  ...(mode === undefined ? {} : { [BLOCK_IDS.importModeBlock]: { [INPUT_ACTION_IDS.importModeInput]: mode } }),
  ...(reason === undefined ? {} : { [BLOCK_IDS.reasonBlock]: { [INPUT_ACTION_IDS.reasonInput]: reason } }),
});
const radio = (value: string) => ({ type: 'radio_buttons', selected_option: { value } });

describe('parseImportValues', () => {
  it('reads the file, the mode and the reason', () => {
    const values = parseImportValues(
      state({ type: 'file_input', files: [slackFile] }, radio('create_or_update'), {
        type: 'plain_text_input',
        value: 'new term',
      }),
    );
    expect(values).toEqual({
      file: {
        id: 'F0ABC123',
        name: 'staff.csv',
        size: 1234,
        filetype: 'csv',
        urlPrivateDownload: slackFile.url_private_download,
      },
      mode: 'create_or_update',
      reason: 'new term',
      problems: [],
    });
  });

  it('defaults to add new only, and leaves an empty reason out', () => {
    const values = parseImportValues(
      state(
        { type: 'file_input', files: [slackFile] },
        { type: 'radio_buttons', selected_option: null },
        {
          type: 'plain_text_input',
          value: '  ',
        },
      ),
    );
    expect(values.mode).toBe('create');
    expect(values.reason).toBeUndefined();
  });

  it('asks for a file when none came, and for one file when several did', () => {
    expect(parseImportValues(state({ type: 'file_input', files: [] })).problems).toEqual([
      { field: 'file', message: 'Attach the CSV file to import.' },
    ]);
    expect(
      parseImportValues(state({ type: 'file_input', files: [slackFile, slackFile] })).problems[0]?.message,
    ).toMatch(/one file only/);
  });

  it('turns a malformed file, mode or state into a problem on its field', () => {
    const bad = [
      state({ type: 'plain_text_input', value: 'x' }),
      state({ type: 'file_input', files: [{ ...slackFile, id: 'not-a-file-id' }] }),
      state({ type: 'file_input', files: [{ ...slackFile, url_private_download: 42 }] }),
      state({ type: 'file_input', files: [slackFile] }, radio('delete_everything')),
    ];
    expect(bad.map((s) => parseImportValues(s).problems.map((p) => p.field))).toEqual([
      ['file'],
      ['file'],
      ['file'],
      ['mode'],
    ]);
    expect(parseImportValues(null).problems[0]?.field).toBe('*');
  });

  it('never throws, whatever the state', () => {
    fc.assert(
      fc.property(fc.anything(), (anything) => {
        const values = parseImportValues(anything);
        expect(['create', 'create_or_update']).toContain(values.mode);
      }),
    );
  });
});

describe('import metadata', () => {
  it('round-trips the file, the mode, the reason and the channel', () => {
    const metadata = {
      channelId: 'C0GENERAL',
      file: { id: 'F0ABC123', name: 'staff.csv', urlPrivateDownload: slackFile.url_private_download },
      mode: 'create_or_update' as const,
      reason: 'new term',
    };
    expect(parseImportMetadata(encodeImportMetadata(metadata))).toEqual(metadata);
  });

  it('ignores anything it did not write', () => {
    for (const text of [undefined, '', '{', '[]', '{"mode":"drop"}', 'x'.repeat(4_000), 42]) {
      expect(parseImportMetadata(text)).toEqual({});
    }
  });

  it('refuses to encode what would not fit Slack’s limit', () => {
    expect(encodeImportMetadata({ reason: '\u0001'.repeat(600) })).toBeUndefined();
  });
});

describe('buildImportModal', () => {
  const modal = buildImportModal({ limits: { maxBytes: 5 * 1024 * 1024, maxRows: 10_000 }, reasonRequired: true });

  it('asks for one CSV file, the mode (add new only by default) and a reason', () => {
    expect(modal.callback_id).toBe(CALLBACK_IDS.importModal);
    type Block = {
      block_id?: string;
      optional?: boolean;
      hint: { text: string };
      element: { initial_option: { value: string }; options: Array<{ value: string }> };
    };
    const blocks = modal.blocks as unknown as Block[];
    const file = blocks.find((b) => b.block_id === BLOCK_IDS.importFileBlock);
    expect(file?.element).toEqual({
      type: 'file_input',
      action_id: INPUT_ACTION_IDS.importFileInput,
      filetypes: ['csv'],
      max_files: 1,
    });
    expect(file?.hint.text).toContain('5 MB');
    expect(file?.hint.text).toContain('10,000 rows');
    expect(file?.hint.text).toContain('No password column');
    const mode = blocks.find((b) => b.block_id === BLOCK_IDS.importModeBlock);
    expect(mode?.element.initial_option.value).toBe('create');
    expect(mode?.element.options.map((o) => o.value)).toEqual(['create', 'create_or_update']);
    expect(blocks.find((b) => b.block_id === BLOCK_IDS.reasonBlock)?.optional).toBe(false);
    expect(modal.title.text.length).toBeLessThanOrEqual(LIMITS.modalTitle);
  });

  it('is offered wherever a new account is: the help and the Home tab', () => {
    expect(JSON.stringify(buildAddUserHelp())).toContain('/moodle-adduser import');
    const home = JSON.stringify(buildHomeView({ viewer: 'U0A', now: new Date(), mine: [] }));
    expect(home).toContain(ACTION_IDS.homeNewAccountButton);
    expect(home).toContain(ACTION_IDS.homeImportButton);
  });

  it('says sizes as a person reads them', () => {
    expect(formatBytes(5 * 1024 * 1024)).toBe('5 MB');
    expect(formatBytes(1536 * 1024)).toBe('1.5 MB');
    expect(formatBytes(2048)).toBe('2 KB');
    expect(tooLargeMessage({ maxBytes: 5 * 1024 * 1024, maxRows: 1 })).toContain('larger than 5 MB');
    expect(derivedFileName('Staff List.CSV', 'result')).toBe('Staff List-result.csv');
    expect(derivedFileName('../../etc/passwd', 'check')).toBe('.._.._etc_passwd-check.csv');
  });
});

function previewOf(overrides: Partial<ImportPreview> = {}): ImportPreview {
  return {
    fileName: 'staff*.csv',
    sha256: 'ab',
    mode: 'create',
    counts: { create: 950, update: 0, unchanged: 0, invalid: 12, duplicate: 5, exists: 3 },
    rows: [],
    problems: Array.from({ length: 20 }, (_, i) => ({
      row: i + 2,
      username: `user${i}`,
      action: 'invalid' as const,
      message: 'The email address is not valid.',
    })),
    courses: [{ id: 2, shortname: 'TEST101', enrolments: 950 }],
    cohorts: [{ id: 1, name: '*Year 7*', members: 10 }],
    checked: true,
    notes: [],
    ...overrides,
  };
}

describe('buildImportPreviewView', () => {
  const metadata = { mode: 'create' as const };

  it('shows the counts, the courses and cohorts, the first problems, the check button and Submit', () => {
    const view = buildImportPreviewView(previewOf(), metadata);
    const json = JSON.stringify(view);
    expect(view.callback_id).toBe(CALLBACK_IDS.importPreviewModal);
    expect(view.submit?.text).toBe('Submit for approval');
    const counts = ['950 new accounts', '12 invalid rows', '5 duplicates within the file', '3 rows already in Moodle'];
    expect(counts.filter((words) => !json.includes(words))).toEqual([]);
    expect(json).toContain('TEST101 (950)');
    expect(json).toContain('Row 2 · user0 (invalid): The email address is not valid.');
    expect(json).not.toContain('more in the full check');
    expect(json).toContain(ACTION_IDS.importCheckButton);
    // Names from the file and from Moodle cannot format.
    expect(json).not.toContain('*Year 7*');
    expect(json).not.toContain('staff*.csv');
  });

  it('lists at most the first problems, and says how many more the full check has', () => {
    const problems = Array.from({ length: 40 }, (_, i) => ({
      row: i + 2,
      username: `u${i}`,
      action: 'duplicate' as const,
      message: 'Same email as row 1.',
    }));
    const counts = { create: 10, update: 0, unchanged: 0, invalid: 0, duplicate: 1_040, exists: 0 };
    const json = JSON.stringify(buildImportPreviewView(previewOf({ problems, counts }), metadata));
    expect(json).toContain(`Row ${PREVIEW_PROBLEM_LINES + 1} `);
    expect(json).not.toContain(`Row ${PREVIEW_PROBLEM_LINES + 2} `);
    expect(json).toContain(`…and ${(1_040 - PREVIEW_PROBLEM_LINES).toLocaleString('en-US')} more in the full check.`);
  });

  it('shows the first updates with their changed fields only', () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({
      row: i + 2,
      action: 'update' as const,
      username: `u${i}`,
      changes: [{ field: 'city' as const, before: i === 0 ? '' : 'York', after: 'Leeds*' }],
    }));
    const counts = { create: 0, update: 12, unchanged: 0, invalid: 0, duplicate: 0, exists: 0 };
    const json = JSON.stringify(buildImportPreviewView(previewOf({ rows, counts, problems: [] }), metadata));
    expect(json).toContain('Updates (changed fields only)');
    expect(json).toContain('Row 2 · u0: city (empty) → Leeds');
    expect(json).not.toContain('Leeds*');
    expect(json).not.toContain('Row 13 ');
    expect(json).toContain('…and 2 more in the full check.');
  });

  it('a change whose old value the core left out (a plain requester) shows only the new value', () => {
    const rows = [
      {
        row: 2,
        action: 'update' as const,
        username: 'ray',
        changes: [
          { field: 'email' as const, after: 'ray.new@example.org' },
          { field: 'city' as const, before: 'Oslo', after: 'Bergen' },
        ],
      },
    ];
    const counts = { create: 0, update: 1, unchanged: 0, invalid: 0, duplicate: 0, exists: 0 };
    const json = JSON.stringify(buildImportPreviewView(previewOf({ rows, counts, problems: [] }), metadata));
    expect(json).toContain('Row 2 · ray: email changed to ray.new@example.org; city Oslo → Bergen');
  });

  it('offers no Submit when nothing would change Moodle or Moodle could not be checked', () => {
    const nothing = previewOf({ counts: { create: 0, update: 0, unchanged: 2, invalid: 1, duplicate: 0, exists: 4 } });
    expect(buildImportPreviewView(nothing, metadata).submit).toBeUndefined();
    const unchecked = previewOf({ checked: false, notes: ['Moodle did not answer.'] });
    const view = buildImportPreviewView(unchecked, metadata);
    expect(view.submit).toBeUndefined();
    expect(JSON.stringify(view)).toContain('Moodle did not answer.');
  });

  it('carries the file, the mode and the reason to the submission', () => {
    const carried = { ...metadata, reason: 'term', file: { id: 'F0A1', name: 'a.csv', urlPrivateDownload: 'u' } };
    expect(parseImportMetadata(buildImportPreviewView(previewOf(), carried).private_metadata)).toEqual(carried);
  });

  it('describes only the kinds of rows there are', () => {
    expect(describeCounts({ create: 1, update: 2, unchanged: 0, invalid: 0, duplicate: 1, exists: 0 })).toEqual([
      '1 new account',
      '2 accounts to update',
      '1 duplicate within the file',
    ]);
  });

  it('says what a submission became', () => {
    expect(describeSubmitOutcome({ kind: 'refused', reason: 'Imports need PASSWORD_MODE=email.' }, 'C0APPROVALS')).toBe(
      ':no_entry: Imports need PASSWORD_MODE=email.',
    );
    expect(describeSubmitOutcome({ kind: 'unavailable', message: 'Moodle is down.' }, 'C0APPROVALS')).toContain(
      'Nothing was submitted',
    );
  });
});
