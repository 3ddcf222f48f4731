// Time-limited accounts end to end over signed HTTP, the clock moved by hand: an account made with until= gets its
// reminder DM, is extended from the reminder's Extend… (through approval), reminded again, and suspended in the fake
// Moodle at its new end date; an end date that passed while the app was stopped is carried out once at the next
// start; two app instances on one PostgreSQL database carry one expiry out once; an account protected after its end
// date was set is refused at run time and shown to the approvers with Retry; a delivered reminder is audited and shown
// in the admin's Home.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatEnd } from '../../src/core/account-end-dates.js';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import type { ScheduledAction } from '../../src/core/scheduled-actions.js';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from '../../src/slack/ids.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';
import { buildAppHomeOpened, buildBlockActions, buildViewSubmission } from '../fakes/sign.js';
import { createPgTestSchema, type PgTestSchema } from '../store/pg-test-database.js';
import { ADMIN, APPROVER, cardTs, clickCard, openedView, SLACK_USERS, submitModal } from './approval-helpers.js';
import { startTestApp, type TestApp } from './harness.js';

const START = new Date('2026-03-02T08:00:00.000Z');
/** The scheduled-actions job runs at start and then not again within a test: the tests run the actions themselves. */
const HOUR = 60 * 60 * 1000;

let fake: FakeMoodle;
let slack: FakeSlack;
let dir: string;
const apps: TestApp[] = [];

