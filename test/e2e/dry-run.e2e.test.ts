// Dry runs end to end over signed HTTP: `dry-run` in /moodle-adduser and /moodle-user, and the new-user form's
// Preview button, answer with the exact web-service calls (in order, token and passwords masked) and change
// nothing: no write reaches the fake Moodle, no request is stored, no card is posted.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, userFieldIds } from '../../src/slack/ids.js';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import { buildBlockActions } from '../fakes/sign.js';
import {
  ADMIN,
  accountModalOf,
  addAccount,
  openedViewWithId,
  REQUESTER,
  startAppWithMoodle,
  stateOf,
} from './approval-helpers.js';
import type { TestApp } from './harness.js';

let fake: FakeMoodle;
let t: TestApp;

beforeAll(async () => {
  ({ fake, t } = await startAppWithMoodle({
    SLACK_ADMINS: ADMIN,
    APPROVAL_REQUIRED: 'delete',
    PASSWORD_MODE: 'generate',
  }));
});
afterAll(async () => {
  await t?.stop();
  await fake?.close();
});

let writesBefore = 0;
beforeEach(() => {
  writesBefore = writes().length;
});

const writes = () => fake.calls.filter((c) => !/_get_/.test(c.wsfunction));
const requestCount = async () => (await t.application.deps.listenerDeps.store.listRequests({ limit: 1000 })).length;

/** The command's one private reply, as JSON text. */
async function reply(command: '/moodle-adduser' | '/moodle-user', text: string, userId: string): Promise<string> {
  const result = await t.command(command, text, { userId });
  expect(result.ack.status).toBe(200);
  return JSON.stringify((await result.waitForResponse()).body);
}

/** The calls a reply shows, as their function names in order. */
const functionsIn = (json: string) => [...json.matchAll(/\d+\. ([a-z_]+)\\n/g)].map((m) => m[1]);

