// /moodle-user cohort add|remove <user> <cohort> [reason="..."]: one account in or out of one cohort (by its ID
// number or name), through the same request → approval → execution path as every change.
import { membershipServiceFor } from '../../../../core/memberships.js';
import { accountNameOf, buildChangeReply, buildNotice } from '../../../blocks/user-card.js';
import { COMMANDS } from '../../../ids.js';
import { firstWord } from '../first-word.js';
import { requesterOfCommand } from './account-args.js';
import { openFormForLoneUser } from './enrol.js';
import { readPositionalArgs } from './positional-args.js';
import type { SubcommandContext } from './types.js';

export const COHORT_USAGE =
  `Usage: \`${COMMANDS.user} cohort add|remove <user> <cohort> [reason="..."]\`, e.g. ` +
  `\`${COMMANDS.user} cohort add jdoe COHORT1\`. The cohort is its ID number or name; with only the user it opens a form.`;

const VERBS = { add: 'cohort_add', remove: 'cohort_remove' } as const;

export async function handleCohort(ctx: SubcommandContext): Promise<void> {
  const verb = firstWord(ctx.args);
  const operation = Object.hasOwn(VERBS, verb) ? VERBS[verb as keyof typeof VERBS] : undefined;
  if (!operation) {
    await ctx.respond(buildNotice('Say add or remove.', undefined, COHORT_USAGE));
    return;
  }
  const rest = ctx.args.trim().slice(verb.length);
  if (await openFormForLoneUser({ ...ctx, args: rest }, operation)) return;
  const spec = { words: ['user', 'cohort'], keys: ['reason'], usage: COHORT_USAGE } as const;
  const args = await readPositionalArgs({ ...ctx, args: rest }, spec);
  if (!args) return;
  const { command, respond, deps } = ctx;
  const outcome = await membershipServiceFor(deps).requestCohortChange(
    requesterOfCommand(command, ctx.dryRun),
    args.user,
    operation,
    args.cohort,
    args.reason,
  );
  await respond(buildChangeReply(outcome, operation, accountNameOf(outcome, args.user)));
}
