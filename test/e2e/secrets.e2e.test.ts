// Secrets end to end: one run of the real app with distinctive values for the bot token, the signing secret, the
// Moodle token and generated passwords (PASSWORD_MODE=generate), through every flow that touches them: an admin's
// text create, a requester's modal create and its approval, a Moodle failure and Retry, an update, a suspend, a delete
// through the confirmation modal and approval, show, doctor, requests, and a badly signed request. Then everything the
// app wrote is searched (every log line, every Slack Web API call and response_url post, every request Moodle got,
// the SQLite files byte for byte) for each secret in its raw, URL-encoded and JSON-escaped forms. The only places a
// password may be: Moodle's create call, and the one private message meant to show it to the person who created it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, userFieldIds } from '../../src/slack/ids.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { FakeSlack, type RecordedCall } from '../fakes/fake-slack/fake-slack.js';
import {
  buildBlockActions,
  buildSlashCommand,
  buildViewSubmission,
  encodeForm,
  encodeInteractivity,
  FORM_CONTENT_TYPE,
} from '../fakes/sign.js';
import { ADMIN, APPROVER, APPROVER2, REQUESTER, SLACK_USERS } from './approval-helpers.js';
import { startTestApp, type TestApp } from './harness.js';

const BOT_TOKEN = 'xoxb-secrets-test-SeCrEtBoTtOkEn4TesTs9Zq';
const SIGNING_SECRET = 'S1gn1ng+Secr3t/with%odd&chars=8d2f6a0c';

let fake: FakeMoodle;
let slack: FakeSlack;
let t: TestApp;
let dir: string;
const dbPath = () => join(dir, 'secrets.db');

