// The light approve step end to end over signed HTTP: Approve… opens a read-only summary; Approve with a comment;
// Edit details pushes a short form whose corrections (checked inline) come back to the summary and are applied by
// Approve; the requester can neither approve nor edit; a delete's summary shows the account as Moodle has it.
import { describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, userFieldIds } from '../../src/slack/ids.js';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import { buildBlockActions } from '../fakes/sign.js';
import {
  ADMIN,
  APPROVER,
  addAccount,
  appForFile,
  auditOf,
  blocksText,
  cardTs,
  clickCard,
  clickEditDetails,
  newPerson,
  openedViewWithId,
  REQUESTER,
  requestAccount,
  startAppWithMoodle,
  submitModal,
  waitForCard,
} from './approval-helpers.js';
import type { TestApp } from './harness.js';

let fake: FakeMoodle;
let t: TestApp;

appForFile(
  () =>
    startAppWithMoodle({
      SLACK_APPROVERS: `${APPROVER},${ADMIN}`,
      SLACK_ADMINS: ADMIN,
      APPROVAL_REQUIRED: 'create,delete',
      ALLOWED_AUTH: 'manual,oauth2',
      APPROVALS_REQUIRED: 'delete:2',
    }),
  (app) => {
    ({ fake, t } = app);
  },
);

type View = Record<string, unknown>;
type Block = { type: string; block_id?: string; element?: { type: string }; fields?: Array<{ text: string }> };

const blocksOf = (view: View) => (view.blocks as Block[]) ?? [];
const inputIds = (view: View) => blocksOf(view).flatMap((b) => (b.type === 'input' ? [b.block_id] : []));
const fieldTexts = (view: View) => blocksOf(view).flatMap((b) => (b.fields ?? []).map((f) => f.text));

async function openSummary(user: string, request: { id: string }, ts: string) {
  const { ack, triggerId } = await clickCard(t, user, ACTION_IDS.approveRequestButton, request as never, ts);
  expect(ack.status).toBe(200);
  return openedViewWithId(t, triggerId);
}

/** The summary `viewId` redrawn after `after` calls (views.update calls are recorded in order). */
async function redrawnSummary(viewId: string, after: number): Promise<View> {
  const call = await t.slack.waitForCall(
    'views.update',
    (c) => c.args.view_id === viewId && t.slack.callsTo('views.update').indexOf(c) >= after,
  );
  expect(call.response?.ok).toBe(true);
  return call.args.view as View;
}

