// Arguments made of words in a fixed order and key=value options, e.g. `enrol <user> <course> [role=…]`:
// every problem is listed in one private reply, with the usage.

import { quoteForMessage } from '../../../../core/user-record.js';
import { buildProblems } from '../../../blocks/user-card.js';
import { tokenize, tooManyProblems } from '../../../parse-args.js';
import type { SubcommandContext } from './types.js';

export interface PositionalSpec<W extends string, K extends string> {
  words: readonly W[];
  keys: readonly K[];
  usage: string;
}

export type PositionalArgs<W extends string, K extends string> = Record<W, string> & Partial<Record<K, string>>;

export function parsePositionalArgs<W extends string, K extends string>(
  text: string,
  spec: PositionalSpec<W, K>,
): { ok: true; args: PositionalArgs<W, K> } | { ok: false; problems: string[]; read: Partial<Record<W | K, string>> } {
  const { tokens, problems } = tokenize(text);
  const words: string[] = [];
  const values: Record<string, string> = {};
  let lastUnknown = -1;
  for (const token of tokens) {
    if (tooManyProblems(problems)) break;
    if (token.key === undefined) words.push(token.value);
    else if (!(spec.keys as readonly string[]).includes(token.key)) {
      problems.push(`Unknown key ${quoteForMessage(token.key)}.`);
      lastUnknown = problems.length - 1;
    } else if (Object.hasOwn(values, token.key)) problems.push(`The key ${token.key} is given more than once.`);
    else values[token.key] = token.value.trim();
  }
  // The list of keys once, after the last unknown key, however many there were.
  if (lastUnknown >= 0 && spec.keys.length > 0) problems[lastUnknown] += ` The keys here are ${spec.keys.join(', ')}.`;
  spec.words.forEach((name, i) => {
    const word = words[i];
    if (word === undefined || word.trim() === '') problems.push(`Say which ${name}.`);
    else values[name] = word.trim();
  });
  if (words.length > spec.words.length) {
    const extra = words.slice(spec.words.length).map((w) => quoteForMessage(w));
    problems.push(`${extra.join(', ')} ${extra.length === 1 ? 'is' : 'are'} extra. Put values with spaces in quotes.`);
  }
  if (problems.length > 0) return { ok: false, problems, read: values as Partial<Record<W | K, string>> };
  return { ok: true, args: values as PositionalArgs<W, K> };
}

/**
 * The parsed arguments, or undefined once the person has been told every problem and the usage. `check` adds the
 * problems of the values that could be read (a date, say), so that they come in the same reply as the text's.
 */
export async function readPositionalArgs<W extends string, K extends string>(
  { args, respond }: Pick<SubcommandContext, 'args' | 'respond'>,
  spec: PositionalSpec<W, K>,
  check?: (read: Partial<Record<W | K, string>>) => Promise<string[]>,
): Promise<PositionalArgs<W, K> | undefined> {
  const parsed = parsePositionalArgs(args, spec);
  const more = check ? await check(parsed.ok ? parsed.args : parsed.read) : [];
  if (parsed.ok && more.length === 0) return parsed.args;
  const problems = [...(parsed.ok ? [] : parsed.problems), ...more];
  await respond(
    buildProblems(
      spec.usage,
      problems.map((message) => ({ field: '*', message })),
    ),
  );
  return undefined;
}
