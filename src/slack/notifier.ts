// The core's Notifier port over Slack's Web API: the approval card in APPROVAL_CHANNEL, direct messages to
// requesters, one line per outcome in NOTIFY_CHANNEL. Also the two ways the approval flow talks to one person
// privately: an ephemeral message (falling back to a DM), and the one-time delivery of a generated password on a
// client that logs nothing. Rendering lives in blocks/; this file only sends.
import { type Logger as BoltLogger, LogLevel, webApi } from '@slack/bolt';
import pRetry from 'p-retry';
import type { Config } from '../config.js';
import type { ImportResult } from '../core/import/types.js';
import type { Notifier, RequestEvent } from '../core/provisioning.js';
import type { MessageLocation, RequestRecord } from '../core/requests.js';
import type { Secret } from '../secret.js';
import { buildApprovalCard, buildNotificationLine, buildRequesterMessage } from './blocks/approval-card.js';
import { buildEndDateReminder, buildReminderFailedLine } from './blocks/end-dates.js';
import { describeTotals } from './blocks/import-card.js';
import { buildReminder } from './blocks/reminder.js';
import { LIMITS, truncateText } from './blocks/text.js';
import { createImportNotifications } from './import-notifier.js';
import { buildWebClientOptions } from './web-client-options.js';

export interface SlackNotifierOptions {
  client: webApi.WebClient;
  config: Pick<Config, 'approvalChannel' | 'notifyChannel'> &
    Partial<Pick<Config, 'expiryAction' | 'passwordMode'>> & {
      moodle: { url: string };
      roles: Pick<Config['roles'], 'approvers'>;
    };
  /** Told of every change a card shows, so that the Home tabs that list the request are republished. */
  onRequestChanged?: (request: RequestRecord) => Promise<void>;
  /** Longest Retry-After (seconds) worth waiting for in the background; longer waits fail the call. */
  maxRateLimitWaitSeconds?: number;
  /** An import's totals and result file (imports.result), so that every redraw of its card shows the totals. */
  importResult?: (requestId: string) => Promise<ImportResult | undefined>;
}

function rateLimitWait(error: unknown): number | undefined {
  const e = error as { code?: unknown; retryAfter?: unknown };
  return e.code === webApi.ErrorCode.RateLimitedError && typeof e.retryAfter === 'number' ? e.retryAfter : undefined;
}

/**
 * Notifications run outside any Slack request, so unlike a reply they can wait out a short rate limit: the
 * shared client rejects rate-limited calls at once (a person may be waiting elsewhere), this retries once.
 */
function withRateLimitRetry<T>(call: () => Promise<T>, maxWaitSeconds: number): Promise<T> {
  return pRetry(call, {
    retries: 1,
    minTimeout: 0,
    maxTimeout: 0,
    shouldRetry: ({ error }) => {
      const wait = rateLimitWait(error);
      return wait !== undefined && wait <= maxWaitSeconds;
    },
    onFailedAttempt: async ({ error }) => {
      const wait = rateLimitWait(error);
      if (wait !== undefined && wait <= maxWaitSeconds) await new Promise((r) => setTimeout(r, wait * 1000));
    },
  });
}

/** Slack's reason for a failed call, as a short code: the API's error, `ratelimited`, or `http_<status>`. */
export function slackFailureCode(error: unknown): string {
  const e = error as { data?: { error?: unknown }; code?: unknown; statusCode?: unknown } | undefined;
  if (typeof e?.data?.error === 'string') return e.data.error;
  if (e?.code === webApi.ErrorCode.RateLimitedError) return 'ratelimited';
  if (e?.code === webApi.ErrorCode.HTTPError && typeof e.statusCode === 'number') return `http_${e.statusCode}`;
  return typeof e?.code === 'string' ? e.code : 'unknown_error';
}

/**
 * A WebClient that tells `onFailure` of every call that fails (for the metrics), then fails as before. A subclass:
 * the client binds each method to apiCall when it is constructed, so replacing apiCall afterwards changes nothing.
 */
export class FailureCountingWebClient extends webApi.WebClient {
  onFailure: ((method: string, code: string) => void) | undefined;

  override async apiCall(method: string, options?: Record<string, unknown>): Promise<webApi.WebAPICallResult> {
    try {
      return await super.apiCall(method, options);
    } catch (error) {
      this.onFailure?.(method, slackFailureCode(error));
      throw error;
    }
  }
}

/** What the operator must do when Slack refuses a post in a configured channel (the setup doctor's words). */
export function explainChannelFailure(code: string, setting: string, channel: string): string {
  switch (code) {
    case 'not_in_channel':
      return `Invite the bot: type /invite @<bot name> in the channel ${channel} (${setting}).`;
    case 'channel_not_found':
      return `Check ${setting}=${channel}: it must be the channel's id (channel details > bottom, C…), and for a private channel invite the bot with /invite @<bot name>.`;
    case 'is_archived':
      return `Unarchive the channel ${channel} or set ${setting} to another channel's id.`;
    case 'ratelimited':
      return 'Slack is rate-limiting the app; it recovers by itself. If it persists, look for a loop posting messages.';
    case 'not_authed':
    case 'invalid_auth':
    case 'token_revoked':
    case 'account_inactive':
    case 'missing_scope':
      return 'Check SLACK_BOT_TOKEN and the scopes in manifest.yml; reinstall the app and use the new bot token.';
    default:
      return 'Run /moodle-user doctor (or npm run doctor) to check the Slack setup.';
  }
}

/** A refused post in a configured channel, as an error whose message names the channel, the reason and the fix. */
async function inChannel<T>(setting: string, channel: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = slackFailureCode(error);
    throw new Error(
      `Slack refused the post in ${setting} (${channel}): ${code}. Fix: ${explainChannelFailure(code, setting, channel)}`,
      { cause: error },
    );
  }
}

