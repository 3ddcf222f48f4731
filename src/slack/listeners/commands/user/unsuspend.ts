// /moodle-user unsuspend <user> [reason="..."]: asks to lift a suspension (suspended=0). Shared with suspend.ts,
// which differs only in the operation.

import { accountServiceFor } from '../../../../core/accounts.js';
import { accountNameOf, buildChangeReply } from '../../../blocks/user-card.js';
import { COMMANDS } from '../../../ids.js';
import { readAccountArgs, requesterOfCommand } from './account-args.js';
import type { SubcommandContext } from './types.js';

export async function runSuspension(ctx: SubcommandContext, operation: 'suspend' | 'unsuspend'): Promise<void> {
  const usage = `Usage: \`${COMMANDS.user} ${operation} <username | email | id> [reason="..."]\`, e.g. \`${COMMANDS.user} ${operation} jdoe reason="${operation === 'suspend' ? 'left the school' : 'back from leave'}"\`.`;
  const parsed = await readAccountArgs(ctx, { allowFields: false, allowReason: true, verb: operation, usage });
  if (!parsed) return;
  const { command, respond, deps } = ctx;
  const requester = requesterOfCommand(command, ctx.dryRun);
  const outcome = await accountServiceFor(deps).requestSuspension(requester, parsed.user, operation, parsed.reason);
  await respond(buildChangeReply(outcome, operation, accountNameOf(outcome, parsed.user)));
}

export async function handleUnsuspend(ctx: SubcommandContext): Promise<void> {
  await runSuspension(ctx, 'unsuspend');
}
