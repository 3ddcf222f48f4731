// Builds and signs Slack requests exactly as Slack does (v0 scheme, reference.md §1.5), so that tests go through
// Bolt's real signature check. Also builds the bodies Slack sends: slash commands (form fields) and interactivity
// payloads (`payload=` + JSON), shaped like reference.md §1.2–1.3.
import { createHmac } from 'node:crypto';

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** `v0=` + hex HMAC-SHA256 of `v0:${timestamp}:${rawBody}` keyed by the signing secret. */
export function signRequest(secret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Every field Slack sends with a slash command (values are strings, as on the wire). */
export interface SlashCommandFields {
  token: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  command: string;
  text: string;
  api_app_id: string;
  is_enterprise_install: 'true' | 'false';
  response_url: string;
  trigger_id: string;
  enterprise_id?: string;
  enterprise_name?: string;
}

export const TEST_TEAM = { id: 'T0TESTTEAM', domain: 'test-school' } as const;
export const TEST_APP_ID = 'A0TESTAPP';

export function buildSlashCommand(
  fields: Pick<SlashCommandFields, 'command' | 'response_url' | 'trigger_id'> & Partial<SlashCommandFields>,
): SlashCommandFields {
  return {
    token: 'legacy-verification-token-unused',
    team_id: TEST_TEAM.id,
    team_domain: TEST_TEAM.domain,
    channel_id: 'C0GENERAL',
    channel_name: 'general',
    user_id: 'U0REQUESTER',
    user_name: 'requester',
    text: '',
    api_app_id: TEST_APP_ID,
    is_enterprise_install: 'false',
    ...fields,
  };
}

/** application/x-www-form-urlencoded text of the fields, in the order given. */
export function encodeForm(fields: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) params.append(key, String(value));
  return params.toString();
}

/** The body of an interactivity request: a single `payload` field holding the JSON. */
export function encodeInteractivity(payload: unknown): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export interface SlackUserRef {
  id: string;
  username?: string;
  name?: string;
  team_id?: string;
}

export interface BlockAction {
  action_id: string;
  block_id: string;
  type?: string;
  value?: string;
  action_ts?: string;
  [key: string]: unknown;
}

/** A block_actions payload for a button on a message (e.g. Approve… on an approval card). */
export function buildBlockActions(options: {
  user: SlackUserRef;
  actions: BlockAction[];
  triggerId: string;
  responseUrl?: string;
  channelId?: string;
  message?: { ts: string; text?: string; blocks?: unknown[] };
  view?: Record<string, unknown>;
  stateValues?: Record<string, Record<string, unknown>>;
}): Record<string, unknown> {
  const user = {
    username: options.user.id.toLowerCase(),
    name: options.user.id.toLowerCase(),
    team_id: TEST_TEAM.id,
    ...options.user,
  };
  const inView = options.view !== undefined;
  const channelId = options.channelId ?? 'C0APPROVALS';
  const messageTs = options.message?.ts ?? '1700000000.000100';
  return {
    type: 'block_actions',
    user,
    api_app_id: TEST_APP_ID,
    token: 'legacy-verification-token-unused',
    team: { id: TEST_TEAM.id, domain: TEST_TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    trigger_id: options.triggerId,
    ...(inView
      ? { container: { type: 'view', view_id: options.view?.id }, view: options.view }
      : {
          container: { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: false },
          channel: { id: channelId, name: 'moodle-approvals' },
          message: { type: 'message', ts: messageTs, text: '', blocks: [], ...options.message },
          response_url: options.responseUrl,
        }),
    state: { values: options.stateValues ?? {} },
    actions: options.actions.map((a) => ({ type: 'button', action_ts: '1700000001.000200', ...a })),
  };
}

/**
 * A view_submission payload. `values` maps block_id → action_id → state value, e.g.
 * `{ email_block: { email_input: { type: 'email_text_input', value: 'j@x.org' } } }`.
 */
export function buildViewSubmission(options: {
  user: SlackUserRef;
  callbackId: string;
  values: Record<string, Record<string, unknown>>;
  triggerId: string;
  privateMetadata?: string;
  viewId?: string;
  blocks?: unknown[];
  responseUrls?: Array<{ block_id: string; action_id: string; channel_id: string; response_url: string }>;
}): Record<string, unknown> {
  const user = {
    username: options.user.id.toLowerCase(),
    name: options.user.id.toLowerCase(),
    team_id: TEST_TEAM.id,
    ...options.user,
  };
  const viewId = options.viewId ?? 'V0TESTVIEW';
  return {
    type: 'view_submission',
    team: { id: TEST_TEAM.id, domain: TEST_TEAM.domain },
    user,
    api_app_id: TEST_APP_ID,
    token: 'legacy-verification-token-unused',
    trigger_id: options.triggerId,
    enterprise: null,
    is_enterprise_install: false,
    view: {
      id: viewId,
      team_id: TEST_TEAM.id,
      type: 'modal',
      callback_id: options.callbackId,
      private_metadata: options.privateMetadata ?? '',
      blocks: options.blocks ?? [],
      state: { values: options.values },
      hash: '1700000000.abcdef12',
      title: { type: 'plain_text', text: 'Test' },
      root_view_id: viewId,
      previous_view_id: null,
      app_id: TEST_APP_ID,
      external_id: '',
      app_installed_team_id: TEST_TEAM.id,
      bot_id: 'B0TESTBOT',
    },
    response_urls: options.responseUrls ?? [],
  };
}

export interface SignedPostOptions {
  secret: string;
  /** Unix seconds; now by default. Use an old value for the stale-timestamp case. */
  timestamp?: number;
  /** Replaces the computed signature (bad-signature case). */
  signature?: string;
  /** Leaves out both signature headers (missing-headers case). */
  omitSignatureHeaders?: boolean;
  headers?: Record<string, string>;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON when it is JSON, else undefined. */
  json: unknown;
}

/** POSTs `rawBody` with the exact content type given (Bolt refuses `;charset=…` on form bodies), signed. */
export async function postSigned(
  url: string,
  rawBody: string,
  contentType: string,
  options: SignedPostOptions,
): Promise<HttpAnswer> {
  const timestamp = options.timestamp ?? nowSeconds();
  const headers: Record<string, string> = { 'content-type': contentType, ...options.headers };
  if (!options.omitSignatureHeaders) {
    headers['x-slack-request-timestamp'] = String(timestamp);
    headers['x-slack-signature'] = options.signature ?? signRequest(options.secret, timestamp, rawBody);
  }
  const response = await fetch(url, { method: 'POST', headers, body: rawBody });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: parseJson(text) };
}

export function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An Events API envelope for app_home_opened (the JSON body Slack posts to /slack/events). */
export function buildAppHomeOpened(userId: string, tab: 'home' | 'messages' = 'home'): Record<string, unknown> {
  return {
    token: 'legacy-verification-token-unused',
    team_id: TEST_TEAM.id,
    api_app_id: TEST_APP_ID,
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user: userId, channel: 'D0APPHOME', tab, event_ts: `${Date.now() / 1000}` },
  };
}
