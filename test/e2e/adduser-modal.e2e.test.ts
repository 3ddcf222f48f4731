// The "New Moodle user" modal end to end over signed HTTP: /moodle-adduser opens it with the trigger_id at once,
// the submission is checked within the ack (errors inline under each field, keyed by block_id), then the modal
// shows "Checking Moodle…" and, through views.update, the result: created, pending, exists or refused.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS, userFieldIds } from '../../src/slack/ids.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import type { RecordedCall } from '../fakes/fake-slack/fake-slack.js';
import { buildViewSubmission } from '../fakes/sign.js';
import { blockKitProblemsReceived } from './block-kit-received.js';
import { startTestApp, type TestApp } from './harness.js';

let t: TestApp;
let moodle: FakeMoodle;

beforeAll(async () => {
  moodle = await startFakeMoodle();
  t = await startTestApp({
    moodleUrl: moodle.url,
    env: {
      MOODLE_TOKEN: moodle.token,
      SLACK_REQUESTERS: 'U0REQUESTER',
      SLACK_ADMINS: 'U0ADMIN,workspace_admins',
      ALLOWED_AUTH: 'manual,oauth2',
      DEFAULT_AUTH: 'manual',
    },
    slack: { users: [{ id: 'U0REQUESTER' }, { id: 'U0ADMIN' }, { id: 'U0OTHER' }, { id: 'U0SLOW' }] },
  });
});
afterAll(async () => {
  await t?.stop();
  await moodle?.close();
});
beforeEach(() => {
  moodle.reset();
  t.slack.reset();
});

type FormValues = Partial<
  Record<'firstname' | 'lastname' | 'email' | 'username' | 'department' | 'idnumber', string>
> & {
  auth?: string;
  country?: string;
  reason?: string;
};

/** view.state.values as Slack sends them for the modal's inputs. */
function stateValues(form: FormValues): Record<string, Record<string, unknown>> {
  const values: Record<string, Record<string, unknown>> = {};
  for (const key of ['firstname', 'lastname', 'username', 'department', 'idnumber', 'institution', 'city'] as const) {
    const { blockId, actionId } = userFieldIds(key);
    values[blockId] = {
      [actionId]: { type: 'plain_text_input', value: (form as Record<string, string>)[key] ?? null },
    };
  }
  const email = userFieldIds('email');
  values[email.blockId] = { [email.actionId]: { type: 'email_text_input', value: form.email ?? null } };
  for (const key of ['auth', 'country'] as const) {
    const { blockId, actionId } = userFieldIds(key);
    const value = form[key];
    values[blockId] = {
      [actionId]: {
        type: 'static_select',
        selected_option: value ? { text: { type: 'plain_text', text: value }, value } : null,
      },
    };
  }
  values.reason_block = { reason_input: { type: 'plain_text_input', value: form.reason ?? null } };
  return values;
}

/** Runs the command with no text and returns the views.open call it made. */
async function openModal(userId: string): Promise<{ call: RecordedCall; viewId: string; metadata: string }> {
  const cmd = await t.command('/moodle-adduser', '', { userId, channelId: 'C0GENERAL' });
  expect(cmd.ack).toEqual({ status: 200, body: undefined });
  const call = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === cmd.triggerId);
  expect(call.response?.ok).toBe(true);
  const view = call.args.view as Record<string, unknown>;
  return {
    call,
    viewId: String((call.response?.view as { id?: string } | undefined)?.id),
    metadata: String(view.private_metadata),
  };
}

/** `extra`: state of other inputs (the courses), as Slack sends them. */
async function submit(
  userId: string,
  viewId: string,
  metadata: string,
  form: FormValues,
  extra: Record<string, Record<string, unknown>> = {},
) {
  return t.submitView(
    buildViewSubmission({
      user: { id: userId },
      callbackId: CALLBACK_IDS.newUserModal,
      triggerId: t.slack.issueTriggerId(),
      viewId,
      privateMetadata: metadata,
      values: { ...stateValues(form), ...extra },
    }),
  );
}

async function resultView(viewId: string): Promise<string> {
  const call = await t.slack.waitForCall('views.update', (c) => c.args.view_id === viewId);
  expect(call.response?.ok).toBe(true);
  return JSON.stringify(call.args.view);
}

