// /moodle-user unsuspend <user> [reason="..."]: asks to lift a suspension (suspended=0). Shared with suspend.ts,
// which differs only in the operation.

import { accountServiceFor, parseAccountArgs } from '../../../../core/accounts.js';
import { accountNameOf, buildChangeReply, buildNotice, buildProblems } from '../../../blocks/user-card.js';
import { COMMANDS } from '../../../ids.js';
import type { SubcommandContext } from './types.js';

export async function runSuspension(
  { args, command, respond, deps }: SubcommandContext,
  operation: 'suspend' | 'unsuspend',
): Promise<void> {
  const usage = `Usage: \`${COMMANDS.user} ${operation} <username | email | id> [reason="..."]\`, e.g. \`${COMMANDS.user} ${operation} jdoe reason="${operation === 'suspend' ? 'left the school' : 'back from leave'}"\`.`;
  const parsed = parseAccountArgs(args, { allowFields: false, allowReason: true });
  if (parsed.problems.length > 0) {
    await respond(
      buildProblems(
        usage,
        parsed.problems.map((message) => ({ field: '*', message })),
      ),
    );
    return;
  }
  if (parsed.user === undefined) {
    await respond(buildNotice(`Say which account to ${operation}. ${usage}`));
    return;
  }
  const requester = { userId: command.user_id, teamId: command.team_id, channelId: command.channel_id };
  const outcome = await accountServiceFor(deps).requestSuspension(requester, parsed.user, operation, parsed.reason);
  await respond(buildChangeReply(outcome, operation, accountNameOf(outcome, parsed.user)));
}

export async function handleUnsuspend(ctx: SubcommandContext): Promise<void> {
  await runSuspension(ctx, 'unsuspend');
}
