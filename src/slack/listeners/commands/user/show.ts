// /moodle-user show <username | email | id>: the account's card, privately. Requesters and above.
import { accountServiceFor, parseAccountArgs } from '../../../../core/accounts.js';
import { buildLookupFailure, buildNotice, buildProblems, buildUserCard } from '../../../blocks/user-card.js';
import { COMMANDS } from '../../../ids.js';
import type { SubcommandContext } from './types.js';

export const SHOW_USAGE = `Usage: \`${COMMANDS.user} show <username | email | id>\`, e.g. \`${COMMANDS.user} show jdoe\`.`;

export async function handleShow({ args, command, respond, deps }: SubcommandContext): Promise<void> {
  const parsed = parseAccountArgs(args, { allowFields: false, allowReason: false });
  if (parsed.problems.length > 0) {
    await respond(
      buildProblems(
        SHOW_USAGE,
        parsed.problems.map((message) => ({ field: '*', message })),
      ),
    );
    return;
  }
  if (parsed.user === undefined) {
    await respond(buildNotice(`Say which account to show. ${SHOW_USAGE}`));
    return;
  }
  const result = await accountServiceFor(deps).show(command.user_id, parsed.user);
  await respond(
    result.kind === 'found'
      ? buildUserCard(result.user, { profileUrl: result.profileUrl, protection: result.protection })
      : buildLookupFailure(result),
  );
}
