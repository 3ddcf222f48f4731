// /moodle-user enrol <user> <course> [role=student] [from=YYYY-MM-DD] [until=YYYY-MM-DD] [reason="..."] and
// /moodle-user unenrol <user> <course> [reason="..."]: one account in or out of one course, through the same
// request → approval → execution path as every change. Dates are read in the person's Slack time zone.
import { membershipServiceFor } from '../../../../core/memberships.js';
import type { MembershipAction } from '../../../blocks/membership-modal.js';
import { accountNameOf, buildChangeReply, buildNotice } from '../../../blocks/user-card.js';
import { COMMANDS } from '../../../ids.js';
import { tokenize } from '../../../parse-args.js';
import { timeZoneOf } from '../../../user-time-zone.js';
import { openMembershipForm } from '../../membership-form.js';
import { requesterOfCommand } from './account-args.js';
import { readPositionalArgs } from './positional-args.js';
import type { SubcommandContext } from './types.js';

export const ENROL_USAGE =
  `Usage: \`${COMMANDS.user} enrol <user> <course> [role=student] [from=YYYY-MM-DD] [until=YYYY-MM-DD] [reason="..."]\`, ` +
  `e.g. \`${COMMANDS.user} enrol jdoe TEST101 role=teacher until=2027-06-30\`. The course is its short name or ID number; with only the user it opens a form.`;
export const UNENROL_USAGE = `Usage: \`${COMMANDS.user} unenrol <user> <course> [reason="..."]\`, e.g. \`${COMMANDS.user} unenrol jdoe TEST101\`.`;

/**
 * Only the account named (`enrol jdoe`): the "Courses and cohorts" form opens for it, with `action` chosen.
 * Returns whether it did.
 */
export async function openFormForLoneUser(ctx: SubcommandContext, action: MembershipAction): Promise<boolean> {
  const { tokens, problems } = tokenize(ctx.args);
  const [only] = tokens;
  if (problems.length > 0 || tokens.length !== 1 || !only || only.key !== undefined) return false;
  const { command, respond, client, logger, deps } = ctx;
  const tell = async (text: string) => {
    await respond(buildNotice(text, ':warning:'));
  };
  const surface = { triggerId: command.trigger_id, client, logger, tell };
  await openMembershipForm(surface, deps, requesterOfCommand(command), only.value, action);
  return true;
}

export async function handleEnrol(ctx: SubcommandContext): Promise<void> {
  if (await openFormForLoneUser(ctx, 'enrol')) return;
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
  if (await openFormForLoneUser(ctx, 'unenrol')) return;
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
