// Passwords for PASSWORD_MODE=generate, and Moodle's default password policy.
// Moodle checks the policy only after the rest of the create call has run, answers with an HTML error code and, in
// update_users, even breaks its own response (docs/moodle/ws-reference.md §2.2, §3.6), so passwords are checked here before sending.
import { randomInt } from 'node:crypto';
import { Secret } from '../secret.js';

export interface PasswordPolicy {
  minLength: number;
  minDigits: number;
  minLower: number;
  minUpper: number;
  minNonAlphanumeric: number;
}

/** Moodle's defaults (admin/settings/security.php). */
export const DEFAULT_PASSWORD_POLICY: Readonly<PasswordPolicy> = Object.freeze({
  minLength: 8,
  minDigits: 1,
  minLower: 1,
  minUpper: 1,
  minNonAlphanumeric: 1,
});

const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

/**
 * The policy problems of a password, as Moodle words them (lang/en/auth.php); empty when it passes.
 * Characters are counted like Moodle counts them (Unicode letters and digits; everything else is "special").
 */
export function checkPasswordPolicy(
  password: string,
  policy: Readonly<PasswordPolicy> = DEFAULT_PASSWORD_POLICY,
): string[] {
  const problems: string[] = [];
  const chars = [...password];
  const digits = count(password, /\p{Nd}/gu);
  const lower = count(password, /\p{Ll}/gu);
  const upper = count(password, /\p{Lu}/gu);
  const other = chars.length - count(password, /[\p{Nd}\p{Ll}\p{Lu}]/gu);
  if (chars.length < policy.minLength) problems.push(`Passwords must be at least ${policy.minLength} characters long.`);
  if (digits < policy.minDigits) problems.push(`Passwords must have at least ${policy.minDigits} digit(s).`);
  if (lower < policy.minLower) problems.push(`Passwords must have at least ${policy.minLower} lower case letter(s).`);
  if (upper < policy.minUpper) problems.push(`Passwords must have at least ${policy.minUpper} upper case letter(s).`);
  if (other < policy.minNonAlphanumeric) {
    problems.push(
      `The password must have at least ${policy.minNonAlphanumeric} special character(s) such as *, -, or #.`,
    );
  }
  return problems;
}

// Look-alikes (0 O o, 1 l I) are left out so that a password read off a screen is typed right; the symbols avoid
// Slack's formatting (* _ ~ ` < > & |), mention and emoji triggers (@ # :), quotes and backslashes.
const LOWER = 'abcdefghijkmnpqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '!$%+-=?^';
const ALL = LOWER + UPPER + DIGITS + SYMBOLS;

export const GENERATED_PASSWORD_LENGTH = 20;

const pick = (alphabet: string): string => alphabet[randomInt(alphabet.length)]!;

/**
 * A random password that meets Moodle's default policy by construction: at least one character of every class,
 * the rest from the whole alphabet, then shuffled (Fisher-Yates over node:crypto).
 */
export function generatePassword(length: number = GENERATED_PASSWORD_LENGTH): Secret {
  if (!Number.isInteger(length) || length < 16) throw new RangeError('Generated passwords are at least 16 characters');
  const chars = [pick(LOWER), pick(UPPER), pick(DIGITS), pick(SYMBOLS)];
  while (chars.length < length) chars.push(pick(ALL));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return new Secret(chars.join(''));
}
