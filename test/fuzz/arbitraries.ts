// Generators of hostile text for the fuzz tests, and the check that a rejection is a message for a person.
// The pieces are what Slack and people actually send: Slack's <mailto:…|…> and &amp; rewriting, typographic quotes,
// right-to-left marks, emoji with joiners, NUL and other control characters, lone surrogates, = runs and long pastes.
import fc from 'fast-check';
import { expect } from 'vitest';

/** Fragments that stress quoting, Slack's rewriting and key=value splitting. */
export const NASTY_FRAGMENTS = [
  '"',
  "'",
  '`',
  '\u201C',
  '\u201D',
  '\u201E',
  '\u201F',
  '\u2033',
  '\u2018',
  '\u2019',
  '\u201A',
  '\u201B',
  '«',
  '»',
  '=',
  '==',
  '=====',
  'key=',
  '=value',
  'email=',
  'city="',
  'firstname=\u201C',
  '<mailto:',
  '<mailto:a@b.org|a@b.org>',
  '<mailto:x@y.z>',
  '<mailto:|>',
  '<mailto:a@b.org|',
  '<https://evil.example/|click>',
  '<http://',
  '<@U0ADMIN>',
  '<#C0GENERAL|general>',
  '<!here>',
  '&amp;',
  '&lt;',
  '&gt;',
  '&amp;lt;',
  '&',
  ';',
  '\u0000',
  '\u0007',
  '\u001B[31m',
  '\r\n',
  '\n',
  '\t',
  '\u00A0',
  '\u2028',
  '\u200B',
  '\u200D',
  '\u202E',
  '\u202B',
  '\u2066',
  '\u200F',
  'مرحبا',
  'שלום',
  '😀',
  '👩🏽‍💻',
  '🇬🇧',
  'e\u0301',
  'ß',
  'İ',
  '\uFEFF',
  '\uD800',
  '\uDFFF',
  '\\',
  '\\"',
  '%00',
  '\u0024{x}',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '[object Object]',
  'undefined',
  'null',
  'NaN',
  'help',
  'jane@example.org',
  'Jane',
  'Doe',
  "O'Brien",
  "'t Hooft",
  'Mary Ann',
  'username=',
  'country=GB',
  'timezone=Europe/London',
  'lang=pt_br',
  'auth=manual',
  ' ',
  '   ',
] as const;

/** Lone UTF-16 surrogates, which cannot be sent as UTF-8. */
const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** One piece of hostile text. */
export const nastyPiece: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NASTY_FRAGMENTS) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }) },
  { weight: 1, arbitrary: surrogate },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('=', '"', "'", ' ', '\u201C'), maxLength: 40 }) },
);

/** Text made of hostile pieces; now and then a long paste (a few thousand characters). */
export const nastyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 20, arbitrary: fc.array(nastyPiece, { maxLength: 16 }).map((parts) => parts.join('')) },
  {
    weight: 4,
    arbitrary: fc.array(fc.oneof(nastyPiece, fc.constant(' ')), { maxLength: 24 }).map((parts) => parts.join('')),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(nastyPiece, fc.integer({ min: 200, max: 4_000 }))
      .map(([piece, times]) => (piece === '' ? 'x' : piece).repeat(Math.ceil(times / Math.max(piece.length, 1)))),
  },
);

/** Hostile text shaped like a command: some words, some key=value pairs, quotes around either. */
export const commandText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      nastyText,
      fc
        .tuple(fc.constantFrom('email', 'firstname', 'city', 'Country', 'surname', 'x', ''), nastyText)
        .map(([key, value]) => `${key}=${value}`),
      fc
        .tuple(fc.constantFrom('"', '\u201C', "'"), nastyText, fc.constantFrom('"', '\u201D', "'", ''))
        .map(([open, value, close]) => `${open}${value}${close}`),
    ),
    { maxLength: 10 },
  )
  .map((words) => words.join(' '));

/** Values a field can hold in a record from Slack or a modal: mostly nasty text, now and then not a string at all. */
export const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 30, arbitrary: nastyText },
  {
    weight: 1,
    arbitrary: fc.constantFrom(undefined, null, 0, 1, true, false, [], {}, ['a'], { value: 'x' }, Number.NaN),
  },
);

const BAD_MARKERS = ['[object Object]', 'undefined', 'NaN', 'null'] as const;
// A V8 stack frame line, e.g. "    at parse (/app/src/x.ts:1:2)", or the name of a JavaScript error.
const STACK_FRAME = /\n\s+at\s/;
const ERROR_NAME = /\b(?:TypeError|ReferenceError|RangeError|SyntaxError)\b/;

/**
 * What is wrong with `message` as a message for a person, or undefined when it is fine: it must be a non-empty
 * string without a stack trace, an error name, or the words a template prints for a missing value, unless the person
 * typed that very word (then it is echoed back, legitimately). Plain checks rather than expect(): the fuzz loops
 * call this hundreds of thousands of times.
 */
export function humanMessageProblem(message: unknown, input: string): string | undefined {
  if (typeof message !== 'string') return `not a string: ${typeof message}`;
  if (message.trim() === '') return 'empty message';
  if (STACK_FRAME.test(message)) return `stack trace in: ${message}`;
  if (ERROR_NAME.test(message) && !ERROR_NAME.test(input)) return `error name in: ${message}`;
  for (const marker of BAD_MARKERS) {
    if (message.includes(marker) && !input.includes(marker)) return `"${marker}" in: ${message}`;
  }
  return undefined;
}

/** Throws (failing the property) unless `message` is a message for a person; see humanMessageProblem. */
export function expectHumanMessage(message: unknown, input: string): void {
  const problem = humanMessageProblem(message, input);
  if (problem !== undefined) expect.fail(`${problem}\ninput: ${JSON.stringify(input).slice(0, 400)}`);
}

/** Throws with `what` unless `condition` holds: a cheap assertion for hot fuzz loops. */
export function check(condition: boolean, what: string): void {
  if (!condition) expect.fail(what);
}

/** How many generated inputs each property gets (the brief asks for at least 10,000 per parser). */
export const FUZZ_RUNS = 10_000;
