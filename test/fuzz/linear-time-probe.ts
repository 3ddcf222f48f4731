// Times one parser on inputs of growing size, in a process of its own so that a catastrophic pattern (exponential
// back-tracking never returns) can be killed by the test instead of hanging it. Run by linear-time.fuzz.test.ts:
//   LINEAR_TIME_PROBE=1 node --import tsx <this file> <parser>   with  {"units": [...], "sizesKb": [...]}  on stdin.
// Prints one JSON line per input: { unit, kb, msPerCall }.

import { parseAccountRef } from '../../src/core/account-ref.js';
import { isValidEmail, validateNewUser, validateUserUpdate } from '../../src/core/user-record.js';
import { deriveUsername } from '../../src/core/username.js';
import { htmlToPlainLines } from '../../src/moodle/envelope-errors.js';
import { excerptOf } from '../../src/moodle/response-errors.js';
import { parseDecisionMetadata } from '../../src/slack/blocks/decision-modals.js';
import { decodeAccountMetadata } from '../../src/slack/blocks/edit-user-modal.js';
import { USER_FIELD_KEYS, userFieldIds } from '../../src/slack/ids.js';
import { parseAccountArgs } from '../../src/slack/parse-account-args.js';
import { parseUserArgs } from '../../src/slack/parse-args.js';
import { findEnvelopeProblem } from '../../src/slack/payload-envelope.js';
import { parseNewUserMetadata, parseNewUserValues } from '../../src/slack/views/new-user-values.js';

const OPTIONS = { allowedAuth: ['manual', 'oauth2'], defaultAuth: 'manual' };
const VALID = { username: 'jdoe', email: 'j@example.org', firstname: 'Jane', lastname: 'Doe' };

/** Each parser takes the untrusted text (a unit repeated to the size measured) and does what the app does with it. */
export const PARSERS: Readonly<Record<string, (text: string) => unknown>> = {
  'command text': (text) => [
    parseUserArgs(text),
    parseUserArgs(`j@x.org Jane Doe city=${text}`),
    parseAccountArgs(text, { allowFields: true, allowReason: true }),
  ],
  'account ref': (text) => [parseAccountRef(text), parseAccountRef(`email:${text}`), parseAccountRef(`id:${text}`)],
  'modal values': (text) => {
    const values: Record<string, unknown> = {};
    for (const key of USER_FIELD_KEYS) {
      const { blockId, actionId } = userFieldIds(key);
      values[blockId] = { [actionId]: { type: 'plain_text_input', value: text } };
    }
    return [
      parseNewUserValues(values),
      parseNewUserMetadata(text),
      parseDecisionMetadata(text),
      decodeAccountMetadata(text),
    ];
  },
  'user record': (text) => [
    ...USER_FIELD_KEYS.map((key) => validateNewUser({ ...VALID, [key]: text }, OPTIONS)),
    validateUserUpdate({ timezone: text, lang: text, email: text }, OPTIONS),
    isValidEmail(`a@${text}`),
    // `!` is dropped from a username; a letter after a run of separators is what made the old trim quadratic.
    deriveUsername(`${text}b@example.org`),
  ],
  'payload envelope': (text) => {
    const count = Math.max(1, Math.floor(text.length / 40));
    return [
      findEnvelopeProblem({ type: 'block_actions', user: { id: text }, actions: [{ action_id: text }] }),
      findEnvelopeProblem({
        type: 'block_actions',
        user: { id: 'U1' },
        actions: Array.from({ length: count }, (_, i) =>
          i % 7 === 6 ? { block_id: 1 } : { action_id: text.slice(0, 40) },
        ),
      }),
      findEnvelopeProblem({
        type: 'view_submission',
        user: { id: 'U1' },
        view: { callback_id: text, state: { values: {} } },
      }),
      findEnvelopeProblem({ command: '/moodle-user', text, user_id: text }),
    ];
  },
  'Moodle answers': (text) => [excerptOf(text), htmlToPlainLines(text)],
};

/**
 * The unit repeated to `kb` kilobytes (UTF-16 units, as JavaScript measures a string), ending in `!`: a pattern
 * back-tracks when its match fails at the very end, after every way of splitting the run was tried.
 */
export function inputOf(unit: string, kb: number): string {
  const length = Math.round(kb * 1024);
  const safe = unit === '' ? 'x' : unit;
  return `${safe.repeat(Math.ceil(length / safe.length)).slice(0, length - 1)}!`;
}

/** CPU time of this process in ms: unlike wall time, it does not grow when other processes take the cores. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Median over 5 batches of the CPU time per call, each batch calling for at least 5 ms (after a warm-up call). */
export function msPerCall(parse: (text: string) => unknown, text: string): number {
  parse(text);
  const batches: number[] = [];
  for (let b = 0; b < 5; b++) {
    let calls = 0;
    const started = cpuMs();
    let elapsed = 0;
    do {
      parse(text);
      calls += 1;
      elapsed = cpuMs() - started;
    } while (elapsed < 5);
    batches.push(elapsed / calls);
  }
  batches.sort((a, b) => a - b);
  return batches[2] ?? Number.NaN;
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const parse = PARSERS[name];
  if (!parse) throw new Error(`unknown parser ${name}`);
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const { units, sizesKb } = JSON.parse(input) as { units: string[]; sizesKb: number[] };
  for (const [index, unit] of units.entries()) {
    for (const kb of sizesKb) {
      process.stdout.write(`${JSON.stringify({ start: index, kb })}\n`);
      process.stdout.write(`${JSON.stringify({ unit: index, kb, msPerCall: msPerCall(parse, inputOf(unit, kb)) })}\n`);
    }
  }
}

// Only when run by the test (which also imports PARSERS for the names).
if (process.env.LINEAR_TIME_PROBE === '1') await main();
