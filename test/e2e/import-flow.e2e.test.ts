// The CSV import end to end over signed HTTP, against the fake Slack (which serves the attached file and takes the
// uploads) and the fake Moodle: the file is previewed against Moodle, the full check arrives as a file in the
// requester's DM, "Submit for approval" stores one request with one card, an approver approves it, the accounts,
// enrolments and cohort memberships are in Moodle, the card shows the totals, the requester gets the result file
// privately and the notification channel one line. A file with every kind of bad row imports only its good row.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/requests.js';
import { ACTION_IDS, BLOCK_IDS } from '../../src/slack/ids.js';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import type { RecordedCall } from '../fakes/fake-slack/fake-slack.js';
import {
  APPROVER,
  addAccount,
  blocksText,
  clickCard,
  openedView,
  REQUESTER,
  SLACK_USERS,
  submitModal,
  waitForCard,
} from './approval-helpers.js';
import type { TestApp } from './harness.js';
import {
  clickCheck,
  csv,
  hostCsv,
  type ImportTestbed,
  openImportForm,
  previewFile,
  startImportTestbed,
  submitImportForm,
  submitPreview,
  viewUpdate,
} from './import-helpers.js';

const HEADER = 'username,firstname,lastname,email,city,course1,role1,cohort1';

let testbed: ImportTestbed;
let fake: FakeMoodle;
let t: TestApp;

beforeAll(async () => {
  testbed = await startImportTestbed(
    { SLACK_REQUESTERS: `${REQUESTER},U0ADMIN`, SLACK_APPROVERS: APPROVER, SLACK_ADMINS: 'U0ADMIN' },
    SLACK_USERS,
  );
  ({ t, moodle: fake } = testbed);
});
afterAll(() => testbed?.stop());
beforeEach(() => t.slack.reset());

/** The request the preview's submission stored, and its card in the approval channel. */
async function submitted(outcome: Record<string, unknown>): Promise<{ request: RequestRecord; card: RecordedCall }> {
  const id = /Import `(R-[A-Z0-9]+)`/.exec(JSON.stringify(outcome))?.[1];
  expect(id).toBeDefined();
  const request = await t.application.deps.listenerDeps.store.getRequest(String(id));
  if (!request) throw new Error(`no request ${id}`);
  const card = await t.slack.waitForCall(
    'chat.postMessage',
    (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(request.id),
  );
  return { request, card };
}

/** Approves from the card's summary (handed to `read` first); the card once the import has run. */
async function approve(
  request: RequestRecord,
  card: RecordedCall,
  read: (summary: Record<string, unknown>) => void = () => {},
): Promise<RecordedCall> {
  const ts = String(card.response?.ts);
  const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, ts);
  const summary = await openedView(t, triggerId);
  read(summary);
  await submitModal(t, APPROVER, summary);
  return waitForCard(t, ts, 'succeeded');
}

/** The approve summary says the import's file, mode, rows of each kind, courses and cohorts; "Comment" once. */
function expectImportSummary(summary: Record<string, unknown>, words: readonly string[]): void {
  const blocks = summary.blocks as Array<{ type: string; block_id?: string; label?: { text: string } }>;
  const said = JSON.stringify(blocks);
  for (const word of words) expect(said).toContain(word);
  expect(said).not.toContain('no Moodle account has this username');
  const comment = blocks.find((b) => b.block_id === BLOCK_IDS.approveCommentBlock);
  expect(comment).toMatchObject({ optional: true, label: { text: 'Comment' } });
}

const csvLines = (content: Buffer | undefined) => (content?.toString('utf8') ?? '').trim().split(/\r?\n/);

