import { checkReason } from '../core/free-text.js';
import { FIELD_KEYS, PROFILE_FIELDS } from '../core/profile.js';
import { quoteForMessage } from '../core/user-record.js';
import { suggestKey, tokenize, tooManyProblems, USER_ARG_KEYS } from './parse-args.js';

export interface AccountArgs {
  /** The `<user>` word, as typed. */
  user: string | undefined;
  fields: Record<string, string>;
  reason: string | undefined;
  problems: string[];
}

/** Parses the text after the subcommand word. Fields are accepted only when `allowFields` (update). */
export function parseAccountArgs(text: string, options: { allowFields: boolean; allowReason: boolean }): AccountArgs {
  const { tokens, problems } = tokenize(text);
  const fields: Record<string, string> = {};
  let user: string | undefined;
  let reason: string | undefined;
  const extra: string[] = [];
  const keys = [...(options.allowFields ? PROFILE_FIELDS : []), ...(options.allowReason ? ['reason'] : [])];
  let lastUnknown = -1;
  for (const token of tokens) {
    if (tooManyProblems(problems)) break;
    if (token.key === undefined) {
      if (user === undefined && Object.keys(fields).length === 0 && reason === undefined) user = token.value;
      else extra.push(token.value);
      continue;
    }
    const key = token.key;
    if (key === '') {
      problems.push(`${quoteForMessage(token.text)} has no key before the =; write it as key=value.`);
    } else if (key === 'reason' && options.allowReason) {
      if (reason !== undefined) problems.push('The key reason is given more than once; give it once.');
      else reason = token.value.trim();
    } else if (options.allowFields && FIELD_KEYS.has(key)) {
      if (Object.hasOwn(fields, key)) problems.push(`The key ${key} is given more than once; give it once.`);
      else fields[key] = token.value;
    } else if (!options.allowFields && (USER_ARG_KEYS as readonly string[]).includes(key)) {
      problems.push(
        options.allowReason
          ? `Only reason="..." can follow the account here, not ${key}=.`
          : `Nothing can follow the account here, not ${key}=.`,
      );
    } else {
      const suggestion = suggestKey(key);
      problems.push(
        `Unknown key ${quoteForMessage(key)}${suggestion && keys.includes(suggestion) ? ` (did you mean ${suggestion}?)` : ''}.`,
      );
      lastUnknown = problems.length - 1;
    }
  }
  // The list of keys once, after the last unknown key, however many there were.
  if (lastUnknown >= 0 && keys.length > 0) problems[lastUnknown] += ` The keys are ${keys.join(', ')}.`;
  if (extra.length > 0) {
    problems.push(
      `Only one account can be named; ${extra.map((e) => quoteForMessage(e)).join(', ')} ${extra.length === 1 ? 'is' : 'are'} extra. Put values with spaces in quotes, as key="two words".`,
    );
  }
  const tooLong = checkReason(reason);
  if (tooLong) problems.push(tooLong.message);
  return { user, fields, reason: reason === '' ? undefined : reason, problems };
}
