// /moodle-user expire <user> until=YYYY-MM-DD and /moodle-user extend <user> until=YYYY-MM-DD: set or move later an
// account's end date, through the same request → approval → execution path as every change (APPROVAL_REQUIRED keys
// expire and extend). The date is read in the person's Slack time zone. /moodle-user expiring: what ends in the next
// 30 days, for admins.
import { listExpiring, requestEndDate } from '../../../../core/account-end-dates.js';
import { buildExpiringList } from '../../../blocks/end-dates.js';
import { accountNameOf, buildChangeReply } from '../../../blocks/user-card.js';
import { COMMANDS } from '../../../ids.js';
import { timeZoneOf } from '../../../user-time-zone.js';
import { requesterOfCommand } from './account-args.js';
import { readPositionalArgs } from './positional-args.js';
import type { SubcommandContext } from './types.js';

export const EXPIRE_USAGE =
  `Usage: \`${COMMANDS.user} expire <user> until=YYYY-MM-DD [reason="..."]\`, e.g. \`${COMMANDS.user} expire jdoe until=2027-06-30\`. ` +
  'The account is suspended when that day ends (in your time zone).';
export const EXTEND_USAGE = `Usage: \`${COMMANDS.user} extend <user> until=YYYY-MM-DD [reason="..."]\`, e.g. \`${COMMANDS.user} extend jdoe until=2027-09-30\`.`;

function endDateHandler(operation: 'expire' | 'extend', usage: string) {
  return async (ctx: SubcommandContext): Promise<void> => {
    const args = await readPositionalArgs(ctx, { words: ['user'], keys: ['until', 'reason'], usage });
    if (!args) return;
    const { command, respond, deps, client } = ctx;
    const outcome = await requestEndDate(deps, requesterOfCommand(command), args.user, operation, {
      until: args.until,
      reason: args.reason,
      timeZone: await timeZoneOf(client, command.user_id),
    });
    await respond(buildChangeReply(outcome, operation, accountNameOf(outcome, args.user)));
  };
}

export const handleExpire = endDateHandler('expire', EXPIRE_USAGE);
export const handleExtend = endDateHandler('extend', EXTEND_USAGE);

export async function handleExpiring({ command, respond, deps, logger }: SubcommandContext): Promise<void> {
  const allowed = await deps.permissions.check(command.user_id, 'admin');
  if (!allowed.ok) {
    logger.warn({ user: command.user_id }, 'expiring refused: not an admin');
    await deps.requests.recordRefusal(command.user_id, { reason: 'permission', detail: 'asked to list end dates' });
    await respond({ response_type: 'ephemeral', text: allowed.reason });
    return;
  }
  const actions = await listExpiring(deps);
  await respond(buildExpiringList(actions, { title: 'Accounts that end in the next 30 days' }));
}