describe('a CSV import from upload to result', () => {
  it('previews, sends the check, is approved once, creates and enrols everyone, and reports privately', async () => {
    const file = hostCsv(
      t,
      'new staff.csv',
      csv(HEADER, [
        'imp.jane,Jane,Doe,imp.jane@example.org,York,TEST101,student,COHORT1',
        ',Ahmed,Khan,imp.ahmed@example.org,Leeds,TEST101,,',
        'imp.maria,Maria,Rossi,imp.maria@example.org,,TEST102,editingteacher,',
      ]),
    );
    const { form, preview } = await previewFile(t, REQUESTER, file, { reason: 'new term' });
    const shown = JSON.stringify(preview);
    expect(shown).toContain('3 new accounts');
    expect(shown).toContain('TEST101 (2)');
    expect(shown).toContain('Cohort 1 (1)');
    expect((preview.submit as { text: string }).text).toBe('Submit for approval');
    expect(fake.site.findUser('imp.jane')).toBeUndefined();

    // The full check, privately: a CSV file in the requester's DM, and the preview says so.
    await clickCheck(t, REQUESTER, form.viewId, preview);
    const check = await t.slack.waitForUpload((u) => u.filename === 'new staff-check.csv');
    expect(check.channelId).toBe('D0REQUESTER');
    expect(csvLines(check.content)).toHaveLength(4);
    expect(check.content?.toString('utf8')).toContain('imp.ahmed');
    await viewUpdate(t, form.viewId, (v) => JSON.stringify(v).includes('in your direct messages'));

    const outcome = await submitPreview(t, REQUESTER, form.viewId, preview);
    expect(JSON.stringify(outcome)).toContain('is saved');
    const { request, card } = await submitted(outcome);
    expect(request).toMatchObject({ operation: 'import', status: 'pending', reason: 'new term' });
    const cardText = blocksText(card);
    for (const words of [
      'Import Moodle accounts: new staff.csv (3 rows)',
      'new term',
      '3 new',
      'TEST101 (2)',
      'Approve…',
      'Reject…',
    ]) {
      expect(cardText).toContain(words);
    }

    const done = await approve(request, card, (summary) =>
      expectImportSummary(summary, [
        '*File*: new staff.csv  ·  Add new only',
        '*Rows (3)*',
        '• 3 new accounts',
        '*Courses*: TEST101 (2), TEST102 (1)',
        '*Cohorts*: Cohort 1 (1)',
      ]),
    );
    expect(blocksText(done)).toContain('*Rows (3)*: 3 created');
    // The card showed the run's progress (at least its last step) before its totals.
    const progress = t.slack
      .callsTo('chat.update')
      .filter((c) => c.args.ts === card.response?.ts && blocksText(c).includes('of 3 accounts done'));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    const jane = fake.site.findUser('imp.jane');
    const ahmed = fake.site.findUser('imp.ahmed');
    const maria = fake.site.findUser('imp.maria');
    expect([jane?.city, ahmed?.city, maria?.firstname]).toEqual(['York', 'Leeds', 'Maria']);
    const catalogue = fake.site.catalogue;
    expect(catalogue.rolesOf(Number(jane?.id), 2)).toEqual([5]);
    expect(catalogue.rolesOf(Number(ahmed?.id), 2)).toEqual([5]);
    expect(catalogue.rolesOf(Number(maria?.id), 3)).toEqual([3]);
    expect(catalogue.isMember(1, Number(jane?.id))).toBe(true);
    // Each account was sent to Moodle once.
    const sent = fake.calls
      .filter((c) => c.wsfunction === 'core_user_create_users')
      .flatMap((c) =>
        Object.entries(c.params)
          .filter(([k]) => /^users\[\d+\]\[username\]$/.test(k))
          .map(([, v]) => v),
      );
    expect(sent.sort()).toEqual(['imp.ahmed', 'imp.jane', 'imp.maria']);

    const result = await t.slack.waitForUpload((u) => u.filename === 'new staff-result.csv');
    expect(result.channelId).toBe('D0REQUESTER');
    expect(result.initialComment).toContain('3 created');
    const lines = csvLines(result.content);
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.includes('imp.jane'))).toContain(String(jane?.id));
    const line = await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0NOTIFY');
    expect(String(line.args.text)).toMatch(/Import Moodle accounts: new staff\.csv \(3 rows\).*3 created/);
    // No generic "your request is done" DM besides the result file.
    expect(t.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === REQUESTER)).toEqual([]);
    expect(t.leakedSecrets()).toEqual([]);
  });

  it('checks every kind of bad row, and imports only the good one', async () => {
    const existing = addAccount(fake, 'impexists');
    const file = hostCsv(
      t,
      'mixed.csv',
      csv(HEADER, [
        'imp.good,Good,Row,imp.good@example.org,York,TEST101,student,',
        'imp.bademail,Bad,Email,not-an-email,,,,',
        'imp.dup,Dup,Licate,IMP.GOOD@example.org,,,,',
        `${existing.username},Already,There,${existing.username}@example.org,,,,`,
        'imp.nocourse,No,Course,imp.nocourse@example.org,,NOSUCH101,student,',
        'imp.norole,No,Role,imp.norole@example.org,,TEST101,headmaster,',
        'imp.nocohort,No,Cohort,imp.nocohort@example.org,,,,NOSUCHCOHORT',
        'imp.nolast,No,,imp.nolast@example.org,,,,',
        'Bad User!,Bad,Username,imp.badname@example.org,,,,',
      ]),
    );
    const { form, preview } = await previewFile(t, REQUESTER, file);
    const shown = JSON.stringify(preview);
    expect(shown).toContain('1 new account');
    expect(shown).toContain('1 duplicate within the file');
    expect(shown).toContain('1 row already in Moodle');
    expect(shown).toContain('6 invalid rows');
    for (const row of [3, 4, 5, 6, 7, 8, 9, 10]) expect(shown).toContain(`Row ${row} `);
    expect(shown).not.toContain('Row 2 ');

    await clickCheck(t, REQUESTER, form.viewId, preview);
    const check = await t.slack.waitForUpload((u) => u.filename === 'mixed-check.csv');
    expect(csvLines(check.content)).toHaveLength(10);

    const outcome = await submitPreview(t, REQUESTER, form.viewId, preview);
    const { request, card } = await submitted(outcome);
    const done = await approve(request, card, (summary) =>
      expectImportSummary(summary, [
        '*File*: mixed.csv',
        '• 1 new account',
        '• 6 invalid rows',
        '• 1 duplicate within the file',
        '• 1 row already in Moodle (skipped)',
      ]),
    );
    expect(blocksText(done)).toContain('1 created');
    expect(blocksText(done)).toContain('8 skipped');
    expect(fake.site.findUser('imp.good')).toBeDefined();
    for (const username of ['imp.bademail', 'imp.dup', 'imp.nocourse', 'imp.norole', 'imp.nocohort', 'imp.nolast']) {
      expect(fake.site.findUser(username)).toBeUndefined();
    }
    const result = await t.slack.waitForUpload((u) => u.filename === 'mixed-result.csv');
    const lines = csvLines(result.content);
    expect(lines).toHaveLength(10);
    expect(lines.filter((l) => /,created,/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /,skipped: /.test(l))).toHaveLength(8);
    expect(lines.find((l) => l.includes('imp.dup'))).toContain('skipped: duplicate in the file');
    expect(lines.find((l) => l.includes(existing.username))).toContain('skipped: already in Moodle');
  });

  it('stops when Moodle fails, says so on the card and to the requester, and Retry resumes it', async () => {
    const file = hostCsv(
      t,
      'stops.csv',
      csv(HEADER, ['imp.stop1,Sto,One,imp.stop1@example.org,,,,', 'imp.stop2,Sto,Two,imp.stop2@example.org,,,,']),
    );
    const { form, preview } = await previewFile(t, REQUESTER, file);
    const { request, card } = await submitted(await submitPreview(t, REQUESTER, form.viewId, preview));
    const ts = String(card.response?.ts);
    fake.setFault({ status: 503 }, { wsfunction: 'core_user_create_users' });
    try {
      const clicked = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, ts);
      await submitModal(t, APPROVER, await openedView(t, clicked.triggerId));
      const failed = await waitForCard(t, ts, 'failed');
      expect(blocksText(failed)).toContain('2 not finished');
      expect(blocksText(failed)).toContain(ACTION_IDS.retryRequestButton);
      const stopped = await t.slack.waitForUpload((u) => u.filename === 'stops-result.csv');
      expect(stopped.initialComment).toMatch(/stopped before every row was done/);
    } finally {
      fake.setFault(null);
    }
    await clickCard(t, APPROVER, ACTION_IDS.retryRequestButton, request, ts);
    const done = await waitForCard(t, ts, 'succeeded');
    expect(blocksText(done)).toContain('*Rows (2)*: 2 created');
    expect(fake.site.findUser('imp.stop2')).toBeDefined();
  });

  it('in "add new and update existing", shows and makes only the changed fields of an existing account', async () => {
    const existing = addAccount(fake, 'impupdate');
    const before = fake.site.findUser(existing.username);
    const file = hostCsv(
      t,
      'update.csv',
      csv(HEADER, [
        `${existing.username},${before?.firstname},${before?.lastname},${before?.email},Leeds,,,`,
        'imp.fresh,Fresh,Row,imp.fresh@example.org,,,,',
      ]),
    );
    const { form, preview } = await previewFile(t, REQUESTER, file, { mode: 'create_or_update' });
    const shown = JSON.stringify(preview);
    expect(shown).toContain('1 account to update');
    expect(shown).toContain(`${existing.username}: city (empty) → Leeds`);
    const { request, card } = await submitted(await submitPreview(t, REQUESTER, form.viewId, preview));
    const done = await approve(request, card);
    expect(blocksText(done)).toContain('1 created, 1 updated');
    expect(fake.site.findUser(existing.username)?.city).toBe('Leeds');
    expect(fake.site.findUser(existing.username)?.firstname).toBe(before?.firstname);
    const updates = fake.calls.filter((c) => c.wsfunction === 'core_user_update_users');
    expect(
      updates.map((c) =>
        Object.keys(c.params)
          .filter((k) => k.startsWith('users[0]'))
          .sort(),
      ),
    ).toEqual([['users[0][city]', 'users[0][id]']]);
  });

  it('in "add new and update existing", a requester changing an email sees the new one, never the old: preview and full check', async () => {
    const existing = addAccount(fake, 'impmail');
    const before = fake.site.findUser(existing.username);
    const old = String(before?.email);
    const file = hostCsv(
      t,
      'emails.csv',
      csv(HEADER, [`${existing.username},${before?.firstname},${before?.lastname},new.${old},Leeds,,,`]),
    );
    const { form, preview } = await previewFile(t, REQUESTER, file, { mode: 'create_or_update' });
    const shown = JSON.stringify(preview);
    expect(shown).toContain(`${existing.username}: email changed to new.${old}; city (empty) → Leeds`);
    expect(shown).not.toContain(`${old} →`);
    await clickCheck(t, REQUESTER, form.viewId, preview);
    const check = (await t.slack.waitForUpload((u) => u.filename === 'emails-check.csv')).content?.toString('utf8');
    expect(check).toContain(`email: changed to new.${old}`);
    expect(check?.replaceAll(`new.${old}`, '')).not.toContain(old);
    const { request, card } = await submitted(await submitPreview(t, REQUESTER, form.viewId, preview));
    await approve(request, card);
    expect(fake.site.findUser(existing.username)?.email).toBe(`new.${old}`);
    const seen = JSON.stringify([
      t.slack.calls.filter((c) => c.args.channel === REQUESTER || c.args.user === REQUESTER).map((c) => c.args),
      t.slack.responses,
    ]);
    expect(seen.replaceAll(`new.${old}`, '')).not.toContain(old);
  });

  it('runs at once for an admin whom no approval binds, and sends the result to them', async () => {
    const file = hostCsv(t, 'direct.csv', csv(HEADER, ['imp.direct,Dee,Rect,imp.direct@example.org,,TEST102,,']));
    const { form, preview } = await previewFile(t, 'U0ADMIN', file);
    const outcome = await submitPreview(t, 'U0ADMIN', form.viewId, preview);
    expect(JSON.stringify(outcome)).toMatch(/Import `R-[A-Z0-9]+` has run/);
    const result = await t.slack.waitForUpload((u) => u.filename === 'direct-result.csv');
    expect(result.channelId).toBe('D0ADMIN');
    expect(fake.site.findUser('imp.direct')).toBeDefined();
  });

  it('refuses, in the form, someone who may not ask for accounts', async () => {
    const file = hostCsv(t, 'stranger.csv', csv(HEADER, ['imp.stranger,S,T,imp.stranger@example.org,,,,']));
    const form = await openImportForm(t, 'U0STRANGER');
    await submitImportForm(t, 'U0STRANGER', form, { files: [file] });
    const { view } = await viewUpdate(t, form.viewId, (v) => JSON.stringify(v).includes(':no_entry:'));
    expect(view.submit).toBeUndefined();
    expect(fake.site.findUser('imp.stranger')).toBeUndefined();
  });

  it('says when nothing in the file would change Moodle, and offers no Submit', async () => {
    const existing = addAccount(fake, 'impnothing');
    const file = hostCsv(
      t,
      'nothing.csv',
      csv(HEADER, [`${existing.username},Pat,X,${existing.username}@example.org,,,,`]),
    );
    const { preview } = await previewFile(t, REQUESTER, file);
    expect(preview.submit).toBeUndefined();
    expect(JSON.stringify(preview)).toContain('Nothing in this file would change Moodle');
  });
});
