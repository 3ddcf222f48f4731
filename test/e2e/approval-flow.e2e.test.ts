// The approval workflow end to end over signed HTTP: request → card → Approve…/Reject… → modal → decision →
// Moodle → card, DM, notification and audit; corrections, refusals at click and at submission, concurrent
// approvals, failure and Retry, the requests list and cancellation. One app and one fake Moodle for the file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, userFieldIds } from '../../src/slack/ids.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { buildBlockActions, buildViewSubmission } from '../fakes/sign.js';
import {
  ADMIN,
  APPROVAL_ENV,
  APPROVER,
  APPROVER2,
  auditOf,
  blocksText,
  cardTs,
  clickCard,
  clickEditDetails,
  newPerson,
  openedView,
  openedViewWithId,
  REQUESTER,
  requestAccount,
  SLACK_USERS,
  STRANGER,
  submitModal,
  waitForCard,
} from './approval-helpers.js';
import { blockKitProblemsReceived } from './block-kit-received.js';
import { startTestApp, type TestApp } from './harness.js';

let fake: FakeMoodle;
let t: TestApp;
let dir: string;

beforeAll(async () => {
  fake = await startFakeMoodle();
  dir = mkdtempSync(join(tmpdir(), 'mp-approval-'));
  t = await startTestApp({
    moodleUrl: fake.url,
    env: { MOODLE_TOKEN: fake.token, DATABASE_URL: `sqlite:${join(dir, 'x.db')}`, ...APPROVAL_ENV },
    slack: { users: SLACK_USERS },
  });
});
afterAll(async () => {
  await t?.stop();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.setFault(null);
});

function createCallsFor(username: string): number {
  return fake.calls.filter(
    (c) => c.wsfunction === 'core_user_create_users' && c.params['users[0][username]'] === username,
  ).length;
}

function ephemeralTo(user: string, includes: string) {
  return t.slack.waitForCall(
    'chat.postEphemeral',
    (c) => c.args.user === user && String(c.args.text).includes(includes),
  );
}

