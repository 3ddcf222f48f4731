// The "Courses and cohorts" form of an existing account end to end over signed HTTP: opened by `/moodle-user enrol
// <user>` and by the show card's button, submitted as Slack would (radio buttons, selects, date pickers), checked
// against the fake Moodle before the ack (an unknown course stays in the form as an inline error), then approved
// from the card and carried out in the fake Moodle.
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/requests.js';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from '../../src/slack/ids.js';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import { buildBlockActions, buildViewSubmission } from '../fakes/sign.js';
import { accountModalOf, addAccount, appForFile, REQUESTER } from './approval-helpers.js';
import { blockKitProblemsReceived } from './block-kit-received.js';
import type { TestApp } from './harness.js';
import { approveFromCard, startMembershipApp } from './membership-helpers.js';

let fake: FakeMoodle;
let t: TestApp;

appForFile(startMembershipApp, (app) => {
  ({ fake, t } = app);
});

type View = Record<string, unknown>;

/** The requester clicks the account's membership form button, in a message or inside a modal; its trigger_id. */
async function clickFormButton(
  moodleId: number,
  where: { channelId: string } | { view: Record<string, unknown> },
): Promise<string> {
  const triggerId = t.slack.issueTriggerId();
  const click = await t.action(
    buildBlockActions({
      user: { id: REQUESTER },
      actions: [{ action_id: ACTION_IDS.membershipFormButton, block_id: 'x', value: String(moodleId) }],
      triggerId,
      ...where,
    }),
  );
  expect(click.status).toBe(200);
  return triggerId;
}

interface FormInput {
  action: string;
  courses?: string;
  role?: string;
  until?: string;
  cohort?: string;
  reason?: string;
}

/** The state Slack sends for the form: each element in its own shape. */
function formState(input: FormInput): Record<string, Record<string, unknown>> {
  const select = (value: string | undefined) => ({ type: 'static_select', selected_option: value ? { value } : null });
  const text = (value: string | undefined) => ({ type: 'plain_text_input', value: value ?? null });
  return {
    [BLOCK_IDS.membershipActionBlock]: {
      [INPUT_ACTION_IDS.membershipActionInput]: { type: 'radio_buttons', selected_option: { value: input.action } },
    },
    [BLOCK_IDS.coursesBlock]: { [INPUT_ACTION_IDS.coursesInput]: text(input.courses) },
    [BLOCK_IDS.roleBlock]: { [INPUT_ACTION_IDS.roleInput]: select(input.role ?? 'student') },
    [BLOCK_IDS.fromBlock]: { [INPUT_ACTION_IDS.fromInput]: { type: 'datepicker', selected_date: null } },
    [BLOCK_IDS.untilBlock]: {
      [INPUT_ACTION_IDS.untilInput]: { type: 'datepicker', selected_date: input.until ?? null },
    },
    [BLOCK_IDS.cohortsBlock]: { [INPUT_ACTION_IDS.cohortsInput]: select(input.cohort) },
    [BLOCK_IDS.reasonBlock]: { [INPUT_ACTION_IDS.reasonInput]: text(input.reason) },
  };
}

function submitForm(view: View, input: FormInput, viewId?: string) {
  return t.submitView(
    buildViewSubmission({
      user: { id: REQUESTER },
      callbackId: String(view.callback_id),
      ...(viewId ? { viewId } : {}),
      privateMetadata: String(view.private_metadata),
      values: formState(input),
      blocks: view.blocks as unknown[],
      triggerId: t.slack.issueTriggerId(),
    }),
  );
}

async function requestsFor(username: string): Promise<RequestRecord[]> {
  const all = await t.application.deps.listenerDeps.store.listRequests({ limit: 1000 });
  return all.filter((r) => r.target.username === username);
}

const approve = (request: RequestRecord) => approveFromCard(t, request);

function blockIds(view: View): string[] {
  return (view.blocks as Array<{ block_id?: string }>).map((b) => b.block_id ?? '');
}

