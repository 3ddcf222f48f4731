// The private help replies of the two slash commands: plain usage text that reads well in Slack and as a
// notification preview.
import type { types } from '@slack/bolt';
import { COMMANDS } from '../ids.js';
import { encodeEntities, LIMITS, mrkdwn, truncateText } from './text.js';
import { escapeMrkdwn } from './untrusted.js';

export interface EphemeralMessage {
  response_type: 'ephemeral';
  text: string;
  blocks: types.KnownBlock[];
}

const ADD_USER_HELP = [
  `*${COMMANDS.addUser}* asks for a new Moodle account. Everything you type here stays private.`,
  '',
  `\`${COMMANDS.addUser}\`  open the "New Moodle user" form`,
  `\`${COMMANDS.addUser} import\`  create many accounts (and their courses and cohorts) from one CSV file with Moodle's Upload users columns; checked before anyone approves`,
  `\`${COMMANDS.addUser} <email> <first name> <last name> [key=value ...]\``,
  `\`${COMMANDS.addUser} username=jdoe email=j@x.org firstname=Jane lastname="Doe Smith"\``,
  `\`${COMMANDS.addUser} help\`  this message`,
  '',
  'Keys: username email firstname lastname auth idnumber institution department city country lang timezone ' +
    'phone1 phone2 address reason. Put values with spaces in quotes. Without username=, it is made from the ' +
    'email address. Passwords are never typed into Slack: Moodle emails one, or the app shows it once, privately.',
].join('\n');

const USER_HELP = [
  `*${COMMANDS.user}* looks up and changes existing Moodle accounts. \`<user>\` is a username, an email address or a Moodle id. Everything you type here stays private.`,
  '',
  `\`${COMMANDS.user} show <user>\`  the account's profile, state and last access`,
  `    e.g. \`${COMMANDS.user} show jdoe\`, \`${COMMANDS.user} show jane.doe@example.org\`, \`${COMMANDS.user} show 42\``,
  `\`${COMMANDS.user} update <user> key=value ...\`  change fields; only changed ones are sent (no fields: opens a form with the current values)`,
  `    e.g. \`${COMMANDS.user} update jdoe city="New York" email=jane@example.org\`, \`${COMMANDS.user} update jdoe username=jane.doe\`, \`${COMMANDS.user} update jdoe\``,
  `\`${COMMANDS.user} suspend <user> [reason="..."]\`  stop the account logging in, keeping its data`,
  `    e.g. \`${COMMANDS.user} suspend jdoe reason="left the school"\``,
  `\`${COMMANDS.user} unsuspend <user> [reason="..."]\``,
  `    e.g. \`${COMMANDS.user} unsuspend jdoe\``,
  `\`${COMMANDS.user} delete <user>\`  always asks you to confirm by typing the username; cannot be undone`,
  `    e.g. \`${COMMANDS.user} delete jdoe\``,
  `\`${COMMANDS.user} enrol <user> <course> [role=student] [from=YYYY-MM-DD] [until=YYYY-MM-DD]\`  enrol in a course (its short name or ID number)`,
  `    e.g. \`${COMMANDS.user} enrol jdoe TEST101 role=teacher until=2027-06-30\``,
  `\`${COMMANDS.user} unenrol <user> <course>\``,
  `    e.g. \`${COMMANDS.user} unenrol jdoe TEST101\``,
  `\`${COMMANDS.user} cohort add|remove <user> <cohort>\`  by the cohort's ID number or name`,
  `    e.g. \`${COMMANDS.user} cohort add jdoe COHORT1\``,
  `\`${COMMANDS.user} requests [mine | pending]\`  your requests, or those waiting for approval`,
  `    e.g. \`${COMMANDS.user} requests pending\``,
  `\`${COMMANDS.user} cancel <request id>\`  withdraw your own pending request`,
  `    e.g. \`${COMMANDS.user} cancel R-7K3QX9\``,
  `\`${COMMANDS.user} doctor\`  setup check, admins only`,
  `    e.g. \`${COMMANDS.user} doctor\``,
  `\`${COMMANDS.user} help\`  this message`,
  '',
  'Keys for update: username email firstname lastname auth idnumber institution department city country lang ' +
    'timezone phone1 phone2 address, plus reason="...". Put values with spaces in quotes; an empty value ' +
    '(city="") clears an optional field. If a number is also a username, write id:42 or username:42. Changes may ' +
    'need an approver first; you get a direct message when they are done.',
  `To ask for a new account, use \`${COMMANDS.addUser}\`.`,
].join('\n');

function buildEphemeral(text: string, fallback: string): EphemeralMessage {
  return {
    response_type: 'ephemeral',
    text: truncateText(fallback, LIMITS.messageText),
    // `<email>`, `<user>`: the placeholders are shown, not parsed as Slack links.
    blocks: [{ type: 'section', text: mrkdwn(encodeEntities(text)) }],
  };
}

export function buildAddUserHelp(): EphemeralMessage {
  return buildEphemeral(ADD_USER_HELP, `How to use ${COMMANDS.addUser}`);
}

export function buildUserHelp(): EphemeralMessage {
  return buildEphemeral(USER_HELP, `How to use ${COMMANDS.user}`);
}

/** A short private answer for input the command does not understand, followed by the usage. */
export function buildUnknownSubcommand(command: string, word: string, help: EphemeralMessage): EphemeralMessage {
  // The word is user input: it can neither mention @channel nor close the code span (backticks become look-alikes).
  const shown = escapeMrkdwn(word, 40);
  const intro = `\`${shown}\` is not something ${command} knows.`;
  return {
    response_type: 'ephemeral',
    text: truncateText(`${intro} Try ${command} help.`, LIMITS.messageText),
    blocks: [{ type: 'section', text: mrkdwn(intro) }, ...help.blocks],
  };
}
