// /moodle-user: look up and change existing accounts. Subcommands are dispatched on the first word; this handler
// currently answers `help` (and an empty command) with the usage and tells the person about anything it does not know.
import type { Middleware, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { buildUnknownSubcommand, buildUserHelp } from '../../blocks/help.js';
import { COMMANDS } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { firstWord } from './first-word.js';

export function createMoodleUserCommand(_deps: ListenerDeps): Middleware<SlackCommandMiddlewareArgs> {
  return async ({ ack, respond, command }) => {
    await ack();
    const word = firstWord(command.text);
    const help = buildUserHelp();
    await respond(word === '' || word === 'help' ? help : buildUnknownSubcommand(COMMANDS.user, word, help));
  };
}
