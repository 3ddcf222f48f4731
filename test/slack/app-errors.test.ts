// How Slack failures are explained at start-up and described in logs, and the Web API client policy.
import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger, toBoltLogger } from '../../src/logger.js';
import { describeRequest, InFlightTracker } from '../../src/slack/listeners/request-context.js';
import { describeSlackError, explainStartupError } from '../../src/slack/startup-errors.js';
import { buildWebClientOptions, SLACK_RETRY_POLICY } from '../../src/slack/web-client-options.js';

const step = { setting: 'SLACK_BOT_TOKEN', apiUrl: 'https://slack.com/api/' } as const;
const platform = (error: string) => new webApi.WebAPIPlatformError({ ok: false, error, response_metadata: {} });

describe('explainStartupError', () => {
  it.each(['invalid_auth', 'not_authed', 'token_revoked', 'account_inactive'])('names the token for %s', (code) => {
    const e = explainStartupError(platform(code), step);
    expect(e.code).toBe('slack_token_rejected');
    expect(e.setting).toBe('SLACK_BOT_TOKEN');
    expect(e.message).toContain(`Slack rejected SLACK_BOT_TOKEN (${code})`);
    expect(e.message).toContain('OAuth & Permissions');
  });

  it('tells to reinstall when the token was revoked', () => {
    expect(explainStartupError(platform('token_revoked'), step).message).toContain('reinstall the app');
  });

  it('points at Socket Mode settings for other app-token refusals', () => {
    const e = explainStartupError(platform('forbidden_team'), { ...step, setting: 'SLACK_APP_TOKEN' });
    expect(e.code).toBe('slack_startup_failed');
    expect(e.message).toContain('Socket Mode is enabled');
  });

  it('explains HTTP errors and rate limits', () => {
    const http = explainStartupError(new webApi.WebAPIHTTPError(503, 'Service Unavailable', {}, ''), step);
    expect(http.code).toBe('slack_http_error');
    expect(http.message).toContain('HTTP 503');
    expect(explainStartupError(new webApi.WebAPIRateLimitedError(30), step).message).toContain('30 seconds');
  });

  it('keeps the original error as the cause', () => {
    const original = platform('invalid_auth');
    expect(explainStartupError(original, step).cause).toBe(original);
  });
});

describe('describeSlackError', () => {
  it('gives the code and the Slack error without the payload', () => {
    expect(describeSlackError(platform('not_in_channel'))).toEqual({
      errorCode: 'slack_webapi_platform_error',
      slackError: 'not_in_channel',
    });
    expect(describeSlackError(new webApi.WebAPIRateLimitedError(3))).toMatchObject({ retryAfter: 3 });
    expect(describeSlackError(new Error('boom'))).toEqual({ errorCode: 'Error' });
  });
});

describe('buildWebClientOptions', () => {
  const base = {
    SLACK_BOT_TOKEN: 'xoxb-unit',
    SLACK_SIGNING_SECRET: 'unit-secret',
    MOODLE_URL: 'https://lms.example.org',
    MOODLE_TOKEN: '0123456789abcdef0123456789abcdef',
    SLACK_APPROVERS: 'U0APPROVER',
    APPROVAL_CHANNEL: 'C0APPROVALS',
  };
  const logger = toBoltLogger(createLogger({ level: 'silent' }).logger);

  it('sets a short retry policy, a timeout and rejects rate-limited calls', () => {
    const options = buildWebClientOptions(loadConfig(base), { logger });
    expect(options.retryConfig).toEqual(SLACK_RETRY_POLICY);
    expect(SLACK_RETRY_POLICY.retries).toBeLessThanOrEqual(3);
    expect(options.timeout).toBeGreaterThan(0);
    expect(options.rejectRateLimitedCalls).toBe(true);
    expect(options.slackApiUrl).toBeUndefined();
  });

  it('points the client at SLACK_API_URL when set', () => {
    const options = buildWebClientOptions(loadConfig({ ...base, SLACK_API_URL: 'http://127.0.0.1:4000/api' }), {
      logger,
      retryConfig: { retries: 0 },
    });
    expect(options.slackApiUrl).toBe('http://127.0.0.1:4000/api/');
    expect(options.retryConfig).toEqual({ retries: 0 });
  });
});

describe('request context helpers', () => {
  it('InFlightTracker resolves whenIdle when work ends, or false after the bound', async () => {
    const tracker = new InFlightTracker();
    expect(await tracker.whenIdle(10)).toBe(true);
    tracker.begin();
    expect(await tracker.whenIdle(20)).toBe(false);
    const idle = tracker.whenIdle(1_000);
    tracker.end();
    expect(await idle).toBe(true);
    expect(tracker.count).toBe(0);
  });

  it('describeRequest names the command, actions or view, never the typed text', () => {
    expect(describeRequest({ command: '/moodle-user', text: 'secret stuff' } as never)).toEqual({
      kind: 'command',
      target: '/moodle-user',
    });
    expect(
      describeRequest({ type: 'block_actions', actions: [{ action_id: 'approve_request_button' }] } as never),
    ).toEqual({ kind: 'action', target: 'approve_request_button' });
    expect(describeRequest({ type: 'view_submission', view: { callback_id: 'new_user_modal' } } as never)).toEqual({
      kind: 'view_submission',
      target: 'new_user_modal',
    });
  });
});