/** Asks to delete a fresh account (as the requester); returns the pending request and its card's ts. */
async function requestDeletion(prefix: string) {
  const account = addAccount(fake, prefix);
  const outcome = await t.application.deps.listenerDeps.provisioning.submitRequest(
    { userId: REQUESTER, channelId: 'C0GENERAL' },
    { moodleId: account.id, username: account.username, email: `${account.username}@example.org` },
    { operation: 'delete' },
    undefined,
    'left the school',
  );
  if (outcome.kind !== 'pending') throw new Error(`expected a pending request, got ${outcome.kind}`);
  const card = await t.slack.waitForCall(
    'chat.postMessage',
    (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(outcome.request.id),
  );
  return { account, request: outcome.request, ts: cardTs(card) };
}

describe('the approve summary', () => {
  it('opens read-only: the record as two-column fields, the check in words, Edit details, one optional comment', async () => {
    const person = newPerson('sum');
    const { request, card } = await requestAccount(t, REQUESTER, person, 'joins the art team');
    const { view } = await openSummary(APPROVER, request, cardTs(card));
    expect(view.callback_id).toBe(CALLBACK_IDS.approveRequestModal);
    expect(inputIds(view)).toEqual([BLOCK_IDS.approveCommentBlock]);
    expect(fieldTexts(view)).toContain(`*Email address*\n${person.email}`);
    expect(fieldTexts(view)).toContain(`*Username*\n${person.username}`);
    const json = JSON.stringify(view.blocks);
    expect(json).toContain('no Moodle account has this username, email or ID number');
    expect(json).toContain('joins the art team');
    expect(json).toContain(ACTION_IDS.approveEditDetailsButton);
    expect((view.submit as { text: string }).text).toBe('Approve');
  });

  it('Approve with a comment creates the account and shows the comment on the card', async () => {
    const person = newPerson('sum');
    const { request, card } = await requestAccount(t, REQUESTER, person);
    const { view } = await openSummary(APPROVER, request, cardTs(card));
    expect(await submitModal(t, APPROVER, view, { [BLOCK_IDS.approveCommentBlock]: 'see you monday' })).toEqual({
      status: 200,
      body: undefined,
    });
    const updated = await waitForCard(t, cardTs(card), 'succeeded');
    expect(blocksText(updated)).toContain('see you monday');
    expect(fake.site.findUser(person.username)).toMatchObject({ email: person.email });
  });

  it('Edit details → corrected email → Approve: Moodle gets the corrected email, the card and audit show the change', async () => {
    const person = newPerson('sum');
    const { request, card } = await requestAccount(t, REQUESTER, person);
    const summary = await openSummary(APPROVER, request, cardTs(card));
    const form = await clickEditDetails(t, APPROVER, summary);
    expect(form.callback_id).toBe(CALLBACK_IDS.approveCorrectionsModal);
    const types = Object.fromEntries(blocksOf(form).map((b) => [b.block_id, b.element?.type]));
    expect(types[userFieldIds('auth').blockId]).toBe('static_select');
    expect(types[userFieldIds('country').blockId]).toBe('static_select');
    expect(types[userFieldIds('email').blockId]).toBe('email_text_input');
    expect(inputIds(form)).not.toContain(userFieldIds('phone1').blockId);

    const corrected = `fixed.${person.email}`;
    const updatesBefore = t.slack.callsTo('views.update').length;
    const saved = await submitModal(t, APPROVER, form, {
      [userFieldIds('email').blockId]: corrected,
      [userFieldIds('country').blockId]: 'FR',
    });
    expect(saved).toEqual({ status: 200, body: undefined });
    const redrawn = await redrawnSummary(summary.viewId, updatesBefore);
    expect(JSON.stringify(redrawn.blocks)).toContain(`${person.email} → ${corrected}`);
    expect(fieldTexts(redrawn)).toContain(`*Email address*\n${corrected}`);
    expect((await t.application.deps.listenerDeps.store.getRequest(request.id))?.status).toBe('pending');

    expect((await submitModal(t, APPROVER, redrawn, { [BLOCK_IDS.approveCommentBlock]: 'ok' })).body).toBeUndefined();
    const updated = await waitForCard(t, cardTs(card), 'succeeded');
    expect(blocksText(updated)).toContain(corrected);
    expect(fake.site.findUser(person.username)).toMatchObject({ email: corrected, country: 'FR' });
    const events = await t.application.deps.listenerDeps.store.listAudit();
    const correction = events.find((e) => e.requestId === request.id && e.kind === 'correction');
    expect(JSON.parse(correction?.detail ?? '[]')).toEqual([
      { field: 'email', before: person.email, after: corrected },
      { field: 'country', before: '', after: 'FR' },
    ]);
  });

  it('an invalid correction is an inline error under its field; the summary is left as it was', async () => {
    const person = newPerson('sum');
    const { request, card } = await requestAccount(t, REQUESTER, person);
    const summary = await openSummary(APPROVER, request, cardTs(card));
    const form = await clickEditDetails(t, APPROVER, summary);
    const updatesBefore = t.slack.callsTo('views.update').length;
    const bad = await submitModal(t, APPROVER, form, {
      [userFieldIds('email').blockId]: 'not-an-email',
      [userFieldIds('username').blockId]: 'Bad Name',
    });
    expect(bad.body).toMatchObject({
      response_action: 'errors',
      errors: {
        [userFieldIds('email').blockId]: expect.stringContaining('is not valid'),
        [userFieldIds('username').blockId]: expect.stringContaining('lowercase'),
      },
    });
    expect(
      t.slack
        .callsTo('views.update')
        .slice(updatesBefore)
        .some((c) => c.args.view_id === summary.viewId),
    ).toBe(false);
    expect((await t.application.deps.listenerDeps.store.getRequest(request.id))?.status).toBe('pending');
  });

  it('the requester can neither open the summary, nor edit, nor approve with a forged summary', async () => {
    const person = newPerson('sum');
    const { request, card } = await requestAccount(t, ADMIN, person);
    const { triggerId } = await clickCard(t, ADMIN, ACTION_IDS.approveRequestButton, request, cardTs(card));
    await t.slack.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === ADMIN && String(c.args.text).includes('yourself'),
    );
    expect(t.slack.callsTo('views.open').some((c) => c.args.trigger_id === triggerId)).toBe(false);

    // Edit details and Approve clicked on a summary opened by someone else (forged for the requester).
    const summary = await openSummary(APPROVER, request, cardTs(card));
    const editTrigger = t.slack.issueTriggerId();
    await t.action(
      buildBlockActions({
        user: { id: ADMIN },
        actions: [{ action_id: ACTION_IDS.approveEditDetailsButton, block_id: BLOCK_IDS.approveEditBlock, value: '' }],
        triggerId: editTrigger,
        view: { ...summary.view, id: summary.viewId },
      }),
    );
    const refusedEdit = await t.slack.waitForCall(
      'views.update',
      (c) => c.args.view_id === summary.viewId && JSON.stringify(c.args.view).includes('yourself'),
    );
    expect(refusedEdit.response?.ok).toBe(true);
    expect(t.slack.callsTo('views.push').some((c) => c.args.trigger_id === editTrigger)).toBe(false);

    const forged = await submitModal(t, ADMIN, summary.view, { [BLOCK_IDS.approveCommentBlock]: 'mine' });
    expect(forged.body).toMatchObject({ response_action: 'update' });
    expect(JSON.stringify(forged.body)).toContain('yourself');
    expect((await t.application.deps.listenerDeps.store.getRequest(request.id))?.status).toBe('pending');
    expect(fake.site.findUser(person.username)).toBeUndefined();
    expect((await auditOf(t, request.id)).filter((e) => e === `refusal:self_decision:${ADMIN}`).length).toBe(3);
  });

  it('a delete summary shows the account as Moodle has it, and no Edit details', async () => {
    const { account, request, ts } = await requestDeletion('sumdel');
    const stored = fake.site.getUser(account.id);
    if (stored) stored.suspended = true;
    const summary = await openSummary(APPROVER, request, ts);
    expect(fieldTexts(summary.view)).toContain(`*Username*\n${account.username}`);
    expect(JSON.stringify(summary.view.blocks)).not.toContain(ACTION_IDS.approveEditDetailsButton);
    const looked = await redrawnSummary(summary.viewId, 0);
    const fields = fieldTexts(looked);
    expect(fields.some((f) => f.startsWith('*Name*\nPat Tester'))).toBe(true);
    expect(fields).toContain(`*Email address*\n${account.username}@example.org`);
    expect(fields).toContain('*Last access*\nNever');
    expect(fields).toContain('*Status*\nSuspended');
    expect(JSON.stringify(looked.blocks)).toContain('cannot be undone');
    expect(inputIds(looked)).toEqual([BLOCK_IDS.approveCommentBlock]);
  });

  it('a request that needs two approvers shows "1 of 2 approvals" and who to the second one', async () => {
    const { account, request, ts } = await requestDeletion('sumquorum');
    const first = await openSummary(APPROVER, request, ts);
    expect(JSON.stringify(first.view.blocks)).not.toContain('1 of 2 approvals');
    expect((await submitModal(t, APPROVER, first.view)).body).toBeUndefined();
    await t.slack.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === APPROVER && String(c.args.text).includes('is recorded: 1 of 2.'),
    );
    const second = await openSummary(ADMIN, request, ts);
    expect(JSON.stringify(second.view.blocks)).toContain(`1 of 2 approvals: <@${APPROVER}>`);
    expect(fake.site.getUser(account.id)?.deleted).toBe(false);
    expect((await submitModal(t, ADMIN, second.view)).body).toBeUndefined();
    await waitForCard(t, ts, 'succeeded');
    expect(fake.site.getUser(account.id)?.deleted).toBe(true);
  });
});