beforeAll(async () => {
  fake = await startFakeMoodle();
  slack = await FakeSlack.start({ users: SLACK_USERS });
  dir = mkdtempSync(join(tmpdir(), 'mp-expiry-'));
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop();
});
afterAll(async () => {
  await slack?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

let dbFiles = 0;
const freshDatabase = () => `sqlite:${join(dir, `app-${++dbFiles}.db`)}`;

async function start(
  clock: ManualClock,
  env: Record<string, string | undefined>,
  overrides: { onScheduledRun?: (settled: number) => void } = {},
): Promise<TestApp> {
  const app = await startTestApp({
    moodleUrl: fake.url,
    slack,
    env: {
      MOODLE_TOKEN: fake.token,
      MOODLE_TIMEOUT_MS: '5000',
      SLACK_APPROVERS: `${APPROVER},${ADMIN}`,
      SLACK_ADMINS: ADMIN,
      APPROVAL_REQUIRED: 'delete,extend',
      EXPIRY_REMIND_DAYS: '7',
      ...env,
    },
    overrides: { clock, scheduleIntervalMs: 24 * HOUR, ...overrides },
  });
  apps.push(app);
  return app;
}

let people = 0;
const freshUsername = () => `guest${++people}x${Date.now() % 100000}`;

/** An admin asks for an account with an end date by text (create is not in APPROVAL_REQUIRED: made at once). */
async function addUserUntil(t: TestApp, username: string, until: string): Promise<number> {
  const result = await t.command(
    '/moodle-adduser',
    `username=${username} email=${username}@example.org firstname=Guest lastname=Lecturer until=${until}`,
    { userId: ADMIN },
  );
  expect(result.ack.status).toBe(200);
  await result.waitForResponse();
  const id = fake.site.findUser(username)?.id;
  if (id === undefined) throw new Error(`${username} was not created`);
  return id;
}

const deps = (t: TestApp) => t.application.deps.listenerDeps;
const actionsOf = (t: TestApp, moodleId: number) => deps(t).store.listActions({ moodleIds: [moodleId] });
const isSuspended = (id: number) => fake.site.users.find((u) => u.id === id)?.suspended;
const suspendCalls = (id: number) =>
  fake.calls.filter(
    (c) =>
      c.wsfunction === 'core_user_update_users' &&
      c.params['users[0][id]'] === String(id) &&
      c.params['users[0][suspended]'] === '1',
  ).length;
const remindersFor = (username: string) =>
  slack
    .callsTo('chat.postMessage')
    .filter(
      (c) =>
        c.args.channel === ADMIN &&
        String(c.args.text).includes(username) &&
        JSON.stringify(c.args.blocks ?? []).includes(ACTION_IDS.extendEndDateButton),
    );

/** The reminder DM's button of `actionId`, as its value (the scheduled action's id). */
function buttonValue(call: { args: Record<string, unknown> }, actionId: string): string {
  const blocks = call.args.blocks as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>;
  const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionId);
  if (!button?.value) throw new Error(`no ${actionId} on the reminder`);
  return button.value;
}

describe('an account with an end date', () => {
  it('is reminded, extended with approval, reminded again, then suspended at its new end', async () => {
    const clock = createManualClock(START);
    const t = await start(clock, { DATABASE_URL: 'sqlite::memory:' });
    const username = freshUsername();
    const id = await addUserUntil(t, username, '2026-03-31');
    const [remind, expire] = await actionsOf(t, id);
    // Read in the requester's Slack time zone (the fake says Europe/Berlin): the day ends at 22:00 UTC in summer.
    expect(expire).toMatchObject({ kind: 'expire', endAt: new Date('2026-03-31T22:00:00.000Z'), requesterId: ADMIN });
    expect(remind).toMatchObject({ kind: 'remind', dueAt: new Date('2026-03-24T22:00:00.000Z') });

    // A week before: one DM with Extend… and Let it expire.
    clock.set(new Date('2026-03-25T08:00:00.000Z'));
    await deps(t).provisioning.runDueActions();
    await deps(t).provisioning.runDueActions();
    expect(remindersFor(username)).toHaveLength(1);
    const reminder = remindersFor(username)[0]!;
    expect(String(reminder.args.text)).toContain('suspended');
    buttonValue(reminder, ACTION_IDS.letItExpireButton);

    // Extend… opens the date picker; the extension waits for an approver (APPROVAL_REQUIRED has extend).
    const triggerId = slack.issueTriggerId();
    const click = await t.action(
      buildBlockActions({
        user: { id: ADMIN },
        actions: [
          {
            action_id: ACTION_IDS.extendEndDateButton,
            block_id: 'reminder',
            value: buttonValue(reminder, ACTION_IDS.extendEndDateButton),
          },
        ],
        triggerId,
        channelId: 'D0ADMIN',
      }),
    );
    expect(click.status).toBe(200);
    const modal = await openedView(t, triggerId);
    expect(modal.callback_id).toBe(CALLBACK_IDS.extendEndDateModal);
    const pick = (day: string) =>
      t.submitView(
        buildViewSubmission({
          user: { id: ADMIN },
          callbackId: CALLBACK_IDS.extendEndDateModal,
          privateMetadata: String(modal.private_metadata),
          values: {
            [BLOCK_IDS.endDateBlock]: { [INPUT_ACTION_IDS.endDateInput]: { type: 'datepicker', selected_date: day } },
          },
          triggerId: slack.issueTriggerId(),
        }),
      );
    // Earlier than the current end date: refused inline, nothing stored.
    expect((await pick('2026-03-28')).body).toEqual({
      response_action: 'errors',
      errors: { [BLOCK_IDS.endDateBlock]: expect.stringContaining('later than the current end date') },
    });
    expect((await pick('2026-06-30')).body).toBeUndefined();
    // The request is made once the modal has closed (Slack waits 3 s at most for the ack).
    await t.idle();
    const [extension] = await deps(t).store.listRequests({ operation: 'extend', limit: 5 });
    expect(extension).toMatchObject({ status: 'pending', target: { moodleId: id } });
    const card = await slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(extension!.id),
    );
    expect(JSON.stringify(card.args.blocks)).toContain('2026-06-30');
    const approve = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, extension!, cardTs(card));
    await submitModal(t, APPROVER, await openedView(t, approve.triggerId));
    await t.idle();
    expect(await deps(t).store.getRequest(extension!.id)).toMatchObject({ status: 'succeeded' });

    // The old end date passes: nothing happens.
    clock.set(new Date('2026-04-02T08:00:00.000Z'));
    await deps(t).provisioning.runDueActions();
    expect(isSuspended(id)).toBe(false);
    // A week before the new one: a second reminder.
    clock.set(new Date('2026-06-24T08:00:00.000Z'));
    await deps(t).provisioning.runDueActions();
    expect(remindersFor(username)).toHaveLength(2);
    // The new end date: suspended once, announced, the requester told; the system acted, the requester is named.
    clock.set(new Date('2026-07-01T08:00:00.000Z'));
    await deps(t).provisioning.runDueActions();
    await deps(t).provisioning.runDueActions();
    expect(isSuspended(id)).toBe(true);
    expect(suspendCalls(id)).toBe(1);
    const [suspension] = await deps(t).store.listRequests({ operation: 'suspend', moodleId: id, limit: 5 });
    expect(suspension).toMatchObject({ status: 'succeeded', decidedBy: 'system', requester: { userId: ADMIN } });
    expect(suspension?.reason).toContain(extension!.id);
    const line = await slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0NOTIFY' && String(c.args.text).includes(suspension!.id),
    );
    const dm = await slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === ADMIN && String(c.args.text).includes(suspension!.id),
    );
    // Nobody approved it: each says the end date came, and which request set it.
    expect(String(dm.args.text)).toContain(`${username}'s Moodle account reached its end date (<!date^`);
    expect(String(dm.args.text)).toContain(`and was suspended. The end date was set in \`${extension!.id}\``);
    expect(String(line.args.text)).toContain(`suspended, end date reached (<!date^`);
    expect(String(line.args.text)).toContain(`set in \`${extension!.id}\` by <@${ADMIN}>`);
    for (const said of [line, dm]) {
      expect(String(said.args.text)).not.toMatch(/approved|<@system>/);
    }
  });

  it('refuses an end date in the past or more than 5 years ahead, saying why', async () => {
    const t = await start(createManualClock(START), { DATABASE_URL: 'sqlite::memory:' });
    for (const [until, why] of [
      ['2026-03-01', 'is in the past'],
      ['2031-06-01', 'more than 5 years ahead'],
    ] as const) {
      const username = freshUsername();
      const result = await t.command(
        '/moodle-adduser',
        `username=${username} email=${username}@example.org firstname=A lastname=B until=${until}`,
        { userId: ADMIN },
      );
      expect(JSON.stringify((await result.waitForResponse()).body)).toContain(why);
      expect(fake.site.findUser(username)).toBeUndefined();
    }
  });
});

