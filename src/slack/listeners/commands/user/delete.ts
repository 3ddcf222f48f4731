// /moodle-user delete <user>: always through a confirmation modal that shows the account and asks for its
// username (views/delete-user-submission.ts); the approval policy (APPROVAL_REQUIRED, delete by default) then applies.

import { accountServiceFor } from '../../../../core/accounts.js';
import { profileUrl } from '../../../../core/moodle-gateway.js';
import { isReasonRequired } from '../../../../core/policy.js';
import { buildDeleteUserModal } from '../../../blocks/delete-user-modal.js';
import { buildChangeReply } from '../../../blocks/user-card.js';
import { COMMANDS } from '../../../ids.js';
import { readAccountArgs, requesterOfCommand } from './account-args.js';
import type { SubcommandContext } from './types.js';
import { openAccountModal } from './update.js';

export const DELETE_USAGE = `Usage: \`${COMMANDS.user} delete <username | email | id>\`, e.g. \`${COMMANDS.user} delete jdoe\`; a form asks you to confirm.`;

export async function handleDelete(ctx: SubcommandContext): Promise<void> {
  const parsed = await readAccountArgs(ctx, {
    allowFields: false,
    // The form asks for the reason; a dry run has no form, so it takes reason= as a word.
    allowReason: ctx.dryRun,
    verb: 'delete',
    usage: DELETE_USAGE,
  });
  if (!parsed) return;
  const { command, deps } = ctx;
  const { user } = parsed;
  const requester = requesterOfCommand(command, ctx.dryRun);
  const accounts = accountServiceFor(deps);
  if (ctx.dryRun) {
    // No confirmation to ask for: nothing will be deleted.
    const found = await accounts.target(requester, user, 'delete');
    const outcome =
      found.kind === 'target' ? await accounts.submitDeletion(requester, found.user, parsed.reason) : found;
    await ctx.respond(buildChangeReply(outcome, 'delete', user));
    return;
  }
  await openAccountModal(
    ctx,
    'Delete Moodle user',
    user,
    () => accounts.target(requester, user, 'delete'),
    (target) =>
      buildDeleteUserModal(target.user, {
        profileUrl: profileUrl(deps.config.moodle.url, target.user.id),
        metadata: { moodleId: target.user.id, username: target.user.username, channelId: command.channel_id },
        reasonRequired: isReasonRequired(deps.config, 'delete'),
      }),
  );
}
