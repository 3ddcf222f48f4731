// /moodle-user update without fields (the edit modal) and /moodle-user delete (the confirmation modal) end to end
// over signed HTTP: "Looking up…" opened at once with the trigger_id and replaced after the look-up; inline errors;
// the deletion approved through the card's Approve… button and the approve modal; protected accounts refused.
import { describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS, userFieldIds } from '../../src/slack/ids.js';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import { buildViewSubmission } from '../fakes/sign.js';
import {
  ADMIN,
  APPROVER,
  accountModalOf,
  appForFile,
  auditOf,
  blocksText,
  cardTs,
  clickCard,
  openedView,
  REQUESTER,
  startAppWithMoodle,
  stateOf,
  submitModal,
  waitForCard,
} from './approval-helpers.js';
import { blockKitProblemsReceived } from './block-kit-received.js';
import type { TestApp } from './harness.js';

let fake: FakeMoodle;
let t: TestApp;
let counter = 0;

appForFile(
  async () => {
    const app = await startAppWithMoodle({
      MOODLE_TIMEOUT_MS: '5000',
      SLACK_APPROVERS: `${APPROVER},${ADMIN}`,
      SLACK_ADMINS: ADMIN,
    });
    app.fake.site.seedRecordingUsers();
    return app;
  },
  (app) => {
    ({ fake, t } = app);
  },
);

/** An account to edit; its sign-in method is oauth2 (not the default), so a form showing it can be told apart. */
function person() {
  counter += 1;
  const username = `mod${counter}`;
  const email = `${username}@example.org`;
  const auth = 'oauth2';
  const id = fake.site.addUser({ username, firstname: 'Mo', lastname: `Dal${counter}`, email, auth, city: 'Leeds' });
  return { id, username, email, auth };
}

type View = Record<string, unknown>;

function modalOf(text: string, userId = REQUESTER): Promise<{ loading: View; view: View; viewId: string }> {
  return accountModalOf(t, text, userId);
}

function inputValue(view: View, blockId: string): string | undefined {
  const blocks = view.blocks as Array<{ block_id?: string; element?: { initial_value?: string } }>;
  return blocks.find((b) => b.block_id === blockId)?.element?.initial_value;
}

async function requestCount(): Promise<number> {
  return (await t.application.deps.listenerDeps.store.listRequests({ limit: 1000 })).length;
}

function dmTo(user: string, includes: string) {
  return t.slack.waitForCall(
    'chat.postMessage',
    (c) => c.args.channel === user && String(c.args.text).includes(includes),
  );
}

