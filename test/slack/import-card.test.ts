// An import request on Slack: its card names the file (not an account), shows progress while it runs and totals
// once it has run, on every redraw; the requester gets one direct message with the totals and the result file
// (files.uploadV2 into their DM); the notification line carries the totals. Against the fake Slack, with a real
// WebClient.
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImportResult } from '../../src/core/import/types.js';
import type { RequestRecord } from '../../src/core/requests.js';
import { buildApprovalCard, describeTarget } from '../../src/slack/blocks/approval-card.js';
import {
  buildImportResultComment,
  describeProgress,
  describeTotals,
  importSubject,
} from '../../src/slack/blocks/import-card.js';
import { createSlackNotifier } from '../../src/slack/notifier.js';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';
import { makeRequest } from './approval-fixtures.js';

function importRequest(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return makeRequest({
    operation: 'import' as RequestRecord['operation'],
    target: {},
    payload: {
      operation: 'import',
      fileName: 'staff_*list*.csv',
      sha256: 'ab',
      mode: 'create',
      rows: 1_000,
      counts: { create: 990, update: 0, unchanged: 0, invalid: 10, duplicate: 0, exists: 0 },
      courses: [],
      cohorts: [],
    } as unknown as RequestRecord['payload'],
    preflight: undefined,
    ...overrides,
  });
}

const totals = { rows: 1_000, created: 980, updated: 0, partial: 2, failed: 8, skipped: 10, unfinished: 0 };
const result: ImportResult = {
  requestId: 'R-7K3QX9',
  fileName: 'staff_*list*.csv',
  totals,
  csv: 'row,username,moodle id,status,message\n2,ab,101,created,\n',
};

describe('import rendering', () => {
  it('names the file and its rows as the subject, escaped on the card', () => {
    const request = importRequest();
    expect(importSubject(request)).toBe('staff_*list*.csv (1,000 rows)');
    expect(describeTarget(request)).toBe('staff_*list*.csv (1,000 rows)');
    expect(importSubject(makeRequest())).toBeUndefined();
    const built = buildApprovalCard(request, { moodleUrl: 'https://lms.example.org' });
    const card = JSON.stringify(built);
    // The header is plain text, which formats nothing: the file's name as it is. Every mrkdwn text escapes it.
    expect((built.blocks ?? [])[0]).toMatchObject({
      type: 'header',
      text: { type: 'plain_text', text: 'Import Moodle accounts: staff_*list*.csv (1,000 rows)', emoji: false },
    });
    const mrkdwnTexts = JSON.stringify(
      [built.text, ...(built.blocks ?? []).slice(1)].filter(
        (b) => JSON.stringify(b).includes('mrkdwn') || typeof b === 'string',
      ),
    );
    expect(mrkdwnTexts).not.toContain('*list*');
    expect(card).not.toContain('unknown account');
  });

  it('words progress and totals, only with the kinds that occur', () => {
    expect(describeProgress({ phase: 'accounts', total: 1_000, done: 412, created: 400, updated: 12, failed: 0 })).toBe(
      ':gear: *412 of 1,000 accounts done* (400 created, 12 updated) · creating and updating accounts',
    );
    expect(describeTotals(totals)).toBe('980 created, 2 missing some courses or cohorts, 8 failed, 10 skipped');
    expect(describeTotals({ ...totals, created: 0, partial: 0, failed: 0, skipped: 0, unfinished: 3 })).toBe(
      '3 not finished',
    );
  });

  it('tells the requester whether it ran or stopped, and what the file holds', () => {
    const done = buildImportResultComment(importRequest({ status: 'succeeded' }), result);
    expect(done).toMatch(/^:white_check_mark: Your import .* has run: 980 created/);
    expect(done).toContain('one line per row');
    const stopped = buildImportResultComment(importRequest({ status: 'failed' }), result);
    expect(stopped).toMatch(/stopped before every row was done/);
    expect(stopped).toContain('creates no account twice');
    // Sent as the run ends, while the request still says executing: unfinished rows mean it stopped.
    const unfinished = { ...result, totals: { ...totals, unfinished: 4 } };
    expect(buildImportResultComment(importRequest({ status: 'executing' }), unfinished)).toMatch(/^:x: .*stopped/);
  });
});

