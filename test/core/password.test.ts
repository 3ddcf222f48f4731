import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, GENERATED_PASSWORD_LENGTH, generatePassword } from '../../src/core/password.js';
import { Secret } from '../../src/secret.js';

describe('checkPasswordPolicy (Moodle defaults)', () => {
  it('gives Moodle\'s four messages for "abc" (real-responses c6)', () => {
    expect(checkPasswordPolicy('abc')).toEqual([
      'Passwords must be at least 8 characters long.',
      'Passwords must have at least 1 digit(s).',
      'Passwords must have at least 1 upper case letter(s).',
      'The password must have at least 1 special character(s) such as *, -, or #.',
    ]);
  });

  it('passes the password real Moodle accepted (b2)', () => {
    expect(checkPasswordPolicy('Str0ng!Pass')).toEqual([]);
  });

  it.each([
    ['Str0ng!', 'Passwords must be at least 8 characters long.'],
    ['Strong!Pass', 'Passwords must have at least 1 digit(s).'],
    ['STR0NG!PASS', 'Passwords must have at least 1 lower case letter(s).'],
    ['str0ng!pass', 'Passwords must have at least 1 upper case letter(s).'],
    ['Str0ngPass', 'The password must have at least 1 special character(s) such as *, -, or #.'],
  ])('%s fails one rule', (password, message) => expect(checkPasswordPolicy(password)).toEqual([message]));

  it('counts characters, not bytes, and Unicode letters as letters', () => {
    expect(checkPasswordPolicy('Ää1!ääää')).toEqual([]);
    expect(checkPasswordPolicy('Ää1!äää')).toEqual(['Passwords must be at least 8 characters long.']);
    expect(checkPasswordPolicy('Abcdefg1 ')).toEqual([]);
  });

  it('takes another policy', () => {
    expect(
      checkPasswordPolicy('Str0ng!Pass', {
        minLength: 12,
        minDigits: 2,
        minLower: 1,
        minUpper: 1,
        minNonAlphanumeric: 1,
      }),
    ).toEqual(['Passwords must be at least 12 characters long.', 'Passwords must have at least 2 digit(s).']);
  });
});

describe('generatePassword', () => {
  it('1,000 passwords: all meet the policy, are long enough, avoid Slack-breaking and look-alike characters, differ', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const secret = generatePassword();
      expect(secret).toBeInstanceOf(Secret);
      const password = secret.reveal();
      expect(password).toHaveLength(GENERATED_PASSWORD_LENGTH);
      expect(checkPasswordPolicy(password)).toEqual([]);
      expect(password).not.toMatch(/[`*_~<>&|@#:'"\\\s0O1lIo]/);
      seen.add(password);
    }
    expect(seen.size).toBe(1000);
  });

  it('uses every character class across many passwords (the shuffle is not stuck)', () => {
    const firstChars = new Set(Array.from({ length: 300 }, () => generatePassword().reveal()[0]));
    expect(firstChars.size).toBeGreaterThan(20);
  });

  it('never shows the password when printed or serialised', () => {
    const secret = generatePassword();
    expect(String(secret)).toBe('[redacted]');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect(secret)).not.toContain(secret.reveal());
  });

  it('refuses lengths under 16', () => {
    expect(() => generatePassword(15)).toThrow(RangeError);
    expect(generatePassword(32).reveal()).toHaveLength(32);
  });
});