describe('courses and cohorts form', () => {
  it('opens from /moodle-user enrol <user> with enrol chosen; the enrolment is approved and carried out', async () => {
    const p = addAccount(fake, 'formlearner');
    const { view } = await accountModalOf(t, `enrol ${p.username}`);
    expect(view.callback_id).toBe(CALLBACK_IDS.membershipModal);
    expect(blockIds(view)).toEqual(
      expect.arrayContaining([
        BLOCK_IDS.coursesBlock,
        BLOCK_IDS.roleBlock,
        BLOCK_IDS.untilBlock,
        BLOCK_IDS.cohortsBlock,
      ]),
    );
    const text = JSON.stringify(view);
    expect(text).toContain('"initial_option":{"text":{"type":"plain_text","text":"Enrol in courses"');
    // The cohorts Moodle has are offered in a menu.
    expect(text).toContain('COHORT1 (Cohort 1)');

    const ack = await submitForm(view, { action: 'enrol', courses: 'TEST101', role: 'teacher', until: '2030-01-31' });
    expect(ack).toEqual({ status: 200, body: undefined });
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === REQUESTER && String(c.args.text).includes('waiting for an approver'),
    );
    const [request] = await requestsFor(p.username);
    if (!request) throw new Error('no request stored');
    expect(request.payload).toMatchObject({
      operation: 'enrol',
      enrolment: { course: { shortname: 'TEST101' }, role: { shortname: 'teacher' }, until: '2030-01-31' },
    });
    await approve(request);
    expect(fake.site.catalogue.rolesOf(p.id, 2)).toEqual([4]);
    // Inclusive end date in the requester's zone (London, GMT in February).
    expect(fake.site.catalogue.enrolment(p.id, 2)?.timeend).toBe(Date.UTC(2030, 1, 1) / 1000);
  });

  it('an unknown course, and a course on a cohort change, stay in the form as inline errors; nothing is stored', async () => {
    const p = addAccount(fake, 'formlearner');
    const { view } = await accountModalOf(t, `unenrol ${p.username}`);
    const unknown = await submitForm(view, { action: 'enrol', courses: 'TEST101, NOPE101' });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ response_action: 'errors' });
    const errors = (unknown.body as { errors: Record<string, string> }).errors;
    expect(errors[BLOCK_IDS.coursesBlock]).toContain('No Moodle course has the short name or ID number NOPE101');
    const mixed = await submitForm(view, { action: 'cohort_add', courses: 'TEST101' });
    expect(mixed.body).toMatchObject({
      response_action: 'errors',
      errors: {
        [BLOCK_IDS.cohortsBlock]: 'Choose the cohort.',
        [BLOCK_IDS.coursesBlock]: expect.stringContaining('Courses are not used for a cohort'),
      },
    });
    await t.idle();
    expect(await requestsFor(p.username)).toEqual([]);
  });

  it('opens from the show card button; a cohort add is approved and the account joins the cohort', async () => {
    const p = addAccount(fake, 'formlearner');
    const shown = await t.command('/moodle-user', `show ${p.username}`, { userId: REQUESTER });
    const card = JSON.stringify((await shown.waitForResponse()).body);
    expect(card).toContain(ACTION_IDS.membershipFormButton);
    const triggerId = await clickFormButton(p.id, { channelId: 'C0GENERAL' });
    const open = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
    const viewId = String((open.response?.view as { id?: string } | undefined)?.id);
    const update = await t.slack.waitForCall('views.update', (c) => c.args.view_id === viewId);
    const view = update.args.view as View;
    expect(view.callback_id).toBe(CALLBACK_IDS.membershipModal);

    expect(await submitForm(view, { action: 'cohort_add', cohort: 'id:1', reason: 'new class' })).toEqual({
      status: 200,
      body: undefined,
    });
    await t.idle();
    const [request] = await requestsFor(p.username);
    if (!request) throw new Error('no request stored');
    expect(request).toMatchObject({ operation: 'cohort_add', reason: 'new class' });
    expect(fake.site.catalogue.isMember(1, p.id)).toBe(false);
    await approve(request);
    expect(fake.site.catalogue.isMember(1, p.id)).toBe(true);
  });

  it('a second course already asked for is named under the courses, and the form stays open', async () => {
    const p = addAccount(fake, 'formlearner');
    const { view } = await accountModalOf(t, `enrol ${p.username}`);
    expect(await submitForm(view, { action: 'enrol', courses: 'TEST102' })).toEqual({ status: 200, body: undefined });
    await t.idle();
    const again = await submitForm(view, { action: 'enrol', courses: 'TEST101,TEST102' });
    expect(again.body).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK_IDS.coursesBlock]: expect.stringContaining('already asks to enrol') },
    });
    expect((await requestsFor(p.username)).length).toBe(1);
  });

  it('clicked inside a modal (the Home tab\'s "Find a user" result), the form is pushed onto it', async () => {
    const p = addAccount(fake, 'formlearner');
    const triggerId = await clickFormButton(p.id, { view: { id: 'V0FOUND', callback_id: CALLBACK_IDS.findUserModal } });
    const pushed = await t.slack.waitForCall('views.push', (c) => c.args.trigger_id === triggerId);
    expect(pushed.response?.ok).toBe(true);
    const viewId = String((pushed.response?.view as { id?: string } | undefined)?.id);
    const update = await t.slack.waitForCall('views.update', (c) => c.args.view_id === viewId);
    expect((update.args.view as View).callback_id).toBe(CALLBACK_IDS.membershipModal);
  });

  it('several courses at once: one request each, each told to the requester', async () => {
    const p = addAccount(fake, 'formlearner');
    const { view } = await accountModalOf(t, `enrol ${p.username}`);
    expect(await submitForm(view, { action: 'enrol', courses: 'TEST101, TEST102' })).toEqual({
      status: 200,
      body: undefined,
    });
    await t.idle();
    const stored = await requestsFor(p.username);
    expect(
      stored.map((r) => (r.payload as { enrolment: { course: { shortname: string } } }).enrolment.course.shortname),
    ).toEqual(expect.arrayContaining(['TEST101', 'TEST102']));
    for (const r of stored) {
      await t.slack.waitForCall(
        'chat.postMessage',
        (c) => c.args.channel === REQUESTER && String(c.args.text).includes(r.id),
      );
    }
  });

  it('when Moodle is slower than Slack allows, the form says it is still checking, then what came of it', async () => {
    const p = addAccount(fake, 'formlearner');
    const { view, viewId } = await accountModalOf(t, `cohort add ${p.username}`);
    fake.setLatency(2_500);
    let ack: Awaited<ReturnType<typeof submitForm>>;
    try {
      ack = await submitForm(view, { action: 'cohort_add', cohort: 'id:1' }, viewId);
    } finally {
      fake.setLatency(0);
    }
    expect(JSON.stringify(ack.body)).toContain('Still checking with Moodle');
    await t.slack.waitForCall(
      'views.update',
      (c) => c.args.view_id === viewId && JSON.stringify(c.args.view).includes('Checked and sent'),
    );
    expect((await requestsFor(p.username)).map((r) => r.operation)).toEqual(['cohort_add']);
  });
});

it('every message, reply and view sent to Slack in this file passes the Block Kit check', async () => {
  expect(await blockKitProblemsReceived(t)).toEqual([]);
});
