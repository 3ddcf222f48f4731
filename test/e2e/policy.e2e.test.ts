// The per-operation policy end to end over signed HTTP: REASON_REQUIRED (the delete form's inline error, a text
// command's reply), APPROVALS_REQUIRED (two different approvers, the card's "1 of 2 approvals", one Moodle call under
// concurrent final approvals, no admin shortcut) and REMIND_AFTER_HOURS (a reply in the card's thread, once per
// period, moved by a manual clock).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock, HOUR_MS } from '../../src/core/clock.js';
import { ACTION_IDS, BLOCK_IDS } from '../../src/slack/ids.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import {
  ADMIN,
  APPROVER,
  APPROVER2,
  accountModalOf,
  addAccount,
  auditOf,
  blocksText,
  cardTs,
  clickCard,
  newPerson,
  openedView,
  REQUESTER,
  requestAccount,
  SLACK_USERS,
  submitModal,
  waitForCard,
} from './approval-helpers.js';
import { startTestApp, type TestApp } from './harness.js';

const clock = createManualClock(new Date('2026-03-02T08:00:00.000Z'));
let fake: FakeMoodle;
let t: TestApp;

beforeAll(async () => {
  fake = await startFakeMoodle();
  t = await startTestApp({
    moodleUrl: fake.url,
    env: {
      MOODLE_TOKEN: fake.token,
      MOODLE_TIMEOUT_MS: '5000',
      SLACK_APPROVERS: `${APPROVER},${APPROVER2},${ADMIN}`,
      SLACK_ADMINS: ADMIN,
      APPROVAL_REQUIRED: 'delete',
      REASON_REQUIRED: 'delete,suspend',
      APPROVALS_REQUIRED: 'create:2',
      REMIND_AFTER_HOURS: '24',
    },
    slack: { users: SLACK_USERS },
    overrides: { clock },
  });
});
afterAll(async () => {
  await t?.stop();
  await fake?.close();
});

const account = () => addAccount(fake, 'pol');

const store = () => t.application.deps.listenerDeps.store;
const requestCount = async () => (await store().listRequests({ limit: 1000 })).length;
const createCalls = (username: string) =>
  fake.calls.filter((c) => c.wsfunction === 'core_user_create_users' && c.params['users[0][username]'] === username)
    .length;

describe('REASON_REQUIRED', () => {
  it('the delete form asks for a reason and refuses an empty one inline, with every other problem', async () => {
    const a = account();
    const { view } = await accountModalOf(t, `delete ${a.username}`);
    const reasonBlock = (view.blocks as Array<{ block_id?: string; optional?: boolean }>).find(
      (b) => b.block_id === BLOCK_IDS.reasonBlock,
    );
    expect(reasonBlock?.optional).toBe(false);
    const before = await requestCount();
    const ack = await submitModal(t, REQUESTER, view, { [BLOCK_IDS.deleteConfirmBlock]: 'wrong' });
    expect(ack.body).toEqual({
      response_action: 'errors',
      errors: {
        [BLOCK_IDS.reasonBlock]: expect.stringContaining('Give a reason'),
        [BLOCK_IDS.deleteConfirmBlock]: expect.stringContaining(`Type ${a.username} exactly`),
      },
    });
    expect(await requestCount()).toBe(before);
  });

  it('a text command without the reason is answered with the problem, and nothing is stored', async () => {
    const a = account();
    const before = await requestCount();
    const bare = await t.command('/moodle-user', `suspend ${a.username}`, { userId: REQUESTER });
    const reply = JSON.stringify((await bare.waitForResponse()).body);
    expect(reply).toContain('Give a reason');
    expect(reply).toContain('Nothing was stored');
    expect(await requestCount()).toBe(before);

    const given = await t.command('/moodle-user', `suspend ${a.username} reason="left in June"`, { userId: REQUESTER });
    expect(JSON.stringify((await given.waitForResponse()).body)).toContain('waiting for an approver');
    expect(await requestCount()).toBe(before + 1);
  });
});

