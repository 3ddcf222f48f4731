// /moodle-user delete <user>: always through a confirmation modal that shows the account and asks for its
// username (views/delete-user-submission.ts); the approval policy (APPROVAL_REQUIRED, delete by default) then applies.
import { accountServiceFor, parseAccountArgs } from '../../../../core/accounts.js';
import { profileUrl } from '../../../../core/provisioning.js';
import { buildDeleteUserModal } from '../../../blocks/delete-user-modal.js';
import { buildNotice, buildProblems } from '../../../blocks/user-card.js';
import { COMMANDS } from '../../../ids.js';
import type { SubcommandContext } from './types.js';
import { openAccountModal } from './update.js';

export const DELETE_USAGE = `Usage: \`${COMMANDS.user} delete <username | email | id>\`, e.g. \`${COMMANDS.user} delete jdoe\`; a form asks you to confirm.`;

export async function handleDelete(ctx: SubcommandContext): Promise<void> {
  const { args, command, respond, deps } = ctx;
  const parsed = parseAccountArgs(args, { allowFields: false, allowReason: false });
  if (parsed.problems.length > 0) {
    await respond(
      buildProblems(
        DELETE_USAGE,
        parsed.problems.map((message) => ({ field: '*', message })),
      ),
    );
    return;
  }
  const user = parsed.user;
  if (user === undefined) {
    await respond(buildNotice(`Say which account to delete. ${DELETE_USAGE}`));
    return;
  }
  const requester = { userId: command.user_id, teamId: command.team_id, channelId: command.channel_id };
  const accounts = accountServiceFor(deps);
  await openAccountModal(
    ctx,
    'Delete Moodle user',
    user,
    () => accounts.target(requester, user, 'delete'),
    (target) =>
      buildDeleteUserModal(target.user, {
        profileUrl: profileUrl(deps.config.moodle.url, target.user.id),
        metadata: { moodleId: target.user.id, username: target.user.username, channelId: command.channel_id },
      }),
  );
}
