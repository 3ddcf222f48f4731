// The private help replies of the two slash commands: three examples, the rest in a line, the keys once, and a
// button to the form. All of it is the app's own mrkdwn with literal angle brackets (`<user>`), so & < > are encoded
// in every text, fallback included; the one untrusted word (an unknown subcommand) goes through untrusted.ts.
import type { types } from '@slack/bolt';
import { ACTION_IDS, COMMANDS } from '../ids.js';
import { editDistance, USER_ARG_KEYS } from '../parse-args.js';
import { encodeEntities, LIMITS, mrkdwn, plainText, truncateText } from './text.js';
import { escapeMrkdwn } from './untrusted.js';

export interface EphemeralMessage {
  response_type: 'ephemeral';
  text: string;
  blocks: types.KnownBlock[];
}

const A = COMMANDS.addUser;
const U = COMMANDS.user;

const ADD_USER_HELP = [
  `*${A}* asks for a new Moodle account. What you type here stays private.`,
  `• \`${A}\`  opens the form`,
  `• \`${A} jane.doe@example.org Jane Doe\`  email, first name, last name (the username becomes jane.doe)`,
  `• \`${A} jane.doe@example.org Jane "Doe Smith" username=jdoe city=Leeds courses=TEST101 role=teacher\``,
  `Many accounts at once: \`${A} import\` takes a CSV file with Moodle's Upload users columns, checked before anyone approves.`,
  `Keys: ${USER_ARG_KEYS.join(' ')}. until=YYYY-MM-DD: the account is suspended when that day ends. ` +
    'Put values with spaces in quotes. Passwords are never typed into Slack: ' +
    'Moodle emails one, or the app shows it once, privately.',
].join('\n');

const USER_HELP = [
  `*${U}* looks up and changes existing Moodle accounts; <user> is a username, an email address or a Moodle id. ` +
    'What you type here stays private.',
  `• \`${U} show jdoe\`  the account, its state and its courses`,
  `• \`${U} update jdoe city="New York"\`  change fields (\`${U} update jdoe\` alone opens a form)`,
  `• \`${U} enrol jdoe TEST101 role=teacher until=2027-06-30\`  (\`${U} enrol jdoe\` alone opens a form)`,
  `Also: \`suspend <user> [reason="..."]\`, \`unsuspend <user>\`, \`delete <user>\` (asks you to confirm), ` +
    '`unenrol <user> <course>`, `cohort add|remove <user> <cohort>`, `expire <user> until=YYYY-MM-DD` and ' +
    '`extend <user> until=YYYY-MM-DD` (an end date), `expiring` (admins), `requests [mine | pending]`, ' +
    '`cancel <request id>`, `doctor` (admins).',
  `Keys for update: those of ${A} except courses, role, cohorts and until; key="" clears an optional field. ` +
    'Changes may need an approver first; you get a direct message when they are done.',
].join('\n');

function buildEphemeral(text: string, fallback: string, button: types.Button): EphemeralMessage {
  return {
    response_type: 'ephemeral',
    text: encodeEntities(truncateText(fallback, LIMITS.messageText)),
    blocks: [
      { type: 'section', text: mrkdwn(encodeEntities(text)) },
      { type: 'actions', elements: [button] },
    ],
  };
}

export function buildAddUserHelp(): EphemeralMessage {
  return buildEphemeral(ADD_USER_HELP, `How to use ${A}`, {
    type: 'button',
    style: 'primary',
    action_id: ACTION_IDS.helpNewUserFormButton,
    text: plainText('Open the form', LIMITS.buttonText),
  });
}

export function buildUserHelp(): EphemeralMessage {
  return buildEphemeral(USER_HELP, `How to use ${U}`, {
    type: 'button',
    action_id: ACTION_IDS.helpFindUserButton,
    text: plainText('Find a user', LIMITS.buttonText),
  });
}

/** Subcommands closer than this to a mistyped word are suggested (show → shwo, sohw, shoe). */
const MAX_SUGGESTION_DISTANCE = 2;

/** The known word a mistyped one most likely meant: fewest edits, at most two (and half the word). */
export function suggestWord(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  if (lower.length > 40) return undefined;
  let best: { word: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate);
    const limit = Math.min(MAX_SUGGESTION_DISTANCE, Math.floor(candidate.length / 2));
    if (distance <= limit && (!best || distance < best.distance)) best = { word: candidate, distance };
  }
  return best?.word;
}

/** A short private answer for a word the command does not know: the likely one if any, then the help. */
export function buildUnknownSubcommand(
  command: string,
  word: string,
  help: EphemeralMessage,
  known: readonly string[] = [],
): EphemeralMessage {
  // The word is user input: it can neither mention @channel nor close the code span (backticks become look-alikes).
  const shown = escapeMrkdwn(word, 40);
  const suggestion = suggestWord(word, known);
  const intro = `\`${shown}\` is not something ${command} knows.${suggestion ? ` Did you mean *${suggestion}*?` : ''}`;
  return {
    response_type: 'ephemeral',
    text: truncateText(`${intro} Try ${command} help.`, LIMITS.messageText),
    blocks: [{ type: 'section', text: mrkdwn(intro) }, ...help.blocks],
  };
}