describe('APPROVALS_REQUIRED', () => {
  it('needs two different approvers: the first is recorded on the card, the second runs it once', async () => {
    const person = newPerson('quo');
    const { request, card } = await requestAccount(t, REQUESTER, person);
    expect(blocksText(card)).toContain('0 of 2 approvals');

    const first = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    await submitModal(t, APPROVER, await openedView(t, first.triggerId), { [BLOCK_IDS.approveCommentBlock]: 'ok' });
    const progress = await t.slack.waitForCall(
      'chat.update',
      (c) => c.args.ts === cardTs(card) && blocksText(c).includes('1 of 2 approvals'),
    );
    expect(blocksText(progress)).toContain(`<@${APPROVER}>`);
    expect(blocksText(progress)).toContain(ACTION_IDS.approveRequestButton);
    await t.slack.waitForCall(
      'chat.postEphemeral',
      (c) =>
        c.args.user === APPROVER &&
        String(c.args.text).includes('is recorded: 1 of 2. It runs once 1 more approver approves it'),
    );
    expect(createCalls(person.username)).toBe(0);
    expect((await store().getRequest(request.id))?.status).toBe('pending');

    // The same approver cannot count twice: refused at the click, no form opened.
    const again = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    await t.slack.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === APPROVER && String(c.args.text).includes('You have already approved'),
    );
    expect(t.slack.callsTo('views.open').some((c) => c.args.trigger_id === again.triggerId)).toBe(false);

    const second = await clickCard(t, APPROVER2, ACTION_IDS.approveRequestButton, request, cardTs(card));
    await submitModal(t, APPROVER2, await openedView(t, second.triggerId));
    await waitForCard(t, cardTs(card), 'succeeded');
    expect(createCalls(person.username)).toBe(1);
    const done = await store().getRequest(request.id);
    expect(done?.approvals.map((a) => a.by)).toEqual([APPROVER, APPROVER2]);
    expect(done?.decidedBy).toBe(APPROVER2);
    expect(await auditOf(t, request.id)).toEqual([
      `request:pending:${REQUESTER}`,
      `decision:approval_recorded:${APPROVER}`,
      `refusal:already_approved:${APPROVER}`,
      `decision:approved:${APPROVER2}`,
      `execution:started:${APPROVER2}`,
      'execution:succeeded:system',
    ]);
  });

  it('two concurrent last approvals make one Moodle call; the loser is told', async () => {
    const person = newPerson('race');
    const { request, card } = await requestAccount(t, REQUESTER, person);
    const first = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    await submitModal(t, APPROVER, await openedView(t, first.triggerId));
    await t.slack.waitForCall(
      'chat.update',
      (c) => c.args.ts === cardTs(card) && blocksText(c).includes('1 of 2 approvals'),
    );
    const views = await Promise.all(
      [APPROVER2, ADMIN].map(async (user) => {
        const click = await clickCard(t, user, ACTION_IDS.approveRequestButton, request, cardTs(card));
        return { user, view: await openedView(t, click.triggerId) };
      }),
    );
    const acks = await Promise.all(views.map(({ user, view }) => submitModal(t, user, view)));
    await waitForCard(t, cardTs(card), 'succeeded');
    // The loser learns it in the form (refused at submission) or privately (lost the compare-and-set).
    if (!acks.some((ack) => String(JSON.stringify(ack.body)).includes('already approved'))) {
      await t.slack.waitForCall(
        'chat.postEphemeral',
        (c) => [APPROVER2, ADMIN].includes(String(c.args.user)) && String(c.args.text).includes('already approved'),
      );
    }
    expect(createCalls(person.username)).toBe(1);
  });

  it('an admin asking for an operation that needs two approvers goes through approval too', async () => {
    const person = newPerson('adm');
    const { request } = await requestAccount(t, ADMIN, person);
    expect(request.status).toBe('pending');
    expect(request.approvalsNeeded).toBe(2);
    expect(createCalls(person.username)).toBe(0);
  });
});

describe('REMIND_AFTER_HOURS', () => {
  it('reminds in the card’s thread once per period while the request waits, and not after a decision', async () => {
    const person = newPerson('rem');
    const { request, card } = await requestAccount(t, REQUESTER, person);
    const jobs = t.application.deps.listenerDeps.provisioning;
    const reminders = () =>
      t.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args.thread_ts === cardTs(card) && String(c.args.text).includes('Reminder'));

    clock.advance(23 * HOUR_MS);
    expect((await jobs.remindDue()).map((r) => r.id)).not.toContain(request.id);
    clock.advance(2 * HOUR_MS);
    expect((await jobs.remindDue()).map((r) => r.id)).toContain(request.id);
    expect(await jobs.remindDue()).toEqual([]);
    expect(reminders()).toHaveLength(1);
    expect(reminders()[0]?.args.channel).toBe('C0APPROVALS');
    expect(String(reminders()[0]?.args.text)).toContain(`<@${APPROVER}>`);
    expect(String(reminders()[0]?.args.text)).toContain('0 of 2 approvals');
    // Person first, like the card: what is waiting, for whom, and its id.
    expect(String(reminders()[0]?.args.text)).toContain(
      `Reminder: *New Moodle account for ${person.firstname} ${person.lastname}* (\`${request.id}\`)`,
    );

    clock.advance(24 * HOUR_MS);
    expect((await jobs.remindDue()).map((r) => r.id)).toContain(request.id);
    expect(reminders()).toHaveLength(2);

    await jobs.cancel(request.id, REQUESTER);
    clock.advance(25 * HOUR_MS);
    expect((await jobs.remindDue()).map((r) => r.id)).not.toContain(request.id);
    expect(reminders()).toHaveLength(2);
  });
});

describe('the reminder job of the running app', () => {
  it('reminds on its own, from the background job under its lease', async () => {
    const own = createManualClock(new Date('2026-03-02T08:00:00.000Z'));
    const app = await startTestApp({
      moodleUrl: fake.url,
      env: { MOODLE_TOKEN: fake.token, APPROVALS_REQUIRED: 'create:2', REMIND_AFTER_HOURS: '24' },
      slack: { users: SLACK_USERS },
      overrides: { clock: own, expiryIntervalMs: 20 },
    });
    try {
      const { card } = await requestAccount(app, REQUESTER, newPerson('job'));
      own.advance(25 * HOUR_MS);
      const reminder = await app.slack.waitForCall(
        'chat.postMessage',
        (c) => c.args.thread_ts === cardTs(card) && String(c.args.text).includes('Reminder'),
        10_000,
      );
      expect(String(reminder.args.text)).toContain('0 of 2 approvals');
      const holder = await app.application.deps.listenerDeps.store.findLeaseHolder('job:remind');
      expect(holder).toMatch(new RegExp(`/${process.pid}-`));
    } finally {
      await app.stop();
    }
  });
});