describe('open → submit → result', () => {
  it('opens the modal with the trigger_id, creates the user, and shows the result in the modal', async () => {
    const started = Date.now();
    const { call, viewId, metadata } = await openModal('U0ADMIN');
    // Slack's trigger_id lives 3 s: the modal must be opened within that, however busy the machine.
    expect(call.at - started).toBeLessThan(3_000);
    const view = call.args.view as { callback_id: string; blocks: Array<{ block_id?: string }> };
    expect(view.callback_id).toBe(CALLBACK_IDS.newUserModal);
    expect(view.blocks.map((b) => b.block_id)).toContain('auth_block');
    expect(JSON.parse(metadata)).toEqual({ channelId: 'C0GENERAL' });

    const ack = await submit('U0ADMIN', viewId, metadata, {
      firstname: 'Olga',
      lastname: 'Auth',
      email: 'olga@example.org',
      auth: 'oauth2',
      country: 'DE',
      department: 'Maths',
      reason: 'new colleague',
    });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ response_action: 'update', view: { type: 'modal' } });
    expect(JSON.stringify(ack.body)).toContain('Checking Moodle');

    const result = await resultView(viewId);
    const user = moodle.site.users.find((u) => u.email === 'olga@example.org');
    expect(user).toMatchObject({ username: 'olga', auth: 'oauth2', country: 'DE', department: 'Maths' });
    expect(result).toContain('Created the Moodle account *olga*');
    expect(result).toContain(`${moodle.url}/user/profile.php?id=${user?.id}`);
    expect(result).toContain('*olga* was made from the email address');
    // Nothing else public: the one notification line, no ephemeral, no second message.
    expect(t.slack.callsTo('chat.postEphemeral')).toHaveLength(0);
    expect(t.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0NOTIFY')).toHaveLength(1);
  });

  it('derives jdoe2 when jdoe is taken and names it in the result', async () => {
    moodle.site.addUser({ username: 'jdoe', firstname: 'John', lastname: 'Doe', email: 'john@elsewhere.org' });
    const { viewId, metadata } = await openModal('U0ADMIN');
    await submit('U0ADMIN', viewId, metadata, { firstname: 'Jim', lastname: 'Doe', email: 'jdoe@example.org' });
    const result = await resultView(viewId);
    expect(moodle.site.users.find((u) => u.email === 'jdoe@example.org')?.username).toBe('jdoe2');
    expect(result).toContain('*jdoe2* was made from the email address (jdoe was taken)');
  });

  it('stores a requester’s request and shows its id in the modal', async () => {
    const { viewId, metadata } = await openModal('U0REQUESTER');
    await submit('U0REQUESTER', viewId, metadata, { firstname: 'Rita', lastname: 'Quest', email: 'rq@example.org' });
    const result = await resultView(viewId);
    expect(result).toMatch(/Request \*R-[A-Z0-9]{6}\*/);
    expect(result).toContain('<#C0APPROVALS>');
    expect(moodle.calls.filter((c) => c.wsfunction === 'core_user_create_users')).toHaveLength(0);
  });

  it('keeps the form open with a clash (same email, other case) under the email field, and creates nothing', async () => {
    moodle.site.addUser({ username: 'ccase', firstname: 'C', lastname: 'Case', email: 'C.Case@Example.org' });
    const { viewId, metadata } = await openModal('U0ADMIN');
    const ack = await submit('U0ADMIN', viewId, metadata, {
      firstname: 'Cee',
      lastname: 'Case',
      email: 'c.case@example.org',
    });
    expect(ack.body).toMatchObject({ response_action: 'errors' });
    const errors = (ack.body as { errors: Record<string, string> }).errors;
    expect(Object.keys(errors)).toEqual([userFieldIds('email').blockId]);
    expect(errors[userFieldIds('email').blockId]).toContain(
      'Moodle already has an account with this email address: ccase (id',
    );
    await t.idle();
    expect(t.slack.callsTo('views.update')).toHaveLength(0);
    expect(moodle.calls.filter((c) => c.wsfunction === 'core_user_create_users')).toHaveLength(0);
  });

  it('puts a username taken in Moodle, and an unknown course, under their own fields', async () => {
    moodle.site.addUser({ username: 'taken', firstname: 'T', lastname: 'Aken', email: 'taken@elsewhere.org' });
    const { viewId, metadata } = await openModal('U0ADMIN');
    const tee = { firstname: 'Tee', lastname: 'Aken', email: 'tee@example.org', username: 'taken' };
    const course = { type: 'plain_text_input', value: 'NOPE101' };
    const ack = await submit('U0ADMIN', viewId, metadata, tee, {
      [BLOCK_IDS.coursesBlock]: { [INPUT_ACTION_IDS.coursesInput]: course },
    });
    expect(ack.body).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK_IDS.coursesBlock]: expect.stringContaining('NOPE101') },
    });
    // The course is checked first (before the account's clashes): fixed, the username clash is shown.
    expect((await submit('U0ADMIN', viewId, metadata, tee)).body).toMatchObject({
      response_action: 'errors',
      errors: { [userFieldIds('username').blockId]: expect.stringContaining('with this username: taken (id') },
    });
  });

  it('keeps the form open when a create for the same email is already waiting for approval', async () => {
    const wai = { firstname: 'Wai', lastname: 'Ting', email: 'wt@example.org' };
    const first = await openModal('U0REQUESTER');
    await submit('U0REQUESTER', first.viewId, first.metadata, wai);
    expect(await resultView(first.viewId)).toMatch(/Request \*R-[A-Z0-9]{6}\*/);
    const second = await openModal('U0REQUESTER');
    const ack = await submit('U0REQUESTER', second.viewId, second.metadata, { ...wai, username: 'other.name' });
    expect(ack.body).toMatchObject({
      response_action: 'errors',
      errors: { [userFieldIds('email').blockId]: expect.stringContaining('is already in progress') },
    });
  });

  it('when Moodle is slower than Slack allows, falls back to "Checking Moodle…" and names the clash in the result', async () => {
    moodle.site.addUser({ username: 'slowpoke', firstname: 'S', lastname: 'Poke', email: 'sp@example.org' });
    const { viewId, metadata } = await openModal('U0ADMIN');
    moodle.setLatency(2_500);
    let ack: Awaited<ReturnType<typeof submit>>;
    try {
      ack = await submit('U0ADMIN', viewId, metadata, { firstname: 'S', lastname: 'Poke', email: 'sp@example.org' });
    } finally {
      moodle.setLatency(0);
    }
    expect(JSON.stringify(ack.body)).toContain('Checking Moodle');
    const result = await resultView(viewId);
    expect(result).toContain('already has an account');
    expect(result).toContain('slowpoke');
  });

  it('sends the result privately in the channel when the modal cannot be updated', async () => {
    const { viewId, metadata } = await openModal('U0ADMIN');
    t.slack.fail('views.update', { kind: 'error', error: 'not_found' });
    await submit('U0ADMIN', viewId, metadata, { firstname: 'Fall', lastname: 'Back', email: 'fb@example.org' });
    const ephemeral = await t.slack.waitForCall('chat.postEphemeral', () => true);
    expect(ephemeral.args).toMatchObject({ channel: 'C0GENERAL', user: 'U0ADMIN' });
    expect(JSON.stringify(ephemeral.args.blocks)).toContain('Created the Moodle account *fb*');
  });
});

