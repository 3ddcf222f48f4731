// core/free-text.ts and where the core applies it: one-line profile fields refuse invisible format characters and
// line/paragraph separators (naming the field and the character), and reasons have a length cap on every path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkReason,
  describeHiddenCharacter,
  isHiddenCharacter,
  REASON_MAX_LENGTH,
} from '../../src/core/free-text.js';
import { PROFILE_FIELDS } from '../../src/core/moodle-gateway.js';
import { FIELD_LABELS, validateNewUser, validateUserUpdate } from '../../src/core/user-record.js';
import { parseAccountArgs } from '../../src/slack/parse-account-args.js';

const OPTIONS = { allowedAuth: ['manual'], defaultAuth: 'manual' };
const JANE = { username: 'jdoe', email: 'jane@example.org', firstname: 'Jane', lastname: 'Doe' };

function problemsOf(input: Record<string, string>): string[] {
  const result = validateNewUser({ ...JANE, ...input }, OPTIONS);
  return result.ok ? [] : result.problems.map((p) => p.message);
}

describe('invisible characters in one-line profile fields', () => {
  it('refuses a right-to-left override in a name, naming the field and the character', () => {
    expect(problemsOf({ lastname: 'Doe\u202Egnp.exe' })).toEqual([
      'Last name contains an invisible formatting character (U+202E RIGHT-TO-LEFT OVERRIDE); remove it.',
    ]);
  });

  it.each([
    ['firstname', 'Ja\u200Bne', 'First name contains an invisible formatting character (U+200B ZERO WIDTH SPACE)'],
    ['firstname', 'Ja\u2066ne', 'First name contains an invisible formatting character (U+2066 LEFT-TO-RIGHT ISOLATE)'],
    [
      'lastname',
      'D\uFEFFoe',
      'Last name contains an invisible formatting character (U+FEFF ZERO WIDTH NO-BREAK SPACE)',
    ],
    ['lastname', 'Do\u00ADe', 'Last name contains an invisible formatting character (U+00AD SOFT HYPHEN)'],
    ['city', 'New\u2028York', 'City/town contains a line break (U+2028 LINE SEPARATOR)'],
    ['department', 'Maths\u2029Approved', 'Department contains a line break (U+2029 PARAGRAPH SEPARATOR)'],
    ['institution', 'School\u{E0041}', 'Institution contains an invisible formatting character (U+E0041)'],
  ])('refuses %s = %j', (field, value, message) => {
    expect(problemsOf({ [field]: value })).toContain(`${message}; remove it.`);
  });

  it('refuses them in usernames and emails too, and on update', () => {
    expect(problemsOf({ username: 'ad\u200Dmin' })).toContain(
      'Username contains an invisible formatting character (U+200D ZERO WIDTH JOINER); remove it.',
    );
    expect(problemsOf({ email: 'jane\u200B@example.org' }).join(' ')).toContain('U+200B ZERO WIDTH SPACE');
    const update = validateUserUpdate({ firstname: 'Jane\u202D' }, OPTIONS);
    expect(update.ok ? [] : update.problems.map((p) => p.message)).toContain(
      'First name contains an invisible formatting character (U+202D LEFT-TO-RIGHT OVERRIDE); remove it.',
    );
  });

  it('accepts a joiner inside a word of a script that needs it (Persian, Devanagari)', () => {
    expect(validateNewUser({ ...JANE, firstname: 'فاطمه\u200Cزهرا', lastname: 'क्\u200Dष' }, OPTIONS).ok).toBe(true);
    expect(problemsOf({ firstname: 'Ja\u200Cne' })).toHaveLength(1);
  });

  it('any format or separator character in any field is refused with a message naming the field (property)', () => {
    const hidden = fc.constantFrom('\u200B', '\u200E', '\u202A', '\u202E', '\u2060', '\u2069', '\uFEFF', '\u2028');
    fc.assert(
      fc.property(
        fc.constantFrom(...PROFILE_FIELDS),
        fc.string({ maxLength: 5 }),
        hidden,
        fc.string({ maxLength: 5 }),
        (field, before, ch, after) => {
          const result = validateUserUpdate({ [field]: `x${before}${ch}${after}x` }, OPTIONS);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.problems.map((p) => p.message).join(' ')).toContain(FIELD_LABELS[field]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('describeHiddenCharacter is one pass, however long the value', () => {
    const long = `${'a\u200C'.repeat(100_000)}\u202E`;
    expect(describeHiddenCharacter('Address', long)).toBe(
      'Address contains an invisible formatting character (U+200C ZERO WIDTH NON-JOINER); remove it.',
    );
    expect(isHiddenCharacter(['a', '\u200C', 'b'], 1)).toBe(true);
    expect(isHiddenCharacter(['ن', '\u200C', 'ب'], 1)).toBe(false);
  });
});

describe('characters that show as blank in names and other one-line fields', () => {
  it.each([
    ['firstname', '\u3164', 'a character that shows as blank (U+3164 HANGUL FILLER)'],
    ['firstname', 'Ja\u115Fne', 'a character that shows as blank (U+115F HANGUL CHOSEONG FILLER)'],
    ['lastname', 'Doe\u1160', 'a character that shows as blank (U+1160 HANGUL JUNGSEONG FILLER)'],
    ['lastname', '\uFFA0Doe', 'a character that shows as blank (U+FFA0 HALFWIDTH HANGUL FILLER)'],
    ['firstname', 'Jane\u2800', 'a character that shows as blank (U+2800 BRAILLE PATTERN BLANK)'],
    ['firstname', 'Ja\u{1D159}ne', 'a character that shows as blank (U+1D159 MUSICAL SYMBOL NULL NOTEHEAD)'],
    ['lastname', 'D\u2065oe', 'a character that shows as blank (U+2065)'],
    ['lastname', 'Do\u034Fe', 'an invisible formatting character (U+034F COMBINING GRAPHEME JOINER)'],
    ['firstname', 'Jane\uFE00', 'an invisible formatting character (U+FE00 VARIATION SELECTOR-1)'],
    ['firstname', 'Jane\uFE0F', 'an invisible formatting character (U+FE0F VARIATION SELECTOR-16)'],
    ['lastname', 'Doe\u{E0100}', 'an invisible formatting character (U+E0100 VARIATION SELECTOR-17)'],
    ['lastname', 'Doe\u180B', 'an invisible formatting character (U+180B MONGOLIAN FREE VARIATION SELECTOR ONE)'],
    ['lastname', 'Doe\u{E0000}', 'a character that shows as blank (U+E0000)'],
    ['institution', 'School\u17B4', 'an invisible formatting character (U+17B4 KHMER VOWEL INHERENT AQ)'],
  ])('refuses %s = %j, naming the character', (field, value, what) => {
    expect(problemsOf({ [field]: value })).toContain(
      `${FIELD_LABELS[field as 'firstname']} contains ${what}; remove it.`,
    );
  });

  it('a name made of a Hangul filler alone is refused on create and on update', () => {
    expect(problemsOf({ firstname: '\u3164', lastname: '\u3164' })).toEqual([
      'First name contains a character that shows as blank (U+3164 HANGUL FILLER); remove it.',
      'Last name contains a character that shows as blank (U+3164 HANGUL FILLER); remove it.',
    ]);
    const update = validateUserUpdate({ lastname: 'Kim\u3164' }, OPTIONS);
    expect(update.ok ? [] : update.problems.map((p) => p.message)).toEqual([
      'Last name contains a character that shows as blank (U+3164 HANGUL FILLER); remove it.',
    ]);
  });

  it('accepts real Korean names, typed as syllables or as jamo that compose into them', () => {
    expect(validateNewUser({ ...JANE, firstname: '민준', lastname: '김' }, OPTIONS).ok).toBe(true);
    expect(validateNewUser({ ...JANE, firstname: '김민준', lastname: '서연' }, OPTIONS).ok).toBe(true);
    // 김 as conjoining jamo (U+1100 U+1175 U+11B7): NFC makes it the syllable.
    const jamo = validateNewUser({ ...JANE, lastname: '\u1100\u1175\u11B7' }, OPTIONS);
    expect(jamo.ok && jamo.record.lastname).toBe('김');
  });

  it('keeps one variation selector where it picks a form: an emoji style, a Han variant, a Mongolian letter', () => {
    const accepted = (department: string) => validateNewUser({ ...JANE, department }, OPTIONS).ok;
    expect(accepted('Maths \u2764\uFE0F')).toBe(true);
    expect(accepted('Maths \u2764\uFE0F\u200D\u{1F525}')).toBe(true);
    expect(accepted('\u845B\u{E0100}\u98FE')).toBe(true);
    expect(accepted('\u1820\u180B')).toBe(true);
    // A second selector selects nothing: the way bytes are smuggled behind one emoji.
    expect(accepted('Maths \u2764\uFE0F\uFE01')).toBe(false);
    expect(accepted('\u{1F600}\u{E0101}\u{E0102}')).toBe(false);
    expect(accepted('\uFE0FMaths')).toBe(false);
  });

  it('blank characters are shown as the hidden mark on the way out too (isHiddenCharacter)', () => {
    for (const ch of ['\u3164', '\u115F', '\u1160', '\uFFA0', '\u2800', '\u180E', '\u206F', '\uFE00', '\u{E0001}']) {
      expect(isHiddenCharacter(['a', ch, 'b'], 1)).toBe(true);
    }
    for (const ch of ['김', '민', '\u1100', 'a', ' ', '\u3000'])
      expect(isHiddenCharacter(['a', ch, 'b'], 1)).toBe(false);
  });
});

describe('reason length', () => {
  it('allows 500 characters, counted as a person counts them', () => {
    expect(checkReason('x'.repeat(REASON_MAX_LENGTH))).toBeUndefined();
    expect(checkReason('😀'.repeat(REASON_MAX_LENGTH))).toBeUndefined();
    expect(checkReason(undefined)).toBeUndefined();
    expect(checkReason('x'.repeat(REASON_MAX_LENGTH + 1))).toEqual({
      field: 'reason',
      message: 'Reason is too long: 501 characters, at most 500.',
    });
  });

  it('the text command refuses a longer reason before anything is looked up', () => {
    const parsed = parseAccountArgs(`jdoe reason="${'x'.repeat(600)}"`, { allowFields: false, allowReason: true });
    expect(parsed.problems).toEqual(['Reason is too long: 600 characters, at most 500.']);
  });
});
