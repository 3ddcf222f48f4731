// A file the import cannot take is refused inline, under the file field, within the ack of the form's submission
// (signed requests, the file downloaded from the fake Slack with the bot token): not CSV, empty, too large (by the
// size Slack reports, and by the bytes when the report lies), not UTF-8, no header row, required columns missing,
// over the row limit, a password column, no file, a file that is not on Slack's file host. A file of exactly the
// row limit is accepted.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../../src/slack/ids.js';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import { buildBlockActions } from '../fakes/sign.js';
import type { TestApp } from './harness.js';
import {
  csv,
  hostCsv,
  type ImportTestbed,
  inlineErrors,
  openImportForm,
  startImportTestbed,
  submitImportForm,
  viewUpdate,
} from './import-helpers.js';

const REQUESTER = 'U0REQUESTER';
const HEADER = 'username,firstname,lastname,email';
const MB = 1024 * 1024;

let testbed: ImportTestbed;
let t: TestApp;
let moodle: FakeMoodle;

beforeAll(async () => {
  testbed = await startImportTestbed({ REASON_REQUIRED: 'delete,import' }, [{ id: REQUESTER }]);
  ({ t, moodle } = testbed);
});
afterAll(() => testbed?.stop());
beforeEach(() => {
  moodle.reset();
  t.slack.reset();
});

async function fileError(files: unknown[], reason: string | undefined = 'new term'): Promise<string | undefined> {
  const form = await openImportForm(t, REQUESTER);
  const ack = await submitImportForm(t, REQUESTER, form, { files, ...(reason ? { reason } : {}) });
  expect(ack.status).toBe(200);
  return inlineErrors(ack)?.[BLOCK_IDS.importFileBlock];
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => `bulk${i},Pat,Tester${i},bulk${i}@example.org`);

describe('a file the import cannot take is refused under the file field', () => {
  it.each([
    ['a spreadsheet, not CSV', 'staff.xlsx', Buffer.from('PK\u0003\u0004 spreadsheet bytes'), /spreadsheet.*not CSV/],
    ['an empty file', 'empty.csv', '', /empty/],
    [
      'a file that is not UTF-8',
      'latin1.csv',
      Buffer.from(`${HEADER}\njdoe,J\xe9r\xf4me,Doe,j@example.org\n`, 'latin1'),
      /not UTF-8/,
    ],
    [
      'a file without a header row',
      'noheader.csv',
      'jdoe,Jane,Doe,jane@example.org\n',
      /first row must name the columns/,
    ],
    [
      'a file without a required column',
      'nolast.csv',
      csv('username,firstname,email', ['jdoe,Jane,j@example.org']),
      /no lastname column/,
    ],
    [
      'a file with a password column',
      'pw.csv',
      csv(`${HEADER},password`, ['jdoe,Jane,Doe,j@example.org,Secret1!']),
      /password column.*never travel through Slack/,
    ],
    ['a file over the row limit', 'big.csv', csv(HEADER, rows(10_001)), /more than 10,000 rows/],
    ['a quote that is never closed', 'quote.csv', `${HEADER}\n"jdoe,Jane,Doe,j@example.org\n`, /cannot be read as CSV/],
  ])('%s', async (_what, name, content, message) => {
    const file = hostCsv(t, name, content);
    expect(await fileError([file])).toMatch(message);
    expect(t.slack.files.downloads.map((d) => [d.fileId, d.token])).toEqual([[file.id, 'bot']]);
    // Nothing reached Moodle and nothing was stored.
    expect(moodle.calls).toEqual([]);
    expect(await t.application.deps.listenerDeps.store.listRequests({ limit: 10 })).toEqual([]);
  });

  it('says the size limit when Slack reports a larger file, without downloading it', async () => {
    const file = hostCsv(t, 'huge.csv', csv(HEADER, rows(2)), { reportedSize: 6 * MB });
    expect(await fileError([file])).toMatch(/larger than 5 MB/);
    expect(t.slack.files.downloads).toEqual([]);
  });

  it('stops a download that is larger than Slack said, at the limit', async () => {
    const body = Buffer.alloc(5 * MB + 1, 'x');
    const file = hostCsv(t, 'liar.csv', body, { reportedSize: 100 });
    expect(await fileError([file])).toMatch(/larger than 5 MB/);
  });

  it('asks for a file when none is attached, and for one file when there are two', async () => {
    expect(await fileError([])).toBe('Attach the CSV file to import.');
    const one = hostCsv(t, 'a.csv', csv(HEADER, rows(1)));
    expect(await fileError([one, one])).toMatch(/one file only/);
  });

  it('never sends the bot token to a file that is not on Slack’s file host', async () => {
    const file = hostCsv(t, 'a.csv', csv(HEADER, rows(1)));
    const elsewhere = { ...file, url_private_download: file.url_private_download.replace('127.0.0.1', 'localhost') };
    expect(await fileError([elsewhere])).toMatch(/did not come from Slack/);
    expect(t.slack.files.downloads).toEqual([]);
  });

  it('asks for the reason when REASON_REQUIRED names import, together with the file’s problem', async () => {
    const form = await openImportForm(t, REQUESTER);
    const file = hostCsv(t, 'a.csv', csv(HEADER, rows(1)));
    const ack = await submitImportForm(t, REQUESTER, form, { files: [file] });
    expect(inlineErrors(ack)).toEqual({ [BLOCK_IDS.reasonBlock]: expect.stringMatching(/Give a reason/) });
  });

  it('accepts a file of exactly the row limit and checks it against Moodle', async () => {
    const form = await openImportForm(t, REQUESTER);
    const file = hostCsv(t, 'limit.csv', csv(HEADER, rows(10_000)));
    const ack = await submitImportForm(t, REQUESTER, form, { files: [file], reason: 'new term' });
    // "Checking…" (with the row count when the file was read within the ack's budget), then the preview.
    expect(ack.body).toMatchObject({ response_action: 'update' });
    const { view } = await viewUpdate(t, form.viewId, (v) => JSON.stringify(v).includes('checked'));
    expect(JSON.stringify(view)).toContain('10,000 new accounts');
    expect(t.leakedSecrets()).toEqual([]);
  });
});