describe('the durable scheduler', () => {
  it('carries out an expiry that fell due while the app was stopped, once, at the next start', async () => {
    const clock = createManualClock(START);
    const database = freshDatabase();
    const first = await start(clock, { DATABASE_URL: database });
    const id = await addUserUntil(first, freshUsername(), '2026-03-10');
    await first.stop();

    clock.set(new Date('2026-03-20T08:00:00.000Z'));
    const runs: number[] = [];
    let ran: () => void = () => {};
    const firstRun = new Promise<void>((resolve) => {
      ran = resolve;
    });
    const second = await start(
      clock,
      { DATABASE_URL: database },
      {
        onScheduledRun: (settled) => {
          runs.push(settled);
          ran();
        },
      },
    );
    await firstRun;
    expect(isSuspended(id)).toBe(true);
    expect(runs[0]).toBe(2);
    await deps(second).provisioning.runDueActions();
    expect(suspendCalls(id)).toBe(1);
    const states = (await actionsOf(second, id)).map((a: ScheduledAction) => [a.kind, a.state]);
    expect(states).toEqual([
      ['remind', 'done'],
      ['expire', 'done'],
    ]);
  });

  it('runs one expiry once with two app instances on one PostgreSQL database', async () => {
    let db: PgTestSchema | undefined;
    try {
      db = await createPgTestSchema();
      const clock = createManualClock(START);
      const a = await start(clock, { DATABASE_URL: db.url });
      const b = await start(clock, { DATABASE_URL: db.url });
      const id = await addUserUntil(a, freshUsername(), '2026-03-05');
      clock.set(new Date('2026-03-06T08:00:00.000Z'));
      const settled = await Promise.all([a, b, a, b].map((app) => deps(app).provisioning.runDueActions()));
      expect(settled.flat().filter((s) => s.kind === 'expire')).toHaveLength(1);
      expect(isSuspended(id)).toBe(true);
      expect(suspendCalls(id)).toBe(1);
      expect(await deps(b).store.listRequests({ operation: 'suspend', moodleId: id, limit: 5 })).toHaveLength(1);
    } finally {
      for (const app of apps.splice(0)) await app.stop();
      await db?.drop();
    }
  });

  it('audits a reminder that failed its last try and tells the approvers, the expiry still to come', async () => {
    const clock = createManualClock(START);
    const t = await start(clock, { DATABASE_URL: 'sqlite::memory:' });
    const username = freshUsername();
    const id = await addUserUntil(t, username, '2026-03-31');
    await t.idle();
    // Every try of the DM fails (say the requester's account was deactivated): five tries, with backoff.
    slack.fail('chat.postMessage', { kind: 'error', error: 'channel_not_found' }, 5);
    clock.set(new Date('2026-03-25T08:00:00.000Z'));
    for (let run = 0; run < 5; run += 1) {
      await deps(t).provisioning.runDueActions();
      clock.set(new Date(clock.now().getTime() + 2 * HOUR));
    }
    const [remind, expire] = await actionsOf(t, id);
    expect(remind).toMatchObject({ kind: 'remind', state: 'failed', attempts: 5 });
    expect(expire).toMatchObject({ kind: 'expire', state: 'scheduled' });
    const line = await slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes('could not remind'),
    );
    expect(String(line.args.text)).toContain(username);
    expect(String(line.args.text)).toContain(`/moodle-user extend ${username}`);
    expect(String(line.args.text)).toContain('channel_not_found');
    const audited = (await deps(t).store.listAudit()).filter((e) => e.kind === 'end_date');
    expect(audited).toEqual([
      expect.objectContaining({
        actor: 'system',
        outcome: 'reminder_failed',
        moodleId: id,
        requestId: remind!.requestId,
      }),
    ]);
    // Later runs do not repeat it.
    await deps(t).provisioning.runDueActions();
    expect(
      slack.callsTo('chat.postMessage').filter((c) => String(c.args.text).includes('could not remind')),
    ).toHaveLength(1);
  });

  it('refuses at run time an account protected after its end date was set, and shows it to approvers with Retry', async () => {
    const clock = createManualClock(START);
    const database = freshDatabase();
    const first = await start(clock, { DATABASE_URL: database });
    const username = freshUsername();
    const id = await addUserUntil(first, username, '2026-03-10');
    await first.stop();

    clock.set(new Date('2026-03-11T08:00:00.000Z'));
    const t = await start(clock, { DATABASE_URL: database, PROTECTED_USERS: username });
    await deps(t).provisioning.runDueActions();
    const [expire] = (await actionsOf(t, id)).filter((a) => a.kind === 'expire');
    expect(expire).toMatchObject({ state: 'failed', lastError: expect.stringContaining('list of protected accounts') });
    expect(isSuspended(id)).toBe(false);
    expect(suspendCalls(id)).toBe(0);
    const card = await slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(expire!.resultRequestId!),
    );
    expect(JSON.stringify(card.args.blocks)).toContain(ACTION_IDS.retryRequestButton);
    expect(JSON.stringify(card.args.blocks)).toContain('list of protected accounts');
    // The card names the end date and the request that set it, not an approval nobody gave.
    const blocks = JSON.stringify(card.args.blocks);
    expect(blocks).toContain('reached its end date (<!date^');
    expect(blocks).toContain(`set in \`${expire!.requestId}\`, but it could not be suspended`);
    expect(blocks).not.toMatch(/Approved by/);
  });
});