export function createSlackNotifier(options: SlackNotifierOptions): Notifier {
  const { client, config, maxRateLimitWaitSeconds = 5 } = options;
  const moodleUrl = config.moodle.url;
  const render = { moodleUrl, passwordMode: config.passwordMode ?? 'email', approvalChannel: config.approvalChannel };
  const send = <T>(call: () => Promise<T>) => withRateLimitRetry(call, maxRateLimitWaitSeconds);
  const changed = (request: RequestRecord) => options.onRequestChanged?.(request) ?? Promise.resolve();
  const imports = createImportNotifications({ client, render, send, importResult: options.importResult });
  const { finishedImport } = imports;
  return {
    async postApprovalCard(request: RequestRecord): Promise<MessageLocation> {
      const card = buildApprovalCard(request, render);
      const res = await inChannel('APPROVAL_CHANNEL', config.approvalChannel, () =>
        send(() => client.chat.postMessage({ channel: config.approvalChannel, ...card, unfurl_links: false })),
      );
      if (!res.ts || !res.channel) throw new Error('Slack did not return the card’s location');
      await changed(request);
      return { channel: res.channel, ts: res.ts };
    },
    async updateApprovalCard(request: RequestRecord): Promise<void> {
      try {
        await imports.redrawCard(request);
      } finally {
        await changed(request);
      }
    },
    importProgress: imports.importProgress,
    importFinished: imports.importFinished,
    async notifyRequester(request: RequestRecord, event: RequestEvent): Promise<void> {
      // Only the requester can cancel, and they are answered where they typed the command.
      if (event === 'cancelled') return;
      // An import whose rows ran was told by importFinished, with its totals and result file: one message, not two.
      // One that never ran a row (its rows missing) gets the usual message.
      const ran = event === 'executed' || event === 'failed' ? await finishedImport(request) : undefined;
      if (ran && ran.totals.rows > 0) return;
      const message = buildRequesterMessage(request, event, render);
      // Posting to a user id writes in the app's DM with that person (chat:write; no conversations.open needed).
      await send(() => client.chat.postMessage({ channel: request.requester.userId, ...message, unfurl_links: false }));
    },
    async remindApprovers(request: RequestRecord): Promise<void> {
      if (!request.approvalMessage) return;
      const { channel, ts } = request.approvalMessage;
      const reminder = buildReminder(request, config.roles.approvers);
      await send(() => client.chat.postMessage({ channel, thread_ts: ts, ...reminder, unfurl_links: false }));
    },
    async remindEndDate(action) {
      const reminder = buildEndDateReminder(action, config.expiryAction ?? 'suspend');
      await send(() => client.chat.postMessage({ channel: action.requesterId, ...reminder, unfurl_links: false }));
    },
    async endDateReminderFailed(action, error) {
      const line = buildReminderFailedLine(action, error, config.expiryAction ?? 'suspend');
      await inChannel('APPROVAL_CHANNEL', config.approvalChannel, () =>
        send(() => client.chat.postMessage({ channel: config.approvalChannel, ...line, unfurl_links: false })),
      );
    },
    async announce(request: RequestRecord, event: RequestEvent): Promise<string | undefined> {
      // NOTIFY_CHANNEL hears of executed, rejected, failed and expired requests; a withdrawn one is nobody's news.
      if (event === 'cancelled') return undefined;
      const line = buildNotificationLine(request, event, render);
      const result = event === 'executed' || event === 'failed' ? await finishedImport(request) : undefined;
      const text = result ? truncateText(`${line} (${describeTotals(result.totals)})`, LIMITS.messageText) : line;
      const res = await inChannel('NOTIFY_CHANNEL', config.notifyChannel, () =>
        send(() => client.chat.postMessage({ channel: config.notifyChannel, text, unfurl_links: false })),
      );
      return res.ts;
    },
  };
}

export interface PrivateMessage {
  /** Where the person is (the approval channel); without it, or if Slack refuses, a DM is sent. */
  channel?: string;
  user: string;
  text: string;
}

/**
 * Tells one person something privately: an ephemeral message in the channel where they acted, or a DM when that
 * is impossible (not in the channel, channel archived). Throws only if both fail.
 */
export async function sendPrivately(client: webApi.WebClient, message: PrivateMessage): Promise<'ephemeral' | 'dm'> {
  if (message.channel) {
    try {
      await client.chat.postEphemeral({ channel: message.channel, user: message.user, text: message.text });
      return 'ephemeral';
    } catch {
      // Fall through to the DM: the person must hear of it.
    }
  }
  await client.chat.postMessage({ channel: message.user, text: message.text, unfurl_links: false });
  return 'dm';
}

const SILENT_LOGGER: BoltLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

/**
 * Shows a generated password once, privately, to the person who triggered the creation. The Web API client logs
 * request bodies at debug level, so this message goes through a client of its own that logs nothing; errors are
 * reduced to Slack's error code before they leave, so that the text cannot ride along.
 */
export async function sendPasswordPrivately(
  config: Config,
  message: Omit<PrivateMessage, 'text'> & { text: (password: string) => string; password: Secret },
): Promise<'ephemeral' | 'dm'> {
  const client = new webApi.WebClient(config.slack.botToken.reveal(), {
    ...buildWebClientOptions(config, { logger: SILENT_LOGGER }),
  });
  try {
    return await sendPrivately(client, {
      ...(message.channel ? { channel: message.channel } : {}),
      user: message.user,
      text: message.text(message.password.reveal()),
    });
  } catch (error) {
    throw new Error(`Slack refused the private message with the password (${slackFailureCode(error)})`);
  }
}