beforeAll(async () => {
  fake = await startFakeMoodle();
  fake.site.seedRecordingUsers();
  slack = await FakeSlack.start({ botToken: BOT_TOKEN, users: SLACK_USERS });
  dir = mkdtempSync(join(tmpdir(), 'mp-secrets-'));
  t = await startTestApp({
    moodleUrl: fake.url,
    slack,
    env: {
      MOODLE_TOKEN: fake.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      PASSWORD_MODE: 'generate',
      DATABASE_URL: `sqlite:${dbPath()}`,
      SLACK_APPROVERS: `${APPROVER},${APPROVER2},${ADMIN}`,
      SLACK_ADMINS: ADMIN,
      APPROVAL_REQUIRED: 'delete',
      MOODLE_TIMEOUT_MS: '1000',
    },
  });
});
afterAll(async () => {
  await t?.stop();
  await slack?.close();
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The harness signs with its own test secret; this run signs with the distinctive one.
async function post(body: string, secret = SIGNING_SECRET) {
  return t.postRaw(body, FORM_CONTENT_TYPE, { secret });
}

let responseCounter = 0;
async function command(name: string, text: string, userId: string) {
  responseCounter += 1;
  const responseUrlId = `secrets-${responseCounter}`;
  const triggerId = slack.issueTriggerId();
  const body = buildSlashCommand({
    command: name,
    text,
    response_url: slack.responseUrl(responseUrlId),
    trigger_id: triggerId,
    user_id: userId,
    user_name: userId.toLowerCase(),
  });
  const answer = await post(encodeForm(body));
  expect(answer.status).toBe(200);
  return { triggerId, responseUrlId, reply: () => slack.waitForResponse(responseUrlId) };
}

async function interact(payload: Record<string, unknown>) {
  const answer = await post(encodeInteractivity(payload));
  expect(answer.status).toBe(200);
  return answer;
}

function cardFor(id: string): Promise<RecordedCall> {
  return slack.waitForCall(
    'chat.postMessage',
    (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(id) && c.response?.ok === true,
  );
}

function cardState(ts: string, status: string): Promise<RecordedCall> {
  return slack.waitForCall('chat.update', (c) => c.args.ts === ts && String(c.args.text).endsWith(`: ${status}`));
}

async function click(user: string, actionId: string, requestId: string, ts: string): Promise<string> {
  const triggerId = slack.issueTriggerId();
  await interact(
    buildBlockActions({
      user: { id: user },
      actions: [{ action_id: actionId, block_id: BLOCK_IDS.requestActionsBlock, value: requestId }],
      triggerId,
      channelId: 'C0APPROVALS',
      message: { ts },
    }),
  );
  return triggerId;
}

type Block = { type: string; block_id?: string; element?: Record<string, unknown> };

/** The state Slack would submit: each input's initial value or option, then `overrides` (block_id → text). */
function stateOf(view: Record<string, unknown>, overrides: Record<string, string> = {}) {
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of (view.blocks as Block[]) ?? []) {
    if (block.type !== 'input' || !block.block_id || !block.element) continue;
    const element = block.element as {
      type: string;
      action_id: string;
      initial_value?: string;
      initial_option?: unknown;
    };
    const state =
      element.type === 'static_select'
        ? { type: 'static_select', selected_option: element.initial_option ?? null }
        : { type: element.type, value: overrides[block.block_id] ?? element.initial_value ?? null };
    values[block.block_id] = { [element.action_id]: state };
  }
  return values;
}

async function submit(
  user: string,
  view: Record<string, unknown>,
  viewId: string,
  overrides: Record<string, string> = {},
) {
  return interact(
    buildViewSubmission({
      user: { id: user },
      callbackId: String(view.callback_id),
      privateMetadata: String(view.private_metadata ?? ''),
      values: stateOf(view, overrides),
      blocks: view.blocks as unknown[],
      viewId,
      triggerId: slack.issueTriggerId(),
    }),
  );
}

async function openedBy(triggerId: string): Promise<{ view: Record<string, unknown>; viewId: string }> {
  const call = await slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
  expect(call.response?.ok).toBe(true);
  return {
    view: call.args.view as Record<string, unknown>,
    viewId: String((call.response?.view as { id?: string } | undefined)?.id),
  };
}

async function approve(requestId: string, approver = APPROVER): Promise<string> {
  const card = await cardFor(requestId);
  const ts = String(card.response?.ts);
  const { view, viewId } = await openedBy(await click(approver, ACTION_IDS.approveRequestButton, requestId, ts));
  await submit(approver, view, viewId);
  return ts;
}

const idIn = (text: string) => String(/R-[A-Z0-9]{6}/.exec(text)?.[0]);
const textOf = (value: unknown) => JSON.stringify(value);

/** The forms a secret can take on the way out: raw, URL-encoded (both styles), JSON-escaped. */
function formsOf(secret: string): string[] {
  const forms = [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ x: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    JSON.stringify(JSON.stringify(secret)).slice(3, -3),
  ];
  return [...new Set(forms)];
}

function holders(haystacks: string[], secret: string): number[] {
  const forms = formsOf(secret);
  return haystacks.flatMap((text, i) => (forms.some((f) => text.includes(f)) ? [i] : []));
}

describe('no secret leaks, over one run of every flow', () => {
  it('runs every flow, then finds each secret only where it belongs', async () => {
    // 1. An admin creates an account directly from text: the password comes back in the private reply.
    const direct = await command('/moodle-adduser', 'sec.one@example.org Sec One username=secone', ADMIN);
    expect(textOf((await direct.reply()).body)).toContain('Temporary password');

    // 2. A requester uses the modal; 3. an approver approves it and is shown the password privately.
    const form = await command('/moodle-adduser', '', REQUESTER);
    const opened = await openedBy(form.triggerId);
    await submit(REQUESTER, opened.view, opened.viewId, {
      [BLOCK_IDS.reasonBlock]: 'new teacher',
      ...Object.fromEntries(
        (
          [
            ['firstname', 'Sec'],
            ['lastname', 'Two'],
            ['email', 'sec.two@example.org'],
            ['username', 'sectwo'],
          ] as const
        ).map(([k, v]) => [userFieldIds(k).blockId, v]),
      ),
    });
    const result = await slack.waitForCall('views.update', (c) => c.args.view_id === opened.viewId);
    const modalRequest = idIn(textOf(result.args.view));
    const ts2 = await approve(modalRequest);
    await cardState(ts2, 'succeeded');
    await slack.waitForCall('chat.postEphemeral', (c) => c.args.user === APPROVER && textOf(c.args).includes('sectwo'));

    // 4. A Moodle failure, then Retry by another approver (who is shown the password).
    const third = await command('/moodle-adduser', 'sec.three@example.org Sec Three username=secthree', REQUESTER);
    const thirdRequest = idIn(textOf((await third.reply()).body));
    fake.setFault({ status: 503 });
    const ts3 = await approve(thirdRequest);
    await cardState(ts3, 'failed');
    fake.setFault(null);
    await click(APPROVER2, ACTION_IDS.retryRequestButton, thirdRequest, ts3);
    await cardState(ts3, 'succeeded');
    await slack.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === APPROVER2 && textOf(c.args).includes('secthree'),
    );

    // 5. Update and 6. suspend, directly by the admin.
    const update = await command('/moodle-user', 'update secone city="Paris"', ADMIN);
    expect(textOf((await update.reply()).body)).toContain('Done');
    const suspend = await command('/moodle-user', 'suspend secone reason="left"', ADMIN);
    expect(textOf((await suspend.reply()).body)).toContain('Done');
    expect(fake.site.findUser('secone')).toMatchObject({ city: 'Paris', suspended: true });

    // 7. Delete through the confirmation modal, then approval.
    const del = await command('/moodle-user', 'delete secone', REQUESTER);
    const loading = await openedBy(del.triggerId);
    const confirm = await slack.waitForCall('views.update', (c) => c.args.view_id === loading.viewId);
    await submit(REQUESTER, confirm.args.view as Record<string, unknown>, loading.viewId, {
      [BLOCK_IDS.deleteConfirmBlock]: 'secone',
      [BLOCK_IDS.reasonBlock]: 'left',
    });
    const dm = await slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === REQUESTER && String(c.args.text).includes('delete secone'),
    );
    const ts4 = await approve(idIn(String(dm.args.text)));
    await cardState(ts4, 'succeeded');
    expect(fake.site.findUser('secone')).toBeUndefined();

    // 8. show, 9. doctor, 10. requests (mine and pending).
    expect(textOf((await (await command('/moodle-user', 'show sectwo', REQUESTER)).reply()).body)).toContain('sectwo');
    expect(textOf((await (await command('/moodle-user', 'doctor', ADMIN)).reply()).body)).toMatch(/Moodle/);
    expect(textOf((await (await command('/moodle-user', 'requests', REQUESTER)).reply()).body)).toContain(thirdRequest);
    expect(textOf((await (await command('/moodle-user', 'requests pending', APPROVER)).reply()).body)).toBeTruthy();

    // 11. A request signed with the wrong secret is refused.
    const forged = buildSlashCommand({
      command: '/moodle-adduser',
      text: 'help',
      response_url: slack.responseUrl('forged'),
      trigger_id: slack.issueTriggerId(),
    });
    expect((await post(encodeForm(forged), `${SIGNING_SECRET}-wrong`)).status).toBe(401);

    await t.stop();

    // Everything the app wrote.
    const logs = [...t.logs];
    expect(logs.length).toBeGreaterThan(50);
    const slackItems = [
      ...slack.calls.map((c) => textOf({ method: c.method, args: c.args, headers: c.headers })),
      ...slack.responses.map((r) => textOf({ body: r.body, headers: r.headers })),
    ];
    const moodleCalls = fake.calls.map((c) => textOf(c.params));
    const database = ['', '-wal', '-shm']
      .map((suffix) => `${dbPath()}${suffix}`)
      .filter((path) => existsSync(path))
      .map((path) => readFileSync(path).toString('latin1'));
    expect(existsSync(dbPath())).toBe(true);
    const everything = [...logs, ...slackItems, ...moodleCalls, ...database];
    // The search would see them: the database holds this run's requests, and encoded forms are recognised.
    expect(database.join('')).toContain('sec.two@example.org');
    expect(holders([`a=${encodeURIComponent(SIGNING_SECRET)}&b`], SIGNING_SECRET)).toEqual([0]);
    expect(holders([`a=${new URLSearchParams({ s: SIGNING_SECRET }).toString()}`], SIGNING_SECRET)).toEqual([0]);
    expect(holders([JSON.stringify({ s: `x"${SIGNING_SECRET}` })], `x"${SIGNING_SECRET}`)).toEqual([0]);

    // Tokens and the signing secret: nowhere at all.
    for (const secret of [BOT_TOKEN, SIGNING_SECRET, fake.token]) {
      expect(holders(everything, secret), `${secret.slice(0, 6)}… leaked`).toEqual([]);
    }

    // Each generated password: in its create call to Moodle, and in exactly one private message, the one meant to
    // show it; a password whose create failed (the 503) in no message at all. Never in a log line or the database.
    // (The doctor's own create probe, for the existing guest account, creates nothing and carries no password.)
    const creates = fake.calls.filter(
      (c) => c.wsfunction === 'core_user_create_users' && c.params['users[0][username]']?.startsWith('sec'),
    );
    const passwords = creates.map((c) => ({
      username: String(c.params['users[0][username]']),
      password: String(c.params['users[0][password]']),
      ok: c.status === 200,
    }));
    expect(passwords.map((p) => `${p.username}:${p.ok}`)).toEqual([
      'secone:true',
      'sectwo:true',
      'secthree:false',
      'secthree:true',
    ]);
    for (const { password } of passwords) expect(password.length).toBeGreaterThanOrEqual(12);
    const shownTo = (password: string) =>
      holders(slackItems, password).map((i) => JSON.parse(slackItems[i] ?? '{}') as Record<string, unknown>);
    for (const { username, password, ok } of passwords) {
      expect(holders(logs, password), `${username}'s password in a log line`).toEqual([]);
      expect(holders(database, password), `${username}'s password in the database`).toEqual([]);
      expect(holders(moodleCalls, password), `${username}'s password in more than its create call`).toHaveLength(1);
      expect(shownTo(password), `${username}'s password in Slack`).toHaveLength(ok ? 1 : 0);
    }
    const [one, two, , three] = passwords.map((p) => shownTo(p.password)[0]);
    // The admin's own private reply (a response_url post, ephemeral).
    expect(one).toMatchObject({ body: { response_type: 'ephemeral' } });
    // The approver who approved, and the one who retried: an ephemeral message to each, in the approval channel.
    expect(two).toMatchObject({ method: 'chat.postEphemeral', args: { user: APPROVER, channel: 'C0APPROVALS' } });
    expect(three).toMatchObject({ method: 'chat.postEphemeral', args: { user: APPROVER2, channel: 'C0APPROVALS' } });
  });
});