describe('the notifier for imports', () => {
  let slack: FakeSlack;
  let client: webApi.WebClient;
  beforeAll(async () => {
    slack = await FakeSlack.start({ users: [{ id: 'U0REQ' }] });
    client = new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await slack.close();
  });
  beforeEach(() => slack.reset());

  const config = {
    approvalChannel: 'C0APPROVALS',
    notifyChannel: 'C0NOTIFY',
    moodle: { url: 'https://lms.example.org' },
    roles: { approvers: [] },
  };
  const notifierWith = (lookups: string[] = []) =>
    createSlackNotifier({
      client,
      config,
      importResult: async (id) => {
        lookups.push(id);
        return result;
      },
    });

  async function postedCard(request: RequestRecord): Promise<RequestRecord> {
    const location = await notifierWith().postApprovalCard(request);
    return { ...request, approvalMessage: location };
  }

  it('redraws the card with the progress, and with the totals on every redraw once it has run', async () => {
    const notifier = notifierWith();
    const request = await postedCard(importRequest());
    await notifier.importProgress?.(
      { ...request, status: 'executing' },
      { phase: 'accounts', total: 990, done: 412, created: 410, updated: 0, failed: 2 },
    );
    const progress = slack.callsTo('chat.update').at(-1);
    expect(JSON.stringify(progress?.args.blocks)).toContain('412 of 990 accounts done');
    await notifier.updateApprovalCard({ ...request, status: 'succeeded' });
    const after = JSON.stringify(slack.callsTo('chat.update').at(-1)?.args.blocks);
    expect(after).toContain('*Rows (1,000)*: 980 created');
    expect(after).not.toContain('accounts done');
  });

  it('sends one direct message with the totals and the result file, and no generic one', async () => {
    const notifier = notifierWith();
    const request = await postedCard(importRequest({ status: 'succeeded' }));
    await notifier.notifyRequester(request, 'executed');
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'U0REQ')).toEqual([]);
    await notifier.importFinished?.(request, result);
    const upload = await slack.waitForUpload();
    expect(upload).toMatchObject({ filename: 'staff__list_-result.csv', channelId: 'D0REQ' });
    expect(upload.content?.toString('utf8')).toBe(result.csv);
    expect(upload.initialComment).toContain('980 created');
    await notifier.notifyRequester(importRequest({ status: 'rejected' }), 'rejected');
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'U0REQ')).toHaveLength(1);
  });

  it('sends the usual message for an import that never ran a row, and the file even if the card cannot change', async () => {
    const none = createSlackNotifier({ client, config, importResult: async () => undefined });
    await none.notifyRequester(importRequest({ status: 'failed' }), 'failed');
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'U0REQ')).toHaveLength(1);
    const gone = importRequest({ status: 'executing', approvalMessage: { channel: 'C0APPROVALS', ts: '9.999' } });
    await expect(notifierWith().importFinished?.(gone, result)).rejects.toThrow();
    expect((await slack.waitForUpload()).filename).toBe('staff__list_-result.csv');
  });

  it('puts the totals on the notification line of an import that ran, and looks nothing up for others', async () => {
    const lookups: string[] = [];
    const notifier = notifierWith(lookups);
    await notifier.announce(importRequest({ status: 'succeeded' }), 'executed');
    expect(String(slack.callsTo('chat.postMessage').at(-1)?.args.text)).toMatch(/: done.*\(980 created,/);
    await notifier.announce(makeRequest({ status: 'succeeded' }), 'executed');
    await notifier.announce(importRequest({ status: 'rejected' }), 'rejected');
    expect(lookups).toEqual(['R-7K3QX9']);
  });
});