describe('inline errors', () => {
  it('puts each problem under its field, keyed by block_id, and calls nothing', async () => {
    const { viewId, metadata } = await openModal('U0ADMIN');
    const ack = await submit('U0ADMIN', viewId, metadata, {
      lastname: 'Doe',
      email: 'not an email',
      username: 'JDoe',
      department: 'd'.repeat(256),
      country: 'XX',
    });
    expect(ack.status).toBe(200);
    const body = ack.body as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors).sort()).toEqual(
      ['country_block', 'department_block', 'email_block', 'firstname_block', 'username_block'].sort(),
    );
    expect(body.errors.username_block).toContain('lowercase');
    expect(body.errors.email_block).toContain('not valid');
    expect(body.errors.firstname_block).toContain('First name');
    expect(body.errors.department_block).toContain('too long');
    expect(body.errors.country_block).toContain('Country');
    expect(moodle.calls).toHaveLength(0);
    expect(t.slack.callsTo('views.update')).toHaveLength(0);
  });

  it('reports a malformed value from the form on its field instead of failing', async () => {
    const payload = buildViewSubmission({
      user: { id: 'U0ADMIN' },
      callbackId: CALLBACK_IDS.newUserModal,
      triggerId: t.slack.issueTriggerId(),
      values: { ...stateValues({ firstname: 'A', lastname: 'B' }), email_block: { email_input: { value: 42 } } },
    });
    const ack = await t.submitView(payload);
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ response_action: 'errors', errors: { email_block: expect.any(String) } });
  });
});

describe('permission before the modal', () => {
  it('refuses someone who is not a requester without opening the modal', async () => {
    const cmd = await t.command('/moodle-adduser', '', { userId: 'U0OTHER' });
    const post = await cmd.waitForResponse();
    expect(JSON.stringify(post.body)).toContain('<@U0ADMIN>');
    expect(JSON.stringify(post.body)).not.toContain('SLACK_');
    expect(t.slack.callsTo('views.open')).toHaveLength(0);
    expect(t.logRecords().some((r) => r.msg === 'permission refused' && r.requester === 'U0OTHER')).toBe(true);
  });

  it('opens the modal anyway when Slack is slow to say who the person is; the submission decides', async () => {
    t.slack.fail('users.info', { kind: 'hang' }, 1);
    const cmd = await t.command('/moodle-adduser', '', { userId: 'U0SLOW' });
    const open = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === cmd.triggerId);
    expect(open.response?.ok).toBe(true);
  });

  it('says so when Slack refuses to open the modal', async () => {
    t.slack.fail('views.open', { kind: 'error', error: 'expired_trigger_id' });
    const cmd = await t.command('/moodle-adduser', '', { userId: 'U0ADMIN' });
    const post = await cmd.waitForResponse();
    expect(JSON.stringify(post.body)).toContain('I could not open the form (Slack said: expired_trigger_id)');
  });
});

it('every message, reply and view sent to Slack in this file passes the Block Kit check', async () => {
  expect(await blockKitProblemsReceived(t)).toEqual([]);
});
