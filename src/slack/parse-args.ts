// Turns the text of a slash command into fields: `/moodle-adduser a@b.org "Mary Ann" Smith city="New York"`.
// Slack rewrites what people type (ws reference §1.2): emails arrive as <mailto:a@b.org|a@b.org>, & < > as entities,
// and some clients turn "..." into “...”. Tokenizing is hand-written rather than done with string-argv because
// string-argv treats every apostrophe as a quote (O'Brien becomes OBrien), accepts unbalanced quotes silently and
// does not say whether an = was inside quotes; here an unclosed quote is reported, O'Brien stays O'Brien and
// 't Hooft stays 't Hooft.
import { PROFILE_FIELDS } from '../core/moodle-gateway.js';

/** Every key the commands accept (the README's keys). */
/** A new account's courses (short names or ID numbers, comma-separated), their role, and its cohorts. */
export const MEMBERSHIP_KEYS = ['courses', 'role', 'cohorts'] as const;

export const USER_ARG_KEYS = [...PROFILE_FIELDS, 'reason', ...MEMBERSHIP_KEYS, 'until'] as const;

export type UserArgKey = (typeof USER_ARG_KEYS)[number];

export interface ArgToken {
  /** The token with its quotes removed, e.g. `city=New York`. */
  text: string;
  /** Lowercased key when the token is key=value with an unquoted key; '' for `=value`. */
  key?: string;
  /** The part after the first unquoted = for key=value tokens; the whole text otherwise. */
  value: string;
}

export interface Tokenized {
  tokens: ArgToken[];
  problems: string[];
}

export interface ParsedUserArgs {
  fields: Record<string, string>;
  problems: string[];
  /** Fields a problem already speaks of, so that a validator's word on them would say it twice. */
  reported?: string[];
}

/** The longest command text that is parsed (UTF-16 units, as Slack counts a message). */
export const MAX_COMMAND_TEXT = 8_000;
/** Keys longer than this get no "did you mean" (the longest key has 11 letters; the edit distance is quadratic). */
const MAX_SUGGESTED_KEY = 40;

const DOUBLE_QUOTES = new Set(['"', '\u201C', '\u201D', '\u201E', '\u201F', '\u2033']);
const SINGLE_QUOTES = new Set(["'", '\u2018', '\u2019', '\u201A', '\u201B']);
const KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;
const isSpace = (ch: string | undefined): boolean => ch !== undefined && /\s/u.test(ch);

// Slack sends a typed < as &lt;, so a link never holds one; excluding it keeps a paste of unclosed links linear.
const SLACK_LINK = /<(mailto:|https?:\/\/)([^|<>]*)(?:\|([^<>]*))?>/g;

/**
 * Undoes Slack's formatting of command text: `<mailto:a@b|a@b>` and `<mailto:a@b>` become `a@b`, links become
 * what was typed, and `&lt; &gt; &amp;` become `< > &`. Other markup (user or channel mentions) is left alone.
 */
export function decodeSlackText(text: string): string {
  return text
    .replace(SLACK_LINK, (_match, scheme: string, target: string, label: string | undefined) =>
      label !== undefined && label !== '' ? label : scheme === 'mailto:' ? target : `${scheme}${target}`,
    )
    .replace(/&(lt|gt|amp);/g, (_match, name: string) => (name === 'lt' ? '<' : name === 'gt' ? '>' : '&'));
}

function preview(chars: readonly string[], from: number): string {
  const rest = chars.slice(from, from + 20).join('');
  return from + 20 < chars.length ? `${rest}…` : rest;
}

/**
 * Splits command text into tokens after decoding Slack's formatting. Double quotes (straight or typographic)
 * group words anywhere in a token; single quotes only at the start of a token or right after `key=`, and only when
 * a closing one ends a word, so apostrophes in names are kept.
 */
