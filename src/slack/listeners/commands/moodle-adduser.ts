// /moodle-adduser: ask for a new Moodle account. This handler currently answers `help` (and an empty command) with
// the usage; anything else gets a private "not understood" reply with the usage.
import type { Middleware, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { buildAddUserHelp, buildUnknownSubcommand } from '../../blocks/help.js';
import { COMMANDS } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { firstWord } from './first-word.js';

export function createMoodleAddUserCommand(_deps: ListenerDeps): Middleware<SlackCommandMiddlewareArgs> {
  return async ({ ack, respond, command }) => {
    await ack();
    const word = firstWord(command.text);
    const help = buildAddUserHelp();
    await respond(word === '' || word === 'help' ? help : buildUnknownSubcommand(COMMANDS.addUser, word, help));
  };
}
