// /moodle-user show <username | email | id>: the account's card, privately. Requesters and above; the core decides
// how much of the account this reader may see.
import { accountServiceFor } from '../../../../core/accounts.js';
import { buildShowReply } from '../../../blocks/user-card.js';
import { COMMANDS } from '../../../ids.js';
import { readAccountArgs } from './account-args.js';
import type { SubcommandContext } from './types.js';

export const SHOW_USAGE = `Usage: \`${COMMANDS.user} show <username | email | id>\`, e.g. \`${COMMANDS.user} show jdoe\`.`;

export async function handleShow(ctx: SubcommandContext): Promise<void> {
  const parsed = await readAccountArgs(ctx, {
    allowFields: false,
    allowReason: false,
    verb: 'show',
    usage: SHOW_USAGE,
  });
  if (!parsed) return;
  const { command, respond, deps } = ctx;
  const result = await accountServiceFor(deps).show(command.user_id, parsed.user);
  await respond(buildShowReply(result));
}
