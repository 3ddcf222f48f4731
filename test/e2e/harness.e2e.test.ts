// The harness and the fakes themselves: what feature tests rely on must behave like Slack. Interactivity acks
// (response_action errors) come back the same way over both transports; the fake Web API checks tokens, parses
// what the WebClient sends, enforces one-shot trigger ids and injects faults.
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';
import { buildBlockActions, buildViewSubmission } from '../fakes/sign.js';
import { startTestApp, type TestApp, type Transport } from './harness.js';

describe.each<Transport>(['http', 'socket'])('interactivity over %s', (transport) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ transport });
    // Probe listeners registered on the running app, as a feature's listeners would be.
    t.application.slack.app.view('probe_modal', async ({ ack, view }) => {
      const email = view.state.values.email_block?.email_input?.value ?? '';
      if (!email.includes('@'))
        await ack({ response_action: 'errors', errors: { email_block: 'Not an email address' } });
      else await ack();
    });
    t.application.slack.app.action('probe_button', async ({ ack, respond, client, body }) => {
      await ack();
      await client.views.open({
        trigger_id: (body as { trigger_id: string }).trigger_id,
        view: { type: 'modal', title: { type: 'plain_text', text: 'Probe' }, blocks: [] },
      });
      await respond({ replace_original: true, text: 'clicked' });
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('returns response_action errors from a view_submission ack', async () => {
    const payload = buildViewSubmission({
      user: { id: 'U0ALICE' },
      callbackId: 'probe_modal',
      triggerId: t.slack.issueTriggerId(),
      values: { email_block: { email_input: { type: 'email_text_input', value: 'nope' } } },
    });
    expect(await t.submitView(payload)).toEqual({
      status: 200,
      body: { response_action: 'errors', errors: { email_block: 'Not an email address' } },
    });
  });

  it('returns a bare ack for a valid submission', async () => {
    const payload = buildViewSubmission({
      user: { id: 'U0ALICE' },
      callbackId: 'probe_modal',
      triggerId: t.slack.issueTriggerId(),
      values: { email_block: { email_input: { type: 'email_text_input', value: 'j@x.org' } } },
    });
    expect(await t.submitView(payload)).toEqual({ status: 200, body: undefined });
  });

  it('delivers block_actions with a working trigger_id and response_url', async () => {
    const triggerId = t.slack.issueTriggerId();
    const responseUrl = t.slack.responseUrl(`probe-${transport}`);
    const ack = await t.action(
      buildBlockActions({
        user: { id: 'U0APPROVER' },
        actions: [{ action_id: 'probe_button', block_id: 'request_actions_block', value: 'req-1' }],
        triggerId,
        responseUrl,
      }),
    );
    expect(ack.status).toBe(200);
    const open = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
    expect(open.response).toMatchObject({ ok: true });
    expect(open.token).toBe('bot');
    expect(open.args.view).toMatchObject({ type: 'modal' });
    expect((await t.slack.waitForResponse(`probe-${transport}`)).body).toMatchObject({ text: 'clicked' });
  });
});

