// Wires the slash commands to their handlers. Only wiring here: one handler per file.
import type { App } from '@slack/bolt';
import { COMMANDS } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { createMoodleAddUserCommand } from './moodle-adduser.js';
import { createMoodleUserCommand } from './moodle-user.js';

export function register(app: App, deps: ListenerDeps): void {
  app.command(COMMANDS.addUser, createMoodleAddUserCommand(deps));
  app.command(COMMANDS.user, createMoodleUserCommand(deps));
}
