// /moodle-user update <user> key=value ... : asks to change the given fields (only those that differ are sent).
// With no fields it opens the "Edit Moodle user" modal filled with the account's current values: a "Looking up…"
// modal opens at once (the trigger_id expires in 3 s), and is replaced once Moodle has answered.

import type { types } from '@slack/bolt';
import { type AccountTarget, accountServiceFor, type NotOne, type Refusal } from '../../../../core/accounts.js';
import { isReasonRequired } from '../../../../core/policy.js';
import { validateUserUpdate } from '../../../../core/user-record.js';
import { buildEditUserModal } from '../../../blocks/edit-user-modal.js';
import { accountNameOf, buildChangeReply, buildNotice } from '../../../blocks/user-card.js';
import { COMMANDS } from '../../../ids.js';
import { openLookupModal } from '../../lookup-modal.js';
import { readAccountArgs, requesterOfCommand } from './account-args.js';
import type { SubcommandContext } from './types.js';

export const UPDATE_USAGE =
  `Usage: \`${COMMANDS.user} update <username | email | id> key=value ...\`, e.g. ` +
  `\`${COMMANDS.user} update jdoe city="New York" department=Maths\`; without fields it opens a form.`;

/** `openLookupModal` for a subcommand: the command's trigger_id, and replies through its response_url. */
export function openAccountModal<T extends AccountTarget>(
  { command, respond, client, logger }: SubcommandContext,
  title: string,
  userText: string,
  find: () => Promise<T | Refusal | NotOne>,
  build: (target: T) => types.ModalView,
): Promise<void> {
  const tell = async (text: string) => {
    await respond(buildNotice(text, ':warning:'));
  };
  return openLookupModal({ triggerId: command.trigger_id, client, logger, tell }, title, userText, find, build);
}

export async function handleUpdate(ctx: SubcommandContext): Promise<void> {
  const parsed = await readAccountArgs(ctx, {
    allowFields: true,
    allowReason: true,
    verb: 'update',
    usage: UPDATE_USAGE,
    problemsIntro: 'Nothing was stored; fix the following and ask again:',
    checkFields: (fields) => {
      const checked = validateUserUpdate(fields, ctx.deps.config);
      return checked.ok ? [] : checked.problems;
    },
  });
  if (!parsed) return;
  const { command, respond, deps } = ctx;
  const { user } = parsed;
  const requester = requesterOfCommand(command, ctx.dryRun);
  const accounts = accountServiceFor(deps);
  if (Object.keys(parsed.fields).length === 0 && ctx.dryRun) {
    await respond(buildNotice('A dry run needs the fields to change, e.g. city="York".', undefined, UPDATE_USAGE));
    return;
  }
  if (Object.keys(parsed.fields).length === 0) {
    await openAccountModal(
      ctx,
      'Edit Moodle user',
      user,
      () => accounts.editable(requester, user),
      (target) =>
        buildEditUserModal(
          target.user,
          { moodleId: target.user.id, username: target.user.username, channelId: command.channel_id },
          { reasonRequired: isReasonRequired(deps.config, 'update'), redacted: target.redacted },
        ),
    );
    return;
  }
  const outcome = await accounts.requestUpdate(requester, user, parsed.fields, parsed.reason);
  await respond(buildChangeReply(outcome, 'update', accountNameOf(outcome, user)));
}
