// The App Home end to end over signed HTTP: published on app_home_opened and again when a request it lists changes;
// a requester's requests with Cancel, an approver's waiting requests with the card's own Approve…/Reject… (same
// handlers and re-checks), an admin's recent activity and setup check; the quick actions open their forms.
import { describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from '../../src/slack/ids.js';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import type { RecordedCall } from '../fakes/fake-slack/fake-slack.js';
import { buildAppHomeOpened, buildBlockActions, buildViewSubmission } from '../fakes/sign.js';
import {
  ADMIN,
  APPROVAL_ENV,
  APPROVER,
  appForFile,
  cardTs,
  newPerson,
  openedView,
  REQUESTER,
  requestAccount,
  startAppWithMoodle,
  submitModal,
  waitForCard,
} from './approval-helpers.js';
import { blockKitProblemsReceived } from './block-kit-received.js';
import type { TestApp } from './harness.js';

let fake: FakeMoodle;
let t: TestApp;

appForFile(
  async () => {
    const app = await startAppWithMoodle(APPROVAL_ENV);
    app.fake.site.seedRecordingUsers();
    return app;
  },
  (app) => {
    ({ fake, t } = app);
  },
);

const text = (call: RecordedCall) => JSON.stringify(call.args.view);

async function openHome(user: string): Promise<RecordedCall> {
  const before = t.slack.callsTo('views.publish').length;
  const answer = await t.postRaw(JSON.stringify(buildAppHomeOpened(user)), 'application/json');
  expect(answer.status).toBe(200);
  return t.slack.waitForCall(
    'views.publish',
    (c) => c.args.user_id === user && t.slack.callsTo('views.publish').indexOf(c) >= before,
  );
}

function homeClick(user: string, actionId: string, value: string, home: RecordedCall) {
  const triggerId = t.slack.issueTriggerId();
  const view = { ...(home.args.view as Record<string, unknown>), id: `V0HOME${user}` };
  const ack = t.action(
    buildBlockActions({
      user: { id: user },
      actions: [{ action_id: actionId, block_id: 'b', value }],
      triggerId,
      view,
    }),
  );
  return { ack, triggerId };
}

describe('the Home tab', () => {
  it('shows a requester their requests with Cancel, and is republished when one changes', async () => {
    const first = await openHome(REQUESTER);
    expect(text(first)).toContain('Your requests');
    expect(text(first)).not.toContain('Waiting for your approval');
    const person = newPerson('home');
    const { request } = await requestAccount(t, REQUESTER, person);
    const republished = await t.slack.waitForCall(
      'views.publish',
      (c) => c.args.user_id === REQUESTER && text(c).includes(request.id),
    );
    expect(text(republished)).toContain(ACTION_IDS.cancelRequestButton);
    expect(text(republished)).toContain('waiting for an approver');

    const { ack } = homeClick(REQUESTER, ACTION_IDS.cancelRequestButton, request.id, republished);
    expect((await ack).status).toBe(200);
    await t.slack.waitForCall(
      'views.publish',
      (c) => c.args.user_id === REQUESTER && text(c).includes(request.id) && text(c).includes('cancelled'),
    );
    expect((await t.application.deps.listenerDeps.store.getRequest(request.id))?.status).toBe('cancelled');
  });

  it('lets an approver approve from the Home tab, through the card’s own form and checks', async () => {
    await openHome(APPROVER);
    const person = newPerson('homeapp');
    const { request, card } = await requestAccount(t, REQUESTER, person);
    const home = await t.slack.waitForCall(
      'views.publish',
      (c) => c.args.user_id === APPROVER && text(c).includes(request.id),
    );
    expect(text(home)).toContain('Waiting for your approval');
    expect(text(home)).toContain(ACTION_IDS.approveRequestButton);
    expect(text(home)).toContain(ACTION_IDS.rejectRequestButton);

    const { triggerId } = homeClick(APPROVER, ACTION_IDS.approveRequestButton, request.id, home);
    const view = await openedView(t, triggerId);
    expect(view.callback_id).toBe(CALLBACK_IDS.approveRequestModal);
    await submitModal(t, APPROVER, view);
    await t.slack.waitForCall('views.publish', (c) => c.args.user_id === APPROVER && !text(c).includes(request.id));
    await waitForCard(t, cardTs(card), 'succeeded');
    expect(fake.site.findUser(person.username)).toBeDefined();

    // The requester cannot approve their own request from a forged Home click either.
    const own = homeClick(REQUESTER, ACTION_IDS.approveRequestButton, request.id, home);
    await own.ack;
    expect(t.slack.callsTo('views.open').some((c) => c.args.trigger_id === own.triggerId)).toBe(false);
  });

  it('shows an admin the recent activity and the setup check', async () => {
    const home = await openHome(ADMIN);
    expect(text(home)).toContain('Recent activity');
    expect(text(home)).toContain('Setup check');
    expect(text(home)).toContain('request');
  });

  it('opens the New account and Find a user forms; Find shows the account', async () => {
    const home = await openHome(REQUESTER);
    const created = homeClick(REQUESTER, ACTION_IDS.homeNewAccountButton, 'new', home);
    expect((await openedView(t, created.triggerId)).callback_id).toBe(CALLBACK_IDS.newUserModal);

    const find = homeClick(REQUESTER, ACTION_IDS.homeFindUserButton, 'find', home);
    const form = await openedView(t, find.triggerId);
    expect(form.callback_id).toBe(CALLBACK_IDS.findUserModal);
    const open = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === find.triggerId);
    const viewId = String((open.response?.view as { id?: string } | undefined)?.id);
    const ack = await t.submitView(
      buildViewSubmission({
        user: { id: REQUESTER },
        callbackId: CALLBACK_IDS.findUserModal,
        privateMetadata: '',
        values: {
          [BLOCK_IDS.findUserBlock]: {
            [INPUT_ACTION_IDS.findUserInput]: { type: 'plain_text_input', value: 'gt_alice' },
          },
        },
        viewId,
        triggerId: t.slack.issueTriggerId(),
      }),
    );
    expect(JSON.stringify(ack.body)).toContain('Looking up');
    const shown = await t.slack.waitForCall('views.update', (c) => c.args.view_id === viewId);
    expect(JSON.stringify(shown.args.view)).toContain('Alice Anderson');
  });
});

it('every message, reply and view sent to Slack in this file passes the Block Kit check', async () => {
  expect(await blockKitProblemsReceived(t)).toEqual([]);
});
