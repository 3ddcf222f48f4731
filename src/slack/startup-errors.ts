// Failed Slack calls at start-up (and in listeners) turned into what a person can act on: the setting to fix and
// where to find its value, or the network cause; secrets never appear.
import { webApi } from '@slack/bolt';
import { SETTING_HELP } from '../config.js';
import { proxyRefusalStatus } from '../outbound-proxy.js';

export type SlackStartupErrorCode =
  | 'slack_token_rejected'
  | 'slack_unreachable'
  | 'slack_http_error'
  | 'slack_startup_failed';

/** A start-up failure with a message that names the setting to fix and where to find its value. */
export class SlackStartupError extends Error {
  override readonly name = 'SlackStartupError';
  constructor(
    readonly code: SlackStartupErrorCode,
    message: string,
    /** The environment variable to fix, when there is one. */
    readonly setting?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const REJECTED_TOKEN_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'user_removed_from_team',
  'team_disabled',
  'not_allowed_token_type',
]);

function networkCause(error: webApi.WebAPIRequestError): string {
  const original = error.original as Error & { cause?: { code?: unknown; message?: unknown } };
  const refused = proxyRefusalStatus(original);
  if (refused === '407') return 'the proxy answered 407: it wants a user name and password';
  if (refused) return `the proxy refused the connection with HTTP ${refused}`;
  const code = original.cause?.code ?? (original as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  if (original.name === 'TimeoutError' || original.name === 'AbortError') return 'timed out';
  // fetch reports everything as "fetch failed"; the reason is in the cause.
  return typeof original.cause?.message === 'string' ? original.cause.message : original.message;
}

/** Turns a failed Slack call made at start-up into an error a person can act on. `step` is what was attempted. */
export function explainStartupError(
  error: unknown,
  step: {
    setting: 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN';
    apiUrl: string;
    /** The outbound proxy in use (no credentials), if any. */
    proxy?: string | undefined;
  },
): SlackStartupError {
  const where = SETTING_HELP[step.setting];
  if (error instanceof webApi.WebAPIPlatformError) {
    const code = String(error.data.error);
    if (REJECTED_TOKEN_ERRORS.has(code)) {
      const why =
        code === 'account_inactive' || code === 'token_revoked' || code === 'token_expired'
          ? 'the app was uninstalled or its token revoked; reinstall the app to the workspace and copy the new token'
          : 'the token is wrong, incomplete or belongs to another app';
      return new SlackStartupError(
        'slack_token_rejected',
        `Slack rejected ${step.setting} (${code}): ${why}. Get it from ${where}.`,
        step.setting,
        { cause: error },
      );
    }
    const hint =
      step.setting === 'SLACK_APP_TOKEN'
        ? ' Check that Socket Mode is enabled for the app (api.slack.com/apps > your app > Socket Mode).'
        : '';
    return new SlackStartupError(
      'slack_startup_failed',
      `Slack refused the start-up call with ${step.setting} (${code}).${hint}`,
      step.setting,
      { cause: error },
    );
  }
  if (error instanceof webApi.WebAPIRequestError) {
    const via = step.proxy
      ? ` through the proxy ${step.proxy} (HTTPS_PROXY or HTTP_PROXY; NO_PROXY lists the hosts reached directly)`
      : '';
    return new SlackStartupError(
      'slack_unreachable',
      `Cannot reach the Slack Web API at ${step.apiUrl}${via} (${networkCause(error)}). Check the network, proxy and ` +
        'firewall of this host; leave SLACK_API_URL unset in production.',
      step.proxy ? 'HTTPS_PROXY' : 'SLACK_API_URL',
      { cause: error },
    );
  }
  if (error instanceof webApi.WebAPIHTTPError) {
    return new SlackStartupError(
      'slack_http_error',
      `The Slack Web API at ${step.apiUrl} answered HTTP ${error.statusCode}. If SLACK_API_URL is set, check it; ` +
        'otherwise Slack may be having trouble (status.slack.com): try again in a few minutes.',
      'SLACK_API_URL',
      { cause: error },
    );
  }
  if (error instanceof webApi.WebAPIRateLimitedError) {
    return new SlackStartupError(
      'slack_http_error',
      `Slack is rate-limiting this app; try again in ${error.retryAfter} seconds.`,
      undefined,
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SlackStartupError('slack_startup_failed', `Slack start-up failed: ${message}`, undefined, {
    cause: error,
  });
}

/** Log fields that identify a Slack failure without its payload. */
export function describeSlackError(error: unknown): Record<string, unknown> {
  const e = error as { code?: unknown; name?: unknown };
  const fields: Record<string, unknown> = {
    errorCode: typeof e.code === 'string' ? e.code : String(e.name ?? 'unknown'),
  };
  if (error instanceof webApi.WebAPIPlatformError) fields.slackError = error.data.error;
  if (error instanceof webApi.WebAPIHTTPError) fields.statusCode = error.statusCode;
  if (error instanceof webApi.WebAPIRateLimitedError) fields.retryAfter = error.retryAfter;
  if (error instanceof webApi.WebAPIRequestError) fields.cause = networkCause(error);
  if (error instanceof Error && 'statusCode' in error)
    fields.statusCode = (error as { statusCode: unknown }).statusCode;
  return fields;
}