describe('edit modal', () => {
  it('shows an approver every current value, contact details and sign-in method included', async () => {
    const p = person();
    const { view } = await modalOf(`update ${p.username}`, APPROVER);
    expect(inputValue(view, userFieldIds('email').blockId)).toBe(p.email);
    expect(inputValue(view, userFieldIds('auth').blockId)).toBe(p.auth);
    expect(JSON.stringify(view)).not.toContain('Only approvers and admins see the current value');
  });

  it('opens filled with the values a requester may see (contact details and sign-in method blank: kept unless typed); a change is stored as before → after', async () => {
    const p = person();
    const { view } = await modalOf(`update ${p.username}`);
    expect(view.callback_id).toBe(CALLBACK_IDS.editUserModal);
    expect(inputValue(view, userFieldIds('username').blockId)).toBe(p.username);
    expect(inputValue(view, userFieldIds('email').blockId)).toBeUndefined();
    expect(JSON.stringify(view)).not.toContain(p.email);
    expect(inputValue(view, userFieldIds('auth').blockId)).toBeUndefined();
    expect(JSON.stringify(view)).not.toContain(p.auth);
    expect(JSON.stringify(view)).toContain('Only approvers and admins see the current value');
    expect(inputValue(view, userFieldIds('city').blockId)).toBe('Leeds');

    const ack = await submitModal(t, REQUESTER, view, {
      [userFieldIds('city').blockId]: 'York',
      [userFieldIds('department').blockId]: 'Science',
      [BLOCK_IDS.reasonBlock]: 'moved campus',
    });
    expect(ack).toEqual({ status: 200, body: undefined });
    const dm = await dmTo(REQUESTER, `update ${p.username}`);
    const id = /R-[A-Z0-9]{6}/.exec(String(dm.args.text))?.[0];
    expect(String(dm.args.text)).toContain('waiting for an approver');
    const request = await t.application.deps.listenerDeps.store.getRequest(String(id));
    expect(request?.payload).toEqual({
      operation: 'update',
      changes: [
        { field: 'department', before: '', after: 'Science' },
        { field: 'city', before: 'Leeds', after: 'York' },
      ],
    });
    expect(request?.reason).toBe('moved campus');
    const card = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(String(id)),
    );
    expect(blocksText(card)).toContain('Leeds → York');
  });

  it('a requester’s change of email and phone: the approval card shows before → after; nothing the requester receives holds the old values; the sign-in method they never saw is kept', async () => {
    counter += 1;
    const username = `mod${counter}`;
    const old = { email: `${username}@example.org`, phone1: '+44 113 496 0001', auth: 'oauth2' };
    const id = fake.site.addUser({ username, firstname: 'Mo', lastname: `Dal${counter}`, ...old });
    const from = t.slack.calls.length;
    const { view } = await modalOf(`update ${username}`);
    const ack = await submitModal(t, REQUESTER, view, {
      [userFieldIds('email').blockId]: `new.${username}@example.org`,
      [userFieldIds('phone1').blockId]: '+44 113 496 0999',
      [BLOCK_IDS.reasonBlock]: 'new contact details',
    });
    expect(ack).toEqual({ status: 200, body: undefined });
    const dm = await dmTo(REQUESTER, `update ${username}`);
    const requestId = String(/R-[A-Z0-9]{6}/.exec(String(dm.args.text))?.[0]);
    const card = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(requestId),
    );
    expect(blocksText(card)).toContain(`${old.email} → new.${username}@example.org`);
    expect(blocksText(card)).toContain(`${old.phone1} → +44 113 496 0999`);

    const request = await t.application.deps.listenerDeps.store.getRequest(requestId);
    if (!request) throw new Error('no request');
    const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    const summary = JSON.stringify(await openedView(t, triggerId));
    expect(summary).toContain(`${old.email} → new.${username}@example.org`);
    expect(await submitModal(t, APPROVER, JSON.parse(summary))).toEqual({ status: 200, body: undefined });
    await waitForCard(t, cardTs(card), 'succeeded');
    expect(fake.site.getUser(id)?.email).toBe(`new.${username}@example.org`);
    // The sign-in method the requester never saw (its input blank) is kept, neither cleared nor reset.
    expect(fake.site.getUser(id)?.auth).toBe(old.auth);
    expect(request.payload).toEqual({
      operation: 'update',
      changes: expect.not.arrayContaining([expect.objectContaining({ field: 'auth' })]),
    });
    await dmTo(REQUESTER, 'is done');

    // Everything the requester was shown: their modal's views, replies and DMs, ephemeral messages, their Home tab.
    const theirs = t.slack.calls.slice(from).filter((c) => {
      const a = c.args;
      if (c.method.startsWith('views.') && c.method !== 'views.publish') return c.at < Number(card.at) + 1;
      return a.channel === REQUESTER || a.user === REQUESTER || a.user_id === REQUESTER;
    });
    expect(theirs.map((c) => c.method)).toEqual(expect.arrayContaining(['views.open', 'chat.postMessage']));
    const seen = JSON.stringify([theirs.map((c) => c.args), t.slack.responses]);
    expect(seen).toContain(requestId);
    expect(seen).not.toContain(old.email);
    expect(seen).not.toContain(old.phone1);
    expect(seen).not.toContain(old.auth);
  });

  it('shows problems inline under their fields, a rename onto another account included, and stores nothing', async () => {
    const p = person();
    const { view } = await modalOf(`update ${p.username}`);
    const before = await requestCount();
    const bad = await submitModal(t, REQUESTER, view, {
      [userFieldIds('email').blockId]: 'not-an-email',
      [userFieldIds('firstname').blockId]: '',
    });
    expect(bad.body).toMatchObject({
      response_action: 'errors',
      errors: {
        [userFieldIds('email').blockId]: expect.stringContaining('is not valid'),
        [userFieldIds('firstname').blockId]: expect.stringContaining('cannot be blank'),
      },
    });
    const clash = await submitModal(t, REQUESTER, view, { [userFieldIds('username').blockId]: 'gt_alice' });
    expect(clash.body).toMatchObject({
      response_action: 'errors',
      errors: { [userFieldIds('username').blockId]: expect.stringContaining('already used by gt_alice') },
    });
    const same = await submitModal(t, REQUESTER, view);
    expect(same.body).toMatchObject({ response_action: 'update' });
    expect(JSON.stringify(same.body)).toContain('Nothing to change');
    expect(await requestCount()).toBe(before);
  });

  it('keeps the form open when the new username or email is one a create waiting for approval will take', async () => {
    const p = person();
    const waiting = await t.application.deps.listenerDeps.provisioning.submitCreate(
      { userId: REQUESTER },
      { email: 'incoming@example.org', firstname: 'In', lastname: 'Coming', username: 'incoming' },
    );
    expect(waiting.kind).toBe('pending');
    const { view } = await modalOf(`update ${p.username}`, APPROVER);
    const renamed = await submitModal(t, APPROVER, view, { [userFieldIds('username').blockId]: 'incoming' });
    expect(renamed.body).toMatchObject({
      response_action: 'errors',
      errors: {
        [userFieldIds('username').blockId]: expect.stringContaining('the username incoming is already in progress'),
      },
    });
    const emailed = await submitModal(t, APPROVER, view, { [userFieldIds('email').blockId]: 'incoming@example.org' });
    expect(emailed.body).toMatchObject({
      response_action: 'errors',
      errors: { [userFieldIds('email').blockId]: expect.stringContaining('this email address is already in progress') },
    });
  });

  it('when Moodle is slower than Slack’s 3 seconds, the modal says it is still checking, then shows the outcome', async () => {
    const p = person();
    const { view, viewId } = await modalOf(`update ${p.username}`);
    fake.setLatency(2_500);
    let ack: Awaited<ReturnType<TestApp['submitView']>>;
    try {
      ack = await t.submitView(
        buildViewSubmission({
          user: { id: REQUESTER },
          callbackId: CALLBACK_IDS.editUserModal,
          privateMetadata: String(view.private_metadata),
          values: stateOf(view, { [userFieldIds('city').blockId]: 'Hull' }),
          triggerId: t.slack.issueTriggerId(),
          viewId,
        }),
      );
    } finally {
      fake.setLatency(0);
    }
    expect(ack.body).toMatchObject({ response_action: 'update' });
    expect(JSON.stringify(ack.body)).toContain('Still checking');
    const done = await t.slack.waitForCall(
      'views.update',
      (c) => c.args.view_id === viewId && JSON.stringify(c.args.view).includes('waiting for an approver'),
    );
    expect(JSON.stringify(done.args.view)).toMatch(/R-[A-Z0-9]{6}/);
  });

  it('answers a damaged form with a notice instead of a failure', async () => {
    const ack = await t.submitView(
      buildViewSubmission({
        user: { id: REQUESTER },
        callbackId: CALLBACK_IDS.editUserModal,
        privateMetadata: '{"moodleId":"DROP TABLE"}',
        values: {},
        triggerId: t.slack.issueTriggerId(),
      }),
    );
    expect(ack.status).toBe(200);
    expect(JSON.stringify(ack.body)).toContain('out of date or damaged');
  });

  it('refuses to open the form for a protected account, and says why', async () => {
    const { view } = await modalOf('update guest');
    expect(view.callback_id).toBe(CALLBACK_IDS.accountNoticeModal);
    expect(JSON.stringify(view)).toContain('guest account');
    expect(view.submit).toBeUndefined();
  });
});

