// Fuzzing the text-argument parser of /moodle-adduser and /moodle-user: whatever a person (or Slack's rewriting)
// produces, tokenize and parseUserArgs return, never throw, and every problem is a sentence for a person.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUserArgs, tokenize, USER_ARG_KEYS } from '../../src/slack/parse-args.js';
import { check, commandText, expectHumanMessage, FUZZ_RUNS, nastyText } from './arbitraries.js';

const KNOWN_KEYS: ReadonlySet<string> = new Set(USER_ARG_KEYS);
const anyText = fc.oneof(commandText, nastyText);

describe('tokenize (fuzzed)', () => {
  it(`never throws and gives well-formed tokens for ${FUZZ_RUNS} hostile texts`, () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const { tokens, problems } = tokenize(text);
        for (const token of tokens) {
          check(typeof token.text === 'string' && typeof token.value === 'string', 'a token without text');
          // A key is a lowercased identifier ('' for =value).
          const { key } = token;
          if (key !== undefined && key !== '') check(/^[a-z][a-z0-9_]*$/.test(key), `bad key ${key}`);
        }
        for (const problem of problems) expectHumanMessage(problem, text);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  // 40,000 characters is Slack's limit for a message. Before the fix, "'a " repeated took 2.8 s (quadratic) and
  // blocked every other request; now each case takes a few milliseconds.
  it('stays linear on long pathological pastes (apostrophes, quotes, = runs, unclosed links)', () => {
    for (const unit of ["'a ", '"', '=', '\u201C ', "a='b ", '<mailto:a@b.c|', '<https://x|'] as const) {
      const text = unit.repeat(Math.ceil(40_000 / unit.length));
      const started = performance.now();
      const { problems } = tokenize(text);
      const elapsed = performance.now() - started;
      for (const problem of problems) expectHumanMessage(problem, text);
      expect(elapsed, `tokenize of ${JSON.stringify(unit)}×: ${elapsed.toFixed(0)} ms`).toBeLessThan(500);
    }
  });
});

describe('parseUserArgs (fuzzed)', () => {
  it(`never throws; fields are known keys with string values; problems are for people (${FUZZ_RUNS} texts)`, () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const { fields, problems } = parseUserArgs(text);
        check(Object.getPrototypeOf(fields) === Object.prototype, 'fields lost their prototype');
        for (const [key, value] of Object.entries(fields)) {
          check(KNOWN_KEYS.has(key), `unknown key in fields: ${key}`);
          check(typeof value === 'string', `${key} is not a string`);
        }
        for (const problem of problems) expectHumanMessage(problem, text);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('keeps a valid email, first and last name whatever follows them as key=value', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('jane@example.org', '<mailto:jane@example.org|jane@example.org>'),
        fc.array(fc.tuple(fc.constantFrom('city', 'institution', 'department'), nastyText), { maxLength: 3 }),
        (email, extras) => {
          // Each value double-quoted, with inner double quotes of every kind removed so the grouping is unambiguous.
          const pairs = extras.map(([key, value]) => `${key}="${value.replace(/["\u201C-\u201F\u2033]/g, '')}"`);
          const { fields } = parseUserArgs(`${email} Jane Doe ${pairs.join(' ')}`);
          expect(fields.email).toBe('jane@example.org');
          expect(fields.firstname).toBe('Jane');
          expect(fields.lastname).toBe('Doe');
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
