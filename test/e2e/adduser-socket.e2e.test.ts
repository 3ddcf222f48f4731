// The modal create in Socket Mode, through the fake Socket Mode server: the command's ack, views.open with the
// trigger_id, inline errors and the `update` in the submission's ack payload, then views.update with the result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLBACK_IDS, userFieldIds } from '../../src/slack/ids.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { buildViewSubmission } from '../fakes/sign.js';
import { startTestApp, type TestApp } from './harness.js';

let t: TestApp;
let moodle: FakeMoodle;

beforeAll(async () => {
  moodle = await startFakeMoodle();
  t = await startTestApp({
    transport: 'socket',
    moodleUrl: moodle.url,
    env: { MOODLE_TOKEN: moodle.token, SLACK_REQUESTERS: 'U0REQUESTER' },
  });
});
afterAll(async () => {
  await t?.stop();
  await moodle?.close();
});

function values(email: string, firstname: string, lastname: string) {
  const e = userFieldIds('email');
  const f = userFieldIds('firstname');
  const l = userFieldIds('lastname');
  return {
    [e.blockId]: { [e.actionId]: { type: 'email_text_input', value: email } },
    [f.blockId]: { [f.actionId]: { type: 'plain_text_input', value: firstname } },
    [l.blockId]: { [l.actionId]: { type: 'plain_text_input', value: lastname } },
  };
}

describe('Socket Mode', () => {
  it('opens the modal, shows inline errors, then creates the user and shows the result', async () => {
    const cmd = await t.command('/moodle-adduser', '', { userId: 'U0ADMIN' });
    expect(cmd.ack.status).toBe(200);
    const open = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === cmd.triggerId);
    expect(open.response?.ok).toBe(true);
    const viewId = String((open.response?.view as { id?: string } | undefined)?.id);
    const submission = (v: ReturnType<typeof values>) =>
      buildViewSubmission({
        user: { id: 'U0ADMIN' },
        callbackId: CALLBACK_IDS.newUserModal,
        triggerId: t.slack.issueTriggerId(),
        viewId,
        values: v,
      });

    const bad = await t.submitView(submission(values('sock@example', 'Sock', 'Et')));
    expect(bad.body).toMatchObject({ response_action: 'errors', errors: { email_block: expect.any(String) } });

    const good = await t.submitView(submission(values('sock@example.org', 'Sock', 'Et')));
    expect(good.body).toMatchObject({ response_action: 'update' });
    const update = await t.slack.waitForCall('views.update', (c) => c.args.view_id === viewId);
    const created = moodle.site.users.find((u) => u.username === 'sock');
    expect(created).toMatchObject({ email: 'sock@example.org', firstname: 'Sock', lastname: 'Et' });
    expect(JSON.stringify(update.args.view)).toContain(`${moodle.url}/user/profile.php?id=${created?.id}`);
  });
});