describe('delete', () => {
  it('confirmation → wrong username refused inline → request → Approve… → account soft-deleted in Moodle', async () => {
    const p = person();
    const { view } = await modalOf(`delete ${p.email}`);
    expect(view.callback_id).toBe(CALLBACK_IDS.deleteUserConfirmModal);
    const shown = JSON.stringify(view);
    expect(shown).toContain(p.username);
    expect(shown).toContain('cannot be undone');
    expect(shown).toContain('suspend');

    const before = await requestCount();
    const wrong = await submitModal(t, REQUESTER, view, { [BLOCK_IDS.deleteConfirmBlock]: p.username.toUpperCase() });
    expect(wrong.body).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK_IDS.deleteConfirmBlock]: expect.stringContaining(`Type ${p.username} exactly`) },
    });
    expect(await requestCount()).toBe(before);

    const right = await submitModal(t, REQUESTER, view, {
      [BLOCK_IDS.deleteConfirmBlock]: p.username,
      [BLOCK_IDS.reasonBlock]: 'left in June',
    });
    expect(right).toEqual({ status: 200, body: undefined });
    const dm = await dmTo(REQUESTER, `delete ${p.username}`);
    const id = String(/R-[A-Z0-9]{6}/.exec(String(dm.args.text))?.[0]);
    const request = await t.application.deps.listenerDeps.store.getRequest(id);
    expect(request).toMatchObject({ operation: 'delete', status: 'pending', reason: 'left in June' });
    const card = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(id),
    );
    expect(blocksText(card)).toContain('cannot be undone');
    expect(fake.site.getUser(p.id)?.deleted).toBe(false);

    if (!request) throw new Error('no request');
    const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    const approveView = await openedView(t, triggerId);
    const approved = await submitModal(t, APPROVER, approveView);
    expect(approved.status).toBe(200);
    await waitForCard(t, cardTs(card), 'succeeded');
    expect(fake.site.getUser(p.id)?.deleted).toBe(true);
    expect(await auditOf(t, id)).toEqual([
      `request:pending:${REQUESTER}`,
      `decision:approved:${APPROVER}`,
      `execution:started:${APPROVER}`,
      'execution:succeeded:system',
    ]);
  });

  it('an admin still needs approval to delete (APPROVAL_REQUIRED defaults to delete)', async () => {
    const p = person();
    const { view } = await modalOf(`delete ${p.id}`, ADMIN);
    const ack = await submitModal(t, ADMIN, view, {
      [BLOCK_IDS.deleteConfirmBlock]: p.username,
      [BLOCK_IDS.reasonBlock]: 'left',
    });
    expect(ack.body).toBeUndefined();
    const dm = await dmTo(ADMIN, `delete ${p.username}`);
    expect(String(dm.args.text)).toContain('waiting for an approver');
    expect(fake.site.getUser(p.id)?.deleted).toBe(false);
  });

  it('Moodle’s refusal to delete a site administrator reaches the card in words', async () => {
    const { view } = await modalOf('delete admin');
    await submitModal(t, REQUESTER, view, { [BLOCK_IDS.deleteConfirmBlock]: 'admin', [BLOCK_IDS.reasonBlock]: 'left' });
    const dm = await dmTo(REQUESTER, 'delete admin');
    const id = String(/R-[A-Z0-9]{6}/.exec(String(dm.args.text))?.[0]);
    const card = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(id),
    );
    const request = await t.application.deps.listenerDeps.store.getRequest(id);
    if (!request) throw new Error('no request');
    const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    await submitModal(t, APPROVER, await openedView(t, triggerId));
    const failed = await waitForCard(t, cardTs(card), 'failed');
    expect(blocksText(failed)).toContain('Site administrators cannot be deleted');
    expect(fake.site.findUser('admin')?.deleted).toBe(false);
  });

  it.each([
    ['the token’s own user', 'api-user', 'token belongs to'],
    ['the guest', 'guest', 'guest account'],
  ])('refuses to delete %s: a notice instead of the form, nothing stored', async (_what, ref, words) => {
    const before = await requestCount();
    const { view } = await modalOf(`delete ${ref}`);
    expect(view.callback_id).toBe(CALLBACK_IDS.accountNoticeModal);
    expect(JSON.stringify(view)).toContain(words);
    expect(await requestCount()).toBe(before);
  });

  it('refuses a submission for an account that became protected meanwhile (metadata forged), inline', async () => {
    const before = await requestCount();
    const ack = await t.submitView(
      buildViewSubmission({
        user: { id: REQUESTER },
        callbackId: CALLBACK_IDS.deleteUserConfirmModal,
        privateMetadata: JSON.stringify({ moodleId: 3, username: 'api-user' }),
        values: stateOf(
          {
            blocks: [
              { type: 'input', block_id: BLOCK_IDS.deleteConfirmBlock, element: { action_id: 'delete_confirm_input' } },
              { type: 'input', block_id: BLOCK_IDS.reasonBlock, element: { action_id: INPUT_ACTION_IDS.reasonInput } },
            ],
          },
          { [BLOCK_IDS.deleteConfirmBlock]: 'api-user', [BLOCK_IDS.reasonBlock]: 'left' },
        ),
        triggerId: t.slack.issueTriggerId(),
      }),
    );
    expect(JSON.stringify(ack.body)).toContain('token belongs to');
    expect(await requestCount()).toBe(before);
    expect(fake.calls.some((c) => c.wsfunction === 'core_user_delete_users' && c.params['userids[0]'] === '3')).toBe(
      false,
    );
  });

  it('says when the account to delete does not exist', async () => {
    const { view } = await modalOf('delete nobody.at.all');
    expect(JSON.stringify(view)).toContain('No Moodle account has the username');
  });

  it('leaks no secret into the logs', () => {
    expect(t.leakedSecrets()).toEqual([]);
  });
});

it('every message, reply and view sent to Slack in this file passes the Block Kit check', async () => {
  expect(await blockKitProblemsReceived(t)).toEqual([]);
});