describe('end dates in the commands', () => {
  it('expire sets one by text; show, requests and expiring list it; Let it expire changes nothing', async () => {
    const clock = createManualClock(START);
    const t = await start(clock, { DATABASE_URL: 'sqlite::memory:' });
    const username = freshUsername();
    const id = fake.site.addUser({
      username,
      firstname: 'Ext',
      lastname: 'Examiner',
      email: `${username}@example.org`,
    });

    // extend needs an end date to move; expire sets one (an admin acts directly: expire is not in APPROVAL_REQUIRED).
    const extend = await t.command('/moodle-user', `extend ${username} until=2026-04-30`, { userId: ADMIN });
    expect(JSON.stringify((await extend.waitForResponse()).body)).toContain('has no end date to extend');
    const expire = await t.command('/moodle-user', `expire ${username} until=2026-03-20`, { userId: ADMIN });
    await expire.waitForResponse();
    expect((await actionsOf(t, id)).map((a) => [a.kind, a.state])).toEqual([
      ['remind', 'scheduled'],
      ['expire', 'scheduled'],
    ]);

    const show = await t.command('/moodle-user', `show ${username}`, { userId: ADMIN });
    expect(JSON.stringify((await show.waitForResponse()).body)).toContain('*Ends*');
    const mine = await t.command('/moodle-user', 'requests', { userId: ADMIN });
    const listed = JSON.stringify((await mine.waitForResponse()).body);
    expect(listed).toContain('end in the next 30 days');
    expect(listed).toContain(username);
    const expiring = await t.command('/moodle-user', 'expiring', { userId: ADMIN });
    expect(JSON.stringify((await expiring.waitForResponse()).body)).toContain(username);
    const refused = await t.command('/moodle-user', 'expiring', { userId: APPROVER });
    expect(JSON.stringify((await refused.waitForResponse()).body)).not.toContain(username);
    const before = slack.callsTo('views.publish').length;
    expect((await t.postRaw(JSON.stringify(buildAppHomeOpened(ADMIN)), 'application/json')).status).toBe(200);
    const home = await slack.waitForCall(
      'views.publish',
      (c) => c.args.user_id === ADMIN && slack.callsTo('views.publish').indexOf(c) >= before,
    );
    expect(JSON.stringify(home.args.view)).toContain('Your accounts that end soon');
    expect(JSON.stringify(home.args.view)).toContain(username);
    // The admin's recent activity says it in words, with the date as Slack shows it.
    expect(JSON.stringify(home.args.view)).toMatch(new RegExp(`End date of ${username} set to <!date\\^\\d+\\^`));
    expect(JSON.stringify(home.args.view)).toContain(`by <@${ADMIN}> · \`R-`);

    clock.set(new Date('2026-03-14T08:00:00.000Z'));
    await deps(t).provisioning.runDueActions();
    const [reminder] = remindersFor(username);
    const responseUrlId = 'let-it-expire';
    await t.action(
      buildBlockActions({
        user: { id: ADMIN },
        actions: [
          {
            action_id: ACTION_IDS.letItExpireButton,
            block_id: 'reminder',
            value: buttonValue(reminder!, ACTION_IDS.letItExpireButton),
          },
        ],
        triggerId: slack.issueTriggerId(),
        channelId: 'D0ADMIN',
        responseUrl: slack.responseUrl(responseUrlId),
      }),
    );
    expect(JSON.stringify((await slack.waitForResponse(responseUrlId)).body)).toContain('will be suspended');
    const expiry = (await actionsOf(t, id)).find((a) => a.kind === 'expire');
    expect(expiry?.state).toBe('scheduled');
    // The delivered reminder and the choice are audited: who, which account, which end date, the request that set it.
    const audited = (await deps(t).store.listAudit()).filter((e) => e.kind === 'end_date');
    expect(audited).toEqual([
      expect.objectContaining({
        actor: 'system',
        outcome: 'reminder_sent',
        moodleId: id,
        requestId: expiry!.requestId,
        target: expect.objectContaining({ username }),
        detail: expect.stringContaining(formatEnd(expiry!)),
      }),
      expect.objectContaining({
        actor: ADMIN,
        outcome: 'left_to_expire',
        moodleId: id,
        requestId: expiry!.requestId,
        target: expect.objectContaining({ username }),
        detail: expect.stringContaining(formatEnd(expiry!)),
      }),
    ]);
    const later = slack.callsTo('views.publish').length;
    await t.postRaw(JSON.stringify(buildAppHomeOpened(ADMIN)), 'application/json');
    const again = await slack.waitForCall(
      'views.publish',
      (c) => c.args.user_id === ADMIN && slack.callsTo('views.publish').indexOf(c) >= later,
    );
    expect(JSON.stringify(again.args.view)).toContain(
      `<@${ADMIN}> chose to let ${username}'s account end on its end date (<!date^`,
    );
    expect(JSON.stringify(again.args.view)).toContain(
      `<@${ADMIN}> was reminded that ${username}'s account ends on <!date^`,
    );
  });
});