describe('approve', () => {
  it('request → card → Approve… → modal → account in Moodle → card updated, DM, notification, audit', async () => {
    const person = newPerson();
    const { request, card } = await requestAccount(t, REQUESTER, person, 'joins the maths team');
    const cardBlocks = blocksText(card);
    expect(cardBlocks).toContain(`<@${REQUESTER}>`);
    expect(cardBlocks).toContain('joins the maths team');
    expect((card.args.blocks as unknown[])[0]).toMatchObject({
      type: 'header',
      text: { text: `New Moodle account for ${person.firstname} ${person.lastname}` },
    });
    expect(cardBlocks).toContain(`:heavy_check_mark: No Moodle account uses the username ${person.username}`);
    expect(cardBlocks).toContain(ACTION_IDS.approveRequestButton);
    expect(cardBlocks).toContain(ACTION_IDS.rejectRequestButton);

    const { ack, triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    expect(ack.status).toBe(200);
    const view = await openedView(t, triggerId);
    expect(view.callback_id).toBe(CALLBACK_IDS.approveRequestModal);
    expect(JSON.stringify(view.blocks)).toContain(person.email);

    const submitted = await submitModal(t, APPROVER, view, { [BLOCK_IDS.approveCommentBlock]: 'welcome aboard' });
    expect(submitted).toEqual({ status: 200, body: undefined });

    const updated = await waitForCard(t, cardTs(card), 'succeeded');
    const user = fake.site.findUser(person.username);
    expect(user).toBeDefined();
    expect(blocksText(updated)).toContain(`<@${APPROVER}>`);
    expect(blocksText(updated)).toContain(`profile.php?id=${user?.id}`);
    expect(blocksText(updated)).toContain('welcome aboard');
    expect(blocksText(updated)).not.toContain(ACTION_IDS.approveRequestButton);
    const dm = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === REQUESTER && String(c.args.text).includes(request.id),
    );
    expect(String(dm.args.text)).toContain('is done');
    const line = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0NOTIFY' && String(c.args.text).includes(request.id),
    );
    expect(String(line.args.text)).toContain('done');
    expect(await auditOf(t, request.id)).toEqual([
      `request:pending:${REQUESTER}`,
      `decision:approved:${APPROVER}`,
      `execution:started:${APPROVER}`,
      'execution:succeeded:system',
    ]);
    expect(createCallsFor(person.username)).toBe(1);
  });

  it('an approver’s correction (Edit details) is checked inline, then shown as a diff on the card and in the audit', async () => {
    const person = newPerson();
    const { request, card } = await requestAccount(t, REQUESTER, person);
    const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    const summary = await openedViewWithId(t, triggerId);
    const form = await clickEditDetails(t, APPROVER, summary);

    const bad = await submitModal(t, APPROVER, form, { [userFieldIds('email').blockId]: 'not-an-email' });
    expect(bad.body).toMatchObject({
      response_action: 'errors',
      errors: { [userFieldIds('email').blockId]: expect.any(String) },
    });
    expect((await t.application.deps.listenerDeps.store.getRequest(request.id))?.status).toBe('pending');

    const good = await submitModal(t, APPROVER, form, {
      [userFieldIds('city').blockId]: 'Lyon',
      [userFieldIds('firstname').blockId]: 'Patricia',
    });
    expect(good.body).toBeUndefined();
    const redrawn = await t.slack.waitForCall(
      'views.update',
      (c) => c.args.view_id === summary.viewId && JSON.stringify(c.args.view).includes('Pat → Patricia'),
    );
    expect((await submitModal(t, APPROVER, redrawn.args.view as Record<string, unknown>)).body).toBeUndefined();
    const updated = await waitForCard(t, cardTs(card), 'succeeded');
    expect(blocksText(updated)).toContain('Corrected by the approver');
    expect(blocksText(updated)).toContain('Pat → Patricia');
    expect(fake.site.findUser(person.username)).toMatchObject({ firstname: 'Patricia', city: 'Lyon' });
    const events = await t.application.deps.listenerDeps.store.listAudit();
    const correction = events.find((e) => e.requestId === request.id && e.kind === 'correction');
    expect(JSON.parse(correction?.detail ?? '[]')).toEqual([
      { field: 'firstname', before: 'Pat', after: 'Patricia' },
      { field: 'city', before: '', after: 'Lyon' },
    ]);
  });

  it('20 concurrent Approve submissions for one request make exactly one create call', async () => {
    const person = newPerson('race');
    const { request, card } = await requestAccount(t, REQUESTER, person);
    const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    const view = await openedView(t, triggerId);
    const acks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => submitModal(t, i % 2 === 0 ? APPROVER : APPROVER2, view)),
    );
    for (const ack of acks) expect(ack.status).toBe(200);
    await waitForCard(t, cardTs(card), 'succeeded');
    // Let the losers finish their private replies before counting.
    await t.idle();
    expect(createCallsFor(person.username)).toBe(1);
    const decisions = (await auditOf(t, request.id)).filter((e) => e.startsWith('decision:'));
    expect(decisions).toHaveLength(1);
  });
});

describe('reject', () => {
  it('needs a reason (inline error when blank), then updates the card and tells the requester why', async () => {
    const person = newPerson();
    const { request, card } = await requestAccount(t, REQUESTER, person);
    const { triggerId } = await clickCard(t, APPROVER2, ACTION_IDS.rejectRequestButton, request, cardTs(card));
    const view = await openedView(t, triggerId);
    expect(view.callback_id).toBe(CALLBACK_IDS.rejectRequestModal);

    const blank = await submitModal(t, APPROVER2, view, { [BLOCK_IDS.rejectReasonBlock]: '   ' });
    expect(blank.body).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK_IDS.rejectReasonBlock]: expect.any(String) },
    });

    const ok = await submitModal(t, APPROVER2, view, { [BLOCK_IDS.rejectReasonBlock]: 'Not <!channel> staff' });
    expect(ok.body).toBeUndefined();
    const updated = await waitForCard(t, cardTs(card), 'rejected');
    expect(blocksText(updated)).toContain('Not &lt;!channel&gt; staff');
    const dm = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === REQUESTER && String(c.args.text).includes(request.id),
    );
    expect(String(dm.args.text)).toContain('rejected');
    expect(fake.site.findUser(person.username)).toBeUndefined();
    expect(await auditOf(t, request.id)).toContain(`decision:rejected:${APPROVER2}`);
  });
});

