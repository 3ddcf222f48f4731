// The doctor's Slack checks: the bot token works, the granted scopes cover the manifest's, and the
// approval and notification channels exist and the bot can post there. Read-only: nothing is posted.
import type { webApi } from '@slack/bolt';
import { z } from 'zod';
import type { CheckResult } from './checklist.js';

export interface SlackCheckOptions {
  client: webApi.WebClient;
  requiredScopes: readonly string[];
  channels: ReadonlyArray<{ id: string; setting: string }>;
}

const authTestSchema = z.object({
  ok: z.literal(true),
  team: z.string().optional(),
  user: z.string().optional(),
  user_id: z.string().optional(),
  url: z.string().optional(),
  response_metadata: z.object({ scopes: z.array(z.string()).optional() }).optional(),
});

const channelSchema = z.object({
  ok: z.literal(true),
  channel: z.object({
    id: z.string(),
    name: z.string().optional(),
    is_private: z.boolean().optional(),
    is_archived: z.boolean().optional(),
    is_member: z.boolean().optional(),
  }),
});

const TOKEN_FIX =
  'Set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…) from api.slack.com/apps > your app > OAuth & Permissions; install the app to the workspace first.';

/** The Slack error code of a Web API failure (ok:false), or a short transport description. */
export function slackErrorOf(err: unknown): string {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  if (data && typeof data.error === 'string') return data.error;
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
}

export async function runSlackChecks(options: SlackCheckOptions): Promise<CheckResult[]> {
  const auth = await checkAuth(options.client);
  if (!auth.ok) return auth.results;
  const results = [...auth.results, checkScopes(auth.scopes, options.requiredScopes)];
  const hasPublicWrite = auth.scopes?.includes('chat:write.public') ?? false;
  const seen = new Set<string>();
  for (const { id, setting } of options.channels) {
    if (seen.has(id)) continue;
    seen.add(id);
    results.push(await checkChannel(options.client, id, setting, hasPublicWrite));
  }
  return results;
}

type AuthCheck =
  | { ok: true; results: CheckResult[]; scopes: string[] | undefined }
  | { ok: false; results: CheckResult[] };

/** auth.test: the token works, which workspace and bot it is, and (from its headers) the scopes granted. */
async function checkAuth(client: webApi.WebClient): Promise<AuthCheck> {
  try {
    const auth = authTestSchema.parse(await client.auth.test());
    const result: CheckResult = {
      id: 'slack.auth',
      status: 'ok',
      title: 'Slack bot token',
      detail: `workspace ${auth.team ?? '?'}, bot @${auth.user ?? '?'}${auth.user_id ? ` (${auth.user_id})` : ''}`,
    };
    return { ok: true, results: [result], scopes: auth.response_metadata?.scopes };
  } catch (err) {
    const code = slackErrorOf(err);
    const tokenProblem = ['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired'].includes(
      code,
    );
    const results: CheckResult[] = [
      {
        id: 'slack.auth',
        status: 'fail',
        title: 'Slack bot token',
        detail: tokenProblem ? `Slack refused the token (${code})` : `Slack could not be reached (${code})`,
        fix: tokenProblem ? TOKEN_FIX : 'Check that this machine can reach slack.com (firewall, proxy) and try again.',
      },
      { id: 'slack.scopes', status: 'skip', title: 'Slack scopes', detail: 'needs a working bot token' },
      { id: 'slack.channels', status: 'skip', title: 'Slack channels', detail: 'needs a working bot token' },
    ];
    return { ok: false, results };
  }
}

function checkScopes(scopes: string[] | undefined, requiredScopes: readonly string[]): CheckResult {
  if (scopes === undefined) {
    return {
      id: 'slack.scopes',
      status: 'warn',
      title: 'Slack scopes',
      detail: 'Slack did not say which scopes the token has',
      fix: 'Compare OAuth & Permissions > Bot Token Scopes with manifest.yml by hand.',
    };
  }
  const missing = requiredScopes.filter((s) => !scopes.includes(s));
  if (missing.length === 0) {
    return { id: 'slack.scopes', status: 'ok', title: 'Slack scopes', detail: `all ${requiredScopes.length} granted` };
  }
  return {
    id: 'slack.scopes',
    status: 'fail',
    title: 'Slack scopes',
    detail: `missing ${missing.join(', ')}`,
    fix: 'Update the app from manifest.yml (api.slack.com/apps > your app > App Manifest), then reinstall it to the workspace (OAuth & Permissions > Reinstall) and use the new bot token.',
  };
}

/** The channel exists, is not archived, and the bot can post there (a member, or chat:write.public for a public one). */
async function checkChannel(
  client: webApi.WebClient,
  id: string,
  setting: string,
  hasPublicWrite: boolean,
): Promise<CheckResult> {
  const checkId = `slack.channel.${setting}`;
  const title = `Slack channel ${setting} (${id})`;
  try {
    const { channel } = channelSchema.parse(await client.conversations.info({ channel: id }));
    const name = channel.name ? `#${channel.name}` : id;
    if (channel.is_archived) {
      return {
        id: checkId,
        status: 'fail',
        title,
        detail: `${name} is archived`,
        fix: `Unarchive ${name} or set ${setting} to another channel's id.`,
      };
    }
    if (channel.is_member || (!channel.is_private && hasPublicWrite)) {
      return {
        id: checkId,
        status: 'ok',
        title,
        detail: `${name}, the bot can post there${channel.is_member ? '' : ' (chat:write.public)'}`,
      };
    }
    return {
      id: checkId,
      status: 'fail',
      title,
      detail: `the bot is not a member of ${name}`,
      fix: `Invite the bot: type /invite @<bot name> in ${name}.`,
    };
  } catch (err) {
    const code = slackErrorOf(err);
    return {
      id: checkId,
      status: 'fail',
      title,
      detail: code === 'channel_not_found' ? 'no such channel, or a private channel the bot is not in' : code,
      fix:
        code === 'missing_scope'
          ? 'Grant channels:read and groups:read (manifest.yml) and reinstall the app.'
          : `Check ${setting}: it must be the channel's id (channel details > bottom, C…), and for a private channel invite the bot with /invite @<bot name>.`,
    };
  }
}
