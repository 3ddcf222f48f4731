// /moodle-user enrol <user> <course> [role=student] [from=YYYY-MM-DD] [until=YYYY-MM-DD] [reason="..."] and
// /moodle-user unenrol <user> <course> [reason="..."]: one account in or out of one course, through the same
// request → approval → execution path as every change. Dates are read in the person's Slack time zone.
import { membershipServiceFor } from '../../../../core/memberships.js';
import { accountNameOf, buildChangeReply } from '../../../blocks/user-card.js';
import { COMMANDS } from '../../../ids.js';
import { timeZoneOf } from '../../../user-time-zone.js';
import { requesterOfCommand } from './account-args.js';
import { readPositionalArgs } from './positional-args.js';
import type { SubcommandContext } from './types.js';

export const ENROL_USAGE =
  `Usage: \`${COMMANDS.user} enrol <user> <course> [role=student] [from=YYYY-MM-DD] [until=YYYY-MM-DD] [reason="..."]\`, ` +
  `e.g. \`${COMMANDS.user} enrol jdoe TEST101 role=teacher until=2027-06-30\`. The course is its short name or ID number.`;
export const UNENROL_USAGE = `Usage: \`${COMMANDS.user} unenrol <user> <course> [reason="..."]\`, e.g. \`${COMMANDS.user} unenrol jdoe TEST101\`.`;

export async function handleEnrol(ctx: SubcommandContext): Promise<void> {
  const spec = { words: ['user', 'course'], keys: ['role', 'from', 'until', 'reason'], usage: ENROL_USAGE } as const;
  const args = await readPositionalArgs(ctx, spec);
  if (!args) return;
  const { command, respond, deps, client } = ctx;
  const outcome = await membershipServiceFor(deps).requestEnrolment(
    requesterOfCommand(command, ctx.dryRun),
    args.user,
    {
      course: args.course,
      role: args.role,
      from: args.from,
      until: args.until,
      reason: args.reason,
      timeZone: await timeZoneOf(client, command.user_id),
    },
  );
  await respond(buildChangeReply(outcome, 'enrol', accountNameOf(outcome, args.user)));
}

export async function handleUnenrol(ctx: SubcommandContext): Promise<void> {
  const spec = { words: ['user', 'course'], keys: ['reason'], usage: UNENROL_USAGE } as const;
  const args = await readPositionalArgs(ctx, spec);
  if (!args) return;
  const { command, respond, deps } = ctx;
  const outcome = await membershipServiceFor(deps).requestUnenrolment(
    requesterOfCommand(command, ctx.dryRun),
    args.user,
    args.course,
    args.reason,
  );
  await respond(buildChangeReply(outcome, 'unenrol', accountNameOf(outcome, args.user)));
}