export function tokenize(text: string): Tokenized {
  const raw = typeof text === 'string' ? text : '';
  // Length first: nothing longer is parsed. Every field at its longest, with keys and quotes, fits in under 5,000.
  if (raw.length > MAX_COMMAND_TEXT) {
    return {
      tokens: [],
      problems: [
        `The text is too long: ${raw.length} characters, at most ${MAX_COMMAND_TEXT}. Give fewer or shorter fields, or use the form.`,
      ],
    };
  }
  const chars = [...decodeSlackText(raw)];
  const tokens: ArgToken[] = [];
  const problems: string[] = [];
  let current = '';
  let inToken = false;
  let keyEnd = -1;
  let quotedBeforeEquals = false;
  // closingSingle[i]: the first single quote at or after i that ends a word (or chars.length). Precomputed so that
  // a paste full of apostrophes ('a 'a 'a …) is parsed in linear time instead of rescanning the rest each time.
  const closingSingle = new Array<number>(chars.length + 1);
  closingSingle[chars.length] = chars.length;
  for (let j = chars.length - 1; j >= 0; j--) {
    const endsWord = SINGLE_QUOTES.has(chars[j]!) && (j + 1 === chars.length || isSpace(chars[j + 1]));
    closingSingle[j] = endsWord ? j : closingSingle[j + 1]!;
  }

  const finish = () => {
    if (!inToken) return;
    const keyText = current.slice(0, keyEnd);
    if (keyEnd === 0) tokens.push({ text: current, key: '', value: current.slice(1) });
    else if (keyEnd > 0 && KEY_PATTERN.test(keyText)) {
      tokens.push({ text: current, key: keyText.toLowerCase(), value: current.slice(keyEnd + 1) });
    } else tokens.push({ text: current, value: current });
    current = '';
    inToken = false;
    keyEnd = -1;
    quotedBeforeEquals = false;
  };

  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (isSpace(ch)) {
      finish();
      continue;
    }
    if (DOUBLE_QUOTES.has(ch)) {
      let close = i + 1;
      while (close < chars.length && !DOUBLE_QUOTES.has(chars[close]!)) close++;
      if (close >= chars.length) {
        problems.push(`A quote is not closed: ${ch}${preview(chars, i + 1)}. Add the closing ".`);
      }
      current += chars.slice(i + 1, close).join('');
      if (keyEnd < 0) quotedBeforeEquals = true;
      inToken = true;
      i = close;
      continue;
    }
    const atValueStart = current === '' || (keyEnd >= 0 && current.length === keyEnd + 1);
    if (SINGLE_QUOTES.has(ch) && atValueStart) {
      const close = closingSingle[i + 1]!;
      if (close < chars.length) {
        current += chars.slice(i + 1, close).join('');
        if (keyEnd < 0) quotedBeforeEquals = true;
        inToken = true;
        i = close;
        continue;
      }
      // No closing quote: it is an apostrophe ('t Hooft).
    }
    if (ch === '=' && keyEnd < 0 && !quotedBeforeEquals) keyEnd = current.length;
    current += ch;
    inToken = true;
  }
  finish();
  return { tokens, problems };
}

