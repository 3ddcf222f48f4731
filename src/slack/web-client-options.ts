// The one place that decides how the app's Slack WebClients behave: which API they talk to, how they log,
// and how hard they retry. Bolt hands these options to every client it creates (listener clients, the Socket Mode
// client's apps.connections.open, respond()), so setting them here governs all Slack traffic.
import type { Logger as BoltLogger, webApi } from '@slack/bolt';
import type { Dispatcher } from 'undici';
import type { Config } from '../config.js';
import { fetchThrough, sharedProxyDispatcher } from '../outbound-proxy.js';

type WebClientOptions = webApi.WebClientOptions;
type RetryOptions = webApi.RetryOptions;

/**
 * A person is usually waiting on the other side of a Slack call, so failures must surface within seconds.
 * The SDK default (10 retries over about 30 minutes) would leave them staring at a spinner; Socket Mode would even
 * raise it to 100 retries if nothing is set. Two quick retries cover a dropped connection or a brief 5xx.
 */
export const SLACK_RETRY_POLICY: Readonly<RetryOptions> = Object.freeze({
  retries: 2,
  factor: 2,
  minTimeout: 200,
  maxTimeout: 1_000,
  maxRetryTime: 5_000,
  randomize: true,
});

/** Per-call timeout: Slack answers in well under a second; anything slower is treated as a failed attempt. */
export const SLACK_CALL_TIMEOUT_MS = 5_000;

export interface SlackWebClientSettings {
  logger: BoltLogger;
  /** Tests replace the policy with { retries: 0 } or a faster one. */
  retryConfig?: RetryOptions;
}

/**
 * Where Slack traffic goes when an outbound proxy is set (HTTPS_PROXY, NO_PROXY): one pool for the configuration,
 * shared by every Web API client, respond() and the Socket Mode WebSocket. Undefined without a proxy.
 */
export function slackProxyDispatcher(config: Config): Dispatcher | undefined {
  return config.proxy ? sharedProxyDispatcher(config.proxy) : undefined;
}

/**
 * Options for Bolt's `clientOptions`. Rate-limited calls are rejected (WebAPIRateLimitedError with `retryAfter`)
 * instead of pausing the client's whole queue for Retry-After seconds while a person waits; callers that can wait
 * (background notifications) retry on their own schedule.
 */
export function buildWebClientOptions(config: Config, settings: SlackWebClientSettings): WebClientOptions {
  const dispatcher = slackProxyDispatcher(config);
  return {
    ...(dispatcher ? { fetch: fetchThrough(dispatcher) } : {}),
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logger: settings.logger,
    retryConfig: { ...(settings.retryConfig ?? SLACK_RETRY_POLICY) },
    timeout: SLACK_CALL_TIMEOUT_MS,
    rejectRateLimitedCalls: true,
  };
}
