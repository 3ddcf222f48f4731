// Fuzzing the user-record schema: validateNewUser and validateUserUpdate take whatever arrives from a command or a
// modal (strings of any kind, and now and then not a string at all), never throw, and either return a record Moodle
// will accept or every problem as a sentence for a person, each tied to a field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FIELD_MAX_LENGTHS,
  type FieldProblem,
  PROFILE_FIELD_KEYS,
  type ProfileFieldKey,
  type ValidationResult,
  validateNewUser,
  validateUserUpdate,
} from '../../src/core/user-record.js';
import { check, expectHumanMessage, FUZZ_RUNS, fieldValue, nastyText } from './arbitraries.js';

const PROFILE_KEYS: ReadonlySet<string> = new Set(PROFILE_FIELD_KEYS);
const OPTIONS = { allowedAuth: ['manual', 'oauth2'], defaultAuth: 'manual' } as const;
type Input = Record<string, string | undefined>;

const VALID: Record<string, string> = {
  username: 'jane.doe',
  email: 'jane@example.org',
  firstname: 'Jane',
  lastname: 'Doe',
  city: 'London',
  country: 'GB',
  lang: 'en',
  timezone: 'Europe/London',
};

const anyKey = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<string>(...PROFILE_FIELD_KEYS, 'reason') },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'password', 'id', 'Email', '') },
  { weight: 1, arbitrary: nastyText },
);

/** A record from nowhere: any keys, any values (own properties, even __proto__, as JSON.parse would make them). */
const wildRecord = fc
  .array(fc.tuple(anyKey, fieldValue), { maxLength: 12 })
  .map((pairs) => Object.fromEntries(pairs) as Input);

/** A valid record with a few fields replaced by hostile values: reaches the accepting path too. */
const nearlyValidRecord = fc
  .array(fc.tuple(fc.constantFrom<string>(...PROFILE_FIELD_KEYS), fieldValue), { maxLength: 3 })
  .map((pairs) => ({ ...VALID, ...Object.fromEntries(pairs) }) as Input);

const anyRecord = fc.oneof(wildRecord, nearlyValidRecord);

/** Everything typed, for the "echoed back" exemption of expectHumanMessage. */
function typed(input: Input): string {
  return Object.entries(input)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(' ');
}

function checkResult(result: ValidationResult<Partial<Record<ProfileFieldKey, string>>>, input: Input): void {
  if (!result.ok) {
    check(result.problems.length > 0, 'a refusal without problems');
    for (const problem of result.problems as FieldProblem[]) {
      check(typeof problem.field === 'string', `field is ${typeof problem.field}`);
      expectHumanMessage(problem.message, typed(input));
    }
    return;
  }
  for (const [key, value] of Object.entries(result.record)) {
    check(PROFILE_KEYS.has(key), `unknown key accepted: ${key}`);
    check(typeof value === 'string', `${key} is not a string`);
    // What is accepted fits Moodle's columns and carries no control characters or lone surrogates.
    const max = FIELD_MAX_LENGTHS[key as ProfileFieldKey];
    check([...(value as string)].length <= max, `${key} longer than ${max}: ${JSON.stringify(value)}`);
    check(!/[\p{Cc}\p{Cs}]/u.test(value as string), `${key} holds control characters: ${JSON.stringify(value)}`);
  }
  const { username } = result.record;
  if (username !== undefined) check(/^[-.@_a-z0-9]+$/.test(username), `username accepted: ${username}`);
}

describe('validateNewUser (fuzzed)', () => {
  it(`never throws; accepts only what Moodle stores; explains every refusal (${FUZZ_RUNS} records)`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(anyRecord, (input) => {
        const result = validateNewUser(input, OPTIONS);
        if (result.ok) {
          accepted += 1;
          for (const key of ['username', 'email', 'firstname', 'lastname', 'auth'] as const) {
            check(result.record[key] !== '', `${key} accepted blank`);
          }
          check(OPTIONS.allowedAuth.includes(result.record.auth as 'manual'), `auth ${result.record.auth}`);
        }
        checkResult(result, input);
      }),
      { numRuns: FUZZ_RUNS },
    );
    // The generator must reach both outcomes, or half the property is untested.
    expect(accepted).toBeGreaterThan(100);
  });
});

describe('validateUserUpdate (fuzzed)', () => {
  it(`never throws; accepts only what Moodle stores; explains every refusal (${FUZZ_RUNS} records)`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(anyRecord, (input) => {
        const result = validateUserUpdate(input, OPTIONS);
        if (result.ok) {
          accepted += 1;
          check(Object.keys(result.record).length > 0, 'an empty update accepted');
        }
        checkResult(result, input);
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it('refuses non-objects with one sentence instead of throwing', () => {
    for (const input of [null, undefined, 'text', 42, ['a'], true]) {
      for (const validate of [validateNewUser, validateUserUpdate]) {
        const result = validate(input as unknown as Input, OPTIONS);
        expect(result.ok).toBe(false);
        if (!result.ok) for (const p of result.problems) expectHumanMessage(p.message, '');
      }
    }
  });

  it('checks a long email in bounded time (no catastrophic back-tracking)', () => {
    for (const local of ['a.'.repeat(5_000), `${'a'.repeat(63)}.`.repeat(100), '"'.repeat(9_999)]) {
      const started = performance.now();
      validateNewUser({ ...VALID, email: `${local}@${'b-'.repeat(5_000)}.org` }, OPTIONS);
      expect(performance.now() - started).toBeLessThan(500);
    }
  });
});
