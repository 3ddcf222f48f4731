// /moodle-user update <user> key=value ... : asks to change the given fields (only those that differ are sent).
// With no fields it opens the "Edit Moodle user" modal filled with the account's current values: a "Looking up…"
// modal opens at once (the trigger_id expires in 3 s), and is replaced once Moodle has answered.

import type { types } from '@slack/bolt';
import { describeAccount } from '../../../../core/account-ref.js';
import { type AccountTarget, accountServiceFor, type NotOne, type Refusal } from '../../../../core/accounts.js';
import { isReasonRequired } from '../../../../core/policy.js';
import { buildEditUserModal, buildLoadingModal, buildNoticeModal } from '../../../blocks/edit-user-modal.js';
import { accountNameOf, buildChangeReply, buildNotice } from '../../../blocks/user-card.js';
import { COMMANDS } from '../../../ids.js';
import { readAccountArgs, requesterOfCommand } from './account-args.js';
import type { SubcommandContext } from './types.js';

export const UPDATE_USAGE =
  `Usage: \`${COMMANDS.user} update <username | email | id> key=value ...\`, e.g. ` +
  `\`${COMMANDS.user} update jdoe city="New York" department=Maths\`; without fields it opens a form.`;

/**
 * Opens a "Looking up…" modal with the command's trigger_id, finds the account (permission, protection and
 * in-flight checks included), then replaces the modal with `build(user)` or with why it cannot be shown.
 */
export async function openAccountModal<T extends AccountTarget>(
  { command, respond, client, logger }: SubcommandContext,
  title: string,
  userText: string,
  find: () => Promise<T | Refusal | NotOne>,
  build: (target: T) => types.ModalView,
): Promise<void> {
  let viewId: string | undefined;
  try {
    const opened = await client.views.open({
      trigger_id: command.trigger_id,
      view: buildLoadingModal(title, userText),
    });
    viewId = opened.view?.id;
  } catch (err) {
    logger.warn({ err }, 'could not open the loading modal');
    await respond(buildNotice('Slack did not let the app open the form in time; run the command again.', ':warning:'));
    return;
  }
  const found = await find();
  const view =
    found.kind === 'target'
      ? build(found)
      : buildNoticeModal(title, found.kind === 'refused' ? found.reason : found.message);
  try {
    if (viewId) await client.views.update({ view_id: viewId, view });
  } catch (err) {
    logger.warn({ err }, 'could not show the account modal');
    await respond(
      buildNotice(
        found.kind === 'target'
          ? `The form for ${describeAccount(found.user)} could not be shown; run the command again.`
          : found.kind === 'refused'
            ? found.reason
            : found.message,
        ':warning:',
      ),
    );
  }
}

export async function handleUpdate(ctx: SubcommandContext): Promise<void> {
  const parsed = await readAccountArgs(ctx, {
    allowFields: true,
    allowReason: true,
    verb: 'update',
    usage: UPDATE_USAGE,
    problemsIntro: 'Nothing was stored; fix the following and ask again:',
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