describe('the new-user form', () => {
  it('takes an end date from its date picker, and refuses one in the past inline', async () => {
    const t = await start(createManualClock(START), { DATABASE_URL: 'sqlite::memory:' });
    const username = freshUsername();
    const open = await t.command('/moodle-adduser', '', { userId: ADMIN, channelId: 'C0GENERAL' });
    const call = await slack.waitForCall('views.open', (c) => c.args.trigger_id === open.triggerId);
    const view = call.args.view as Record<string, unknown>;
    expect(JSON.stringify(view.blocks)).toContain(BLOCK_IDS.endDateBlock);
    const viewId = String((call.response?.view as { id?: string } | undefined)?.id);
    const text = (key: 'firstname' | 'lastname' | 'username', value: string) => ({
      [`${key}_block`]: { [`${key}_input`]: { type: 'plain_text_input', value } },
    });
    const submitWith = (day: string) =>
      t.submitView(
        buildViewSubmission({
          user: { id: ADMIN },
          callbackId: CALLBACK_IDS.newUserModal,
          triggerId: slack.issueTriggerId(),
          viewId,
          privateMetadata: String(view.private_metadata),
          values: {
            ...text('firstname', 'Intern'),
            ...text('lastname', 'Summer'),
            ...text('username', username),
            email_block: { email_input: { type: 'email_text_input', value: `${username}@example.org` } },
            [BLOCK_IDS.endDateBlock]: { [INPUT_ACTION_IDS.endDateInput]: { type: 'datepicker', selected_date: day } },
          },
        }),
      );
    expect((await submitWith('2026-02-27')).body).toEqual({
      response_action: 'errors',
      errors: { [BLOCK_IDS.endDateBlock]: expect.stringContaining('is in the past') },
    });
    expect(fake.site.findUser(username)).toBeUndefined();
    await submitWith('2026-08-31');
    await slack.waitForCall('views.update', (c) => c.args.view_id === viewId);
    const id = fake.site.findUser(username)?.id;
    expect(id).toBeDefined();
    const [created] = await deps(t).store.listRequests({ operation: 'create', limit: 1 });
    expect(created?.payload).toMatchObject({ end: { until: '2026-08-31', endAt: '2026-08-31T22:00:00.000Z' } });
    expect((await actionsOf(t, id!)).find((a) => a.kind === 'expire')?.endAt).toEqual(
      new Date('2026-08-31T22:00:00.000Z'),
    );
  });
});