async function expectNothingChanged(requestsBefore: number): Promise<void> {
  await t.idle();
  expect(t.logs.join('\n')).not.toContain(fake.token);
  expect(writes().length, 'no write reached Moodle').toBe(writesBefore);
  expect(await requestCount(), 'no request stored').toBe(requestsBefore);
  expect(t.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0APPROVALS')).toEqual([]);
}

describe('dry-run in text commands', () => {
  it('/moodle-adduser dry-run by an admin: the create then the enrolment, token and password masked, nothing created', async () => {
    const before = await requestCount();
    const json = await reply('/moodle-adduser', 'dry-run dry.ann@example.org Ann Dry courses=TEST101 city=Lyon', ADMIN);
    expect(functionsIn(json)).toEqual(['core_user_create_users', 'enrol_manual_enrol_users']);
    expect(json).toContain('wstoken=•••');
    expect(json).toContain('users[0][username]=dry.ann');
    expect(json).toContain('users[0][city]=Lyon');
    expect(json).toContain('users[0][password]=•••');
    expect(json).toContain('enrolments[0][userid]=(the new account’s id)');
    expect(json).toContain('would run at once');
    expect(json).not.toContain(fake.token);
    expect(json).not.toMatch(/\[password\]=(?!•••)/);
    expect(fake.site.findUser('dry.ann')).toBeUndefined();
    await expectNothingChanged(before);
  });

  it('/moodle-adduser with an invalid field and dry-run lists the problem and makes no call', async () => {
    const before = await requestCount();
    const json = await reply('/moodle-adduser', 'not-an-email Ann Dry dry-run', REQUESTER);
    expect(json).toContain('is not an email address');
    expect(functionsIn(json)).toEqual([]);
    await expectNothingChanged(before);
  });

  it('/moodle-user suspend <user> dry-run by a requester: one update call, and it would wait for approval', async () => {
    const account = addAccount(fake, 'drysus');
    const before = await requestCount();
    const json = await reply('/moodle-user', `suspend ${account.username} dry-run reason="left"`, REQUESTER);
    expect(functionsIn(json)).toEqual(['core_user_update_users']);
    expect(json).toContain(`users[0][id]=${account.id}`);
    expect(json).toContain('users[0][suspended]=1');
    expect(json).toContain('wait for an approver');
    expect(json).not.toContain(fake.token);
    expect(fake.site.getUser(account.id)?.suspended).toBe(false);
    await expectNothingChanged(before);
  });

  it('/moodle-user delete <user> dry-run answers at once with the delete call, no confirmation form, no deletion', async () => {
    const account = addAccount(fake, 'drydel');
    const before = await requestCount();
    const opened = t.slack.callsTo('views.open').length;
    const json = await reply('/moodle-user', `delete dry-run ${account.username} reason="left"`, REQUESTER);
    expect(functionsIn(json)).toEqual(['core_user_delete_users']);
    expect(json).toContain(`userids[0]=${account.id}`);
    expect(json).toContain('wait for an approver');
    expect(t.slack.callsTo('views.open')).toHaveLength(opened);
    expect(fake.site.getUser(account.id)?.deleted).toBe(false);
    await expectNothingChanged(before);
  });

  it('dry-run on a subcommand that changes nothing says where it applies', async () => {
    const json = await reply('/moodle-user', 'show dry-run admin', REQUESTER);
    expect(json).toContain('dry-run shows the Moodle calls of a change');
  });
});

/** Clicks a form's Preview button with `values`; returns the pushed view's final content as JSON text. */
async function preview(
  form: { view: Record<string, unknown>; viewId: string },
  button: { action_id: string; block_id: string },
  values: Record<string, Record<string, unknown>>,
): Promise<string> {
  const triggerId = t.slack.issueTriggerId();
  const ack = await t.action(
    buildBlockActions({
      user: { id: REQUESTER },
      actions: [button],
      triggerId,
      view: { ...form.view, id: form.viewId, state: { values } },
    }),
  );
  expect(ack.status).toBe(200);
  const pushed = await t.slack.waitForCall('views.push', (c) => c.args.trigger_id === triggerId);
  const pushedId = String((pushed.response?.view as { id?: string } | undefined)?.id);
  const shown = await t.slack.waitForCall('views.update', (c) => c.args.view_id === pushedId);
  expect(shown.response?.ok).toBe(true);
  return JSON.stringify(shown.args.view);
}

describe('the Preview button on the request forms', () => {
  it('new user: pushes the calls the form would make over the form; nothing is created or stored', async () => {
    const before = await requestCount();
    const result = await t.command('/moodle-adduser', '', { userId: REQUESTER });
    const form = await openedViewWithId(t, result.triggerId);
    expect(JSON.stringify(form.view.blocks)).toContain(ACTION_IDS.newUserPreviewButton);
    const values = stateOf(form.view, {
      [userFieldIds('firstname').blockId]: 'Pre',
      [userFieldIds('lastname').blockId]: 'View',
      [userFieldIds('email').blockId]: 'pre.view@example.org',
    });
    const button = { action_id: ACTION_IDS.newUserPreviewButton, block_id: BLOCK_IDS.newUserPreviewBlock };
    const json = await preview(form, button, values);
    expect(functionsIn(json)).toEqual(['core_user_create_users']);
    expect(json).toContain('users[0][email]=pre.view@example.org');
    expect(json).toContain('users[0][password]=•••');
    expect(json).toContain('wait for an approver');
    expect(json).not.toContain(fake.token);
    expect(fake.site.findUser('pre.view')).toBeUndefined();
    await expectNothingChanged(before);
  });

  it('edit: the update call with only the changed field; the account is untouched', async () => {
    const account = addAccount(fake, 'dryedit');
    const before = await requestCount();
    const { view, viewId } = await accountModalOf(t, `update ${account.username}`, REQUESTER);
    expect(JSON.stringify(view.blocks)).toContain(ACTION_IDS.editUserPreviewButton);
    const values = stateOf(view, { [userFieldIds('city').blockId]: 'York' });
    const button = { action_id: ACTION_IDS.editUserPreviewButton, block_id: BLOCK_IDS.editUserPreviewBlock };
    const json = await preview({ view, viewId }, button, values);
    expect(functionsIn(json)).toEqual(['core_user_update_users']);
    expect(json).toContain(`users[0][id]=${account.id}`);
    expect(json).toContain('users[0][city]=York');
    expect(json).not.toContain('users[0][firstname]');
    expect(fake.site.getUser(account.id)?.city ?? '').toBe('');
    await expectNothingChanged(before);
  });
});
