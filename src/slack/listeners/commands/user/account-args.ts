// The start the account subcommands (show, update, suspend, unsuspend, delete) share: parse `<user> ...` and, when
// the text has problems or names no account, answer the person privately with the usage.
import type { SlashCommand } from '@slack/bolt';
import type { RequesterContext } from '../../../../core/requests.js';
import type { FieldProblem } from '../../../../core/user-record.js';
import { buildNotice, buildProblems } from '../../../blocks/user-card.js';
import { type AccountArgs, parseAccountArgs } from '../../../parse-account-args.js';
import type { SubcommandContext } from './types.js';

export interface AccountArgsOptions {
  allowFields: boolean;
  allowReason: boolean;
  /** Completes "Say which account to …". */
  verb: string;
  usage: string;
  /** What precedes the list of problems; the usage when absent. */
  problemsIntro?: string;
  /** Moodle's rules on the fields that could be read, so that a text with problems gets them all in one reply. */
  checkFields?: (fields: Record<string, string>) => FieldProblem[];
}

/** The arguments of a subcommand that names an account, or undefined once the person has been told what is wrong. */
export async function readAccountArgs(
  { args, respond }: Pick<SubcommandContext, 'args' | 'respond'>,
  options: AccountArgsOptions,
): Promise<(AccountArgs & { user: string }) | undefined> {
  const parsed = parseAccountArgs(args, options);
  if (parsed.problems.length > 0) {
    const fieldProblems = Object.keys(parsed.fields).length > 0 ? (options.checkFields?.(parsed.fields) ?? []) : [];
    await respond(
      buildProblems(options.problemsIntro ?? options.usage, [
        ...parsed.problems.map((message) => ({ field: '*', message })),
        ...fieldProblems,
      ]),
    );
    return undefined;
  }
  if (parsed.user === undefined) {
    await respond(buildNotice(`Say which account to ${options.verb}.`, undefined, options.usage));
    return undefined;
  }
  return { ...parsed, user: parsed.user };
}

/** Who typed the command, and where, so that replies can go back there. */
export function requesterOfCommand(command: SlashCommand, dryRun = false): RequesterContext {
  return {
    userId: command.user_id,
    teamId: command.team_id,
    channelId: command.channel_id,
    ...(dryRun ? { dryRun } : {}),
  };
}
