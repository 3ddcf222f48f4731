// The SlackDirectory port over Slack's Web API: users.info for a person's flags, usergroups.users.list for group
// members. Slack's answers are parsed with zod, and Slack's errors become DirectoryError codes that the permission
// policy can explain (missing scope, free plan, unknown user or group).
import type { webApi } from '@slack/bolt';
import { z } from 'zod';
import { DirectoryError, type DirectoryUser, type SlackDirectory } from '../core/permissions.js';

type WebClient = webApi.WebClient;

const flag = z.boolean().optional().default(false);

const usersInfoSchema = z.object({
  user: z.object({
    id: z.string().min(1),
    deleted: flag,
    is_admin: flag,
    is_owner: flag,
    is_primary_owner: flag,
    is_bot: flag,
    is_restricted: flag,
    is_ultra_restricted: flag,
  }),
});

const groupMembersSchema = z.object({ users: z.array(z.string()) });

// Slack's platform errors carry `data.error` (and `data.needed` for missing_scope); anything else is transport.
const platformErrorSchema = z.object({
  data: z.object({ error: z.string(), needed: z.string().optional() }),
});

function toDirectoryError(error: unknown, method: string, scope: string, subject: string): DirectoryError {
  const platform = platformErrorSchema.safeParse(error);
  if (!platform.success) {
    return new DirectoryError('unavailable', `Slack ${method} failed (no answer from Slack)`, {}, { cause: error });
  }
  const slackError = platform.data.data.error;
  const cause = { cause: error };
  switch (slackError) {
    case 'plan_upgrade_required':
      return new DirectoryError(
        'plan_upgrade_required',
        'Slack user groups need a paid Slack plan',
        { slackError },
        cause,
      );
    case 'missing_scope': {
      const needed = platform.data.data.needed ?? scope;
      return new DirectoryError(
        'missing_scope',
        `The Slack app lacks the ${needed} scope needed for ${method}`,
        { scope: needed, slackError },
        cause,
      );
    }
    case 'user_not_found':
    case 'user_not_visible':
      return new DirectoryError('user_not_found', `Slack does not know the user ${subject}`, { slackError }, cause);
    case 'no_such_subteam':
    case 'subteam_not_found':
      return new DirectoryError(
        'group_not_found',
        `Slack does not know the user group ${subject}`,
        { slackError },
        cause,
      );
    default:
      return new DirectoryError('unavailable', `Slack ${method} failed: ${slackError}`, { slackError }, cause);
  }
}

/** A SlackDirectory backed by the bot's WebClient (needs the users:read and usergroups:read scopes). */
export function createSlackDirectory(client: WebClient): SlackDirectory {
  return {
    async getUser(userId: string): Promise<DirectoryUser> {
      let response: unknown;
      try {
        response = await client.users.info({ user: userId });
      } catch (error) {
        throw toDirectoryError(error, 'users.info', 'users:read', userId);
      }
      const parsed = usersInfoSchema.safeParse(response);
      if (!parsed.success) {
        throw new DirectoryError(
          'unavailable',
          'Slack users.info answered in an unexpected shape',
          {},
          {
            cause: parsed.error,
          },
        );
      }
      const user = parsed.data.user;
      return {
        id: user.id,
        isAdmin: user.is_admin,
        isOwner: user.is_owner || user.is_primary_owner,
        // Slackbot is not flagged is_bot but is no person either.
        isBot: user.is_bot || user.id === 'USLACKBOT',
        isDeleted: user.deleted,
        isRestricted: user.is_restricted,
        isUltraRestricted: user.is_ultra_restricted,
      };
    },

    async getGroupMembers(groupId: string): Promise<string[]> {
      let response: unknown;
      try {
        response = await client.usergroups.users.list({ usergroup: groupId });
      } catch (error) {
        throw toDirectoryError(error, 'usergroups.users.list', 'usergroups:read', groupId);
      }
      const parsed = groupMembersSchema.safeParse(response);
      if (!parsed.success) {
        throw new DirectoryError(
          'unavailable',
          'Slack usergroups.users.list answered in an unexpected shape',
          {},
          {
            cause: parsed.error,
          },
        );
      }
      return parsed.data.users;
    },
  };
}