describe('the import form', () => {
  it('opens from the Home tab’s Import CSV button', async () => {
    const triggerId = t.slack.issueTriggerId();
    const ack = await t.action(
      buildBlockActions({
        user: { id: REQUESTER },
        actions: [{ action_id: ACTION_IDS.homeImportButton, block_id: 'home_quick_actions', value: 'import' }],
        triggerId,
      }),
    );
    expect(ack.status).toBe(200);
    const opened = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
    expect((opened.args.view as { callback_id: string }).callback_id).toBe(CALLBACK_IDS.importModal);
  });

  it('logs neither a token the file URL carries nor the bot token', async () => {
    const file = hostCsv(t, 'a.csv', csv(HEADER, rows(2)));
    const withToken = { ...file, url_private_download: `${file.url_private_download}?t=xoxe-file-token-in-url` };
    const form = await openImportForm(t, REQUESTER);
    await submitImportForm(t, REQUESTER, form, { files: [withToken], reason: 'new term' });
    await viewUpdate(t, form.viewId, (v) => JSON.stringify(v).includes('checked'));
    await t.idle();
    expect(t.slack.files.downloads).toHaveLength(1);
    // The import was logged (with the request's context), the URL and its token were not.
    expect(t.logs.some((line) => line.includes('import file read'))).toBe(true);
    expect(t.logs.filter((line) => line.includes('xoxe-file-token-in-url'))).toEqual([]);
    expect(t.leakedSecrets()).toEqual([]);
  });
});

describe('a download slower than the ack allows', () => {
  it('closes the form into "Checking…", then shows the file’s problem there', async () => {
    const held = t.slack.files.holdDownloads();
    const file = hostCsv(t, 'slow.csv', csv('username,firstname,email', ['jdoe,Jane,j@example.org']));
    const form = await openImportForm(t, REQUESTER);
    // The ack cannot wait for the file (held by the fake): after its budget the form becomes "Checking…".
    const ack = await submitImportForm(t, REQUESTER, form, { files: [file], reason: 'new term' });
    expect(ack.body).toMatchObject({ response_action: 'update' });
    expect(JSON.stringify(ack.body)).toContain('Checking');
    held.release();
    const { view } = await viewUpdate(t, form.viewId, (v) => JSON.stringify(v).includes('cannot be imported'));
    expect(JSON.stringify(view)).toContain('no lastname column');
  });
});

describe('over Socket Mode', () => {
  let socket: ImportTestbed;
  beforeAll(async () => {
    socket = await startImportTestbed({}, [{ id: REQUESTER }], 'socket');
  });
  afterAll(() => socket?.stop());

  it('refuses a bad file inline in the ack, and previews a good one', async () => {
    const s = socket.t;
    const bad = hostCsv(s, 'pw.csv', csv(`${HEADER},password`, ['jdoe,Jane,Doe,j@example.org,x']));
    const form = await openImportForm(s, REQUESTER);
    const ack = await submitImportForm(s, REQUESTER, form, { files: [bad] });
    expect(inlineErrors(ack)?.[BLOCK_IDS.importFileBlock]).toMatch(/password column/);
    const good = hostCsv(s, 'ok.csv', csv(HEADER, rows(2)));
    const again = await openImportForm(s, REQUESTER);
    expect(inlineErrors(await submitImportForm(s, REQUESTER, again, { files: [good] }))).toBeUndefined();
    await viewUpdate(s, again.viewId, (v) => JSON.stringify(v).includes('2 new accounts'));
  });
});

describe('with PASSWORD_MODE=generate', () => {
  let generate: ImportTestbed;
  beforeAll(async () => {
    generate = await startImportTestbed({ PASSWORD_MODE: 'generate' }, [{ id: REQUESTER }]);
  });
  afterAll(() => generate?.stop());

  it('refuses an import whose rows need passwords, saying why, in the form', async () => {
    const g = generate.t;
    const form = await openImportForm(g, REQUESTER);
    const file = hostCsv(g, 'gen.csv', csv(HEADER, rows(2)));
    expect(inlineErrors(await submitImportForm(g, REQUESTER, form, { files: [file] }))).toBeUndefined();
    const { view } = await viewUpdate(g, form.viewId, (v) => JSON.stringify(v).includes(':no_entry:'));
    expect(JSON.stringify(view)).toContain('PASSWORD_MODE');
    expect(view.submit).toBeUndefined();
    expect(generate.moodle.calls.filter((c) => c.wsfunction === 'core_user_create_users')).toEqual([]);
  });
});