describe('fake Slack Web API', () => {
  let slack: FakeSlack;
  let client: webApi.WebClient;
  beforeAll(async () => {
    slack = await FakeSlack.start({
      users: [{ id: 'U0ADMIN', is_admin: true, email: 'admin@example.org' }],
      usergroups: { S0APPROVERS: ['U0APPROVER'] },
      channels: [{ id: 'G0PRIVATE', name: 'secret', is_private: true, notInChannel: true }],
    });
    client = new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await slack.close();
  });

  const platformError = async (call: Promise<unknown>): Promise<string> => {
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(webApi.WebAPIPlatformError);
    return String((error as webApi.WebAPIPlatformError).data.error);
  };

  it('rejects another token with invalid_auth and never records the token itself', async () => {
    const stranger = new webApi.WebClient('xoxb-not-the-one', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
    });
    expect(await platformError(stranger.chat.postMessage({ channel: 'C0APPROVALS', text: 'x' }))).toBe('invalid_auth');
    expect(JSON.stringify(slack.calls)).not.toContain('xoxb-not-the-one');
    expect(JSON.stringify(slack.calls)).not.toContain(slack.botToken);
  });

  it('posts and updates messages, decoding blocks from the form body', async () => {
    const posted = await client.chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'Request',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }],
    });
    expect(posted.ts).toMatch(/^\d+\.\d{6}$/);
    const call = await slack.waitForCall('chat.postMessage', (c) => c.args.text === 'Request');
    expect(call.args.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }]);
    await client.chat.update({ channel: 'C0APPROVALS', ts: String(posted.ts), text: 'Approved' });
    expect(await platformError(client.chat.update({ channel: 'C0APPROVALS', ts: '1.2', text: 'x' }))).toBe(
      'message_not_found',
    );
  });

  it('answers not_in_channel, users, groups and the plan_upgrade_required mode', async () => {
    expect(await platformError(client.chat.postMessage({ channel: 'G0PRIVATE', text: 'x' }))).toBe('not_in_channel');
    const user = await client.users.info({ user: 'U0ADMIN' });
    expect(user.user).toMatchObject({ is_admin: true, profile: { email: 'admin@example.org' } });
    expect((await client.usergroups.users.list({ usergroup: 'S0APPROVERS' })).users).toEqual(['U0APPROVER']);
    slack.usergroupsMode = 'plan_upgrade_required';
    expect(await platformError(client.usergroups.users.list({ usergroup: 'S0APPROVERS' }))).toBe(
      'plan_upgrade_required',
    );
    slack.usergroupsMode = 'ok';
  });

  it('accepts a trigger_id once and refuses an expired one', async () => {
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'T' }, blocks: [] };
    const trigger = slack.issueTriggerId();
    const opened = await client.views.open({ trigger_id: trigger, view });
    expect(opened.view?.id).toMatch(/^V0/);
    expect(await platformError(client.views.open({ trigger_id: trigger, view }))).toBe('exchanged_trigger_id');
    const old = slack.issueTriggerId();
    slack.expireTriggerId(old);
    expect(await platformError(client.views.open({ trigger_id: old, view }))).toBe('expired_trigger_id');
    const updated = await client.views.update({
      view_id: String(opened.view?.id),
      hash: String(opened.view?.hash),
      view,
    });
    expect(updated.view?.hash).not.toBe(opened.view?.hash);
    expect(await platformError(client.views.update({ view_id: String(opened.view?.id), hash: 'stale', view }))).toBe(
      'hash_conflict',
    );
  });

  it('injects faults: 429 with Retry-After, HTTP 500 and ok:false, for a number of calls', async () => {
    slack.fail('chat.postEphemeral', { kind: 'ratelimited', retryAfter: 7 }, 1);
    const limited = new webApi.WebClient(slack.botToken, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    const rate = await limited.chat
      .postEphemeral({ channel: 'C0APPROVALS', user: 'U0ADMIN', text: 'x' })
      .catch((e) => e);
    expect(rate).toBeInstanceOf(webApi.WebAPIRateLimitedError);
    expect((rate as webApi.WebAPIRateLimitedError).retryAfter).toBe(7);
    expect((await client.chat.postEphemeral({ channel: 'C0APPROVALS', user: 'U0ADMIN', text: 'x' })).ok).toBe(true);

    slack.fail('conversations.info', { kind: 'http', status: 500 }, 1);
    const http = await client.conversations.info({ channel: 'C0APPROVALS' }).catch((e) => e);
    expect(http).toBeInstanceOf(webApi.WebAPIHTTPError);

    slack.fail('conversations.open', { kind: 'error', error: 'messages_tab_disabled' });
    expect(await platformError(client.conversations.open({ users: 'U0ADMIN' }))).toBe('messages_tab_disabled');
    slack.clearFaults();
    expect((await client.conversations.open({ users: 'U0ADMIN' })).channel?.id).toBe('D0ADMIN');
  });
});
