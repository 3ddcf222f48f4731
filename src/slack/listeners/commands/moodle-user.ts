// /moodle-user: look up and change existing accounts. Only dispatch here: the first word picks a subcommand
// handler (one file each under user/); help and unknown words get the usage.
import type { Middleware, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { buildUnknownSubcommand, buildUserHelp } from '../../blocks/help.js';
import { COMMANDS } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { takeDryRun } from './dry-run-word.js';
import { firstWord } from './first-word.js';
import { handleCancel } from './user/cancel.js';
import { handleCohort } from './user/cohort.js';
import { handleDelete } from './user/delete.js';
import { handleDoctor } from './user/doctor.js';
import { handleExpire, handleExpiring, handleExtend } from './user/end-date.js';
import { handleEnrol, handleUnenrol } from './user/enrol.js';
import { handleRequests } from './user/requests.js';
import { handleShow } from './user/show.js';
import { handleSuspend } from './user/suspend.js';
import type { SubcommandHandler } from './user/types.js';
import { handleUnsuspend } from './user/unsuspend.js';
import { handleUpdate } from './user/update.js';

export const USER_SUBCOMMANDS: Readonly<Record<string, SubcommandHandler>> = {
  show: handleShow,
  update: handleUpdate,
  suspend: handleSuspend,
  unsuspend: handleUnsuspend,
  delete: handleDelete,
  enrol: handleEnrol,
  unenrol: handleUnenrol,
  cohort: handleCohort,
  requests: handleRequests,
  cancel: handleCancel,
  doctor: handleDoctor,
  expire: handleExpire,
  extend: handleExtend,
  expiring: handleExpiring,
};

/** The subcommands that change nothing in Moodle, so there is nothing to dry-run. */
const READ_ONLY_SUBCOMMANDS: ReadonlySet<string> = new Set(['show', 'requests', 'cancel', 'doctor']);
const DRY_RUN_ONLY = `dry-run shows the Moodle calls of a change: use it with ${Object.keys(USER_SUBCOMMANDS)
  .filter((word) => !READ_ONLY_SUBCOMMANDS.has(word))
  .join(', ')}.`;

export function createMoodleUserCommand(deps: ListenerDeps): Middleware<SlackCommandMiddlewareArgs> {
  return async ({ ack, respond, command, client, context }) => {
    await ack();
    const { text, dryRun } = takeDryRun(command.text);
    const word = firstWord(text);
    const help = buildUserHelp();
    const handler = Object.hasOwn(USER_SUBCOMMANDS, word) ? USER_SUBCOMMANDS[word] : undefined;
    if (!handler) {
      await respond(
        word === '' || word === 'help'
          ? help
          : buildUnknownSubcommand(COMMANDS.user, word, help, [...Object.keys(USER_SUBCOMMANDS), 'help']),
      );
      return;
    }
    if (dryRun && READ_ONLY_SUBCOMMANDS.has(word)) {
      await respond({ response_type: 'ephemeral', text: DRY_RUN_ONLY });
      return;
    }
    const args = text.slice(word.length).trim();
    const logger = requestLogger(context, deps.logger);
    try {
      await handler({ args, command, respond, client, deps, logger, dryRun });
    } catch (err) {
      // Never leave the person with silence: say what failed, log the detail.
      logger.error({ err, subcommand: word }, 'subcommand failed');
      await respond({
        response_type: 'ephemeral',
        text: `Sorry, \`${COMMANDS.user} ${word}\` failed unexpectedly. Nothing was changed by this failure; try again, and if it persists ask an admin to check the app's log.`,
      }).catch(() => {});
    }
  };
}