describe('refusals', () => {
  it('refuses the requester approving their own request, also an admin approver, at click and at submission', async () => {
    const person = newPerson();
    const { request, card } = await requestAccount(t, ADMIN, person);
    const { triggerId } = await clickCard(t, ADMIN, ACTION_IDS.approveRequestButton, request, cardTs(card));
    await ephemeralTo(ADMIN, 'yourself, so another approver has to approve it. To withdraw it, cancel it instead.');
    expect(t.slack.callsTo('views.open').some((c) => c.args.trigger_id === triggerId)).toBe(false);

    // A forged submission (the modal was never opened for them) is refused as well.
    const forged = await t.submitView(
      buildViewSubmission({
        user: { id: ADMIN },
        callbackId: CALLBACK_IDS.approveRequestModal,
        privateMetadata: JSON.stringify({ r: request.id }),
        values: {},
        triggerId: t.slack.issueTriggerId(),
      }),
    );
    expect(forged.body).toMatchObject({ response_action: 'update' });
    expect(JSON.stringify(forged.body)).toContain('yourself');
    expect((await t.application.deps.listenerDeps.store.getRequest(request.id))?.status).toBe('pending');
    expect((await auditOf(t, request.id)).filter((e) => e === `refusal:self_decision:${ADMIN}`)).toHaveLength(2);
  });

  it('refuses a non-approver’s click privately and opens nothing', async () => {
    const { request, card } = await requestAccount(t, REQUESTER, newPerson());
    const { triggerId } = await clickCard(t, STRANGER, ACTION_IDS.rejectRequestButton, request, cardTs(card));
    const told = await ephemeralTo(STRANGER, 'You need to be an approver');
    expect(String(told.args.text)).toContain(`<@${ADMIN}>`);
    expect(String(told.args.text)).not.toContain('SLACK_');
    expect(told.args.channel).toBe('C0APPROVALS');
    expect(t.slack.callsTo('views.open').some((c) => c.args.trigger_id === triggerId)).toBe(false);
    expect(await auditOf(t, request.id)).toContain(`refusal:permission:${STRANGER}`);
  });

  it('a click on a decided request says who decided, and redraws the stale card', async () => {
    const { request, card } = await requestAccount(t, REQUESTER, newPerson());
    await t.application.deps.listenerDeps.provisioning.reject(request.id, APPROVER, 'duplicate');
    await waitForCard(t, cardTs(card), 'rejected');
    const before = t.slack.callsTo('chat.update').length;
    await clickCard(t, APPROVER2, ACTION_IDS.approveRequestButton, request, cardTs(card));
    await ephemeralTo(APPROVER2, `was already rejected by <@${APPROVER}>; nothing is left for you to do.`);
    await t.slack.waitForCall(
      'chat.update',
      (c) => c.args.ts === cardTs(card) && t.slack.callsTo('chat.update').indexOf(c) >= before,
    );
  });
});

describe('failure and retry', () => {
  it('Moodle down → failed card with Retry → Retry by an approver → succeeded, one account', async () => {
    const person = newPerson('retry');
    const { request, card } = await requestAccount(t, REQUESTER, person);
    fake.setFault({ status: 503 });
    const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    await submitModal(t, APPROVER, await openedView(t, triggerId));
    const failed = await waitForCard(t, cardTs(card), 'failed');
    expect(blocksText(failed)).toContain(ACTION_IDS.retryRequestButton);
    expect(blocksText(failed)).toContain('maintenance');
    await ephemeralTo(APPROVER, 'is not done: Moodle refused it.');
    fake.setFault(null);

    await clickCard(t, STRANGER, ACTION_IDS.retryRequestButton, request, cardTs(card));
    await ephemeralTo(STRANGER, `Ask <@${ADMIN}>`);
    await clickCard(t, APPROVER2, ACTION_IDS.retryRequestButton, request, cardTs(card));
    await waitForCard(t, cardTs(card), 'succeeded');
    expect(fake.site.snapshotUsers().filter((u) => u.username === person.username)).toHaveLength(1);
    const audit = await auditOf(t, request.id);
    expect(audit).toContain(`retry:retried:${APPROVER2}`);
    expect(audit.at(-1)).toBe('execution:succeeded:system');
  });
});

