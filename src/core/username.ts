// Usernames derived from an email address when the requester gives none (the README's keys), made valid for
// Moodle (PARAM_USERNAME: lowercase [-.@_a-z0-9], at most 100 characters) and free on the site.
import { FIELD_MAX_LENGTHS } from './user-record.js';

const MAX = FIELD_MAX_LENGTHS.username;
/** Used when nothing usable is left of the local part (e.g. 李@example.org). */
export const FALLBACK_USERNAME = 'user';

// Latin letters that Unicode does not decompose into a base letter plus accents.
const LATIN_LETTERS: Readonly<Record<string, string>> = {
  ł: 'l',
  ø: 'o',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};

/**
 * jane.doe+moodle@example.org → jane.doe. The local part is lowercased, accents are dropped (José → jose, Łukasz → lukasz),
 * a +tag is removed, other characters Moodle refuses are dropped, and separators at the ends are trimmed.
 */
export function deriveUsername(email: string): string {
  // Bounded first: a valid address is at most 100 characters, so nothing past 320 can matter.
  const text = typeof email === 'string' ? email.slice(0, 320).trim() : '';
  const at = text.lastIndexOf('@');
  let local = at >= 0 ? text.slice(0, at) : text;
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  const cleaned = local
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[łøßæœđðþı]/g, (ch) => LATIN_LETTERS[ch] ?? '')
    .replace(/[^-._a-z0-9]/g, '');
  const trimmed = trimSeparators(trimSeparators(cleaned).slice(0, MAX));
  return trimmed === '' ? FALLBACK_USERNAME : trimmed;
}

const isSeparator = (ch: string | undefined): boolean => ch === '-' || ch === '.' || ch === '_';

/** Drops - . _ at both ends (a `[-._]+$` pattern would retry at every separator of a long run: quadratic). */
function trimSeparators(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSeparator(text[start])) start++;
  while (end > start && isSeparator(text[end - 1])) end--;
  return text.slice(start, end);
}

/** `base` with a numeric suffix, cutting `base` so that the whole stays within Moodle's 100 characters. */
export function withSuffix(base: string, n: number): string {
  const suffix = n <= 1 ? '' : String(n);
  return base.slice(0, MAX - suffix.length) + suffix;
}

/**
 * The first of jdoe, jdoe2, jdoe3 … that `isTaken` says is free, or undefined after `maxTries` candidates.
 * Errors from `isTaken` (Moodle unreachable) propagate: the caller must not guess.
 */
export async function pickFreeUsername(
  base: string,
  isTaken: (username: string) => Promise<boolean>,
  maxTries = 50,
): Promise<string | undefined> {
  for (let n = 1; n <= maxTries; n++) {
    const candidate = withSuffix(base, n);
    if (!(await isTaken(candidate))) return candidate;
  }
  return undefined;
}