/** Levenshtein distance: the insertions, deletions and substitutions that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

// Words people use for Moodle's keys; only suggested, never accepted silently, so that the audit shows real keys.
const SYNONYMS: Readonly<Record<string, UserArgKey>> = {
  surname: 'lastname',
  familyname: 'lastname',
  givenname: 'firstname',
  forename: 'firstname',
  mobile: 'phone2',
  telephone: 'phone1',
  town: 'city',
  language: 'lang',
  tz: 'timezone',
  school: 'institution',
  organisation: 'institution',
  organization: 'institution',
  login: 'username',
  user: 'username',
};

/** The known key a mistyped one most likely meant (first → firstname, mail → email, surname → lastname), if any. */
export function suggestKey(key: string): UserArgKey | undefined {
  if (key.length > MAX_SUGGESTED_KEY) return undefined;
  const lower = key.toLowerCase();
  const synonym = SYNONYMS[lower.replace(/[-_ ]/g, '')];
  if (synonym) return synonym;
  const prefixed = USER_ARG_KEYS.find((k) => k.startsWith(lower) || (lower.startsWith(k) && k.length >= 4));
  if (prefixed && lower.length >= 3) return prefixed;
  let best: { key: UserArgKey; distance: number } | undefined;
  for (const candidate of USER_ARG_KEYS) {
    const distance = editDistance(lower, candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** Problems listed for one text; a paste of thousands of bad pairs gets the first ones and a note, not thousands. */
export const MAX_PROBLEMS = 20;

/** True (and the note added) once `problems` is full: the caller stops looking. */
export function tooManyProblems(problems: string[]): boolean {
  if (problems.length < MAX_PROBLEMS) return false;
  if (problems.length === MAX_PROBLEMS) problems.push('There are more problems; correct these first.');
  return true;
}

const show = (value: string): string => `"${value.length > 40 ? `${value.slice(0, 39)}…` : value}"`;
const looksLikeEmail = (value: string): boolean => /^[^\s@]+@[^\s@]+$/u.test(value);
const POSITIONAL_FIELDS = ['email', 'firstname', 'lastname'] as const;
const FIELD_WORDS: Record<string, string> = { email: 'email address', firstname: 'first name', lastname: 'last name' };

/**
 * Parses `/moodle-adduser` text: `<email> <first> <last> [key=value ...]` or only key=value pairs.
 * Returns the fields given (values as typed, not yet validated) and every problem found; empty text gives neither.
 * Recognising `help` is the caller's job.
 */
export function parseUserArgs(text: string): ParsedUserArgs {
  const { tokens, problems } = tokenize(text);
  const fields: Record<string, string> = {};
  const fromPositional = new Set<string>();
  const reported: string[] = [];

  const positionals = tokens.filter((t) => t.key === undefined);
  const first = positionals[0];
  const takePositionals = () =>
    positionals.slice(0, POSITIONAL_FIELDS.length).forEach((token, index) => {
      const field = POSITIONAL_FIELDS[index]!;
      fields[field] = token.value;
      fromPositional.add(field);
    });
  if (first !== undefined) {
    if (looksLikeEmail(first.value)) {
      takePositionals();
      const extra = positionals.slice(POSITIONAL_FIELDS.length).map((t) => show(t.value));
      if (extra.length > 0) {
        problems.push(
          `There are more words than email, first name and last name: ${extra.join(', ')}. ` +
            'Put a name with spaces in quotes, e.g. "Mary Ann" Smith, and give other fields as key=value.',
        );
      }
    } else {
      problems.push(
        `${show(first.value)} is not an email address. Start with the email address, e.g. ` +
          'jane@example.org Jane Doe, or give every field as key=value.',
      );
      reported.push('email');
      // Still read as email, first and last name, so that every other problem is in the same reply.
      if (!tokens.some((t) => t.key === 'email')) takePositionals();
      else reported.push('firstname', 'lastname');
    }
  }

  const fromKey = new Set<string>();
  let lastUnknown = -1;
  for (const token of tokens) {
    if (tooManyProblems(problems)) break;
    if (token.key === undefined) continue;
    const key = token.key;
    if (key === '') {
      problems.push(`${show(token.text)} has no key before the =; write it as key=value.`);
    } else if (!(USER_ARG_KEYS as readonly string[]).includes(key)) {
      const suggestion = suggestKey(key);
      problems.push(`Unknown key ${show(key)}${suggestion ? ` (did you mean ${suggestion}?)` : ''}.`);
      lastUnknown = problems.length - 1;
    } else if (fromPositional.has(key)) {
      problems.push(
        `The ${FIELD_WORDS[key] ?? key} is given twice: ${show(fields[key] ?? '')} at the start and ${key}=${show(token.value)}. Give it once.`,
      );
    } else if (fromKey.has(key)) {
      problems.push(`The key ${key} is given more than once; give it once.`);
    } else {
      fields[key] = token.value;
      fromKey.add(key);
    }
  }
  // The list of keys once, after the last unknown key, however many there were.
  if (lastUnknown >= 0) problems[lastUnknown] += ` The keys are ${USER_ARG_KEYS.join(', ')}.`;
  return { fields, problems, ...(reported.length > 0 ? { reported } : {}) };
}