describe('requests list and cancel', () => {
  it('lists my requests privately, with a Cancel button; pending is for approvers only', async () => {
    const { request } = await requestAccount(t, REQUESTER, newPerson());
    const mine = await t.command('/moodle-user', 'requests mine', { userId: REQUESTER });
    const list = (await mine.waitForResponse()).body;
    expect(list.response_type).toBe('ephemeral');
    expect(JSON.stringify(list.blocks)).toContain(request.id);
    expect(JSON.stringify(list.blocks)).toContain(ACTION_IDS.cancelRequestButton);

    const refused = await t.command('/moodle-user', 'requests pending', { userId: STRANGER });
    const refusal = String((await refused.waitForResponse()).body.text);
    expect(refusal).toContain('You need to be an approver');
    expect(refusal).toContain(`<@${ADMIN}>`);
    expect(refusal).not.toContain('SLACK_');
    const queue = await t.command('/moodle-user', 'requests pending', { userId: APPROVER });
    const queued = (await queue.waitForResponse()).body;
    expect(JSON.stringify(queued.blocks)).toContain(request.id);
    expect(JSON.stringify(queued.blocks)).not.toContain(ACTION_IDS.cancelRequestButton);
  });

  it('the requester cancels (card updated); anyone else is refused', async () => {
    const { request, card } = await requestAccount(t, REQUESTER, newPerson());
    const other = await t.command('/moodle-user', `cancel ${request.id}`, { userId: APPROVER });
    expect(String((await other.waitForResponse()).body.text)).toContain('Only the person who asked');
    const own = await t.command('/moodle-user', `cancel ${request.id.toLowerCase()}`, { userId: REQUESTER });
    expect(String((await own.waitForResponse()).body.text)).toContain('cancelled');
    const updated = await waitForCard(t, cardTs(card), 'cancelled');
    expect(blocksText(updated)).not.toContain(ACTION_IDS.approveRequestButton);
    const audit = await auditOf(t, request.id);
    expect(audit).toContain(`refusal:not_requester:${APPROVER}`);
    expect(audit).toContain(`cancellation:cancelled:${REQUESTER}`);
    const bad = await t.command('/moodle-user', 'cancel banana', { userId: REQUESTER });
    expect(String((await bad.waitForResponse()).body.text)).toContain('not a request id');
  });

  it('the Cancel button in the private list cancels through the click’s response_url', async () => {
    const { request, card } = await requestAccount(t, REQUESTER, newPerson());
    const payload = buildBlockActions({
      user: { id: REQUESTER },
      actions: [{ action_id: ACTION_IDS.cancelRequestButton, block_id: 'row', value: request.id }],
      triggerId: t.slack.issueTriggerId(),
      channelId: 'C0GENERAL',
      responseUrl: t.slack.responseUrl('cancel-click'),
    });
    payload.container = { type: 'message', message_ts: '1.000009', channel_id: 'C0GENERAL', is_ephemeral: true };
    await t.action(payload);
    expect(String((await t.slack.waitForResponse('cancel-click')).body.text)).toContain('cancelled');
    await waitForCard(t, cardTs(card), 'cancelled');
  });

  it('leaks no secret into the logs', () => {
    expect(t.leakedSecrets()).toEqual([]);
  });
});

it('every message, reply and view sent to Slack in this file passes the Block Kit check', async () => {
  expect(await blockKitProblemsReceived(t)).toEqual([]);
});
